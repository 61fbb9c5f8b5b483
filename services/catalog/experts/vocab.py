"""Vocabularies of experts and their dispatches (stored values, with Chinese and English labels)."""

from enum import StrEnum


class ExpertKind(StrEnum):
    """The roles an expert serves in; an expert may hold several."""

    commissioner = "commissioner"  # 科技特派员
    broker = "broker"  # 技术经纪人
    reviewer = "reviewer"  # 评审专家
    mentor = "mentor"  # 产业导师


KIND_LABELS: dict[str, tuple[str, str]] = {
    ExpertKind.commissioner: ("科技特派员", "S&T commissioner"),
    ExpertKind.broker: ("技术经纪人", "technology broker"),
    ExpertKind.reviewer: ("评审专家", "review expert"),
    ExpertKind.mentor: ("产业导师", "industry mentor"),
}


class HostKind(StrEnum):
    """Where an expert is dispatched to."""

    enterprise = "enterprise"
    town = "town"  # a town (镇/街道) or one of its villages
    station = "station"  # a 特派员工作站


HOST_LABELS: dict[str, tuple[str, str]] = {
    HostKind.enterprise: ("企业", "enterprise"), HostKind.town: ("镇村", "town or village"),
    HostKind.station: ("特派员工作站", "work station"),
}


class DispatchStatus(StrEnum):
    """A dispatch waits for the expert's and the host's confirmation, then runs; staff may cancel it."""

    pending = "pending"
    confirmed = "confirmed"
    cancelled = "cancelled"


class ProblemStatus(StrEnum):
    """A problem raised on a visit: open, solved by the expert's word, confirmed solved by the host."""

    open = "open"
    solved = "solved"
    confirmed = "confirmed"


def kind_label(kind: str, chinese: bool = True) -> str:
    """An expert kind's label in one language."""
    zh, en = KIND_LABELS.get(kind, (kind, kind))
    return zh if chinese else en
