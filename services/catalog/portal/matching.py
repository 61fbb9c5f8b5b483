"""The matcher's rankings as the portal shows them; None when the matcher cannot be reached."""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from services.catalog import matcher_client
from services.catalog.config import CatalogSettings
from services.catalog.items import NEEDS, OUTPUTS, Item, visible_clause
from services.catalog.models import ResearchOutput, TechNeed, User
from services.catalog.vocab import Role
from shared.schemas import MatchResponse
from shared.vocab import ItemKind

log = logging.getLogger(__name__)


@dataclass
class Candidate:
    """One ranked item with its score, component scores and the explanation in both languages."""

    item: Item
    score: float
    components: dict[str, float]
    explanation_zh: str
    explanation_en: str
    matched_terms: list[str] = field(default_factory=list)

    def explanation(self, lang: str) -> Markup:
        """The explanation with matched terms wrapped in <mark>."""
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


def _candidates(session: Session, user: User, rows: list[dict[str, Any]], target: ItemKind) -> list[Candidate]:
    spec = OUTPUTS if target is ItemKind.output else NEEDS
    table: Any = spec.table
    found: list[Candidate] = []
    for row in rows:
        # The matcher's index may lag the catalog: re-check that the reader may still see each item.
        item = session.exec(select(table).where(col(table.id) == int(row["id"]), visible_clause(spec, user))).first()
        if item is None:
            continue
        expl = row.get("explanation") or {}
        found.append(Candidate(item=item, score=float(row.get("score", 0.0)), components=dict(row.get("components") or {}),
                               explanation_zh=str(expl.get("zh", "")), explanation_en=str(expl.get("en", "")),
                               matched_terms=list(expl.get("matched_terms") or [])))
    return found


def _ranked(session: Session, user: User, target: ItemKind, ask: Callable[[], MatchResponse]) -> list[Candidate] | None:
    try:
        rows = [row.model_dump() for row in ask().results]
    except (httpx.HTTPError, ValueError):
        # The portal keeps working while the matcher is down; the page says so instead.
        log.warning("matcher unavailable", exc_info=True)
        return None
    return _candidates(session, user, rows, target)


def outputs_for_need(session: Session, settings: CatalogSettings, user: User, need: TechNeed,
                     k: int = 10) -> list[Candidate] | None:
    """The outputs the matcher ranks highest for a need, or None if it is unavailable."""
    return _ranked(session, user, ItemKind.output,
                   lambda: matcher_client.rank_outputs_for_need(settings=settings, need=need, k=k))


def needs_for_output(session: Session, settings: CatalogSettings, user: User, output: ResearchOutput,
                     k: int = 10) -> list[Candidate] | None:
    """The needs the matcher ranks highest for an output, or None if it is unavailable."""
    staff = user.role in (Role.broker, Role.admin)
    return _ranked(session, user, ItemKind.need,
                   lambda: matcher_client.rank_needs_for_output(settings=settings, output=output, k=k,
                                                                include_brokers_only=staff))
