"""Public pages: the home page, searching outputs and needs, and reading one of each."""

from collections.abc import Callable
from typing import Any, cast

from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation
from services.catalog.accounts.vocab import STAFF, Role
from services.catalog.api.deps import client_address
from services.catalog.api.params import IdPath
from services.catalog.items.kinds import NEEDS, OUTPUTS, KindSpec
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import present_needs, present_outputs
from services.catalog.items.repository import get_visible, list_items
from services.catalog.matching import search
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.filters import PortalPage, SearchForm, page_count, read_search
from services.catalog.portal.matching import (
    ShownCandidate,
    experts_for_need,
    needs_for_output,
    outputs_for_need,
)
from services.catalog.portal.routing import PortalRoute
from shared.vocab import Cluster, CooperationMode, Maturity

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def known_regions(session: Session) -> list[str]:
    """Regions named by organisations or needs, for the region filter."""
    orgs = session.exec(select(Organisation.region).where(col(Organisation.region).is_not(None)).distinct()).all()
    needs = session.exec(select(TechNeed.region).where(col(TechNeed.region).is_not(None)).distinct()).all()
    return sorted({r for r in [*orgs, *needs] if r})


def _vocab() -> dict[str, Any]:
    return {"clusters": [c.value for c in Cluster], "maturities": [m.value for m in Maturity],
            "modes": [m.value for m in CooperationMode]}


@router.get("/")
def home(page: PageDep) -> Response:
    """The home page: a search box and the newest outputs and needs."""
    form = read_search(page.request)
    outputs, n_out = list_items(page.session, spec=OUTPUTS, user=page.user, query=form.query(status="published"))
    needs, n_need = list_items(page.session, spec=NEEDS, user=page.user, query=form.query(status="open"))
    return page.render("home.html", outputs=present_outputs(page.session, outputs=cast(list[ResearchOutput], outputs[:5])), n_outputs=n_out,
                       needs=present_needs(page.session, needs=cast(list[TechNeed], needs[:5])), n_needs=n_need,
                       signed_out=bool(page.request.query_params.get("signed_out")), **_vocab())


def _search_page(page: PageContext, pg: int, *, spec: KindSpec, status: str,
                 present: Callable[[list[Any]], list[Any]]) -> Response:
    search.check_query(text=page.request.query_params.get("q") or "")
    form = read_search(page.request)
    form.page = pg
    query = form.query(status=status)
    # anonymous readers over their minute's searches get the keyword ranking, with a note, instead of a 429
    allowed = not query.q or not search.admit(limit=page.request.app.state.search_limit, user=page.user,
                                              address=client_address(page.request))
    weaker = page.request.query_params.get("weak") == "1"
    found = search.search(session=page.session, settings=page.settings, spec=spec, user=page.user, query=query,
                          use_matcher=allowed, weaker=weaker)
    hits = {i.id: ShownCandidate(item=i, result=found.results[i.id]) for i in found.items if i.id in found.results}
    if weaker:  # computed into `query` already; kept in the pager's links
        form.values["weak"] = "1"
    weaker_href = SearchForm(values={**form.values, "weak": "1"}, page=1).link(1)
    return page.render("search.html", kind=spec.kind.value, form=form, total=found.total, found=found, hits=hits,
                       weaker_href=weaker_href,
                       pages=page_count(found.total), results=present(found.items),
                       regions=known_regions(page.session), **_vocab())


@router.get("/outputs")
def search_outputs(page: PageDep, pg: PortalPage = 1) -> Response:
    """Search and browse published research outputs, ranked by the matcher for a query (keywords as fallback)."""
    return _search_page(page, pg, spec=OUTPUTS, status="published",
                        present=lambda items: present_outputs(page.session, outputs=items))


@router.get("/needs")
def search_needs(page: PageDep, pg: PortalPage = 1) -> Response:
    """Search and browse the technology needs the reader may see, ranked by the matcher for a query."""
    return _search_page(page, pg, spec=NEEDS, status="open",
                        present=lambda items: present_needs(page.session, needs=items))


@router.get("/outputs/{output_id}")
def output_page(output_id: IdPath, page: PageDep) -> Response:
    """One research output; signed-in readers also see the needs it could serve."""
    output = get_visible(page.session, spec=OUTPUTS, item_id=output_id, user=page.user)
    assert isinstance(output, ResearchOutput)
    related = None
    if page.user is not None:
        related = needs_for_output(page.session, page.settings, page.user, output)
    can_edit = page.role_is(Role.admin) or (
        page.role_is(Role.university) and page.user is not None and page.user.organisation_id == output.organisation_id)
    can_follow = page.role_is(*STAFF) or (
        page.role_is(Role.university) and page.user is not None and page.user.organisation_id == output.organisation_id)
    return page.render("output.html", output=present_outputs(page.session, outputs=[output])[0], related=related,
                       can_edit=can_edit, can_follow=can_follow)


@router.get("/needs/{need_id}")
def need_page(need_id: IdPath, page: PageDep) -> Response:
    """One technology need; its owner sees the ranked outputs, brokers a link to the pairing view."""
    need = get_visible(page.session, spec=NEEDS, item_id=need_id, user=page.user)
    assert isinstance(need, TechNeed)
    is_owner = page.role_is(Role.enterprise) and page.user is not None and page.user.organisation_id == need.organisation_id
    ranked = experts = None
    if page.user is not None and (is_owner or page.role_is(*STAFF)):
        ranked = outputs_for_need(page.session, page.settings, page.user, need)
        experts = experts_for_need(page.session, page.settings, page.user, need)
    return page.render("need.html", need=present_needs(page.session, needs=[need])[0], ranked=ranked, experts=experts,
                       is_owner=is_owner, posted=bool(page.request.query_params.get("posted")))
