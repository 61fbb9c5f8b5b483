"""The error body both services render, picking the caller's language, and validation errors in that language."""

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


# pydantic's error types in Chinese (English callers get pydantic's own text)
PYDANTIC_ZH = {
    "missing": "此项必填",
    "string_type": "应为文本",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "最多两位小数",
    "bool_parsing": "应为是/否",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "list_type": "应为列表",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效",
    "decimal_max_digits": "数字位数过多",
    "decimal_whole_digits": "整数部分位数过多",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "int_from_float": "应为整数",
    "bool_type": "应为是/否",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_type": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "too_long": "条目过多",
    "too_short": "条目过少",
    "string_pattern_mismatch": "格式不正确",
    "less_than": "数值过大",
    "greater_than_equal_to": "数值过小",
    "json_type": "应为 JSON",
    "url_parsing": "网址格式不正确",
    "model_type": "应为对象",
}


def translate_error(error: dict[str, Any], chinese: bool) -> str:
    """A pydantic error's message in the user's language."""
    if error.get("type") == "value_error":
        msg = str(error.get("msg", "")).removeprefix("Value error, ")
        both = split_bilingual(msg)
        if both:
            return both[0] if chinese else both[1]
        return msg or (PYDANTIC_ZH["value_error"] if chinese else "invalid value")
    if not chinese:
        return str(error.get("msg", "invalid value"))
    if error.get("type") == "enum":
        expected = (error.get("ctx") or {}).get("expected")
        return f"不是允许的取值，可选：{expected}" if expected else PYDANTIC_ZH["enum"]
    return PYDANTIC_ZH.get(str(error.get("type")), str(error.get("msg", "取值无效")))


def error_column(error: dict[str, Any]) -> str:
    """The dotted field a validation error is about, or "body" for the request body as a whole."""
    if error.get("type") == "json_invalid":  # its loc ends in a character offset, not a field
        return "body"
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def validation_body(errors: list[dict[str, Any]], *, chinese: bool) -> ErrorBody:
    """A request's validation errors as one body: a row per field, the first five in the message."""
    detail = [{"column": error_column(e), "message": translate_error(e, chinese)} for e in errors]
    head = "; ".join(f"{d['column']}: {d['message']}" for d in detail[:5])
    message = f"请求内容有误：{head}" if chinese else f"Invalid request: {head}"
    return ErrorBody(error="validation_error", message=message, detail=detail)
