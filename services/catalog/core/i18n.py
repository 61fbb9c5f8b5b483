"""Picking the user's language and translating validation messages."""

from typing import Any

from fastapi import Request

from shared.errors import prefers_chinese, split_bilingual

_PYDANTIC_ZH = {
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
}


def wants_chinese(request: Request) -> bool:
    """Whether the request's Accept-Language (or ?lang=) prefers Chinese."""
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang:
        return lang.lower().startswith("zh")
    return prefers_chinese(request.headers.get("accept-language"))


def translate_error(error: dict[str, Any], chinese: bool) -> str:
    """A pydantic error's message in the user's language."""
    if error.get("type") == "value_error":
        msg = str(error.get("msg", "")).removeprefix("Value error, ")
        both = split_bilingual(msg)
        if both:
            return both[0] if chinese else both[1]
        return msg or (_PYDANTIC_ZH["value_error"] if chinese else "invalid value")
    if not chinese:
        return str(error.get("msg", "invalid value"))
    if error.get("type") == "enum":
        expected = (error.get("ctx") or {}).get("expected")
        return f"不是允许的取值，可选：{expected}" if expected else _PYDANTIC_ZH["enum"]
    return _PYDANTIC_ZH.get(str(error.get("type")), str(error.get("msg", "取值无效")))
