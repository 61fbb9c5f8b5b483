"""All JSON API routes under /api/v1."""

from fastapi import APIRouter

from services.catalog.api.routes import (
    auth,
    changes,
    contracts,
    imports,
    items,
    matches,
    notifications,
    organisations,
    stats,
    users,
    workflow,
)

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth.router)
api_router.include_router(organisations.router)
api_router.include_router(users.router)
api_router.include_router(imports.router)
api_router.include_router(matches.router)
api_router.include_router(items.outputs_router)
api_router.include_router(items.needs_router)
api_router.include_router(changes.router)

api_router.include_router(workflow.router)
api_router.include_router(workflow.queue_router)
api_router.include_router(contracts.router)
api_router.include_router(notifications.router)
api_router.include_router(stats.router)
