"""One error type for the catalog and the handlers that render it in the user's language."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.catalog.core.i18n import wants_chinese
from shared.errors import ErrorBody, validation_body


class AppError(Exception):
    """An error a person can act on, with its message in Chinese and English."""

    status_code = 400
    code = "bad_request"

    def __init__(self, zh: str, en: str, *, status_code: int | None = None, code: str | None = None,
                 detail: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en
        self.detail = detail or []
        self.headers = headers or {}
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code


class NotFound(AppError):
    """The thing does not exist or the caller may not see it."""

    status_code, code = 404, "not_found"


class Unauthorized(AppError):
    """The caller is not signed in or the credentials are wrong."""

    status_code, code = 401, "unauthorized"


class Forbidden(AppError):
    """The caller is signed in but may not do this."""

    status_code, code = 403, "forbidden"


class ValidationFailed(AppError):
    """A request the schemas let through but the rules refuse; each detail row names its column in both languages."""

    status_code, code = 422, "validation_error"

    def __init__(self, zh: str, en: str, *, detail: list[dict[str, Any]]) -> None:
        missing = [row for row in detail if "zh" not in row or "en" not in row]
        if missing:
            raise TypeError(f"detail rows need both zh and en: {missing}")
        super().__init__(zh, en, detail=detail)


class TooManyAttempts(AppError):
    """The caller tried too often; `Retry-After` says when to try again."""

    status_code, code = 429, "too_many_attempts"

    def __init__(self, seconds: float) -> None:
        wait = max(1, round(seconds))
        super().__init__(f"尝试次数过多，请 {wait} 秒后再试", f"Too many attempts; try again in {wait} seconds",
                         headers={"Retry-After": str(wait)})


class Conflict(AppError):
    """The request collides with the current state (stale version, duplicate key)."""

    status_code, code = 409, "conflict"


def _body(code: str, message: str, detail: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return ErrorBody(error=code, message=message, detail=detail or []).model_dump()


def localise(row: dict[str, Any], zh: bool) -> dict[str, Any]:
    """A detail row in one language: its {"zh", "en"} pair becomes the caller's "message"."""
    if "zh" not in row:
        return row
    rest = {k: v for k, v in row.items() if k not in ("zh", "en")}
    return {**rest, "message": row["zh"] if zh else row["en"]}


def install_error_handlers(app: FastAPI) -> None:
    """Render AppError, validation errors and HTTP errors as {error, message, detail}."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        zh = wants_chinese(request)
        headers = {**({"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}), **exc.headers} or None
        detail = [localise(d, zh) for d in exc.detail]
        return JSONResponse(_body(exc.code, exc.zh if zh else exc.en, detail), exc.status_code, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = validation_body(list(exc.errors()), chinese=wants_chinese(request))
        return JSONResponse(body.model_dump(), 422)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # Safety net: a value the schemas let through but the database refuses is the caller's error.
        zh = wants_chinese(request)
        message = "请求中有数据库无法保存的取值" if zh else "The request holds a value the database cannot store"
        return JSONResponse(_body("invalid_value", message), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = wants_chinese(request)
        default_zh = {400: "请求内容无法解析", 404: "找不到该页面或资源", 405: "不支持该请求方法", 401: "请先登录"}
        message = default_zh.get(exc.status_code, str(exc.detail)) if zh else str(exc.detail)
        return JSONResponse(_body("http_error", message), exc.status_code, getattr(exc, "headers", None))
