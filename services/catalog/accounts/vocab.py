"""Roles and organisation kinds (catalog-internal vocabularies)."""

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.catalog.accounts.models import User


class Role(StrEnum):
    """What a signed-in user may do."""

    enterprise = "enterprise"
    university = "university"
    broker = "broker"
    admin = "admin"
    expert = "expert"  # reviews 揭榜挂帅 applications it is assigned to (services/catalog/challenges)


class OrgKind(StrEnum):
    """Kinds of organisation on the platform."""

    university = "university"
    institute = "institute"
    enterprise = "enterprise"
    broker_agency = "broker_agency"
    government = "government"


STAFF = (Role.broker, Role.admin)


def is_staff(user: "User | None") -> bool:
    """Brokers and admins run the workflow and see every item."""
    return user is not None and user.role in STAFF
