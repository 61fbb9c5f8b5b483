"""Which error statuses each matcher route can answer, read off its dependencies and body."""

from fastapi.routing import RouteContext

from services.matcher.api.deps import require_service
from shared.openapi import dependency_calls


def matcher_statuses(route: RouteContext) -> set[int]:
    """401 where the service token is required, 400 where a body may not decode."""
    statuses: set[int] = set()
    if require_service in set(dependency_calls(route.dependant)):
        statuses.add(401)
    if route.body_field is not None:
        statuses.add(400)
    return statuses
