"""Pages of the bureau role."""

from fastapi import APIRouter

from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
