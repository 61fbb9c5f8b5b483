"""The programme proposed from the data: for an event's theme, the outputs that could serve the most open needs
(the line-up) and the enterprises whose needs they match (the invitations), each with the reason."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from services.catalog.accounts.models import User
from services.catalog.events.models import Event
from services.catalog.events.schemas import LineupItem, LineupUpdate, ProgrammePublic, ProposedGuest
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import organisations_by_id
from services.catalog.items.repository import ListQuery, list_items
from shared.vocab import NeedStatus, OutputStatus

# an output "serves" a need when the matcher scores the pair at least this high
SERVES = 0.3
LINEUP_SIZE = 8
THEME_NEEDS = 100


def theme_needs(session: Session, *, event: Event, user: User) -> list[TechNeed]:
    """The open needs of the event's theme: its cluster and field, or its free text when it names neither."""
    query = ListQuery(cluster=event.cluster, field=event.field, status=NeedStatus.open, page_size=THEME_NEEDS,
                      q=None if event.cluster or event.field else event.theme or event.title)
    rows, _ = list_items(session, spec=NEEDS, user=user, query=query)
    return [r for r in rows if isinstance(r, TechNeed)]


@dataclass
class _Served:
    needs: list[tuple[float, TechNeed]] = field(default_factory=list)


def propose(session: Session, *, needs: list[TechNeed], scores: dict[tuple[int, int], float]) -> ProgrammePublic:
    """Rank outputs by how many of the theme's needs they serve, then by their summed score; invite the needs'
    enterprises that the line-up serves."""
    served: dict[int, _Served] = {}
    by_id = {n.id: n for n in needs}
    for (need_id, output_id), score in scores.items():
        if score >= SERVES and need_id in by_id:
            served.setdefault(output_id, _Served()).needs.append((score, by_id[need_id]))
    outputs = {o.id: o for o in session.exec(select(ResearchOutput).where(
        col(ResearchOutput.id).in_(list(served)), col(ResearchOutput.status) == OutputStatus.published)).all()}
    ranked = sorted((oid for oid in served if oid in outputs),
                    key=lambda oid: (-len(served[oid].needs), -sum(s for s, _ in served[oid].needs), oid))
    chosen = ranked[:LINEUP_SIZE]
    orgs = organisations_by_id(session, {outputs[o].organisation_id for o in chosen}
                               | {n.organisation_id for n in needs})
    lineup = []
    guests: dict[int, ProposedGuest] = {}
    for oid in chosen:
        output, hits = outputs[oid], sorted(served[oid].needs, key=lambda h: -h[0])
        best_score, best = hits[0]
        lineup.append(LineupItem(
            output_id=oid, title=output.title, organisation_name=_name(orgs, output.organisation_id),
            needs_served=len(hits), score=round(best_score, 4),
            reason_zh=f"可服务本主题 {len(hits)} 项开放需求，与“{best.title}”匹配度最高（{best_score:.2f}）",
            reason_en=f"Serves {len(hits)} open needs of the theme; best with '{best.title}' ({best_score:.2f})"))
        for score, need in hits:
            org_id = need.organisation_id
            if org_id == output.organisation_id:
                continue
            guest = guests.get(org_id)
            if guest is None or score > guest.score:
                guests[org_id] = ProposedGuest(
                    organisation_id=org_id, organisation_name=_name(orgs, org_id), score=round(score, 4),
                    need_id=need.id or 0, output_id=oid,
                    reason_zh=f"其需求“{need.title}”与路演成果“{output.title}”匹配（{score:.2f}）",
                    reason_en=f"Its need '{need.title}' matches the roadshow output '{output.title}' ({score:.2f})")
    return ProgrammePublic(needs=len(needs), lineup=lineup,
                           invitations=sorted(guests.values(), key=lambda g: (-g.score, g.organisation_id)))


def _name(orgs: dict[int, Any], org_id: int) -> str | None:
    return orgs[org_id].name if org_id in orgs else None


def set_lineup(session: Session, *, event: Event, data: LineupUpdate) -> Event:
    """Keep the organiser's edited line-up on the event; not committed."""
    event.lineup = [item.model_dump() for item in data.items]
    event.version += 1
    session.add(event)
    return event
