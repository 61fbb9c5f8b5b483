"""Asking the matcher for themes of needs (`POST /v1/themes`): the groups, their labels and coherence, and the
closest supply each caller may see. Ask with no write transaction open."""

from dataclasses import dataclass

import httpx
from sqlmodel import Session, col, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.config import CatalogSettings
from services.catalog.items.kinds import OUTPUTS
from services.catalog.items.models import ResearchOutput
from services.catalog.items.repository import visible_clause
from services.catalog.matching import client
from services.catalog.matching.service import MatcherUnavailable
from shared.schemas import ThemesRequest, ThemesResponse


@dataclass
class ThemeGroup:
    """One theme: its needs, distinctive terms, coherence and the visible outputs closest to it with scores."""

    need_ids: list[int]
    terms_zh: list[str]
    terms_en: list[str]
    coherence: float
    supply: list[tuple[ResearchOutput, float]]


@dataclass
class Themes:
    """The matcher's themes of a set of needs, and how much more alike they are than random groups."""

    groups: list[ThemeGroup]
    unclustered: list[int]
    coherence: float
    baseline: float
    model: str
    method: str


def ask_themes(*, settings: CatalogSettings, need_ids: list[int], user: User | None,
               supply_k: int = 5) -> ThemesResponse:
    """The matcher's themes of these needs (MatcherUnavailable when it cannot answer)."""
    request = ThemesRequest(need_ids=need_ids, supply_k=supply_k,
                            include_brokers_only=user is not None and is_staff(user))
    try:
        return client.post_themes(settings=settings, request=request)
    except (httpx.HTTPError, ValueError) as exc:
        raise MatcherUnavailable() from exc


def visible_themes(*, session: Session, user: User | None, answer: ThemesResponse) -> Themes:
    """The themes with only the outputs the caller may see, loaded in one query."""
    ids = {s.id for t in answer.themes for s in t.supply}
    outputs = ({o.id: o for o in session.exec(select(ResearchOutput).where(
        col(ResearchOutput.id).in_(ids), visible_clause(OUTPUTS, user)))} if ids else {})
    return Themes(
        groups=[ThemeGroup(need_ids=t.need_ids, terms_zh=t.terms_zh, terms_en=t.terms_en, coherence=t.coherence,
                           supply=[(outputs[s.id], s.score) for s in t.supply if s.id in outputs])
                for t in answer.themes],
        unclustered=answer.unclustered, coherence=answer.coherence, baseline=answer.baseline, model=answer.model,
        method=answer.method)
