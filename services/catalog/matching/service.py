"""Asking the matcher: build the question, ask it outside any database transaction, keep what the caller may see.

Callers hold no write transaction while `ask` or `verdict` waits: with SQLite that would hold the
database's one write lock across an HTTP call with retries.
"""

import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError
from sqlmodel import Session, col, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import is_staff
from services.catalog.challenges.models import Challenge
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError, Forbidden, ValidationFailed
from services.catalog.experts import repository as experts_repository
from services.catalog.experts import service as experts_service
from services.catalog.experts.schemas import ExpertMatch, ExpertMatchesPublic
from services.catalog.items.kinds import SPECS, Item
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.repository import visible_clause
from services.catalog.items.wire import need_to_wire, output_to_wire
from services.catalog.matching import client
from shared.schemas import BestPassage, CatalogItem, MatchRequest, MatchResponse, MatchResult
from shared.vocab import ItemKind

VERDICT_DEPTH = 100
# experts asked beyond those shown, so leaving out a conflicted organisation's still fills the list
CONFLICT_ROOM = 10


class MatcherUnavailable(AppError):
    """The matcher cannot be reached or answered with an error; retry later."""

    status_code, code = 503, "matcher_unavailable"

    def __init__(self, zh: str = "匹配服务暂时不可用，请稍后重试",
                 en: str = "The matcher is unavailable; please retry later") -> None:
        super().__init__(zh, en)


@dataclass
class Candidate:
    """One ranked item the caller may see, with the matcher's result (score, components, explanation)."""

    item: Item
    result: MatchResult

    @property
    def score(self) -> float:
        """The overall score in [0, 1]."""
        return self.result.score

    @property
    def components(self) -> dict[str, float]:
        """The signals behind the score."""
        return self.result.components

    @property
    def explanation_zh(self) -> str:
        """Why it ranks here, in Chinese."""
        return self.result.explanation.zh

    @property
    def explanation_en(self) -> str:
        """Why it ranks here, in English."""
        return self.result.explanation.en

    @property
    def matched_terms(self) -> list[str]:
        """The key terms query and candidate share, most specific first."""
        return self.result.explanation.matched_terms

    @property
    def best_passage(self) -> BestPassage | None:
        """The candidate's sentence most similar to the question (None when the matcher was not asked for it)."""
        return self.result.best_passage


@dataclass
class Ranking:
    """The candidates a caller may see, best first, and the model that ranked them."""

    candidates: list[Candidate]
    model: str

    def response(self) -> MatchResponse:
        """The ranking as the API returns it."""
        return MatchResponse(results=[c.result for c in self.candidates], model=self.model)


@dataclass(frozen=True)
class Verdict:
    """The matcher's score and explanation for one (need, output) pair."""

    score: float
    explanation: dict[str, Any]
    components: dict[str, float]
    model: str | None


def outputs_for_need(*, need: TechNeed, k: int = 10, passages: bool | None = None) -> MatchRequest:
    """The question for the outputs that could solve a need (`passages=False`: without each one's best passage,
    for a caller that shows none)."""
    return MatchRequest(target=ItemKind.output, item=need_to_wire(need), k=k, passages=passages)


def outputs_for_challenge(*, challenge: Challenge, k: int = 10) -> MatchRequest:
    """The question for the outputs (and so the organisations) that could solve a challenge: asked like a new,
    unstored need made of its title, problem statement and indicators."""
    return MatchRequest(target=ItemKind.output, item=_challenge_as_need(challenge), k=k)


def experts_for_challenge(*, challenge: Challenge, k: int = 10) -> MatchRequest:
    """The question for the experts of the pool who could review a challenge or help solve it (a few more than
    shown: conflicted ones are left out afterwards)."""
    return MatchRequest(target=ItemKind.expert, item=_challenge_as_need(challenge), k=k + CONFLICT_ROOM)


def _challenge_as_need(challenge: Challenge) -> CatalogItem:
    indicators = "；".join(
        f"{i['name']}：{i['target']}{i.get('unit') or ''}" + (f"（{i['verification']}）" if i.get("verification") else "")
        for i in challenge.indicators)
    text = challenge.problem + (f"\n技术指标：{indicators}" if indicators else "")
    # id 0 is no stored need, so the matcher embeds this text afresh instead of reusing a stored vector
    return CatalogItem(kind=ItemKind.need, id=0, title=challenge.title, text=text.strip(), field=challenge.field,
                       cluster=challenge.cluster, region=challenge.region, status="open",
                       organisation_id=challenge.owner_org_id, deadline=challenge.deadline.date())


