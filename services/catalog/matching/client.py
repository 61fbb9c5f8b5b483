"""HTTP client of the matcher replicas (service token, pooled connections, turns taken, failover, retried);
used only by matching.service."""

import itertools
from functools import lru_cache

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from services.catalog.core.config import CatalogSettings
from shared.schemas import MatcherStatus, MatchRequest, MatchResponse

TIMEOUT = 10.0
STATUS_TIMEOUT = 1.0  # a page asking how far matching has come does not wait longer than this
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


_turns = itertools.count()  # which replica a request asks first: each in turn


def replicas(settings: CatalogSettings) -> list[str]:
    """The matchers to ask: every one of `matcher_urls`, else `matcher_url` alone."""
    return [url.strip() for url in settings.matcher_urls.split(",") if url.strip()] or [settings.matcher_url]


@retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(3),
       wait=wait_exponential(multiplier=0.1, max=1.0), reraise=True)
def post_match(*, settings: CatalogSettings, request: MatchRequest) -> MatchResponse:
    """POST /v1/match to a matcher replica, the next one on a transient failure; raises httpx errors once
    every replica has failed on each of the retries."""
    urls = replicas(settings)
    first = next(_turns) % len(urls)
    body = request.model_dump_json()  # pydantic's own JSON encoder and parser: no intermediate dicts
    failure: httpx.HTTPError | None = None
    for url in urls[first:] + urls[:first]:
        try:
            response = _client(url, settings.service_token).post("/v1/match", content=body, headers=JSON_HEADERS)
            response.raise_for_status()
            return MatchResponse.model_validate_json(response.content)
        except httpx.HTTPError as exc:
            if not _transient(exc):
                raise
            failure = exc  # down or restarting: the next replica answers instead
    assert failure is not None
    raise failure


def get_status(*, settings: CatalogSettings) -> MatcherStatus | None:
    """The status of the first replica that answers `GET /v1/status` at once, or None if none does."""
    for url in replicas(settings):
        try:
            response = _client(url, settings.service_token).get("/v1/status", timeout=STATUS_TIMEOUT)
            response.raise_for_status()
            return MatcherStatus.model_validate_json(response.content)
        except (httpx.HTTPError, ValueError):
            continue
    return None
