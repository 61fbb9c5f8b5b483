"""Vocabularies of the broker workflow (stored values; Chinese labels where the bureau's forms use them)."""

from enum import StrEnum


class MatchStatus(StrEnum):
    """Where a (need, output) pair stands on its way to a signed contract."""

    proposed = "proposed"
    shortlisted = "shortlisted"
    introduced = "introduced"
    negotiating = "negotiating"
    signed = "signed"
    declined = "declined"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    MatchStatus.proposed: ("已推荐", "proposed"),
    MatchStatus.shortlisted: ("已入围", "shortlisted"),
    MatchStatus.introduced: ("已引荐", "introduced"),
    MatchStatus.negotiating: ("洽谈中", "negotiating"),
    MatchStatus.signed: ("已签约", "signed"),
    MatchStatus.declined: ("已放弃", "declined"),
}

# The steps of the funnel, in order (declined is an exit from any of them).
FUNNEL: list[MatchStatus] = [
    MatchStatus.proposed, MatchStatus.shortlisted, MatchStatus.introduced,
    MatchStatus.negotiating, MatchStatus.signed,
]


class DeclineReason(StrEnum):
    """Why a pair was given up."""

    not_relevant = "不相关"
    too_early = "成熟度不足"
    benefit_unclear = "效益不明确"
    price = "价格"
    ip_unavailable = "知识产权不可用"
    already_solved = "已解决"
    description_unclear = "描述不清"
    wrong_region = "地域不符"
    duplicate = "重复"
    other = "其他"


REASON_EN: dict[str, str] = {
    DeclineReason.not_relevant: "not relevant",
    DeclineReason.too_early: "too early stage",
    DeclineReason.benefit_unclear: "benefit unclear",
    DeclineReason.price: "price",
    DeclineReason.ip_unavailable: "IP not available",
    DeclineReason.already_solved: "already solved",
    DeclineReason.description_unclear: "description unclear",
    DeclineReason.wrong_region: "wrong region",
    DeclineReason.duplicate: "duplicate",
    DeclineReason.other: "other",
}


def reason_counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """Every decline code in form order with its English label and count (0 if none), then any other stored value."""
    rows = [(r.value, REASON_EN[r], counts.get(r.value, 0)) for r in DeclineReason]
    rows += [(k or "", REASON_EN.get(k, k) or "", n) for k, n in counts.items() if k not in REASON_EN]
    return rows


class Response(StrEnum):
    """A party's answer to an introduction."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class Side(StrEnum):
    """The two parties of a match."""

    need = "need"
    output = "output"


class EventKind(StrEnum):
    """What a history row records."""

    transition = "transition"
    note = "note"
    assign = "assign"
    response = "response"


class ContractType(StrEnum):
    """Types of technology contract in the national registration (技术合同认定登记)."""

    development = "技术开发"
    transfer = "技术转让"
    licence = "技术许可"
    service = "技术服务"
    consulting = "技术咨询"


class OutboxStatus(StrEnum):
    """Delivery state of an outgoing e-mail."""

    pending = "pending"
    sent = "sent"
    failed = "failed"
