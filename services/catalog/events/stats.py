"""The bureau's event figures by county and cluster: events, participants, meetings and what came of them."""

from decimal import Decimal

from sqlmodel import Session, col, select

from services.catalog.events.models import Event
from services.catalog.events.schemas import EventStatsRow
from services.catalog.events.service import report
from services.catalog.events.vocab import PUBLIC


def event_stats(session: Session) -> list[EventStatsRow]:
    """One row per (county, cluster) of the events past their draft."""
    rows: dict[tuple[str | None, str | None], EventStatsRow] = {}
    # events are few (tens a year); each one's report is a handful of queries
    for event in session.exec(select(Event).where(col(Event.status).in_(PUBLIC)).order_by(col(Event.id))).all():
        r = report(session, event=event)
        row = rows.setdefault((event.region, event.cluster), EventStatsRow(region=event.region, cluster=event.cluster))
        row.events += 1
        row.participants += r.participants
        row.checked_in += r.checked_in
        row.meetings_held += r.meetings_held
        row.matches_proposed += r.matches_proposed
        row.introductions += r.introductions
        row.contracts += r.contracts
        row.contract_amount_yuan = str(Decimal(row.contract_amount_yuan) + Decimal(r.contract_amount_yuan))
    return sorted(rows.values(), key=lambda r: (r.region or "", r.cluster or ""))
