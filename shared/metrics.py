"""Prometheus metrics both services expose at `GET /metrics`: request latency by route and status, plus the
series each service collects at scrape time."""

import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI, params
from fastapi.responses import Response
from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.registry import Collector

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# seconds: from a cached lookup to a slow import or a matcher call queued behind indexing
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class TimeRequests:
    """ASGI middleware: each HTTP request's duration, labelled by its route's path template (never the raw
    path, so ids and junk URLs cannot multiply the series), method and status."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram
        self._templates: dict[Any, str] | None = None  # endpoint -> full path template, read on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.histogram.labels(route=self._template(scope), method=scope["method"], status=str(status)).observe(
                time.perf_counter() - started)

    def _template(self, scope: Scope) -> str:
        # an included router's route knows only its own part of the path; the app's route contexts know it all
        if self._templates is None and "app" in scope:
            self._templates = {context.endpoint: context.path_format or "" for context in iter_route_contexts(
                scope["app"].routes) if getattr(context, "endpoint", None) is not None}
        endpoint = scope.get("endpoint")
        found = (self._templates or {}).get(endpoint) if endpoint is not None else None
        return found or getattr(scope.get("route"), "path", None) or "unmatched"


def install_metrics(app: FastAPI, *, service: str, collectors: Sequence[Collector] = (),
                    dependencies: Sequence[params.Depends] = ()) -> CollectorRegistry:
    """Time every request and serve the app's own registry at `GET /metrics` (behind `dependencies`)."""
    registry = CollectorRegistry()
    histogram = Histogram("duijie_http_request_duration_seconds", f"Time to answer a request to the {service}",
                          ["route", "method", "status"], buckets=BUCKETS, registry=registry)
    for collector in collectors:
        registry.register(collector)

    @app.get("/metrics", include_in_schema=False, dependencies=list(dependencies))
    def metrics() -> Response:
        """The service's metrics in Prometheus' text format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(TimeRequests, histogram=histogram)  # type: ignore[arg-type]
    return registry
