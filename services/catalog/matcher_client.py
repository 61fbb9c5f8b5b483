"""HTTP client of the matcher service, used by the catalog's match routes and portal (service token, retried)."""

from functools import lru_cache

import httpx
from sqlalchemy.orm import object_session
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from services.catalog.config import CatalogSettings
from services.catalog.items import need_to_wire, output_to_wire, to_wire
from services.catalog.models import ResearchOutput, TechNeed
from shared.schemas import MatchRequest, MatchResponse
from shared.vocab import ItemKind

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
def match(*, settings: CatalogSettings, request: MatchRequest) -> MatchResponse:
    """POST /v1/match to the matcher; raises httpx errors once the retries are spent."""
    client = _client(settings.matcher_url, settings.service_token)
    # pydantic's own JSON encoder and parser: no intermediate dicts on either side
    response = client.post("/v1/match", content=request.model_dump_json(), headers=JSON_HEADERS)
    response.raise_for_status()
    return MatchResponse.model_validate_json(response.content)


def outputs_for_need_request(need: TechNeed, k: int = 10) -> MatchRequest:
    """What to ask the matcher for the outputs that could solve a need."""
    return MatchRequest(target=ItemKind.output, item=need_to_wire(need), k=k)


def needs_for_output_request(output: ResearchOutput, k: int = 10, include_brokers_only: bool = False) -> MatchRequest:
    """What to ask the matcher for the needs an output could serve (reads the owner's region)."""
    session = object_session(output)
    wire = output_to_wire(session, output) if session is not None else to_wire(output, None)  # type: ignore[arg-type]
    return MatchRequest(target=ItemKind.need, item=wire, k=k, include_brokers_only=include_brokers_only)


def search_outputs_request(text: str, k: int = 10) -> MatchRequest:
    """What to ask the matcher for the outputs matching free text."""
    return MatchRequest(target=ItemKind.output, text=text, k=k)


def rank_outputs_for_need(*, settings: CatalogSettings, need: TechNeed, k: int = 10) -> MatchResponse:
    """Research outputs the matcher ranks highest for a need."""
    return match(settings=settings, request=outputs_for_need_request(need, k))


def rank_needs_for_output(*, settings: CatalogSettings, output: ResearchOutput, k: int = 10,
                          include_brokers_only: bool = False) -> MatchResponse:
    """Technology needs the matcher ranks highest for an output (brokers-only needs only when asked)."""
    return match(settings=settings, request=needs_for_output_request(output, k, include_brokers_only))


def search_outputs(*, settings: CatalogSettings, text: str, k: int = 10) -> MatchResponse:
    """Research outputs the matcher ranks highest for free text."""
    return match(settings=settings, request=search_outputs_request(text, k))
