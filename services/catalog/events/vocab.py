"""Vocabularies of events (stored values, with their Chinese and English labels)."""

from enum import StrEnum


class EventKind(StrEnum):
    """What sort of event it is."""

    roadshow = "roadshow"  # 路演
    matchmaking = "matchmaking"  # 对接会
    special = "special"  # 专场


KIND_LABELS: dict[str, tuple[str, str]] = {
    EventKind.roadshow: ("路演", "roadshow"),
    EventKind.matchmaking: ("对接会", "matchmaking event"),
    EventKind.special: ("专场", "special session"),
}


class EventStatus(StrEnum):
    """Where an event stands."""

    draft = "draft"
    open = "open"
    closed = "closed"
    held = "held"
    reported = "reported"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    EventStatus.draft: ("草稿", "draft"),
    EventStatus.open: ("报名中", "open for registration"),
    EventStatus.closed: ("报名截止", "registration closed"),
    EventStatus.held: ("已举办", "held"),
    EventStatus.reported: ("已总结", "reported"),
}

NEXT: dict[EventStatus, tuple[EventStatus, ...]] = {
    EventStatus.draft: (EventStatus.open,),
    EventStatus.open: (EventStatus.closed,),
    EventStatus.closed: (EventStatus.held,),
    EventStatus.held: (EventStatus.reported,),
    EventStatus.reported: (),
}
# Statuses in which anyone may read an event (every one but draft).
PUBLIC = tuple(s for s in EventStatus if s is not EventStatus.draft)


class RequestStatus(StrEnum):
    """A meeting request's answer."""

    requested = "requested"
    accepted = "accepted"
    declined = "declined"


# A meeting both sides want counts this much more than one asked by one side only.
MUTUAL_WEIGHT = 2.0
# The value of a pair when the matcher cannot say.
FALLBACK_SCORE = 0.5


def label(status: str, chinese: bool = True) -> str:
    """An event status's label in one language."""
    zh, en = STATUS_LABELS.get(status, (status, status))
    return zh if chinese else en
