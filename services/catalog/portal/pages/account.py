"""Signing in and out of the portal."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from services.catalog.accounts.service import authenticate
from services.catalog.accounts.vocab import Role
from services.catalog.api.deps import SESSION_COOKIE, client_address
from services.catalog.core.errors import TooManyAttempts, Unauthorized
from services.catalog.core.security import create_access_token
from services.catalog.portal.context import PageDep
from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

HOME_OF_ROLE = {Role.enterprise: "/my/needs", Role.university: "/my/outputs", Role.broker: "/broker",
                Role.admin: "/bureau", Role.expert: "/review"}


def safe_next(url: str | None) -> str | None:
    """A local path to return to, or None (never an absolute URL elsewhere)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return None


@router.get("/login")
def login_page(page: PageDep, next: str | None = None, expired: str | None = None) -> Response:
    """The sign-in form."""
    return page.render("login.html", next=safe_next(next) or "", expired=bool(expired), login="", error=None)


@router.post("/login")
def login(page: PageDep, login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:
    """Check the password, set the HttpOnly session cookie and go on."""
    try:
        user = authenticate(page.session, login=login.strip(), password=password,
                            address=client_address(page.request), guard=page.request.app.state.sign_in_guard)
    except (Unauthorized, TooManyAttempts) as exc:
        response = page.render("login.html", status_code=exc.status_code, next=safe_next(next) or "", expired=False,
                               login=login, error=page.tr(exc.zh, exc.en))
        response.headers.update(exc.headers)
        return response
    assert user.id is not None
    minutes = page.settings.access_token_minutes
    token = create_access_token(user_id=user.id, secret=page.settings.secret_key, minutes=minutes,
                                version=user.credentials_version)
    response = page.redirect(safe_next(next) or HOME_OF_ROLE.get(Role(user.role), "/"))
    response.set_cookie(SESSION_COOKIE, token, max_age=minutes * 60, httponly=True, samesite="lax",
                        secure=page.request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(page: PageDep) -> Response:
    """Forget the session cookie."""
    response = page.redirect("/?signed_out=1")
    response.delete_cookie(SESSION_COOKIE)
    return response
