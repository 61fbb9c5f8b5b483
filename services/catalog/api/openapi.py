"""Which error statuses each catalog route can answer, read off its dependencies, path and body."""

from fastapi.routing import RouteContext

from services.catalog.api.deps import get_optional_user, get_staff_signed_in_apart, require_service
from shared.openapi import dependency_calls

_SIGNS_IN = {get_optional_user, get_staff_signed_in_apart, require_service}
_CHECKS_ROLE = {get_staff_signed_in_apart, require_service}


def catalog_statuses(route: RouteContext) -> set[int]:
    """401 where a caller is signed in (an invalid token is refused even where signing in is optional),
    403 where a role is checked, 404 for a record named in the path, 400 and 413 for a body."""
    calls = set(dependency_calls(route.dependant))
    statuses: set[int] = set()
    if calls & _SIGNS_IN:
        statuses.add(401)
    if calls & _CHECKS_ROLE or any(hasattr(call, "admits_roles") for call in calls):
        statuses.add(403)
    if "{" in (route.path_format or ""):
        statuses.add(404)
    if route.body_field is not None:
        statuses |= {400, 413}  # a body that cannot be decoded; one over the size cap
    return statuses
