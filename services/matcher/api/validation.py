"""Pydantic's validation errors as {column, message} rows in the caller's language."""

from typing import Any

from shared.errors import split_bilingual

# The error types a caller of the matcher meets; "{name}" is filled from the error's context.
_ZH = {
    "missing": "此项必填",
    "json_invalid": "JSON 格式错误",
    "json_type": "应为 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "enum": "应为以下取值之一：{expected}",
    "literal_error": "应为以下取值之一：{expected}",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "extra_forbidden": "不允许的字段",
}
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def column(error: dict[str, Any]) -> str:
    """The dotted field an error is about, or "body" for the request body as a whole."""
    loc = [str(p) for p in error.get("loc", ())]
    if error.get("type") == "json_invalid":  # its loc ends in a character offset, not a field
        return "body"
    fields = loc[1:] if loc and loc[0] in _LOCATIONS else loc
    return ".".join(fields) or "body"


def message(error: dict[str, Any], *, chinese: bool) -> str:
    """One error's message: our validators' "中文 (English)" half, or pydantic's English or its Chinese."""
    english = str(error.get("msg", "")).removeprefix("Value error, ")
    halves = split_bilingual(english) if error.get("type") == "value_error" else None
    if halves is not None:
        return halves[0] if chinese else halves[1]
    if not chinese:
        return english or "invalid value"
    template = _ZH.get(str(error.get("type")))
    if template is None:
        return f"取值无效：{english}" if english else "取值无效"
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):  # a context without the value the template names
        return template.split("{", 1)[0].rstrip("： ") or "取值无效"


def detail_rows(errors: list[dict[str, Any]], *, chinese: bool) -> list[dict[str, Any]]:
    """A row per error: the column it is about and its message."""
    return [{"column": column(e), "message": message(e, chinese=chinese)} for e in errors]
