"""The OpenAPI documents both services publish: every error answer declared, with the body it really has."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from shared.errors import ErrorBody

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
# what each error status means, where a route does not say it better
MEANING = {
    400: "the body cannot be decoded",
    401: "not signed in, or the credentials are invalid or expired",
    403: "the caller's role or organisation may not do this",
    404: "no such record, or not visible to the caller",
    409: "conflicts with the current state (stale version, duplicate, illegal transition)",
    413: "the body or file is larger than the limit",
    415: "the file is not of a supported type",
    422: "the request does not validate; detail names each field",
    429: "too many attempts; retry after the Retry-After header",
    503: "a service this answer needs is unavailable",
}
# FastAPI's own validation schemas, unused once every 422 is an ErrorBody
_FASTAPI_DEFAULTS = ("HTTPValidationError", "ValidationError")

StatusesOf = Callable[[RouteContext], set[int]]


def error_responses(*statuses: int, **why: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring ErrorBody answers; `why` gives a route's own reason as s409="…"."""
    return {s: {"model": ErrorBody, "description": why.get(f"s{s}", MEANING[s])} for s in statuses}


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every callable a route depends on, at any depth."""
    if dependant.call is not None:
        yield dependant.call
    for child in dependant.dependencies:
        yield from dependency_calls(child)


def declare_errors(app: FastAPI, *, statuses_of: StatusesOf) -> None:
    """Make the app's OpenAPI document declare ErrorBody for every 4xx/5xx an operation can answer:
    those its route lists, those `statuses_of` derives from the route, and 422 wherever it takes input."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _rewrite(build(), app, statuses_of)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _rewrite(schema: dict[str, Any], app: FastAPI, statuses_of: StatusesOf) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_DEFAULTS:
        components.pop(name, None)
    components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        for method in context.methods or ():
            responses = schema["paths"][context.path_format][method.lower()]["responses"]
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(declared | statuses_of(context)):
                entry = responses.setdefault(str(status), {})
                if entry.get("description") in (None, "", "Validation Error", "Additional Response"):
                    entry["description"] = MEANING.get(status, "error")
                entry["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
