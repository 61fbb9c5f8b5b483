"""The matcher's rankings as the portal shows them: explanations with matched terms marked; None when it is down."""

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


class ShownCandidate(Candidate):
    """A candidate as a page renders it."""

    def explanation(self, lang: str) -> Markup:
        """The explanation in the reader's language with matched terms wrapped in <mark>."""
        return highlight(self.explanation_en if lang == "en" else self.explanation_zh, self.matched_terms)


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape `text` and wrap each occurrence of a matched term in <mark>."""
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
    return [ShownCandidate(item=c.item, result=c.result) for c in ranking.candidates]


def outputs_for_need(session: Session, settings: CatalogSettings, user: User, need: TechNeed,
                     k: int = 10) -> list[ShownCandidate] | None:
    """The outputs the matcher ranks highest for a need, or None if it is unavailable."""
    return _shown(session, settings, user, matching.outputs_for_need(need=need, k=k))


@dataclass(frozen=True)
class ShownExpert:
    """An expert ranked for a need as a page renders it."""

    match: ExpertMatch

    def why(self, lang: str) -> Markup:
        """The explanation in the reader's language with matched terms wrapped in <mark>."""
        e = self.match.explanation
        return highlight(e.en if lang == "en" else e.zh, e.matched_terms)


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
    return [ShownExpert(m) for m in ranked.results]


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
