"""An ASGI middleware on every response and request: security headers, and a size limit on non-file bodies."""

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from shared.errors import ErrorBody, prefers_chinese

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin")]
# Every style, script and chart comes from the platform itself (pygal's SVG carries inline styles).
PAGE_POLICY = (b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
               b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
API_DOCS = ("/docs", "/redoc")  # FastAPI's documentation pages load their own scripts


def _replay(body: bytes, then: Receive) -> Receive:
    """A receive channel that hands over an already-read body once, then passes on the server's messages."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


class Guard:
    """Adds security headers to every response; refuses with 413 a non-multipart body larger than `max_body`."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        limited = not headers.get(b"content-type", b"").startswith(b"multipart/form-data")  # uploads: their own cap
        declared = headers.get(b"content-length", b"")
        if limited and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(headers, send)
            return
        if limited and not declared and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            # No Content-Length (a chunked body): read it here, at most the limit, then hand it on.
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if len(body) > self.max_body:
                    await self._too_large(headers, send)
                    return
                if not message.get("more_body", False):
                    break
            receive = _replay(bytes(body), receive)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(HEADERS)
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and not scope["path"].startswith(API_DOCS):
                    extra.append((b"content-security-policy", PAGE_POLICY))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _too_large(self, headers: dict[bytes, bytes], send: Send) -> None:
        zh = prefers_chinese(headers.get(b"accept-language", b"").decode("latin-1"))
        mb = self.max_body / 1024 / 1024
        message = f"请求内容超过 {mb:g} MB 的上限" if zh else f"The request body exceeds the {mb:g} MB limit"
        body = json.dumps(ErrorBody(error="too_large", message=message).model_dump(), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *HEADERS]})
        await send({"type": "http.response.body", "body": body})


class WriteQueue:
    """Lets at most `slots` writing requests (not GET, HEAD or OPTIONS) run at once; the rest wait here.

    For SQLite: its one write lock is taken at a request's first query and held to its commit. Unqueued, 50
    writers fill the worker threads while they wait for that lock, and the holder then finds no thread for
    its next step until timeouts break the jam. Waiting here costs no thread.
    """

    def __init__(self, app: ASGIApp, *, slots: int) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(slots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, queued if it writes."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)
