"""Builds the catalog app: settings, database, routes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.catalog.accounts.throttle import SignInGuard
from services.catalog.api.deps import ServiceAuth
from services.catalog.api.main import api_router
from services.catalog.api.metrics import CatalogCollector
from services.catalog.api.openapi import catalog_statuses
from services.catalog.core.config import CatalogSettings
from services.catalog.core.db import READ_ONLY, is_sqlite, make_engine, migrate
from services.catalog.core.errors import install_error_handlers
from services.catalog.core.guard import Guard, WriteQueue
from services.catalog.core.ratelimit import RateLimit
from services.catalog.core.tables import utcnow
from services.catalog.portal.app import install_portal
from services.catalog.subscriptions.alerts import start_follower
from services.catalog.workflow.outbox import start_sender
from shared.metrics import install_metrics
from shared.openapi import declare_errors


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    """The catalog service as an ASGI app (a uvicorn factory)."""
    settings = settings or CatalogSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.db_url)
        migrate(engine)
        app.state.engine = engine
        app.state.read_engine = engine.execution_options(**{READ_ONLY: True})  # what GET requests read with
        sender = start_sender(engine, settings)  # e-mail notifications; None without SMTP
        # subscription alerts and digests, by the app's clock of the moment (tests replace it)
        follower = start_follower(engine, settings, clock=lambda: app.state.clock())
        try:
            yield
        finally:
            if follower is not None:
                follower.stop()
            if sender is not None:
                sender.stop()
            engine.dispose()

    app = FastAPI(title="产学研对接平台 · Catalog", version="0.1.0", lifespan=lifespan,
                  description="Research outputs, technology needs, accounts and the change feed.")
    app.state.settings = settings
    app.state.sign_in_guard = SignInGuard()
    app.state.search_limit = RateLimit(limit=settings.anon_search_per_minute)  # anonymous free-text searches
    app.state.clock = utcnow  # deadlines are judged by it; tests move it by hand
    install_error_handlers(app)
    app.include_router(api_router)
    declare_errors(app, statuses_of=catalog_statuses)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the service answers."""
        return {"status": "ok", "service": "catalog"}

    install_portal(app)  # the web portal: pages at /, files at /static
    app.add_middleware(Guard, max_body=int(settings.max_json_mb * 1024 * 1024))
    if is_sqlite(settings.db_url):
        app.add_middleware(WriteQueue, slots=settings.sqlite_writers)
    # added last, so outermost: a request's time includes its wait in the write queue
    install_metrics(app, service="catalog", collectors=[CatalogCollector(app)], dependencies=[ServiceAuth])
    return app
