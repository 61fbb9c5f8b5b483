"""Free-text search for everyone: the matcher's hybrid, cross-lingual ranking of a query, then the list's filters,
count and pages; the keyword ranking when the matcher cannot answer in time or the caller searches too often.

The matcher ranks the best `SEARCH_DEPTH` items of the kind the caller may see; those passing the filters come
first, in its order, then the items that match the keywords only (so a search never finds fewer than the keyword
search did), and the count is that of both together.
"""

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError, ValidationFailed
from services.catalog.core.ratelimit import RateLimit
from services.catalog.items.kinds import Item, KindSpec
from services.catalog.items.repository import ListQuery, list_items
from services.catalog.matching import service as matching
from shared.schemas import MatchRequest, MatchResult
from shared.vocab import ItemKind

SEARCH_DEPTH = 100  # candidates asked of the matcher: the most one question may ask (MatchRequest.k)
NEAR_BEST = 0.5  # a hit at least this share of the best hit's score is never hidden as weak
MAX_QUERY_CHARS = 200  # a search box's text; the API's free text may be longer (a problem described)


class Ranking(StrEnum):
    """How a result list was ordered."""

    newest = "newest"  # no query: the list of today, newest first
    matcher = "matcher"  # the matcher's ranking, then keyword-only matches
    keywords = "keywords"  # the keyword ranking: the matcher could not answer in time
    limited = "limited"  # the keyword ranking: an anonymous caller searched too often this minute


class SearchLimited(AppError):
    """An anonymous caller searched more often than `anon_search_per_minute`; `Retry-After` says when to go on."""

    status_code, code = 429, "too_many_searches"

    def __init__(self, seconds: float) -> None:
        wait = max(1, round(seconds))
        super().__init__(f"检索过于频繁，请 {wait} 秒后再试（登录后不受此限制）",
                         f"Too many searches; try again in {wait} seconds (signed-in users are not limited)",
                         headers={"Retry-After": str(wait)})


@dataclass
class Found:
    """One page of a search: the items, the matcher's result for each it ranked, the count and how it ranked."""

    items: list[Item]
    total: int
    ranking: Ranking
    results: dict[int, MatchResult] = dataclasses.field(default_factory=dict)
    ranked: int = 0  # how many of the total the matcher ranked (the rest match the keywords only)
    capped: bool = False  # the matcher gave as many as asked: more may be close in meaning
    depth: int = SEARCH_DEPTH  # how many the matcher was asked for
    weak: int = 0  # ranked items under the relevance floor left out ("show weaker matches" brings them back)


def check_query(*, text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """The search text stripped; 422 in both languages when longer than `limit` characters."""
    if len(text) > limit:
        raise ValidationFailed(f"检索词最多 {limit} 个字符", f"A search is at most {limit} characters long",
                               detail=[{"column": "q", "zh": f"最多 {limit} 个字符（现为 {len(text)} 个）",
                                        "en": f"at most {limit} characters (got {len(text)})"}])
    return text.strip()


def admit(*, limit: RateLimit, user: User | None, address: str) -> float:
    """0 when the caller may search now (signed-in users always may), else the seconds to wait."""
    return 0.0 if user is not None else limit.admit(address)


def text_question(*, spec: KindSpec, text: str, user: User | None, k: int = 10) -> MatchRequest:
    """The matcher's question for items of `spec`'s kind matching free text (422 when it is blank)."""
    if spec.kind is ItemKind.output:
        return matching.outputs_for_text(text=text, k=k)
    return matching.needs_for_text(text=text, user=user, k=k)


def search(*, session: Session, settings: CatalogSettings, spec: KindSpec, user: User | None, query: ListQuery,
           use_matcher: bool = True, weaker: bool = False) -> Found:
    """One page of the items the caller may see matching the query and filters, ranked by the matcher when it
    answers within `search_timeout_seconds` (and `use_matcher`), else by keywords; ranked items scoring under
    `relevance_floor` only with `weaker` (else they count in `weak`). Holds no write lock."""
    if not query.q:
        items, total = list_items(session, spec=spec, user=user, query=query)
        return Found(items=items, total=total, ranking=Ranking.newest)
    question = text_question(spec=spec, text=query.q, user=user, k=SEARCH_DEPTH)
    if not use_matcher:
        return _by_keywords(session, spec=spec, user=user, query=query, ranking=Ranking.limited)
    try:
        answer = matching.ask(settings=settings, question=question, timeout=settings.search_timeout_seconds)
    except matching.MatcherUnavailable:
        return _by_keywords(session, spec=spec, user=user, query=query, ranking=Ranking.keywords)
    order = [r.id for r in answer.results]
    # the filters and what the caller may see, applied to the ranked ids in one query
    kept, _ = list_items(session, spec=spec, user=user, query=dataclasses.replace(
        query, q=None, ids=order, page=1, page_size=max(len(order), 1), offset=0))
    by_id = {item.id: item for item in kept}
    results = {r.id: r for r in answer.results}
    ranked = [by_id[i] for i in order if i in by_id]
    # weak: under the floor and far below the best hit. A query in another language than the catalog scores lower
    # on the calibrated scale (its words cannot match), so an absolute floor alone would hide its best answers.
    best = max((results[item.id or 0].score for item in ranked), default=0.0)
    floor = min(settings.relevance_floor, NEAR_BEST * best)
    strong = [item for item in ranked if weaker or results[item.id or 0].score >= floor]
    start = (query.page - 1) * query.page_size
    shown = strong[start:start + query.page_size]
    # then the keyword-only matches, paged on from where the ranked ones end (a weak one matching the keywords
    # stays among them)
    room = query.page_size - len(shown)
    rest, rest_total = list_items(session, spec=spec, user=user, query=dataclasses.replace(
        query, exclude_ids=[i.id for i in strong if i.id is not None], offset=max(start - len(strong), 0),
        page_size=max(room, 1)))
    return Found(items=[*shown, *rest[:room]], total=len(strong) + rest_total, ranking=Ranking.matcher,
                 results=_with_passages(settings, question, {i.id: results[i.id] for i in shown if i.id is not None}),
                 ranked=len(strong), capped=len(order) >= SEARCH_DEPTH, weak=len(ranked) - len(strong))


def _with_passages(settings: CatalogSettings, question: MatchRequest,
                   shown: dict[int, MatchResult]) -> dict[int, MatchResult]:
    """The page's hits with each one's best passage, quoted in its explanation: asked again for these few only,
    since finding passages for all `SEARCH_DEPTH` would cost the search many times over; without them when the
    matcher does not answer in time."""
    if not shown:
        return shown
    again = question.model_copy(update={"k": len(shown), "restrict_to": list(shown), "passages": True})
    try:
        answer = matching.ask(settings=settings, question=again, timeout=settings.search_timeout_seconds)
    except matching.MatcherUnavailable:
        return shown
    found = {r.id: r for r in answer.results}
    return {i: r.model_copy(update={"explanation": found[i].explanation, "best_passage": found[i].best_passage})
            if i in found else r for i, r in shown.items()}


def _by_keywords(session: Session, *, spec: KindSpec, user: User | None, query: ListQuery,
                 ranking: Ranking) -> Found:
    items, total = list_items(session, spec=spec, user=user, query=query)
    return Found(items=items, total=total, ranking=ranking)
