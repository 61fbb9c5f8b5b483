"""The matcher's rankings as the portal shows them: explanations with matched terms and the best passage marked,
candidates under the relevance floor flagged `weak` (listed behind "show weaker matches"); None when it is down."""

import logging
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.challenges import service as challenges
from services.catalog.challenges.models import Challenge
from services.catalog.challenges.schemas import SolversPublic
from services.catalog.core.config import CatalogSettings
from services.catalog.experts.schemas import ExpertMatch
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.matching import service as matching
from services.catalog.matching.service import Candidate
from shared.schemas import MatchRequest

log = logging.getLogger(__name__)


@dataclass
class ShownCandidate(Candidate):
    """A candidate as a page renders it; `weak` when it scores under the relevance floor."""

    weak: bool = False

    def explanation(self, lang: str) -> Markup:
        """The explanation in the reader's language with matched terms and the best passage wrapped in <mark>."""
        passage = self.best_passage.text if self.best_passage else None
        return highlight(self.explanation_en if lang == "en" else self.explanation_zh, self.matched_terms, passage)


def highlight(text: str, terms: list[str], passage: str | None = None) -> Markup:
    """Escape `text`, wrap the best passage in <mark class="passage"> and each matched term elsewhere in <mark>."""
    if passage and passage in text:
        at = text.rindex(passage)  # the explanation quotes it last among its sentences' parts
        return Markup("").join([highlight(text[:at], terms), Markup('<mark class="passage">{}</mark>').format(passage),
                                highlight(text[at + len(passage):], terms)])
    clean = [t for t in sorted(set(terms), key=len, reverse=True) if t.strip()]
    if not clean:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in clean), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>{}</mark>").format(m.group(0)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _shown(session: Session, settings: CatalogSettings, user: User,
           question: MatchRequest) -> list[ShownCandidate] | None:
    try:
        ranking = matching.rank(session=session, settings=settings, user=user, question=question)
    except matching.MatcherUnavailable:
        # The portal keeps working while the matcher is down; the page says so instead.
        log.warning("matcher unavailable", exc_info=True)
        return None
    return [ShownCandidate(item=c.item, result=c.result, weak=c.score < settings.relevance_floor)
            for c in ranking.candidates]


def outputs_for_need(session: Session, settings: CatalogSettings, user: User, need: TechNeed,
                     k: int = 10) -> list[ShownCandidate] | None:
    """The outputs the matcher ranks highest for a need, or None if it is unavailable."""
    return _shown(session, settings, user, matching.outputs_for_need(need=need, k=k))


@dataclass(frozen=True)
class ShownExpert:
    """An expert ranked for a need as a page renders it."""

    match: ExpertMatch
    weak: bool = False

    def why(self, lang: str) -> Markup:
        """The explanation in the reader's language with matched terms and the best passage wrapped in <mark>."""
        e, passage = self.match.explanation, self.match.best_passage
        return highlight(e.en if lang == "en" else e.zh, e.matched_terms, passage.text if passage else None)


def experts_for_need(session: Session, settings: CatalogSettings, user: User, need: TechNeed,
                     k: int = 5) -> list[ShownExpert] | None:
    """The experts of the pool the matcher ranks highest for a need (not of its owner's organisation), or None
    if it is unavailable."""
    try:
        ranking = matching.ask(settings=settings, question=matching.experts_for_need(need=need, k=k))
    except matching.MatcherUnavailable:
        log.warning("matcher unavailable", exc_info=True)
        return None
    ranked = matching.ranked_experts(session=session, user=user, ranking=ranking,
                                     conflicted={need.organisation_id}, k=k)
    return [ShownExpert(m, weak=m.score < settings.relevance_floor) for m in ranked.results]


def reviewers_for_challenge(session: Session, settings: CatalogSettings, user: User, challenge: Challenge,
                            k: int = 5) -> list[ShownExpert] | None:
    """The experts of the pool ranked for a call, without the owner's and applicants' organisations, each with the
    account to assign; None if the matcher is unavailable."""
    conflicted = challenges.conflicted_organisations(session, challenge=challenge, user=user)
    try:
        ranking = matching.ask(settings=settings, question=matching.experts_for_challenge(challenge=challenge, k=k))
    except matching.MatcherUnavailable:
        log.warning("matcher unavailable", exc_info=True)
        return None
    ranked = matching.ranked_experts(session=session, user=user, ranking=ranking, conflicted=conflicted, k=k,
                                     with_accounts=True)
    return [ShownExpert(m) for m in ranked.results]


def solvers_for_challenge(session: Session, settings: CatalogSettings, user: User | None, challenge: Challenge,
                          k: int = 10) -> SolversPublic | None:
    """Who could solve a challenge: the outputs (and organisations) the matcher proposes, or None if it is down."""
    try:
        ranking = matching.rank(session=session, settings=settings, user=user,
                                question=matching.outputs_for_challenge(challenge=challenge, k=k))
    except matching.MatcherUnavailable:
        log.warning("matcher unavailable", exc_info=True)
        return None
    return challenges.present_solvers(session, challenge=challenge, candidates=ranking.candidates, model=ranking.model)


def needs_for_output(session: Session, settings: CatalogSettings, user: User, output: ResearchOutput,
                     k: int = 10) -> list[ShownCandidate] | None:
    """The needs the matcher ranks highest for an output, or None if it is unavailable."""
    return _shown(session, settings, user, matching.needs_for_output(session=session, output=output, user=user, k=k))
