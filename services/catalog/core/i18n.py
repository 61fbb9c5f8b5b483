"""Picking the reader's language (query, cookie, then Accept-Language); messages are translated in shared.errors."""

from fastapi import Request

from shared.errors import prefers_chinese


def wants_chinese(request: Request) -> bool:
    """Whether the request's Accept-Language (or ?lang=) prefers Chinese."""
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang:
        return lang.lower().startswith("zh")
    return prefers_chinese(request.headers.get("accept-language"))
