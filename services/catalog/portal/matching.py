"""The matcher's rankings as the portal shows them; None when the matcher cannot be reached."""

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from services.catalog.config import CatalogSettings
from services.catalog.items import NEEDS, OUTPUTS, Item, need_to_wire, output_to_wire, visible_clause
from services.catalog.models import ResearchOutput, TechNeed, User
from services.catalog.vocab import Role
from shared.schemas import CatalogItem, MatchRequest, MatchResponse
from shared.vocab import ItemKind

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0


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


def rank(settings: CatalogSettings, item: CatalogItem, target: ItemKind, *, k: int,
         include_brokers_only: bool) -> list[dict[str, Any]]:
    """The matcher's ranking of `target` items for a catalog item (raises when it cannot be reached)."""
    request = MatchRequest(target=target, item=item, k=k, include_brokers_only=include_brokers_only)
    r = httpx.post(f"{settings.matcher_url.rstrip('/')}/v1/match", json=request.model_dump(mode="json"),
                   headers={"Authorization": f"Bearer {settings.service_token}"}, timeout=TIMEOUT_S)
    r.raise_for_status()
    return [row.model_dump() for row in MatchResponse.model_validate(r.json()).results]


def _ranked(session: Session, settings: CatalogSettings, user: User, item: CatalogItem, target: ItemKind,
            k: int) -> list[Candidate] | None:
    staff = user.role in (Role.broker, Role.admin)
    try:
        rows = rank(settings, item, target, k=k, include_brokers_only=staff)
    except (httpx.HTTPError, ValueError):
        # The portal keeps working while the matcher is down; the page says so instead.
        log.warning("matcher unavailable for %s %s", item.kind, item.id, exc_info=True)
        return None
    return _candidates(session, user, rows, target)


def outputs_for_need(session: Session, settings: CatalogSettings, user: User, need: TechNeed,
                     k: int = 10) -> list[Candidate] | None:
    """The outputs the matcher ranks highest for a need, or None if it is unavailable."""
    return _ranked(session, settings, user, need_to_wire(need), ItemKind.output, k)


def needs_for_output(session: Session, settings: CatalogSettings, user: User, output: ResearchOutput,
                     k: int = 10) -> list[Candidate] | None:
    """The needs the matcher ranks highest for an output, or None if it is unavailable."""
    return _ranked(session, settings, user, output_to_wire(session, output), ItemKind.need, k)