def experts_for_need(*, need: TechNeed, k: int = 10) -> MatchRequest:
    """The question for the experts of the pool who could serve a need (a few more than shown: those of the need
    owner's own organisation are left out afterwards)."""
    return MatchRequest(target=ItemKind.expert, item=need_to_wire(need), k=k + CONFLICT_ROOM)


def may_see_experts_for(*, user: User | None, need: TechNeed) -> None:
    """Brokers, the bureau and the need's own organisation see the experts ranked for it; others get 403."""
    if user is None or not (is_staff(user) or (user.organisation_id is not None
                                               and user.organisation_id == need.organisation_id)):
        raise Forbidden("只有技术经纪人、科技局和需求方可以查看为该需求推荐的专家",
                        "Only brokers, the bureau and the need's owner see the experts ranked for it")


def ranked_experts(*, session: Session, user: User | None, ranking: MatchResponse, conflicted: set[int | None],
                   k: int, with_accounts: bool = False) -> ExpertMatchesPublic:
    """The ranked experts still in the pool, those of a conflicted organisation left out, as `user` may see them;
    `with_accounts` adds each expert's account, for a caller who assigns reviewers."""
    pool = experts_repository.active_by_ids(session, expert_ids=[r.id for r in ranking.results])
    kept = [(pool[r.id], r) for r in ranking.results
            if r.id in pool and (pool[r.id].organisation_id is None or pool[r.id].organisation_id not in conflicted)][:k]
    shown = experts_service.present(session, experts=[e for e, _ in kept], user=user)
    return ExpertMatchesPublic(model=ranking.model, results=[
        ExpertMatch(expert=profile, score=r.score, components=r.components, explanation=r.explanation,
                    best_passage=r.best_passage, account_id=expert.user_id if with_accounts else None)
        for profile, (expert, r) in zip(shown, kept, strict=True)])


def needs_for_output(*, session: Session, output: ResearchOutput, user: User | None, k: int = 10) -> MatchRequest:
    """The question for the needs an output could serve; brokers-only needs only for staff."""
    return MatchRequest(target=ItemKind.need, item=output_to_wire(session, output), k=k,
                        include_brokers_only=user is not None and is_staff(user))


def outputs_for_text(*, text: str, k: int = 10) -> MatchRequest:
    """The question for the outputs matching free text (422 when the text is blank or only control characters)."""
    return _text_question(target=ItemKind.output, text=text, k=k)


def needs_for_text(*, text: str, user: User | None, k: int = 10) -> MatchRequest:
    """The question for the needs matching free text; brokers-only needs only for staff (422 when blank)."""
    return _text_question(target=ItemKind.need, text=text, k=k, include_brokers_only=is_staff(user))


def _text_question(*, target: ItemKind, text: str, k: int, include_brokers_only: bool = False) -> MatchRequest:
    try:
        if all(unicodedata.category(c)[0] in "CZ" for c in text):
            raise ValueError("nothing to search for")
        return MatchRequest(target=target, text=text, k=k, include_brokers_only=include_brokers_only)
    except (ValidationError, ValueError) as exc:
        raise ValidationFailed("请输入要检索的文字", "Give some text to search for",
                               detail=[{"column": "q", "zh": "不能为空白", "en": "must not be blank"}]) from exc


def ask(*, settings: CatalogSettings, question: MatchRequest, unavailable: MatcherUnavailable | None = None,
        timeout: float | None = None) -> MatchResponse:
    """The matcher's ranking for a question; `unavailable` (or MatcherUnavailable) when it cannot answer (with
    `timeout`: within that many seconds a replica, each asked once, no retries)."""
    try:
        if timeout is not None:
            return client.post_match_once(settings=settings, request=question, timeout=timeout)
        return client.post_match(settings=settings, request=question)
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code < 500:  # the matcher refused the question: the caller's to fix, not a retry
            raise AppError("匹配服务无法处理该查询，请修改后重试", "The matcher cannot take this query; change it and retry",
                           status_code=422, code="validation_error") from exc
        raise unavailable or MatcherUnavailable() from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise unavailable or MatcherUnavailable() from exc


