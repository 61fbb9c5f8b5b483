"""The matcher's app factory: models loaded and the change feed followed during the lifespan."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import faiss
from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from services.matcher.api.deps import require_service
from services.matcher.api.errors import install_error_handlers
from services.matcher.api.main import api_router
from services.matcher.api.metrics import MatcherCollector
from services.matcher.api.openapi import matcher_statuses
from services.matcher.build import build_matcher
from services.matcher.config import MatcherSettings
from services.matcher.sync import CatalogFollower
from shared.metrics import install_metrics
from shared.openapi import declare_errors


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
    install_error_handlers(app)
    app.include_router(api_router)
    declare_errors(app, statuses_of=matcher_statuses)
    install_metrics(app, service="matcher", collectors=[MatcherCollector(app)],
                    dependencies=[Depends(require_service)])
    return app
