"""Brokers' and parties' decisions kept as labelled (need, output) examples for relevance evaluation."""

import json
from collections.abc import Iterator
from typing import Any, TextIO

from sqlmodel import Session, col, select

from services.catalog.core.tables import utcnow
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.workflow.models import Match, MatchFeedback
from services.catalog.workflow.vocab import REASON_EN, MatchStatus


def _text(title: str, body: str, keywords: list[str]) -> str:
    return "\n".join(part for part in (title, body, "，".join(keywords)) if part)


def record(session: Session, *, match: Match, actor_id: int | None, note: str | None = None) -> None:
    """Store the pair's current verdict: declined → label 0 with its reason, otherwise 1 (not committed)."""
    need = session.get(TechNeed, match.need_id)
    output = session.get(ResearchOutput, match.output_id)
    if need is None or output is None:
        return
    row = session.exec(select(MatchFeedback).where(MatchFeedback.match_id == match.id)).first()
    if row is None:
        row = MatchFeedback(match_id=match.id, need_id=match.need_id, output_id=match.output_id, label=0,
                            stage=match.status, need_text="", output_text="")
    declined = match.status == MatchStatus.declined
    row.label = 0 if declined else 1
    row.stage = match.declined_from if declined and match.declined_from else match.status
    row.reason = match.decline_reason if declined else None
    row.note = note
    row.need_text = _text(need.title, need.description, need.keywords)
    row.output_text = _text(output.title, output.summary, output.keywords)
    row.score = match.score
    row.decided_by = actor_id
    row.decided_at = utcnow()
    session.add(row)


def iter_examples(session: Session) -> Iterator[dict[str, Any]]:
    """Every labelled example, oldest decision first, as JSON-ready dicts."""
    rows = session.exec(select(MatchFeedback).order_by(col(MatchFeedback.decided_at), col(MatchFeedback.id)))
    for r in rows:
        yield {
            "need_id": r.need_id, "output_id": r.output_id, "need_text": r.need_text,
            "output_text": r.output_text, "label": r.label, "stage": r.stage, "reason": r.reason,
            "reason_en": REASON_EN.get(r.reason) if r.reason else None, "note": r.note,
            "score": r.score, "decided_at": r.decided_at.isoformat(),
        }


def export_jsonl(session: Session, out: TextIO) -> int:
    """Write the examples as JSON Lines (UTF-8, Chinese unescaped); returns how many."""
    n = 0
    for example in iter_examples(session):
        out.write(json.dumps(example, ensure_ascii=False) + "\n")
        n += 1
    return n
