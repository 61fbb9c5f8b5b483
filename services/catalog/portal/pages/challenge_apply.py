"""Applying to a challenge (揭榜) for universities, institutes and enterprises: the application form (team,
approach, a response per indicator, milestones, budget, outputs, PDFs), saving, submitting and withdrawing."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from services.catalog.accounts.models import User
from services.catalog.api.params import IdPath
from services.catalog.challenges import repository as repo
from services.catalog.challenges import service
from services.catalog.challenges.models import Challenge, ChallengeApplication
from services.catalog.challenges.schemas import ApplicationCreate, ApplicationPublic, ApplicationUpdate
from services.catalog.challenges.vocab import ApplicationStatus, ChallengeStatus
from services.catalog.core.errors import AppError
from services.catalog.items.models import ResearchOutput
from services.catalog.portal.challenge_view import (
    countdown,
    form_errors,
    labels,
    money_value,
    now_of,
    padded,
    refusal,
    rows,
)
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.routing import PortalRoute
from shared.vocab import OutputStatus

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
TEAM = ("name", "role", "organisation")
MILESTONE = ("due_on", "deliverable", "amount_yuan")
OWN_OUTPUTS = 50
APP = "/challenges/{challenge_id}/applications/{application_id}"


def _applicant(page: PageContext) -> User:
    return page.require(*repo.APPLICANT_ROLES)


def _outputs(page: PageContext, user: User) -> list[ResearchOutput]:
    """The organisation's published outputs, to link to the application."""
    return list(page.session.exec(select(ResearchOutput).where(
        col(ResearchOutput.organisation_id) == user.organisation_id,
        col(ResearchOutput.status) == OutputStatus.published)
        .order_by(col(ResearchOutput.updated_at).desc()).limit(OWN_OUTPUTS)).all())


def _values_of(application: ApplicationPublic | None) -> dict[str, Any]:
    """A stored application as form values (an empty form for None)."""
    if application is None:
        return {"approach": "", "budget_yuan": "", "team": [], "milestones": [], "responses": {}, "output_ids": [],
                "version": "", "contact": ""}
    return {"approach": application.approach,
            "budget_yuan": "" if application.budget_yuan is None else f"{application.budget_yuan:.2f}",
            "team": [m.model_dump() | {"organisation": m.organisation or ""} for m in application.team],
            "milestones": [{"due_on": m.due_on.isoformat(), "deliverable": m.deliverable,
                            "amount_yuan": f"{m.amount_yuan:.2f}"} for m in application.milestones],
            "responses": {r.indicator: r.response for r in application.responses},
            "output_ids": [str(i) for i in application.output_ids], "version": str(application.version),
            "contact": application.contact or ""}


def _read_form(form: Any, challenge: Challenge) -> dict[str, Any]:
    """The submitted application form as form values."""
    names = [i["name"] for i in challenge.indicators]
    return {"approach": str(form.get("approach") or "").strip(), "budget_yuan": str(form.get("budget_yuan") or ""),
            "team": rows(form, "team", TEAM), "milestones": rows(form, "ms", MILESTONE),
            "responses": {name: str(form.get(f"resp_{i}") or "").strip() for i, name in enumerate(names)},
            "output_ids": [str(v) for v in form.getlist("output_ids")], "version": str(form.get("version") or ""),
            "contact": str(form.get("contact") or "").strip()}


def _data(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as the fields of ApplicationCreate / ApplicationUpdate."""
    return {"approach": values["approach"],
            "team": [{k: v for k, v in m.items() if v or k != "organisation"} for m in values["team"]],
            "responses": [{"indicator": k, "response": v} for k, v in values["responses"].items() if v],
            "milestones": [{**m, "amount_yuan": money_value(m["amount_yuan"]) or ""} for m in values["milestones"]],
            "budget_yuan": money_value(values["budget_yuan"]),
            "output_ids": values["output_ids"], "contact": values["contact"] or None}


def _form(page: PageContext, *, challenge: Challenge, application: ApplicationPublic | None, values: dict[str, Any],
          errors: dict[str, str], status_code: int = 200) -> Response:
    user = page.require()
    shown = service.present(page.session, challenges=[challenge], user=user)[0]
    open_ = challenge.status == ChallengeStatus.published and now_of(page) < challenge.deadline
    editable = open_ and (application is None or application.status == ApplicationStatus.draft) and \
        user.organisation_id == (application.lead_org_id if application else user.organisation_id)
    reviews = []
    if application is not None and application.status == ApplicationStatus.submitted and \
            (repo.can_manage(user, challenge)):
        reviews = service.list_reviews(page.session, challenge=challenge,
                                       application=_row(page, challenge, application.id), user=user)
    return page.render("application.html", status_code=status_code, **labels(page.lang), c=shown,
                       application=application, values=values, errors=errors, editable=editable, open=open_,
                       own=application is None or application.lead_org_id == user.organisation_id,
                       team=padded(values["team"], TEAM), milestones=padded(values["milestones"], MILESTONE),
                       outputs=_outputs(page, user) if editable else [], reviews=reviews,
                       left=countdown(challenge.deadline, now_of(page), page.lang),
                       max_mb=page.settings.challenge_attachment_max_bytes / 1024 / 1024,
                       done=page.request.query_params.get("done"))


def _row(page: PageContext, challenge: Challenge, application_id: int, for_update: bool = False) -> ChallengeApplication:
    return repo.get_application(page.session, challenge=challenge, application_id=application_id, user=page.user,
                                for_update=for_update)


def _shown(page: PageContext, application: ChallengeApplication) -> ApplicationPublic:
    return service.present_applications(page.session, applications=[application], viewer=page.user)[0]


@router.get("/challenges/{challenge_id}/apply")
def apply_form(challenge_id: IdPath, page: PageDep) -> Response:
    """The application form; an organisation that already applied goes to its application."""
    user = _applicant(page)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user)
    if repo.is_owner(user, challenge):
        raise AppError("发榜单位不能揭自己的榜", "The owner cannot apply to its own challenge", status_code=403)
    existing = repo.list_applications(page.session, challenge=challenge, user=user)
    if existing:
        return page.redirect(f"/challenges/{challenge_id}/applications/{existing[0].id}")
    return _form(page, challenge=challenge, application=None, values=_values_of(None), errors={})


@router.post("/challenges/{challenge_id}/apply")
async def apply(challenge_id: IdPath, page: PageDep) -> Response:
    """Start the organisation's application as a draft (editable until submitted or the deadline)."""
    user = _applicant(page)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user)
    values = _read_form(await page.request.form(), challenge)
    try:
        body = ApplicationCreate.model_validate(_data(values))
        application = service.apply(page.session, challenge=challenge, user=user, data=body,
                                    clock=page.request.app.state.clock)
        page.session.commit()
        return page.redirect(f"/challenges/{challenge_id}/applications/{application.id}?done=saved")
    except ValidationError as exc:
        errors, status_code = form_errors(exc, page.lang, "approach"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status_code = refusal(page, exc), exc.status_code
    return _form(page, challenge=challenge, application=None, values=values, errors=errors, status_code=status_code)


def _pair(page: PageContext, challenge_id: int, application_id: int,
          for_update: bool = False) -> tuple[Challenge, ChallengeApplication]:
    page.require()
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=page.user)
    return challenge, _row(page, challenge, application_id, for_update)


