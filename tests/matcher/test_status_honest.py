"""The matcher's status tells the truth at every moment: lag shows while a page is being applied, is unknown
(not 0) after a restart until the first poll, and the console reports progress only while behind."""

import asyncio
import threading
from typing import Any

import httpx

from services.matcher.engine import Matcher
from services.matcher.progress import Progress
from services.matcher.sync import CatalogFollower
from shared.schemas import MatcherStatus
from tests.matcher.conftest import settings_for
from tests.matcher.fake_catalog import create_app, synthetic_feed


def _follower(matcher: Matcher, app: Any) -> CatalogFollower:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog",
                               headers={"Authorization": f"Bearer {matcher.settings.service_token}"})
    return CatalogFollower(matcher, matcher.settings, client=client)


async def test_lag_shows_while_a_large_page_is_applied_and_is_unknown_after_a_restart(tmp_path, embedder):
    feed = synthetic_feed(120)
    matcher = Matcher(settings_for(tmp_path, page_size=500), embedder)
    follower = _follower(matcher, create_app(feed))
    entered, release = threading.Event(), threading.Event()
    prepare = matcher.prepare

    def paused_prepare(items):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(timeout=60)
        return prepare(items)

    matcher.prepare = paused_prepare  # type: ignore[method-assign]
    polling = asyncio.create_task(follower.poll_once())
    assert await asyncio.to_thread(entered.wait, 60)
    during = matcher.status()
    assert (during.cursor, during.catalog_seq, during.lag) == (0, feed.last_seq, feed.last_seq)
    release.set()
    await polling
    after = matcher.status()
    assert (after.cursor, after.lag, after.eta_seconds) == (feed.last_seq, 0, 0.0)
    assert after.items_per_second and after.items_per_second > 0
    matcher.save(force=True)
    await follower.aclose()

    restarted = Matcher(matcher.settings, embedder)
    assert restarted.load()
    status = restarted.status()
    assert status.cursor == feed.last_seq and (status.catalog_seq, status.lag) == (None, None)


def _status(lag: int, cursor: int = 100) -> MatcherStatus:
    return MatcherStatus(items={"output": 7, "need": 3, "expert": 0}, cursor=cursor, catalog_seq=cursor + lag, lag=lag,
                         items_per_second=25.0 if lag else None, eta_seconds=lag / 25.0 if lag else 0.0,
                         model="usem3", dimension=512, index_type="flat")


def test_progress_lines_every_few_seconds_while_behind_once_when_caught_up_and_none_when_idle():
    now = [0.0]
    progress = Progress(every=5.0, clock=lambda: now[0])
    assert progress.report(_status(0)) is None  # idle from the start
    first = progress.report(_status(900))
    assert first is not None and "900 changes behind" in first and "about 36 s left" in first
    now[0] = 4.9
    assert progress.report(_status(600)) is None  # not yet due
    now[0] = 5.0
    assert "600 changes behind" in (progress.report(_status(600)) or "")
    done = progress.report(_status(0, cursor=1000))
    assert done is not None and "caught up at change 1,000" in done and "7 outputs" in done
    now[0] = 60.0
    assert [progress.report(_status(0, cursor=1000)) for _ in range(3)] == [None, None, None]
