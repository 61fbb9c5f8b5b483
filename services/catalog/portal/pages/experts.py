"""The expert pool in the portal: the public directory, a profile (contact only for those allowed), and creating
or editing a profile (the bureau and brokers for anyone, an expert for their own)."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import STAFF, Role, is_staff
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError
from services.catalog.experts import repository as repo
from services.catalog.experts import service
from services.catalog.experts.models import Expert
from services.catalog.experts.schemas import ExpertCreate, ExpertUpdate
from services.catalog.experts.vocab import ExpertKind
from services.catalog.items.models import ResearchOutput
from services.catalog.items.present import present_outputs
from services.catalog.portal.challenge_view import form_errors, refusal
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.expert_view import labels, profile_data, profile_values, stored_profile
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.routing import PortalRoute
from shared.vocab import Cluster

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
CREATE = ("name", "organisation_name", "organisation_id", "title", "rank", "kinds", "fields", "clusters", "keywords",
          "biography", "languages", "counties", "towns", "availability_days", "contact", "external_id", "user_id")
UPDATE = ("name", "organisation_name", "title", "rank", "kinds", "fields", "clusters", "keywords", "biography",
          "languages", "counties", "towns", "availability_days", "contact", "output_ids")


def _render(page: PageContext, template: str, status_code: int = 200, **values: Any) -> Response:
    return page.render(template, status_code=status_code, **labels(page.lang), **values)


@router.get("/experts")
def directory(page: PageDep, pg: PortalPage = 1) -> Response:
    """The expert directory: name, organisation, fields, kinds and regions served, filtered; no contacts."""
    params = page.request.query_params
    values = {name: (params.get(name) or "").strip()[:100] for name in ("q", "kind", "county", "cluster")}
    for name, choices in (("kind", [k.value for k in ExpertKind]), ("cluster", [c.value for c in Cluster])):
        if values[name] not in choices:
            values[name] = ""
    rows, total = repo.list_experts(page.session, user=page.user, kind=values["kind"] or None,
                                    cluster=values["cluster"] or None, county=values["county"] or None,
                                    q=values["q"] or None, page=pg, page_size=PAGE_SIZE)
    return _render(page, "expert_directory.html", experts=service.present(page.session, experts=rows, user=None),
                   total=total, pages=page_count(total), form=SearchForm(values=values, page=pg),
                   clusters=[c.value for c in Cluster], can_create=page.role_is(*STAFF))


@router.get("/experts/me")
def mine(page: PageDep) -> Response:
    """An expert's own profile lives in their workspace."""
    page.require(Role.expert)
    return page.redirect("/expert")


def _form_page(page: PageContext, *, values: dict[str, Any], errors: dict[str, str], expert: Expert | None = None,
               status_code: int = 200) -> Response:
    staff = is_staff(page.user)
    orgs = page.session.exec(select(Organisation).order_by(col(Organisation.name))).all() \
        if staff and expert is None else []
    linked = set(page.session.exec(select(Expert.user_id).where(col(Expert.user_id).is_not(None))).all())
    accounts = [u for u in page.session.exec(select(User).where(User.role == Role.expert, col(User.is_active))
                                             .order_by(col(User.login))).all() if u.id not in linked] \
        if staff and expert is None else []
    outputs = service.outputs_to_link(page.session, expert=expert, user=page.require()) if expert else []
    return _render(page, "expert_form.html", status_code=status_code, values=values, errors=errors, expert=expert,
                   staff=staff, orgs=orgs, accounts=accounts, clusters=[c.value for c in Cluster], outputs=outputs)


@router.get("/experts/new")
def new_expert(page: PageDep) -> Response:
    """The form for a new profile: staff for anyone, an expert for themself."""
    page.require(*STAFF, Role.expert)
    values = {name: "" for name in CREATE} | {"kinds": [], "clusters": [], "counties": [], "availability_days": "4"}
    if page.organisation is not None and page.role_is(Role.expert):
        values["organisation_name"] = page.organisation.name
    return _form_page(page, values=values, errors={})


@router.post("/experts/new")
async def create_expert(page: PageDep) -> Response:
    """Validate and create the profile; then show it."""
    user = page.require(*STAFF, Role.expert)
    values = profile_values(await page.request.form())
    names = CREATE if is_staff(user) else tuple(n for n in CREATE if n not in ("external_id", "user_id",
                                                                                "organisation_id"))
    try:
        expert = service.create_expert(page.session, user=user, clock=page.request.app.state.clock,
                                       data=ExpertCreate.model_validate(profile_data(values, names=names)))
        page.session.commit()
        return page.redirect(f"/experts/{expert.id}?done=created")
    except ValidationError as exc:
        errors, status = form_errors(exc, page.lang, "__all__"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status = refusal(page, exc), exc.status_code
    return _form_page(page, values=values, errors=errors, status_code=status)


@router.get("/experts/{expert_id}")
def profile(expert_id: IdPath, page: PageDep) -> Response:
    """A profile's public fields and linked outputs; the contact for staff, the expert and confirmed hosts."""
    expert = repo.get_expert(page.session, expert_id=expert_id, user=page.user)
    shown = service.present(page.session, experts=[expert], user=page.user)[0]
    outputs = [o for o in service.linked_outputs(page.session, expert=expert, user=page.user)
               if isinstance(o, ResearchOutput)]
    return _render(page, "expert_profile.html", e=shown, done=page.request.query_params.get("done"),
                   outputs=present_outputs(page.session, outputs=outputs, viewer=page.user),
                   can_dispatch=page.role_is(*STAFF))


def _editable(page: PageContext, expert_id: int) -> tuple[User, Expert]:
    user = page.require(*STAFF, Role.expert)
    expert = repo.get_expert(page.session, expert_id=expert_id, user=user, for_update=page.request.method == "POST")
    if not repo.can_edit(user, expert):
        raise AppError("您只能修改本人的专家档案", "You may only edit your own expert profile", status_code=403)
    return user, expert


@router.get("/experts/{expert_id}/edit")
def edit_expert(expert_id: IdPath, page: PageDep) -> Response:
    """The profile's edit form (staff, or the expert themself)."""
    _, expert = _editable(page, expert_id)
    return _form_page(page, values=stored_profile(expert), errors={}, expert=expert)


@router.post("/experts/{expert_id}/edit")
async def save_expert(expert_id: IdPath, page: PageDep) -> Response:
    """Save the profile; a stale version or a bad region is explained on the form."""
    user, expert = _editable(page, expert_id)
    form = await page.request.form()
    values = profile_values(form) | {"version": str(form.get("version") or ""), "active": bool(form.get("active"))}
    try:
        data = profile_data(values, names=UPDATE) | {"version": form.get("version")}
        if is_staff(user):  # only staff take an expert out of the pool or put them back
            data["active"] = bool(form.get("active"))
        body = ExpertUpdate.model_validate(data)
        service.update_expert(page.session, expert=expert, user=user, data=body, clock=page.request.app.state.clock)
        page.session.commit()
        return page.redirect(f"/experts/{expert_id}?done=saved")
    except ValidationError as exc:
        errors, status = form_errors(exc, page.lang, "__all__"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status = refusal(page, exc), exc.status_code
    return _form_page(page, values=values, errors=errors, expert=expert, status_code=status)
