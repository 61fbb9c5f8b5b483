"""HTTP client of the matcher replicas (service token, pooled connections, turns taken, failover past one that
is down or far behind, retried); used only by matching.service."""

import itertools
import math
import threading
import time
from functools import lru_cache

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from services.catalog.core.config import CatalogSettings
from shared.schemas import MatcherStatus, MatchRequest, MatchResponse, ThemesRequest, ThemesResponse

TIMEOUT = 10.0
THEMES_TIMEOUT = 120.0  # clustering a few thousand needs takes seconds, not a query's milliseconds
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


class Progress:
    """Each replica's index cursor as last heard, looked up again once it is older than a few seconds."""

    def __init__(self) -> None:
        self._cursors: dict[str, int | None] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def behind(self, *, settings: CatalogSettings, urls: list[str]) -> set[str]:
        """The replicas more than `matcher_max_lag` changes behind the most advanced one (unknown counts as not)."""
        now = time.monotonic()
        for url in urls:
            with self._lock:
                due = now - self._checked.get(url, -math.inf) >= settings.matcher_lag_check_seconds
                if due:
                    self._checked[url] = now  # one request looks it up; the others go on with what is known
            if due:
                status = _status(settings=settings, url=url)
                with self._lock:
                    self._cursors[url] = None if status is None else status.cursor
        with self._lock:
            known = {url: c for url in urls if (c := self._cursors.get(url)) is not None}
        best = max(known.values(), default=0)
        return {url for url, cursor in known.items() if best - cursor > settings.matcher_max_lag}


_progress = Progress()


def order(*, settings: CatalogSettings) -> list[str]:
    """The replicas in the order this request asks them: the next in turn first, those far behind last."""
    urls = replicas(settings)
    first = next(_turns) % len(urls)
    turn = urls[first:] + urls[:first]
    if len(urls) == 1:
        return turn
    behind = _progress.behind(settings=settings, urls=urls)
    return [u for u in turn if u not in behind] + [u for u in turn if u in behind]


@retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(3),
       wait=wait_exponential(multiplier=0.1, max=1.0), reraise=True)
def post_match(*, settings: CatalogSettings, request: MatchRequest, timeout: float = TIMEOUT) -> MatchResponse:
    """POST /v1/match to a matcher replica, the next one on a transient failure; raises httpx errors once
    every replica has failed on each of the retries."""
    body = request.model_dump_json()  # pydantic's own JSON encoder and parser: no intermediate dicts
    failure: httpx.HTTPError | None = None
    for url in order(settings=settings):
        try:
            response = _client(url, settings.service_token).post(
                "/v1/match", content=body, headers=JSON_HEADERS, timeout=timeout)
            response.raise_for_status()
            return MatchResponse.model_validate_json(response.content)
        except httpx.HTTPError as exc:
            if not _transient(exc):
                raise
            failure = exc  # down or restarting: the next replica answers instead
    assert failure is not None
    raise failure


# a search box: one round over the replicas, each given `timeout`; the page falls back to keywords rather than wait
post_match_once = post_match.retry_with(stop=stop_after_attempt(1))

@retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(2),
       wait=wait_exponential(multiplier=0.1, max=1.0), reraise=True)
def post_themes(*, settings: CatalogSettings, request: ThemesRequest) -> ThemesResponse:
    """POST /v1/themes to a matcher replica, the next one on a transient failure (as `post_match`)."""
    body = request.model_dump_json()
    failure: httpx.HTTPError | None = None
    for url in order(settings=settings):
        try:
            response = _client(url, settings.service_token).post(
                "/v1/themes", content=body, headers=JSON_HEADERS,
                extensions={"timeout": httpx.Timeout(THEMES_TIMEOUT).as_dict()})  # longer than a match's
            response.raise_for_status()
            return ThemesResponse.model_validate_json(response.content)
        except httpx.HTTPError as exc:
            if not _transient(exc):
                raise
            failure = exc
    assert failure is not None
    raise failure


def _status(*, settings: CatalogSettings, url: str) -> MatcherStatus | None:
    """One replica's `GET /v1/status` if it answers at once."""
    try:
        response = _client(url, settings.service_token).get("/v1/status", timeout=STATUS_TIMEOUT)
        response.raise_for_status()
        return MatcherStatus.model_validate_json(response.content)
    except (httpx.HTTPError, ValueError):
        return None


def get_status(*, settings: CatalogSettings) -> MatcherStatus | None:
    """The status of the first replica that answers `GET /v1/status` at once, or None if none does."""
    for url in replicas(settings):
        if (status := _status(settings=settings, url=url)) is not None:
            return status
    return None
