"""Items as the matcher and the change feed see them (shared.schemas.CatalogItem)."""

from sqlmodel import Session

from services.catalog.accounts.models import Organisation
from services.catalog.items.kinds import Item, spec_of
from services.catalog.items.models import ResearchOutput, TechNeed
from shared.schemas import CatalogItem


def to_wire(item: Item, region: str | None) -> CatalogItem:
    """The matcher's view of an item (`region` is the need's own, or the output owner's)."""
    spec = spec_of(item)
    return CatalogItem(
        kind=spec.kind, id=item.id or 0, title=item.title, text=getattr(item, spec.text_field),
        keywords=item.keywords, language=item.language, field=item.field,
        industry_section=item.industry_section, cluster=item.cluster, region=region,
        maturity=getattr(item, "maturity", None), cooperation_modes=item.cooperation_modes,
        status=item.status, confidentiality=getattr(item, "confidentiality", "public"),
        organisation_id=item.organisation_id, deadline=getattr(item, "deadline", None),
        updated_at=item.updated_at,
    )


def region_of(session: Session, item: Item) -> str | None:
    """A need's region, or the region of the organisation that owns an output."""
    if isinstance(item, TechNeed):
        return item.region
    org = session.get(Organisation, item.organisation_id)
    return org.region if org else None


def output_to_wire(session: Session, output: ResearchOutput) -> CatalogItem:
    """The matcher's view of a research output."""
    return to_wire(output, region_of(session, output))


def need_to_wire(need: TechNeed) -> CatalogItem:
    """The matcher's view of a technology need."""
    return to_wire(need, need.region)
