"""CSRF protection for the portal's forms: a random cookie and its HMAC in a hidden field."""

import hashlib
import hmac
import secrets

from fastapi import Request

CSRF_COOKIE = "duijie_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def new_csrf_seed() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(24)


def form_token(seed: str, secret: str) -> str:
    """The token a form must send back: the cookie's HMAC under the server secret."""
    return hmac.new(secret.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


async def csrf_ok(request: Request, secret: str) -> bool:
    """Whether an unsafe request carries a token matching its CSRF cookie (form field or header)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed:
        return False
    sent = request.headers.get(CSRF_HEADER) or ""
    if not sent:
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            sent = str((await request.form()).get(CSRF_FIELD) or "")
    return bool(sent) and hmac.compare_digest(sent, form_token(seed, secret))
