"""All JSON API routes under /api/v1."""

from fastapi import APIRouter

from services.catalog.api.routes import (
    auth,
    challenges,
    changes,
    contracts,
    dispatches,
    events,
    experts,
    imports,
    items,
    matches,
    notifications,
    organisations,
    stations,
    stats,
    subscriptions,
    users,
    visits,
    workflow,
)

# In matching order: a fixed path such as /outputs/export must come before /outputs/{item_id}.
ROUTERS = (
    auth.router, organisations.router, users.router, imports.router, matches.router,
    items.outputs_router, items.needs_router, changes.router,
    workflow.router, workflow.queue_router, contracts.router, notifications.router, stats.router,
    challenges.router, experts.router, stations.router, dispatches.router, visits.router,
    events.router, events.stats_router, subscriptions.router,
)

api_router = APIRouter(prefix="/api/v1")
for router in ROUTERS:
    api_router.include_router(router)
