"""The match state machine: which moves are legal, and the message when one is not."""

from services.catalog.core.errors import Conflict, ValidationFailed
from services.catalog.workflow.models import Match
from services.catalog.workflow.vocab import STATUS_LABELS, MatchStatus, Response

NEXT: dict[str, set[MatchStatus]] = {
    MatchStatus.proposed: {MatchStatus.shortlisted, MatchStatus.declined},
    MatchStatus.shortlisted: {MatchStatus.introduced, MatchStatus.declined},
    MatchStatus.introduced: {MatchStatus.negotiating, MatchStatus.declined},
    MatchStatus.negotiating: {MatchStatus.signed, MatchStatus.declined},
    MatchStatus.signed: set(),
    MatchStatus.declined: set(),
}

TIMESTAMP = {s: f"{s.value}_at" for s in MatchStatus}
# The column holding how many days a pair took to reach a step, and the step it came from.
STEP_DAYS: dict[MatchStatus, tuple[str, MatchStatus]] = {
    MatchStatus.shortlisted: ("shortlist_days", MatchStatus.proposed),
    MatchStatus.introduced: ("introduce_days", MatchStatus.shortlisted),
    MatchStatus.negotiating: ("negotiate_days", MatchStatus.introduced),
    MatchStatus.signed: ("sign_days", MatchStatus.negotiating),
}


def label(status: str, chinese: bool = True) -> str:
    """A status's label in one language."""
    zh, en = STATUS_LABELS.get(status, (status, status))
    return zh if chinese else en


def check_transition(match: Match, to: MatchStatus, *, reason: str | None, via_contract: bool = False) -> None:
    """Refuse (409, or 422 for a missing reason) a move the workflow does not allow."""
    current = MatchStatus(match.status)
    if to not in NEXT[current]:
        allowed = sorted(NEXT[current], key=list(MatchStatus).index)
        zh_allowed = "、".join(label(s) for s in allowed) or "无（已结束）"
        en_allowed = ", ".join(s.value for s in allowed) or "none (finished)"
        raise Conflict(
            f"对接 {match.id} 当前为“{label(current)}”，不能改为“{label(to)}”；可改为：{zh_allowed}",
            f"Match {match.id} is {current.value} and cannot move to {to.value}; allowed: {en_allowed}",
        )
    if to is MatchStatus.declined and reason is None:
        raise ValidationFailed("放弃对接时请选择原因 reason", "Give a reason when declining a match",
                               detail=[{"column": "reason", "zh": "放弃对接时必填", "en": "required when declining"}])
    if to is MatchStatus.negotiating and not (
        match.need_response == Response.accepted and match.output_response == Response.accepted
    ):
        raise Conflict("双方都接受引荐后才能进入洽谈",
                       "Both parties must accept the introduction before negotiation starts")
    if to is MatchStatus.signed and not via_contract:
        raise Conflict("请通过登记技术合同将对接标记为已签约",
                       "Register the technology contract to mark a match signed")
