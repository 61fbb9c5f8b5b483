"""FastAPI dependencies: settings, database session, the caller, and role checks."""

import hmac
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session, select

from services.catalog.accounts.models import ApiToken, User
from services.catalog.accounts.service import user_for_access_token
from services.catalog.accounts.vocab import STAFF, Role
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import Forbidden, Unauthorized
from services.catalog.core.security import API_TOKEN_PREFIX, hash_api_token
from services.catalog.core.tables import Clock

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
SESSION_COOKIE = "duijie_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address(request: Request) -> str:
    """The address a request came from (the proxy's, behind one that does not forward it)."""
    return request.client.host if request.client else "unknown"


def get_settings(request: Request) -> CatalogSettings:
    """The settings the app was built with."""
    settings: CatalogSettings = request.app.state.settings
    return settings


def engine_for(request: Request) -> sa.Engine:
    """The app's engine; for a GET or HEAD one whose SQLite transactions only read, so that no page waits
    behind a writer (a running import holds SQLite's write lock for as long as it runs)."""
    state = request.app.state
    return state.read_engine if request.method in ("GET", "HEAD") else state.engine  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """One database session per request (read-only for GET and HEAD)."""
    with Session(engine_for(request)) as session:
        yield session


def get_clock(request: Request) -> Clock:
    """The app's clock (`core.tables.utcnow` unless a test replaced it)."""
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[CatalogSettings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def _user_from_token(token: str, session: Session, settings: CatalogSettings) -> User | None:
    if token.startswith(API_TOKEN_PREFIX):
        row = session.exec(
            select(ApiToken).where(ApiToken.token_hash == hash_api_token(token), ApiToken.revoked == False)  # noqa: E712
        ).first()
        user = session.get(User, row.user_id) if row else None
    else:
        user = user_for_access_token(session, token=token, secret=settings.secret_key)
    return user if user is not None and user.is_active else None


def get_optional_user(request: Request, session: SessionDep, settings: SettingsDep, token: TokenDep) -> User | None:
    """The signed-in user (bearer token, API token or portal cookie), or None for anonymous callers."""
    if token is None and request.method in SAFE_METHODS:
        # The portal cookie only authenticates reads here: a cross-site form cannot write through it (CSRF).
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user = _user_from_token(token, session, settings)
    if user is None and request.headers.get("authorization"):
        raise Unauthorized("登录凭证无效或已过期，请重新登录", "Invalid or expired credentials; please sign in again")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    """The signed-in user; anonymous callers get 401."""
    if user is None:
        raise Unauthorized("请先登录", "Sign in first")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def check_role(user: User, roles: tuple[Role, ...]) -> User:
    """The user, if their role is one of `roles`; 403 otherwise."""
    if user.role not in roles:
        raise Forbidden("您的角色无权执行此操作", "Your role may not do this")
    return user


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that admits only users with one of `roles`."""

    def _check(user: CurrentUser) -> User:
        return check_role(user, roles)

    _check.admits_roles = roles  # type: ignore[attr-defined]  # read by api.openapi: this route may answer 403
    return _check


_require_admin = require_roles(Role.admin)
AdminUser = Annotated[User, Depends(_require_admin)]
AdminOnly = Depends(_require_admin)
StaffUser = Annotated[User, Depends(require_roles(*STAFF))]


def get_staff_signed_in_apart(request: Request, settings: SettingsDep, token: TokenDep) -> User:
    """A broker or admin, looked up in a read-only session closed at once: a route that must call out
    (the matcher) before it writes then holds no database transaction, nor SQLite's write lock, meanwhile."""
    with Session(request.app.state.read_engine) as session:
        user = get_optional_user(request, session, settings, token)
    return check_role(get_current_user(user), STAFF)


StaffUserApart = Annotated[User, Depends(get_staff_signed_in_apart)]


def require_service(settings: SettingsDep, token: TokenDep) -> None:
    """Admit only internal services presenting the service token."""
    if token is None:
        raise Unauthorized("需要服务令牌", "A service token is required")
    if not hmac.compare_digest(token.encode(), settings.service_token.encode()):
        raise Forbidden("服务令牌无效", "Invalid service token")


ServiceAuth = Depends(require_service)
