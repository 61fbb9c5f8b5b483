"""Following the change feed: pages applied in order, cursor persisted and resumed, lag reported."""

import httpx
import pytest

from services.matcher.engine import Matcher
from services.matcher.sync import CatalogFollower
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, settings_for
from tests.matcher.fake_catalog import create_app, expected_candidates, synthetic_feed


def _follower(matcher: Matcher, app, **overrides) -> CatalogFollower:  # type: ignore[no-untyped-def]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog",
                               headers={"Authorization": f"Bearer {matcher.settings.service_token}"})
    return CatalogFollower(matcher, matcher.settings, client=client)


async def test_follows_pages_and_resumes_from_the_cursor(tmp_path, embedder):
    feed = synthetic_feed(60)
    app = create_app(feed)
    settings = settings_for(tmp_path, page_size=25)
    matcher = Matcher(settings, embedder)
    follower = _follower(matcher, app)
    await follower.catch_up()
    expected = expected_candidates(feed)
    assert {k: set(matcher.index[k].items) for k in ItemKind} == expected
    status = matcher.status()
    assert (status.cursor, status.lag) == (feed.last_seq, 0)
    assert status.items == {k.value: len(v) for k, v in expected.items()}

    feed.put(need(500, "锂电池隔膜耐高温", "需要陶瓷涂覆隔膜。"))
    restarted = Matcher(settings, embedder)
    assert restarted.load() and restarted.index.cursor == feed.last_seq - 1
    app.state.asked_after.clear()
    await _follower(restarted, app).poll_once()
    assert app.state.asked_after == [feed.last_seq - 1]  # resumed, not re-read from 0
    assert 500 in restarted.index[ItemKind.need].items
    await follower.aclose()


async def test_wrong_service_token_is_an_error(tmp_path, embedder):
    matcher = Matcher(settings_for(tmp_path, service_token="wrong"), embedder)
    follower = _follower(matcher, create_app(Feed()))
    with pytest.raises(httpx.HTTPStatusError):
        await follower.poll_once()


async def test_new_need_is_matchable_after_one_poll(tmp_path, embedder):
    feed = Feed()
    feed.put(*OUTPUTS)
    matcher = Matcher(settings_for(tmp_path), embedder)
    follower = _follower(matcher, create_app(feed))
    await follower.catch_up()
    feed.put(need(7, "秸秆燃料", "需要秸秆压块燃料技术。"))
    await follower.poll_once()
    results = matcher.match(MatchRequest(target=ItemKind.need, item=OUTPUTS[1])).results
    assert [r.id for r in results] == [7]