@router.get(APP)
def application_page(challenge_id: IdPath, application_id: IdPath, page: PageDep) -> Response:
    """An application: its form while it is an open draft of the reader's organisation, else frozen."""
    challenge, application = _pair(page, challenge_id, application_id)
    shown = _shown(page, application)
    return _form(page, challenge=challenge, application=shown, values=_values_of(shown), errors={})


def _refused(page: PageContext, challenge_id: int, application_id: int, errors: dict[str, str],
             values: dict[str, Any] | None, status_code: int) -> Response:
    page.session.rollback()
    challenge, application = _pair(page, challenge_id, application_id)
    shown = _shown(page, application)
    return _form(page, challenge=challenge, application=shown, values=values or _values_of(shown), errors=errors,
                 status_code=status_code)


@router.post(APP)
async def save_application(challenge_id: IdPath, application_id: IdPath, page: PageDep) -> Response:
    """Save changes to a draft application (refused after the deadline, once submitted or if changed meanwhile)."""
    challenge, application = _pair(page, challenge_id, application_id, for_update=True)
    user = _applicant(page)
    values = _read_form(await page.request.form(), challenge)
    version = int(values["version"]) if values["version"].isdigit() else application.version
    try:
        body = ApplicationUpdate.model_validate({**_data(values), "version": version})
        service.update_application(page.session, challenge=challenge, application=application, user=user, data=body,
                                   clock=page.request.app.state.clock)
    except ValidationError as exc:
        return _refused(page, challenge_id, application_id, form_errors(exc, page.lang, "approach"), values, 422)
    except AppError as exc:
        return _refused(page, challenge_id, application_id, refusal(page, exc), values, exc.status_code)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}/applications/{application_id}?done=saved")


def _step(page: PageContext, challenge_id: int, application_id: int, *, version: int, step: Callable[..., object],
          done: str) -> Response:
    """Submit or withdraw an application (`step` is the service function), then show it again."""
    challenge, application = _pair(page, challenge_id, application_id, for_update=True)
    try:
        step(page.session, challenge=challenge, application=application, user=_applicant(page), version=version,
             clock=page.request.app.state.clock)
    except AppError as exc:
        return _refused(page, challenge_id, application_id, refusal(page, exc), None, exc.status_code)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}/applications/{application_id}?done={done}")


@router.post(APP + "/submit")
def submit(challenge_id: IdPath, application_id: IdPath, page: PageDep, version: Annotated[int, Form()]) -> Response:
    """Submit the application; from then on it is frozen."""
    return _step(page, challenge_id, application_id, version=version, step=service.submit_application,
                 done="submitted")


@router.post(APP + "/withdraw")
def withdraw(challenge_id: IdPath, application_id: IdPath, page: PageDep, version: Annotated[int, Form()]) -> Response:
    """Withdraw the application (before the deadline)."""
    return _step(page, challenge_id, application_id, version=version, step=service.withdraw_application,
                 done="withdrawn")


@router.post(APP + "/attachments")
def attach(challenge_id: IdPath, application_id: IdPath, page: PageDep,
           file: Annotated[UploadFile, File()]) -> Response:
    """Attach a PDF to a draft application (checked by its content, capped in size)."""
    challenge, application = _pair(page, challenge_id, application_id, for_update=True)
    limit = page.settings.challenge_attachment_max_bytes
    try:
        service.add_attachment(page.session, challenge=challenge, application=application, user=_applicant(page),
                               filename=file.filename, content=file.file.read(limit + 1), settings=page.settings,
                               clock=page.request.app.state.clock)
    except AppError as exc:
        errors = {"file": page.tr(exc.zh, exc.en)} | refusal(page, exc)
        return _refused(page, challenge_id, application_id, errors, None, exc.status_code)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}/applications/{application_id}?done=attached#attachments")
