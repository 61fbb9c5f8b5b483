"""Mounting the portal on the catalog app: page routes, CSRF checks and static files."""

import inspect
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.catalog.api.deps import SettingsDep
from services.catalog.core.errors import AppError
from services.catalog.portal.context import error_response
from services.catalog.portal.pages import account, public

STATIC_DIR = Path(__file__).parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def require_csrf(request: Request, settings: SettingsDep) -> None:
    """Refuse any unsafe request to a portal page that lacks a valid CSRF token."""
    from services.catalog.portal.csrf import csrf_ok

    if request.method not in SAFE_METHODS and not await csrf_ok(request, settings.secret_key):
        raise AppError("表单已失效或来源不明（缺少安全令牌），请刷新页面后重试",
                       "The form has expired or did not come from this site (missing security token); "
                       "reload the page and try again", status_code=403, code="csrf")


def portal_router() -> APIRouter:
    """Every page of the portal, behind the CSRF check."""
    from services.catalog.portal.pages import (
        broker,
        bureau,
        challenge_apply,
        challenge_review,
        challenges,
        dispatch_board,
        enterprise,
        event_plan,
        events,
        expert_host,
        expert_work,
        experts,
        gaps,
        inbox,
        subscriptions,
        university,
    )

    router = APIRouter(dependencies=[Depends(require_csrf)])
    for module in (account, enterprise, university, inbox, broker, bureau, challenges, challenge_apply,
                   challenge_review, experts, expert_work, expert_host, dispatch_board, event_plan, events, gaps,
                   subscriptions, public):
        router.include_router(module.router)
    return router


def _html_not_found(app: FastAPI) -> None:
    """Browsers get a polite HTML page for unknown paths; API callers keep the JSON error."""
    json_handler = app.exception_handlers.get(StarletteHTTPException)

    async def handler(request: Request, exc: Exception) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if wants_html and isinstance(exc, StarletteHTTPException) and exc.status_code == 404 \
                and not request.url.path.startswith(("/api/", "/static/")):
            return error_response(request, 404, "找不到该页面", "Page not found")
        if json_handler is None:
            raise exc
        response = json_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, handler)


def install_portal(app: FastAPI) -> None:
    """Serve the portal's pages at / and its scripts, styles and fonts at /static."""
    app.include_router(portal_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="portal-static")
    _html_not_found(app)
