"""The portal's route class: catalog errors become polite pages, sign-in problems become redirects."""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from services.catalog.api.deps import SESSION_COOKIE
from services.catalog.core.errors import AppError
from services.catalog.portal.context import LoginRequired, error_response


class PortalRoute(APIRoute):
    """An APIRoute whose handler renders errors as HTML pages instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so errors turn into pages and redirects."""
        handler = super().get_route_handler()

        async def portal_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                params = {"next": exc.next_url, **({"expired": "1"} if exc.expired else {})}
                response = RedirectResponse("/login?" + urlencode(params), status_code=303)
                if exc.expired:
                    response.delete_cookie(SESSION_COOKIE)
                return response
            except AppError as exc:
                return error_response(request, exc.status_code, exc.zh, exc.en)
            except RequestValidationError:
                return error_response(request, 400, "请求参数有误", "The request's parameters are invalid")

        return portal_handler
