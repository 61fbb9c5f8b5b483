"""An expert as the matcher sees it, and the change-feed row that tells it: a topical headline (keywords,
else fields), the biography and the texts of the expert's own published outputs."""

from sqlmodel import Session

from services.catalog.core.errors import NotFound
from services.catalog.experts.models import Expert
from services.catalog.items.changes import append_change
from services.catalog.items.kinds import OUTPUTS
from services.catalog.items.models import ResearchOutput
from services.catalog.items.repository import get_visible
from shared.schemas import MATCHABLE_STATUS, CatalogItem
from shared.vocab import ChangeOp, ItemKind

# the matcher reads this much of an expert's text: the biography and their outputs, most recent link first
TEXT_CHARS = 2000
HEADLINE_TERMS = 8
HEADLINE_CHARS = 120


def _published_outputs(session: Session, output_ids: list[int]) -> list[ResearchOutput]:
    found = []
    for output_id in output_ids:
        try:
            output = get_visible(session, spec=OUTPUTS, item_id=output_id, user=None)
        except NotFound:  # unpublished or gone: the public does not see it, so neither does the ranking
            continue
        assert isinstance(output, ResearchOutput)
        found.append(output)
    return found


def expert_to_wire(session: Session, expert: Expert) -> CatalogItem:
    """The matcher's view of an expert; only an active expert is matchable."""
    assert expert.id is not None
    outputs = [f"{o.title}：{o.summary}".rstrip("：") for o in _published_outputs(session, expert.output_ids)]
    return expert_item(expert_id=expert.id, name=expert.name, keywords=expert.keywords, fields=expert.fields,
                       biography=expert.biography, outputs=outputs, cluster=expert.clusters[0] if expert.clusters else None,
                       region=expert.counties[0] if expert.counties else None, active=expert.active,
                       organisation_id=expert.organisation_id)


def expert_item(*, expert_id: int, name: str, keywords: list[str], fields: list[str], biography: str,
                outputs: list[str], cluster: str | None = None, region: str | None = None, active: bool = True,
                organisation_id: int | None = None) -> CatalogItem:
    """An expert's wire item from its parts (`outputs`: the texts of their published outputs, title first)."""
    # e5 reads a candidate's title alone, so the title names the topics rather than the person: the expert's
    # keywords, else fields, else their outputs' titles
    headline = ("、".join(keywords[:HEADLINE_TERMS] or fields)
                or "；".join(o.split("：")[0] for o in outputs)[:HEADLINE_CHARS] or name)
    text = "\n".join(p for p in (biography.strip(), "\n".join(outputs)) if p)[:TEXT_CHARS]
    return CatalogItem(kind=ItemKind.expert, id=expert_id, title=headline, text=text, keywords=keywords,
                       field=fields[0] if fields else None, cluster=cluster, region=region,
                       status=MATCHABLE_STATUS[ItemKind.expert] if active else "inactive",
                       organisation_id=organisation_id)


def record_change(session: Session, *, expert: Expert, op: ChangeOp) -> None:
    """Append the expert's new state to the change feed, in the caller's transaction (after the row is flushed)."""
    session.flush()
    assert expert.id is not None
    append_change(session, op=op, kind=ItemKind.expert, item_id=expert.id, item=expert_to_wire(session, expert))
