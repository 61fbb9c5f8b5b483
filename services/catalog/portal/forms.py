"""Turning submitted HTML forms into API models, and validation errors into per-field messages."""

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from shared.errors import translate_error

_SPLIT = re.compile(r"[,，、;；\n]+")


def split_list(text: str) -> list[str]:
    """Keywords typed as one line: split on commas (either width), 、 or semicolons."""
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


def field_errors(exc: ValidationError, lang: str, model_field: str) -> dict[str, str]:
    """One message per form field (the first error wins); model-level errors go to `model_field`."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ()
        name = str(loc[0]) if loc else model_field
        errors.setdefault(name, translate_error(dict(error), lang == "zh"))
    return errors


def form_values(form: FormData, names: tuple[str, ...], list_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted values to echo back into a form after an error."""
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in names}
    for name in list_names:
        values[name] = [str(v) for v in form.getlist(name)]
    return values
