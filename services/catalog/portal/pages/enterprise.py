"""Enterprise pages: posting and editing needs, and following each need's matches."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, func, select

from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import TechNeed
from services.catalog.items.schemas import NeedCreate, NeedUpdate
from services.catalog.items.service import create_item
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.editing import own_item, save_form, stored_values
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.forms import field_errors, form_values, split_list
from services.catalog.portal.routing import PortalRoute
from services.catalog.portal.workflow_view import matches_of_need
from shared.vocab import Cluster, Confidentiality, CooperationMode, NeedStatus

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

TEXT_FIELDS = ("title", "description", "keywords", "field", "cluster", "region", "budget_min_yuan",
               "budget_max_yuan", "deadline", "confidentiality", "contact", "status", "version")
MIN_DESCRIPTION = 10


def _form_page(page: PageContext, *, need: TechNeed | None, values: dict[str, Any], errors: dict[str, str],
               status_code: int = 200) -> Response:
    return page.render("need_form.html", status_code=status_code, need=need, values=values, errors=errors,
                       clusters=[c.value for c in Cluster], modes=[m.value for m in CooperationMode],
                       statuses=[s.value for s in NeedStatus],
                       confidentialities=[c.value for c in Confidentiality])


def _need_data(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as the API's need fields (blank optional fields become null)."""
    data: dict[str, Any] = {
        "title": values["title"].strip(), "description": values["description"].strip(),
        "keywords": split_list(values["keywords"]), "cooperation_modes": values["cooperation_modes"],
        "confidentiality": values["confidentiality"] or Confidentiality.public.value,
    }
    for name in ("field", "cluster", "region", "budget_min_yuan", "budget_max_yuan", "deadline", "contact"):
        data[name] = values[name].strip() or None
    return data


def _extra_checks(page: PageContext, data: dict[str, Any], errors: dict[str, str]) -> None:
    if "description" not in errors and len(data.get("description") or "") < MIN_DESCRIPTION:
        errors["description"] = page.tr(f"请至少用 {MIN_DESCRIPTION} 个字描述需求，便于匹配成果",
                                        f"Describe the need in at least {MIN_DESCRIPTION} characters so it can be matched")


@router.get("/needs/new")
def new_need(page: PageDep) -> Response:
    """The form to post a technology need."""
    page.require(Role.enterprise)
    values = {name: "" for name in TEXT_FIELDS} | {"cooperation_modes": [], "confidentiality": "public"}
    if page.organisation is not None:
        values["region"] = page.organisation.region or ""
    return _form_page(page, need=None, values=values, errors={})


@router.post("/needs/new")
async def post_need(page: PageDep) -> Response:
    """Validate and post a need; then show the outputs that match it."""
    user = page.require(Role.enterprise)
    form = await page.request.form()
    values = form_values(form, TEXT_FIELDS, ("cooperation_modes",))
    data = _need_data(values)
    errors: dict[str, str] = {}
    try:
        body = NeedCreate.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, page.lang, "budget_max_yuan")
    _extra_checks(page, data, errors)
    if errors:
        return _form_page(page, need=None, values=values, errors=errors, status_code=422)
    need = create_item(page.session, spec=NEEDS, user=user, data=body)
    page.session.commit()
    return page.redirect(f"/needs/{need.id}?posted=1#ranked")


def _own_need(page: PageContext, need_id: IdPath) -> TechNeed:
    need = own_item(page, spec=NEEDS, item_id=need_id,
                    refusal=("只能修改本单位发布的需求", "You may only edit your own organisation's needs"))
    assert isinstance(need, TechNeed)
    return need


@router.get("/needs/{need_id}/edit")
def edit_need(need_id: IdPath, page: PageDep) -> Response:
    """The form to edit one of the enterprise's needs."""
    need = _own_need(page, need_id)
    values = stored_values(need, text=TEXT_FIELDS, joined=("keywords",))
    return _form_page(page, need=need, values=values, errors={})


@router.post("/needs/{need_id}/edit")
async def save_need(need_id: IdPath, page: PageDep) -> Response:
    """Validate and save changes to a need (refused if someone else changed it meanwhile)."""
    need = _own_need(page, need_id)
    form = await page.request.form()
    values = form_values(form, TEXT_FIELDS, ("cooperation_modes",))
    data = _need_data(values)
    data["status"] = values["status"] or need.status
    errors: dict[str, str] = {}
    try:
        version = int(values["version"])
    except ValueError:
        version = need.version
    try:
        body = NeedUpdate.model_validate({**data, "version": version})
        NeedCreate.model_validate({k: v for k, v in data.items()})  # the same cross-field rules as posting
    except ValidationError as exc:
        errors = field_errors(exc, page.lang, "budget_max_yuan")
    _extra_checks(page, data, errors)
    if not errors:
        saved = save_form(page, item=need, body=body, version=version, done=f"/needs/{need.id}?saved=1")
        if isinstance(saved, Response):
            return saved
        errors["__all__"] = saved
    return _form_page(page, need=need, values=values, errors=errors, status_code=422)


@router.get("/my/needs")
def my_needs(page: PageDep, pg: PortalPage = 1) -> Response:
    """The enterprise's own needs, a page at a time, with how far each one's matches have come."""
    user = page.require(Role.enterprise)
    own = col(TechNeed.organisation_id) == user.organisation_id
    total = page.session.exec(select(func.count()).select_from(TechNeed).where(own)).one()
    needs = page.session.exec(select(TechNeed).where(own)
                              .order_by(col(TechNeed.updated_at).desc(), col(TechNeed.id).desc())
                              .offset((pg - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    progress = {n.id: matches_of_need(page.session, user, n.id or 0) for n in needs}
    return page.render("my_needs.html", needs=needs, progress=progress, total=total, pages=page_count(total),
                       form=SearchForm(values={}, page=pg))


@router.get("/my/needs/{need_id}")
def need_progress(need_id: IdPath, page: PageDep) -> Response:
    """One need's introductions and matches, with accept/decline for those awaiting an answer."""
    need = _own_need(page, need_id)
    assert page.user is not None
    return page.render("need_progress.html", need=need,
                       matches=matches_of_need(page.session, page.user, need_id))
