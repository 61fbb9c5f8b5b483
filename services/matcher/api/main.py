"""All routers of the matcher API."""

from fastapi import APIRouter

from services.matcher.api.routes import match, status

api_router = APIRouter()
api_router.include_router(status.router)
api_router.include_router(match.router)
