"""Reading search filters from a page's query string leniently (a bad value is ignored, never a 422), and the
page number of the other list pages."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request

from services.catalog.core.inputs import MAX_PAGE
from services.catalog.items.repository import ListQuery
from services.catalog.matching.search import MAX_QUERY_CHARS
from shared.vocab import Cluster, CooperationMode, Maturity

PAGE_SIZE = 10
# A list page's `?page=` (1 ≤ n ≤ MAX_PAGE; anything else is a 400); past the last page the list is empty.
PortalPage = Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)]
FILTER_NAMES = ("q", "field", "cluster", "region", "maturity", "cooperation_mode")


@dataclass
class SearchForm:
    """The filters a reader chose, the list query they make, and links to other pages of results."""

    values: dict[str, str]
    page: int

    def query(self, **extra: object) -> ListQuery:
        """The catalog list query for these filters."""
        sort = "relevance" if self.values.get("q") else "-updated_at"
        args: dict[str, object] = {k: v for k, v in self.values.items() if v}
        return ListQuery(**args, sort=sort, page=self.page, page_size=PAGE_SIZE, **extra)  # type: ignore[arg-type]

    def link(self, page: int) -> str:
        """The query string of another page of the same search."""
        params = {k: v for k, v in self.values.items() if v}
        if page > 1:
            params["page"] = str(page)
        return "?" + urlencode(params) if params else "?"


def _allowed(value: str, choices: list[str]) -> str:
    return value if value in choices else ""


def read_search(request: Request) -> SearchForm:
    """The search filters of a request, with unknown vocabulary values dropped."""
    params = request.query_params
    values = {name: (params.get(name) or "").strip()[:100] for name in FILTER_NAMES}
    values["q"] = (params.get("q") or "").strip()[:MAX_QUERY_CHARS]  # longer: a 422 from the search page
    values["cluster"] = _allowed(values["cluster"], [c.value for c in Cluster])
    values["maturity"] = _allowed(values["maturity"], [m.value for m in Maturity])
    values["cooperation_mode"] = _allowed(values["cooperation_mode"], [m.value for m in CooperationMode])
    try:
        page = max(1, min(int(params.get("page") or 1), 10_000))
    except ValueError:
        page = 1
    return SearchForm(values=values, page=page)


def page_count(total: int) -> int:
    """How many result pages `total` items make."""
    return max(1, -(-total // PAGE_SIZE))
