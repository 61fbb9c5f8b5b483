"""Signing in: OAuth2 password flow and API tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm

from services.catalog.accounts.models import ApiToken, User
from services.catalog.accounts.schemas import ApiTokenCreated, Token, UserPublic
from services.catalog.accounts.service import authenticate
from services.catalog.api.deps import CurrentUser, SessionDep, SettingsDep, client_address
from services.catalog.api.params import IdPath
from services.catalog.core.errors import NotFound
from services.catalog.core.security import create_access_token, hash_api_token, new_api_token
from shared.openapi import error_responses

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses=error_responses(401, 429, s401="wrong login or password"))
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> Token:
    """Exchange login and password for a bearer token (429 with Retry-After after repeated failures)."""
    user = authenticate(session, login=form.username, password=form.password, address=client_address(request),
                        guard=request.app.state.sign_in_guard)
    assert user.id is not None
    return Token(access_token=create_access_token(user_id=user.id, secret=settings.secret_key,
                                                  minutes=settings.access_token_minutes,
                                                  version=user.credentials_version))


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> User:
    """The signed-in user."""
    return user


@router.post("/api-tokens", response_model=ApiTokenCreated, status_code=201)
def create_api_token(user: CurrentUser, session: SessionDep,
                     name: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[^\x00]+$")] = "script",
                     ) -> ApiTokenCreated:
    """Issue a long-lived API token for scripts acting as the caller (shown once)."""
    secret = new_api_token()
    row = ApiToken(user_id=user.id or 0, name=name, token_hash=hash_api_token(secret))
    session.add(row)
    session.commit()
    return ApiTokenCreated(id=row.id or 0, name=row.name, token=secret)


@router.delete("/api-tokens/{token_id}", status_code=204)
def revoke_api_token(token_id: IdPath, user: CurrentUser, session: SessionDep) -> None:
    """Revoke one of the caller's API tokens."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("找不到该令牌", "No such token")
    row.revoked = True
    session.add(row)
    session.commit()
