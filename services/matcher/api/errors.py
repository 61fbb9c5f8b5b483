"""The matcher's error type, and the handlers that render every error as {error, message, detail}."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import ErrorBody, prefers_chinese, validation_body

# status -> (code, Chinese message) of the errors Starlette and FastAPI raise themselves
_HTTP = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "需要有效的服务令牌"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "找不到该路径"),
    405: ("method_not_allowed", "该路径不支持此请求方法"),
    413: ("too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持该内容类型"),
}


class MatcherError(Exception):
    """An error the caller can act on, with its message in Chinese and English."""

    def __init__(self, zh: str, en: str, *, status_code: int = 400, code: str = "bad_request",
                 detail: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en
        self.status_code, self.code = status_code, code
        self.detail = detail or []
        self.headers = headers


def _render(code: str, message: str, status_code: int, *, detail: list[dict[str, Any]] | None = None,
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=code, message=message, detail=detail or [])
    return JSONResponse(body.model_dump(), status_code, headers)


def _chinese(request: Request) -> bool:
    return prefers_chinese(request.headers.get("accept-language"))


async def _matcher_error(request: Request, exc: MatcherError) -> JSONResponse:
    return _render(exc.code, exc.zh if _chinese(request) else exc.en, exc.status_code, detail=exc.detail,
                   headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    body = validation_body(list(exc.errors()), chinese=_chinese(request))
    return JSONResponse(body.model_dump(), 422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, zh = _HTTP.get(exc.status_code, ("http_error", f"请求失败（{exc.detail}）"))
    return _render(code, zh if _chinese(request) else str(exc.detail), exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render MatcherError, request validation errors and HTTP errors (404, 405, ...) as {error, message, detail}."""
    app.exception_handler(MatcherError)(_matcher_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
