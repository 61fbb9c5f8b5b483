"""Following the catalog's change feed into the index, resuming from the persisted cursor."""

import asyncio
import logging

import httpx
from starlette.concurrency import run_in_threadpool

from services.matcher import persist
from services.matcher.build import build_matcher
from services.matcher.config import MatcherSettings
from services.matcher.engine import Matcher
from services.matcher.progress import Progress
from shared.schemas import ChangesPage

log = logging.getLogger(__name__)
MAX_BACKOFF = 10.0


class CatalogFollower:
    """Polls `GET /api/v1/changes?after=cursor` and applies each page; one per matcher replica."""

    def __init__(self, matcher: Matcher, settings: MatcherSettings, client: httpx.AsyncClient | None = None) -> None:
        self.matcher = matcher
        self.settings = settings
        self.progress = Progress()
        self._client = client or httpx.AsyncClient(
            base_url=settings.catalog_url, timeout=10.0,
            headers={"Authorization": f"Bearer {settings.service_token}"})

    async def fetch(self) -> ChangesPage:
        """Fetch the next page after the current cursor."""
        response = await self._client.get(
            "/api/v1/changes", params={"after": self.matcher.index.cursor, "limit": self.settings.page_size})
        response.raise_for_status()
        return ChangesPage.model_validate(response.json())

    async def poll_once(self) -> int:
        """Apply one page and snapshot when due; return the number of changes in the page."""
        page = await self.fetch()
        self.matcher.observe_head(page.last_seq)  # the lag shows while the page is being applied
        await run_in_threadpool(self.matcher.apply, page.changes)
        await run_in_threadpool(self.matcher.save)
        self.progress.report(self.matcher.status())
        return len(page.changes)

    async def run(self) -> None:
        """Follow forever: drain full pages at once, otherwise wait the poll interval; back off on errors."""
        failures = 0
        while True:
            try:
                n = await self.poll_once()
                failures = 0
                if n >= self.settings.page_size:
                    continue
                await asyncio.sleep(self.settings.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the catalog may be down or restarting: keep trying
                failures += 1
                delay = min(self.settings.poll_interval * 2**failures, MAX_BACKOFF)
                log.warning("change feed poll failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def catch_up(self) -> None:
        """Follow until the cursor reaches the catalog's newest change, then snapshot."""
        while True:
            n = await self.poll_once()
            seq = self.matcher.index.catalog_seq or 0
            if n == 0 and self.matcher.index.cursor >= seq:
                break
        await run_in_threadpool(self.matcher.save, force=True)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def rebuild(settings: MatcherSettings) -> Matcher:
    """Drop the stored index, reset the cursor and re-follow the catalog from 0 until caught up."""
    persist.reset(settings.data_dir)
    matcher = build_matcher(settings)

    async def follow() -> None:
        follower = CatalogFollower(matcher, settings)
        try:
            await follower.catch_up()
        finally:
            await follower.aclose()

    asyncio.run(follow())
    return matcher
