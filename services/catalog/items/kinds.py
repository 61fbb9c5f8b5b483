"""The two sides of the catalog: how each kind of item is stored and who owns it."""

from dataclasses import dataclass

from services.catalog.accounts.vocab import Role
from services.catalog.items.models import ResearchOutput, TechNeed
from shared.vocab import ItemKind

Item = ResearchOutput | TechNeed


@dataclass(frozen=True)
class KindSpec:
    """How one side of the catalog is stored and who owns it."""

    kind: ItemKind
    table: type[ResearchOutput] | type[TechNeed]
    text_field: str
    owner_role: Role
    zh: str
    en: str


OUTPUTS = KindSpec(ItemKind.output, ResearchOutput, "summary", Role.university, "科技成果", "research output")
NEEDS = KindSpec(ItemKind.need, TechNeed, "description", Role.enterprise, "技术需求", "technology need")
SPECS = {ItemKind.output: OUTPUTS, ItemKind.need: NEEDS}


def spec_of(item: Item) -> KindSpec:
    """The spec of an item's kind."""
    return OUTPUTS if isinstance(item, ResearchOutput) else NEEDS
