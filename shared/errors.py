"""The error body both services render, and picking the caller's language for its message."""

import re
from typing import Any

from pydantic import BaseModel, Field

# Our own validators write "中文 (English)"; each language gets its half.
_BILINGUAL = re.compile(r"^(?P<zh>.+?) \((?P<en>[^()]*)\)$", re.S)


class ErrorBody(BaseModel):
    """Every 4xx answer: a stable code, a message in the caller's language and per-field rows."""

    error: str = Field(description="machine-readable code, e.g. validation_error")
    message: str = Field(description="what went wrong, in Chinese or English")
    detail: list[dict[str, Any]] = Field(default_factory=list, description='rows of {"column"?, "message"}')


def prefers_chinese(accept_language: str | None) -> bool:
    """Whether an Accept-Language header ranks a Chinese tag highest (the first of equal q-values wins)."""
    best, best_q = "", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > best_q:
            best, best_q = tag.lower(), q
    return best.startswith("zh")


def split_bilingual(message: str) -> tuple[str, str] | None:
    """The Chinese and English halves of a "中文 (English)" message, or None if it is not in that form."""
    both = _BILINGUAL.match(message)
    return (both["zh"], both["en"]) if both else None
