"""Vocabularies of challenge calls (stored values, with their Chinese and English labels)."""

from enum import StrEnum


class ChallengeStatus(StrEnum):
    """Where a challenge call stands."""

    draft = "draft"
    published = "published"
    closed = "closed"
    under_review = "under_review"
    awarded = "awarded"
    in_execution = "in_execution"
    accepted = "accepted"
    failed = "failed"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    ChallengeStatus.draft: ("草稿", "draft"),
    ChallengeStatus.published: ("揭榜中", "published"),
    ChallengeStatus.closed: ("已截止", "closed"),
    ChallengeStatus.under_review: ("评审中", "under review"),
    ChallengeStatus.awarded: ("已定榜", "awarded"),
    ChallengeStatus.in_execution: ("攻关中", "in execution"),
    ChallengeStatus.accepted: ("已验收", "accepted"),
    ChallengeStatus.failed: ("未通过验收", "failed"),
}

# The moves a challenge may make; awarded is reached only through the award itself.
NEXT: dict[ChallengeStatus, tuple[ChallengeStatus, ...]] = {
    ChallengeStatus.draft: (ChallengeStatus.published,),
    ChallengeStatus.published: (ChallengeStatus.closed,),
    ChallengeStatus.closed: (ChallengeStatus.under_review,),
    ChallengeStatus.under_review: (ChallengeStatus.awarded,),
    ChallengeStatus.awarded: (ChallengeStatus.in_execution,),
    ChallengeStatus.in_execution: (ChallengeStatus.accepted, ChallengeStatus.failed),
    ChallengeStatus.accepted: (),
    ChallengeStatus.failed: (),
}
# Statuses in which anyone may read a challenge (every one but draft).
PUBLIC = tuple(s for s in ChallengeStatus if s is not ChallengeStatus.draft)


class FundingSource(StrEnum):
    """Who pays the bounty."""

    government = "government"
    enterprise = "enterprise"
    mixed = "mixed"


class ApplicationStatus(StrEnum):
    """An application (揭榜) from its draft to its submission or withdrawal."""

    draft = "draft"
    submitted = "submitted"
    withdrawn = "withdrawn"


class ReviewStage(StrEnum):
    """The rounds of review an application passes, in order."""

    screen = "screen"
    assess = "assess"
    finalist = "finalist"


STAGES: list[ReviewStage] = list(ReviewStage)


class MilestoneStatus(StrEnum):
    """The owner's decision on a delivered milestone."""

    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


# The review criteria a new challenge starts with (key, Chinese, English, weight in %).
DEFAULT_CRITERIA: list[tuple[str, str, str, int]] = [
    ("technical_fit", "技术契合度", "technical fit", 30),
    ("team_capability", "团队能力", "team capability", 20),
    ("plan_feasibility", "方案可行性", "feasibility of plan", 20),
    ("budget", "预算合理性", "budget", 15),
    ("local_transfer", "本地转化承诺", "local transfer commitment", 15),
]


def label(status: str, chinese: bool = True) -> str:
    """A challenge status's label in one language."""
    zh, en = STATUS_LABELS.get(status, (status, status))
    return zh if chinese else en
