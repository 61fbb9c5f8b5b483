"""Turning stored items into what callers see."""

from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import is_staff
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.schemas import NeedPublic, OutputPublic


def organisations_by_id(session: Session, org_ids: set[int]) -> dict[int, Organisation]:
    """The organisations with these ids, by id (one query)."""
    if not org_ids:
        return {}
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(org_ids))).all()
    return {o.id or 0: o for o in rows}


def may_see_contact(viewer: User | None, organisation_id: int) -> bool:
    """Contact details go to the owner, brokers and admins; others get them through an accepted introduction."""
    if viewer is None:
        return False
    return is_staff(viewer) or viewer.organisation_id == organisation_id


def price_label(output: ResearchOutput) -> str:
    """'面议' for a negotiable price, else the amount in 元."""
    return "面议" if output.price_yuan is None else f"{output.price_yuan:,.2f} 元"


def present_outputs(session: Session, *, outputs: list[ResearchOutput], viewer: User | None = None) -> list[OutputPublic]:
    """Outputs with their owner's name and region, contact only for those who may see it."""
    orgs = organisations_by_id(session, {o.organisation_id for o in outputs})
    result = []
    for o in outputs:
        org = orgs.get(o.organisation_id)
        result.append(OutputPublic.model_validate(
            {**o.model_dump(), "organisation_name": org.name if org else None,
             "region": org.region if org else None, "price_label": price_label(o),
             "contact": o.contact if may_see_contact(viewer, o.organisation_id) else None}
        ))
    return result


def present_needs(session: Session, *, needs: list[TechNeed], viewer: User | None = None) -> list[NeedPublic]:
    """Needs with their owner's name, contact only for those who may see it."""
    orgs = organisations_by_id(session, {n.organisation_id for n in needs})
    return [
        NeedPublic.model_validate({**n.model_dump(), "organisation_name": getattr(orgs.get(n.organisation_id), "name", None),
                                   "contact": n.contact if may_see_contact(viewer, n.organisation_id) else None})
        for n in needs
    ]
