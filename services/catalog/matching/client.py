"""HTTP client of the matcher service (service token, pooled connections, retried); used only by matching.service."""

from functools import lru_cache

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from services.catalog.core.config import CatalogSettings
from shared.schemas import MatchRequest, MatchResponse

TIMEOUT = 10.0
JSON_HEADERS = {"Content-Type": "application/json"}


def _transient(exc: BaseException) -> bool:
    """Retry connection failures and 5xx answers (a matcher restarting), never 4xx."""
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code >= 500


@lru_cache(maxsize=8)
def _client(base_url: str, token: str) -> httpx.Client:
    """One pooled client per matcher: keeps connections open instead of a TCP handshake per match."""
    return httpx.Client(base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)


@retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(3),
       wait=wait_exponential(multiplier=0.1, max=1.0), reraise=True)
def post_match(*, settings: CatalogSettings, request: MatchRequest) -> MatchResponse:
    """POST /v1/match to the matcher; raises httpx errors once the retries are spent."""
    client = _client(settings.matcher_url, settings.service_token)
    # pydantic's own JSON encoder and parser: no intermediate dicts on either side
    response = client.post("/v1/match", content=request.model_dump_json(), headers=JSON_HEADERS)
    response.raise_for_status()
    return MatchResponse.model_validate_json(response.content)
