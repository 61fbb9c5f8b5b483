"""Request dependencies: the service-token check and the matcher held in the app state."""

import hmac
from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.matcher.api.errors import MatcherError
from services.matcher.engine import Matcher

_bearer = HTTPBearer(auto_error=False)


async def require_service(request: Request,
                          credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Refuse (401) any request without the shared service token (async: no worker thread for a compare)."""
    expected = request.app.state.settings.service_token
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise MatcherError("需要有效的服务令牌", "a valid service token is required",
                           status_code=status.HTTP_401_UNAUTHORIZED, code="unauthorized",
                           headers={"WWW-Authenticate": "Bearer"})


async def get_matcher(request: Request) -> Matcher:
    """The matcher loaded in the lifespan."""
    matcher: Matcher = request.app.state.matcher
    return matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]
