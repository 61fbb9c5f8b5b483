"""The matcher service: `uvicorn --factory services.matcher.main:create_app`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import faiss
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from services.matcher.api.main import api_router
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, Embedder, e5_available, load_embedder
from services.matcher.engine import Matcher
from services.matcher.sync import CatalogFollower
from services.matcher.text import warm_up

log = logging.getLogger(__name__)


def build_matcher(settings: MatcherSettings) -> Matcher:
    """Load the models and the stored index (a snapshot from another model is refused)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = load_embedder(settings.embedder)
    second: Embedder | None = None
    if settings.second_embedder == "e5" or (settings.second_embedder == "auto" and e5_available()):
        second = E5Embedder()
    warm_up()
    matcher = Matcher(settings, embedder, second)
    if matcher.load():
        log.info("resumed index at cursor %d: %s", matcher.index.cursor, matcher.index.counts())
    return matcher


def create_app(settings: MatcherSettings | None = None) -> FastAPI:
    """Build the matcher app; the models load and the change feed is followed during the lifespan."""
    settings = settings or MatcherSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        faiss.omp_set_num_threads(1)  # single queries: threads cost more than they give
        matcher = await run_in_threadpool(build_matcher, settings)
        app.state.matcher = matcher
        follower = CatalogFollower(matcher, settings) if settings.follow else None
        task = asyncio.create_task(follower.run()) if follower else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if follower is not None:
                await follower.aclose()
            await run_in_threadpool(matcher.save, force=True)

    app = FastAPI(title="duijie matcher", summary="Ranks research outputs against technology needs",
                  lifespan=lifespan)
    app.state.settings = settings
    app.include_router(api_router)
    return app
