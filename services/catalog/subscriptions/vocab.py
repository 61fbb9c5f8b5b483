"""Vocabularies of subscriptions (stored values, with their Chinese and English labels)."""

from enum import StrEnum

# the matcher's calibrated score from which an item is worth an alert (the matcher's own recommended threshold,
# `services.matcher.ranking.RECOMMENDED_THRESHOLD`, kept here too: the catalog never imports the matcher)
DEFAULT_THRESHOLD = 0.55
# alerts go out at 08:00 Beijing time (00:00 UTC); weekly ones on Mondays
DIGEST_HOUR_UTC = 0
DIGEST_WEEKDAY = 0
NOTIFICATION_KIND = "subscription_alert"
DIGEST_KIND = "subscription_digest"


class SubscriptionKind(StrEnum):
    """What a subscription follows."""

    need = "need"  # one of my needs: new or edited outputs matching it
    output = "output"  # one of my outputs: new or edited needs matching it
    search = "search"  # a saved search: new or edited items of its target kind matching its text and filters


class Frequency(StrEnum):
    """How alerts reach the subscriber."""

    instant = "instant"
    daily = "daily"
    weekly = "weekly"


KIND_LABELS: dict[str, tuple[str, str]] = {
    SubscriptionKind.need: ("关注我的需求", "following my need"),
    SubscriptionKind.output: ("关注我的成果", "following my output"),
    SubscriptionKind.search: ("保存的检索", "saved search"),
}

FREQUENCY_LABELS: dict[str, tuple[str, str]] = {
    Frequency.instant: ("即时", "instant"),
    Frequency.daily: ("每日摘要", "daily digest"),
    Frequency.weekly: ("每周摘要", "weekly digest"),
}