def visible(*, session: Session, user: User | None, ranking: MatchResponse) -> Ranking:
    """The ranked items the caller may still see (the index may lag the catalog), loaded in one query."""
    ids = [r.id for r in ranking.results]
    if not ids:
        return Ranking(candidates=[], model=ranking.model)
    kinds = {r.kind for r in ranking.results}
    assert len(kinds) == 1, "one ranking holds one kind"
    spec = SPECS[kinds.pop()]
    table: Any = spec.table
    items = {i.id: i for i in session.exec(select(table).where(col(table.id).in_(ids), visible_clause(spec, user)))}
    return Ranking(candidates=[Candidate(item=items[r.id], result=r) for r in ranking.results if r.id in items],
                   model=ranking.model)


def rank(*, session: Session, settings: CatalogSettings, user: User | None, question: MatchRequest) -> Ranking:
    """Ask and keep what the caller may see; for sessions that hold no write lock (reads, the portal's GETs)."""
    return visible(session=session, user=user, ranking=ask(settings=settings, question=question))


def verdict(*, settings: CatalogSettings, need: CatalogItem, output_id: int) -> Verdict:
    """The matcher's verdict on (need, output); 503 when it is unreachable, 422 when it does not rank the output."""
    question = MatchRequest(target=ItemKind.output, item=need, k=VERDICT_DEPTH, include_brokers_only=True,
                            passages=False)
    ranking = ask(settings=settings, question=question, unavailable=MatcherUnavailable(
        "匹配服务暂时不可用，请稍后重试，或在请求中直接给出评分 score 和解释 explanation",
        "The matcher is unavailable; retry later or give score and explanation in the request"))
    for result in ranking.results:
        if result.id == output_id:
            return Verdict(result.score, result.explanation.model_dump(), result.components, ranking.model)
    raise AppError(f"匹配服务未把成果 {output_id} 排进该需求的前 {VERDICT_DEPTH} 名；如仍要推荐，请直接给出评分 score",
                   f"The matcher does not rank output {output_id} in this need's top {VERDICT_DEPTH}; "
                   f"give a score explicitly to propose it anyway", status_code=422, code="not_ranked")


# per set of replicas: (when read, changes the matcher had still to apply)
_pending: dict[tuple[str, ...], tuple[float, int | None]] = {}
PENDING_FRESH_SECONDS = 2.0


def pending_changes(*, settings: CatalogSettings) -> int | None:
    """How many catalog changes the matcher has still to apply (asked at most every two seconds), None if it
    cannot say; pages show "matching is catching up" while this is above 0."""
    key = tuple(client.replicas(settings))
    read_at, pending = _pending.get(key, (float("-inf"), None))
    if time.monotonic() - read_at >= PENDING_FRESH_SECONDS:
        status = client.get_status(settings=settings)
        pending = None if status is None else status.lag
        _pending[key] = (time.monotonic(), pending)
    return pending


def need_output_scores(*, settings: CatalogSettings, needs: list[TechNeed],
                       k: int = VERDICT_DEPTH) -> dict[tuple[int, int], float] | None:
    """The matcher's score of each output it ranks for each need, by (need id, output id); None when the matcher
    cannot answer (an event's schedule then values every requested meeting alike). Ask with no transaction open."""
    scores: dict[tuple[int, int], float] = {}
    for need in needs:
        try:
            ranking = ask(settings=settings, question=outputs_for_need(need=need, k=k, passages=False))
        except AppError:
            return None
        for result in ranking.results:
            scores[need.id or 0, result.id] = result.score
    return scores


def scores_of(*, settings: CatalogSettings, target: ItemKind, ids: list[int], item: CatalogItem | None = None,
              text: str | None = None, include_brokers_only: bool = False) -> dict[int, MatchResult]:
    """The matcher's result (score, explanation) for each of `ids`, items of `target`, against a need, an output or
    free text; those it does not hold or may not offer are left out. Ask with no transaction open."""
    if not ids:
        return {}
    question = MatchRequest(target=target, item=item, text=text, k=min(len(ids), 100),
                            include_brokers_only=include_brokers_only, restrict_to=ids[:100])
    wanted = set(ids)
    return {r.id: r for r in ask(settings=settings, question=question).results if r.id in wanted}


def indexed_through(*, settings: CatalogSettings) -> int | None:
    """The last catalog change the matcher has applied (its cursor), None when it cannot say."""
    status = client.get_status(settings=settings)
    return None if status is None else status.cursor
