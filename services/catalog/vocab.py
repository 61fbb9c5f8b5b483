"""Roles and organisation kinds (catalog-internal vocabularies)."""

from enum import StrEnum


class Role(StrEnum):
    """What a signed-in user may do."""

    enterprise = "enterprise"
    university = "university"
    broker = "broker"
    admin = "admin"


class OrgKind(StrEnum):
    """Kinds of organisation on the platform."""

    university = "university"
    institute = "institute"
    enterprise = "enterprise"
    broker_agency = "broker_agency"
    government = "government"
