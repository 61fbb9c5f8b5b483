"""All routers of the matcher API."""

from fastapi import APIRouter

from services.matcher.api.routes import match, status, themes

api_router = APIRouter()
api_router.include_router(status.router)
api_router.include_router(match.router)
api_router.include_router(themes.router)
