"""The reviewer's workspace (experts): the challenges and applications assigned, the conflict-of-interest
declaration and the score form per criterion; the others' scores appear only once one's own are in."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.challenges import repository as repo
from services.catalog.challenges import service
from services.catalog.challenges.models import Challenge, ChallengeApplication
from services.catalog.challenges.schemas import ReviewCreate, ReviewPublic
from services.catalog.core.errors import AppError
from services.catalog.portal.challenge_view import form_errors, labels, refusal
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def _own_review(reviews: list[ReviewPublic], user: User, stage: str) -> ReviewPublic | None:
    return next((r for r in reviews if r.reviewer_id == user.id and r.stage == stage), None)


@router.get("/review")
def workspace(page: PageDep, pg: PortalPage = 1) -> Response:
    """The challenges an expert reviews, each with its submitted applications and whether they are scored."""
    user = page.require(Role.expert)
    challenges, total = repo.list_challenges(page.session, user=user, status=None, cluster=None, region=None,
                                             mine=False, reviewing=True, page=pg, page_size=PAGE_SIZE)
    entries = []
    for challenge in challenges:
        applications = service.present_applications(
            page.session, applications=repo.list_applications(page.session, challenge=challenge, user=user), viewer=user)
        scored = {}
        for a in applications:
            row = repo.get_application(page.session, challenge=challenge, application_id=a.id, user=user)
            reviews = service.list_reviews(page.session, challenge=challenge, application=row, user=user)
            scored[a.id] = _own_review(reviews, user, a.stage) is not None
        entries.append({"c": service.present(page.session, challenges=[challenge], user=user)[0],
                        "applications": applications, "scored": scored})
    return page.render("review_workspace.html", **labels(page.lang), entries=entries, total=total,
                       pages=page_count(total), form=SearchForm(values={}, page=pg))


def _assigned(page: PageContext, challenge_id: int, application_id: int) -> tuple[User, Challenge, ChallengeApplication]:
    user = page.require(Role.expert)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user)
    if not repo.is_reviewer(page.session, challenge=challenge, user=user):
        raise AppError("您未被指派评审此榜单", "You are not assigned to review this challenge", status_code=403)
    application = repo.get_application(page.session, challenge=challenge, application_id=application_id, user=user)
    return user, challenge, application


def _review_page(page: PageContext, challenge_id: int, application_id: int, *, values: dict[str, Any],
                 errors: dict[str, str], status_code: int = 200) -> Response:
    user, challenge, application = _assigned(page, challenge_id, application_id)
    reviews = service.list_reviews(page.session, challenge=challenge, application=application, user=user)
    mine = _own_review(reviews, user, application.stage)
    return page.render("review_form.html", status_code=status_code, **labels(page.lang),
                       c=service.present(page.session, challenges=[challenge], user=user)[0],
                       application=service.present_applications(page.session, applications=[application], viewer=page.user)[0],
                       reviews=reviews if mine else [], mine=mine, values=values, errors=errors,
                       conflict=user.organisation_id is not None and user.organisation_id == application.lead_org_id,
                       done=page.request.query_params.get("done"))


@router.get("/review/challenges/{challenge_id}/applications/{application_id}")
def review_form(challenge_id: IdPath, application_id: IdPath, page: PageDep) -> Response:
    """One assigned application with the score form (or, once scored, every reviewer's scores)."""
    return _review_page(page, challenge_id, application_id, values={}, errors={})


@router.post("/review/challenges/{challenge_id}/applications/{application_id}")
async def submit_review(challenge_id: IdPath, application_id: IdPath, page: PageDep) -> Response:
    """Declare no conflict of interest and score every criterion 1–5 with a comment."""
    user, challenge, application = _assigned(page, challenge_id, application_id)
    form = await page.request.form()
    keys = [c["key"] for c in challenge.criteria]
    values = {"no_conflict": bool(form.get("no_conflict")),
              **{f"score_{k}": str(form.get(f"score_{k}") or "") for k in keys},
              **{f"comment_{k}": str(form.get(f"comment_{k}") or "").strip() for k in keys}}
    missing = [k for k in keys if not values[f"score_{k}"]]
    if missing:
        names = {c["key"]: page.tr(c["name_zh"], c["name_en"]) for c in challenge.criteria}
        errors = {f"score_{k}": page.tr("请为此项打分（1–5）", "Score this criterion (1–5)") for k in missing}
        errors["__all__"] = page.tr("请为每项评审指标打分：", "Score every criterion: ") + \
            page.tr("、", ", ").join(names[k] for k in missing)
        return _review_page(page, challenge_id, application_id, values=values, errors=errors, status_code=422)
    try:
        body = ReviewCreate.model_validate({"no_conflict": values["no_conflict"], "scores": [
            {"criterion": k, "score": values[f"score_{k}"], "comment": values[f"comment_{k}"]} for k in keys]})
        service.submit_review(page.session, challenge=challenge, application=application, user=user, data=body,
                              clock=page.request.app.state.clock)
    except ValidationError as exc:
        errors = form_errors(exc, page.lang, "__all__")
        errors.setdefault("__all__", next(iter(errors.values())))
        return _review_page(page, challenge_id, application_id, values=values, errors=errors, status_code=422)
    except AppError as exc:
        page.session.rollback()
        return _review_page(page, challenge_id, application_id, values=values, errors=refusal(page, exc),
                            status_code=exc.status_code)
    page.session.commit()
    return page.redirect(f"/review/challenges/{challenge_id}/applications/{application_id}?done=scored")
