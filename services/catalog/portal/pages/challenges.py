"""Challenge calls (揭榜挂帅) for everyone and their owners: the hall, a challenge's page with who could solve it,
creating a call from scratch or from a need, and the owner's board (stages, ranking, award, milestones)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import OrgKind, Role
from services.catalog.api.params import IdPath
from services.catalog.challenges import repository as repo
from services.catalog.challenges import service
from services.catalog.challenges.models import Challenge
from services.catalog.challenges.schemas import (
    AwardRequest,
    ChallengeCreate,
    ChallengeFromNeed,
    InvitationCreate,
    MilestoneDecision,
    default_criteria,
)
from services.catalog.challenges.vocab import NEXT, ChallengeStatus, FundingSource, ReviewStage
from services.catalog.core.errors import AppError
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import TechNeed
from services.catalog.items.repository import get_visible as get_visible_item
from services.catalog.portal.challenge_view import (
    countdown,
    deadline_value,
    form_errors,
    labels,
    money_value,
    now_of,
    padded,
    refusal,
    rows,
)
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.forms import split_list
from services.catalog.portal.matching import reviewers_for_challenge, solvers_for_challenge
from services.catalog.portal.routing import PortalRoute
from shared.vocab import Cluster

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
INDICATOR = ("name", "target", "unit", "verification")
CRITERION = ("key", "name_zh", "name_en", "weight")
TEXT = ("title", "problem", "bounty_yuan", "funding_source", "deadline", "cluster", "field", "region", "regions",
        "owner_org_id", "contact")
# The owner's buttons: the status a challenge may move to from each status, and the button's words.
MOVES = {ChallengeStatus.published: ("发布榜单", "Publish"), ChallengeStatus.closed: ("截止揭榜", "Close applications"),
         ChallengeStatus.under_review: ("进入评审", "Start the review"),
         ChallengeStatus.in_execution: ("开始攻关（签订任务书）", "Start execution"),
         ChallengeStatus.accepted: ("整体验收通过", "Accept the result"), ChallengeStatus.failed: ("判定未通过", "Fail it")}


def _render(page: PageContext, template: str, status_code: int = 200, **values: Any) -> Response:
    return page.render(template, status_code=status_code, **labels(page.lang), **values)


def _clusters() -> list[str]:
    return [c.value for c in Cluster]


# --- the hall ---------------------------------------------------------------------------------------------


@router.get("/challenges")
def hall(page: PageDep, pg: PortalPage = 1) -> Response:
    """The challenge hall (榜单大厅): published calls, soonest deadline first, with bounty and countdown."""
    params = page.request.query_params
    values = {name: (params.get(name) or "").strip()[:100] for name in ("cluster", "field", "region", "status")}
    if values["cluster"] not in _clusters():
        values["cluster"] = ""
    if values["status"] not in [s.value for s in ChallengeStatus]:
        values["status"] = ""
    query: dict[str, Any] = {"user": page.user, "status": ChallengeStatus(values["status"]) if values["status"] else None,
                             "cluster": values["cluster"] or None, "region": values["region"] or None,
                             "mine": False, "reviewing": False}
    shown, total = repo.list_challenges(page.session, **query, field=values["field"] or None, page=pg,
                                        page_size=PAGE_SIZE)
    now = now_of(page)
    challenges = service.present(page.session, challenges=shown, user=page.user)
    regions = sorted({r for r in page.session.exec(select(Challenge.region).distinct()).all() if r})
    return _render(page, "challenge_hall.html", challenges=challenges, total=total, pages=page_count(total),
                   form=SearchForm(values=values, page=pg), clusters=_clusters(), regions=regions,
                   statuses=[s.value for s in ChallengeStatus if s is not ChallengeStatus.draft],
                   left={c.id: countdown(c.deadline, now, page.lang) for c in challenges},
                   can_create=page.role_is(*repo.OWNER_ROLES))


# --- creating a challenge ---------------------------------------------------------------------------------


def _blank_values(page: PageContext) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in TEXT}
    values.update(funding_source=FundingSource.government.value, joint_bids=True, org_kinds=[],
                  indicators=[], criteria=[c.model_dump() for c in default_criteria()])
    if page.organisation is not None:
        values["region"] = page.organisation.region or ""
    return values


def _form_page(page: PageContext, *, values: dict[str, Any], errors: dict[str, str], need: TechNeed | None = None,
               status_code: int = 200) -> Response:
    orgs = page.session.exec(select(Organisation).order_by(col(Organisation.name))).all() \
        if page.role_is(Role.admin) and need is None else []
    return _render(page, "challenge_form.html", status_code=status_code, values=values, errors=errors, need=need,
                   indicators=padded(values["indicators"], INDICATOR, 3 if not values["indicators"] else 2),
                   criteria=padded(values["criteria"], CRITERION, 1), clusters=_clusters(), orgs=orgs,
                   fundings=[f.value for f in FundingSource], kinds=[k.value for k in OrgKind])


def _read_form(form: Any) -> dict[str, Any]:
    """The submitted challenge form: its text fields, eligibility and the rows of indicators and criteria."""
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in TEXT}
    values["org_kinds"] = [str(v) for v in form.getlist("org_kinds")]
    values["joint_bids"] = bool(form.get("joint_bids"))
    values["indicators"] = rows(form, "ind", INDICATOR)
    criteria = rows(form, "cr", CRITERION)
    for i, row in enumerate(criteria, start=1):
        row["key"] = row["key"] or f"criterion_{i}"
        row["name_en"] = row["name_en"] or row["name_zh"]
    values["criteria"] = criteria
    return values


def _data(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as the fields of ChallengeCreate / ChallengeFromNeed (blank optional fields left out)."""
    data: dict[str, Any] = {
        "bounty_yuan": money_value(values["bounty_yuan"]), "deadline": deadline_value(values["deadline"]),
        "funding_source": values["funding_source"] or FundingSource.government.value,
        "indicators": [{k: v for k, v in row.items() if v or k in ("name", "target")} for row in values["indicators"]],
        "criteria": [{**row, "weight": int(row["weight"]) if row["weight"].isdigit() else row["weight"]}
                     for row in values["criteria"]],
        "eligibility": {"org_kinds": values["org_kinds"], "regions": split_list(values["regions"]),
                        "joint_bids": values["joint_bids"]},
        "contact": values["contact"] or None,
    }
    return {k: v for k, v in data.items() if v is not None}


def _created(page: PageContext, challenge: Challenge) -> Response:
    page.session.commit()
    return page.redirect(f"/challenges/{challenge.id}?done=created")


@router.get("/challenges/new")
def new_challenge(page: PageDep) -> Response:
    """The form to create a challenge call from scratch (a draft until published)."""
    page.require(*repo.OWNER_ROLES)
    return _form_page(page, values=_blank_values(page), errors={})


@router.post("/challenges/new")
async def create_challenge(page: PageDep) -> Response:
    """Validate and create a draft challenge; then show it (publishing is a button there)."""
    user = page.require(*repo.OWNER_ROLES)
    values = _read_form(await page.request.form())
    data = _data(values) | {"title": values["title"], "problem": values["problem"]}
    for name in ("cluster", "field", "region", "owner_org_id"):
        if values[name]:
            data[name] = values[name]
    try:
        body = ChallengeCreate.model_validate(data)
        return _created(page, service.create_challenge(page.session, user=user, data=body,
                                                       clock=page.request.app.state.clock))
    except ValidationError as exc:
        errors = form_errors(exc, page.lang, "title")
    except AppError as exc:
        page.session.rollback()
        errors = refusal(page, exc)
    return _form_page(page, values=values, errors=errors, status_code=422)


def _need_for_challenge(page: PageContext, need_id: int) -> tuple[User, TechNeed]:
    """The need, if the reader may turn it into a challenge (its enterprise or the bureau)."""
    user = page.require(*repo.OWNER_ROLES)
    need = get_visible_item(page.session, spec=NEEDS, item_id=need_id, user=user)
    assert isinstance(need, TechNeed)
    if user.role != Role.admin and need.organisation_id != user.organisation_id:
        raise AppError("只能把本单位的需求转为榜单", "You may only turn your own organisation's needs into challenges",
                       status_code=403)
    return user, need


@router.get("/needs/{need_id}/challenge")
def challenge_from_need_form(need_id: IdPath, page: PageDep) -> Response:
    """The form that turns a need into a challenge in one step (title, problem, cluster, region from the need)."""
    _, need = _need_for_challenge(page, need_id)
    values = _blank_values(page) | {"title": need.title, "problem": need.description, "cluster": need.cluster or "",
                                    "field": need.field or "", "region": need.region or "",
                                    "funding_source": FundingSource.enterprise.value}
    if need.budget_max_yuan is not None:
        values["bounty_yuan"] = f"{need.budget_max_yuan:.2f}"
    return _form_page(page, values=values, errors={}, need=need)


@router.post("/needs/{need_id}/challenge")
async def challenge_from_need(need_id: IdPath, page: PageDep) -> Response:
    """Create a draft challenge from the need and what the form adds (bounty, deadline, indicators, criteria)."""
    user, need = _need_for_challenge(page, need_id)
    values = _read_form(await page.request.form())
    values.update(problem=need.description, cluster=need.cluster or "", field=need.field or "",
                  region=need.region or "")
    data = _data(values) | ({"title": values["title"]} if values["title"] else {})
    try:
        body = ChallengeFromNeed.model_validate(data)
        return _created(page, service.create_from_need(page.session, user=user, need_id=need_id, data=body,
                                                       clock=page.request.app.state.clock))
    except ValidationError as exc:
        errors = form_errors(exc, page.lang, "title")
    except AppError as exc:
        page.session.rollback()
        errors = refusal(page, exc)
    return _form_page(page, values=values, errors=errors, need=need, status_code=422)


# --- one challenge ----------------------------------------------------------------------------------------


def _challenge(page: PageContext, challenge_id: int) -> Challenge:
    return repo.get_visible(page.session, challenge_id=challenge_id, user=page.user)


@router.get("/challenges/{challenge_id}")
def challenge_page(challenge_id: IdPath, page: PageDep) -> Response:
    """A challenge: problem, indicators, bounty, eligibility, criteria, history and who could solve it."""
    return _show(page, challenge_id)


def _show(page: PageContext, challenge_id: int, error: str | None = None, status_code: int = 200) -> Response:
    challenge = _challenge(page, challenge_id)
    user = page.user
    shown = service.present(page.session, challenges=[challenge], user=user)[0]
    manage = repo.can_manage(user, challenge)
    mine = []
    if user is not None and user.role in repo.APPLICANT_ROLES and not repo.is_owner(user, challenge):
        mine = service.present_applications(
            page.session, applications=repo.list_applications(page.session, challenge=challenge, user=user), viewer=user)
    reviewing = repo.is_reviewer(page.session, challenge=challenge, user=user)
    agreements = service.agreements(page.session, challenge=challenge, user=user)
    history = service.history(page.session, challenge=challenge)
    solvers = solvers_for_challenge(page.session, page.settings, user, challenge)
    now = now_of(page)
    can_apply = (challenge.status == ChallengeStatus.published and now < challenge.deadline and not mine
                 and (user is None or (user.role in repo.APPLICANT_ROLES and not repo.is_owner(user, challenge))))
    moves = [(s.value, *MOVES[s]) for s in NEXT[ChallengeStatus(challenge.status)] if s in MOVES] if manage else []
    return _render(page, "challenge.html", status_code=status_code, c=shown, manage=manage, mine=mine, reviewing=reviewing,
                   agreements=agreements, history=history, solvers=solvers, can_apply=can_apply, moves=moves,
                   left=countdown(challenge.deadline, now, page.lang), done=page.request.query_params.get("done"),
                   error=error)


@router.post("/challenges/{challenge_id}/move")
def move(challenge_id: IdPath, page: PageDep, to: Annotated[str, Form()],
         note: Annotated[str, Form()] = "") -> Response:
    """Move a challenge on (publish, close, review, execute, accept or fail), recording why."""
    user = page.require(*repo.OWNER_ROLES)
    if to not in [s.value for s in ChallengeStatus]:
        raise AppError("未知的榜单状态", "Unknown challenge status", status_code=422)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user, for_update=True)
    try:
        service.move_challenge(page.session, challenge=challenge, user=user, to=ChallengeStatus(to),
                               note=note.strip()[:2000] or None, clock=page.request.app.state.clock)
    except AppError as exc:
        return _moved_back(page, challenge_id, exc)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}?done={to}")


def _moved_back(page: PageContext, challenge_id: int, exc: AppError) -> Response:
    """The challenge page again with the refusal at its top."""
    page.session.rollback()
    return _show(page, challenge_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)


@router.post("/challenges/{challenge_id}/invite")
def invite(challenge_id: IdPath, page: PageDep, output_id: Annotated[int, Form()]) -> Response:
    """Invite the organisation behind a proposed solver's output to apply (through the inbox and outbox)."""
    user = page.require(*repo.OWNER_ROLES)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user, for_update=True)
    try:
        body = InvitationCreate(output_ids=[output_id])
        service.invite(page.session, challenge=challenge, user=user, data=body, clock=page.request.app.state.clock)
    except ValidationError:
        raise AppError("成果编号无效", "Invalid output id", status_code=422) from None
    except AppError as exc:
        return _moved_back(page, challenge_id, exc)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}?done=invited#solvers")


# --- the owner's board ------------------------------------------------------------------------------------


def _managed(page: PageContext, challenge_id: int, for_update: bool = False) -> tuple[User, Challenge]:
    user = page.require(*repo.OWNER_ROLES)
    challenge = repo.get_visible(page.session, challenge_id=challenge_id, user=user, for_update=for_update)
    if not repo.can_manage(user, challenge):
        raise AppError("只有榜单发布方和管理员可以打开看板", "Only the challenge's owner and admins open its board",
                       status_code=403)
    return user, challenge


def _experts(page: PageContext) -> list[User]:
    return list(page.session.exec(select(User).where(User.role == Role.expert, col(User.is_active))
                                  .order_by(col(User.login))).all())


@router.get("/challenges/{challenge_id}/board")
def board_page(challenge_id: IdPath, page: PageDep) -> Response:
    """The owner's board: applications and stages, reviewers, the ranking, the award and the milestones."""
    return board(challenge_id, page)


def board(challenge_id: int, page: PageContext, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    """The board, with the errors of a refused write if any."""
    user, challenge = _managed(page, challenge_id)
    shown = service.present(page.session, challenges=[challenge], user=user)[0]
    applications = service.present_applications(
        page.session, applications=repo.list_applications(page.session, challenge=challenge, user=user), viewer=user)
    ranking = service.ranking(page.session, challenge=challenge, user=user)
    agreements = service.agreements(page.session, challenge=challenge, user=user)
    reviewers = service.list_reviewers(page.session, challenge=challenge, user=user)
    assigned = {r.user_id for r in reviewers}
    stages = [s.value for s in ReviewStage]
    ranked_experts = (reviewers_for_challenge(page.session, page.settings, user, challenge)
                      if challenge.status in (ChallengeStatus.closed, ChallengeStatus.under_review) else [])
    return _render(page, "challenge_board.html", status_code=status_code, c=shown, applications=applications,
                   ranking=ranking, agreements=agreements, reviewers=reviewers, stages=stages,
                   ranked_experts=ranked_experts, assigned=assigned,
                   experts=[e for e in _experts(page) if e.id not in assigned],
                   committed=sum((a.committed_yuan for a in agreements), 0),
                   released=sum((a.released_yuan for a in agreements), 0),
                   errors=errors or {}, done=page.request.query_params.get("done"))


def _board_write(page: PageContext, challenge_id: int, write: Any, done: str) -> Response:
    """Run one write of the board; on a refusal, the board again with the reason."""
    try:
        write()
    except ValidationError as exc:
        page.session.rollback()
        return board(challenge_id, page, errors=form_errors(exc, page.lang, "__all__"), status_code=422)
    except AppError as exc:
        page.session.rollback()
        return board(challenge_id, page, errors=refusal(page, exc), status_code=exc.status_code)
    page.session.commit()
    return page.redirect(f"/challenges/{challenge_id}/board?done={done}")


@router.post("/challenges/{challenge_id}/board/reviewers")
def assign_reviewer(challenge_id: IdPath, page: PageDep, user_id: Annotated[int, Form()]) -> Response:
    """Assign an expert (one from an applicant's organisation is refused for conflict of interest)."""
    user, challenge = _managed(page, challenge_id, for_update=True)
    return _board_write(page, challenge_id, lambda: service.assign_reviewer(
        page.session, challenge=challenge, user=user, reviewer_id=user_id,
        clock=page.request.app.state.clock), "assigned")


@router.post("/challenges/{challenge_id}/board/applications/{application_id}/stage")
def set_stage(challenge_id: IdPath, application_id: IdPath, page: PageDep,
              stage: Annotated[str, Form()]) -> Response:
    """Move an application on to the next review stage (screen → assess → finalist)."""
    user, challenge = _managed(page, challenge_id)
    if stage not in [s.value for s in ReviewStage]:
        raise AppError("未知的评审阶段", "Unknown review stage", status_code=422)
    application = repo.get_application(page.session, challenge=challenge, application_id=application_id, user=user,
                                       for_update=True)
    return _board_write(page, challenge_id, lambda: service.set_stage(
        page.session, challenge=challenge, application=application, user=user, stage=ReviewStage(stage),
        clock=page.request.app.state.clock), "staged")


@router.post("/challenges/{challenge_id}/board/award")
async def award(challenge_id: IdPath, page: PageDep) -> Response:
    """Choose the winner(s), each with its reason: task agreements, milestones and registered contracts."""
    user, challenge = _managed(page, challenge_id, for_update=True)
    form = await page.request.form()
    winners = [{"application_id": str(v), "reason": str(form.get(f"reason_{v}") or "").strip()}
               for v in form.getlist("winner")]
    if not winners:
        error = {"__all__": page.tr("请至少选择一份入选申请并写明理由", "Choose at least one winning application and say why")}
        return board(challenge_id, page, errors=error, status_code=422)
    return _board_write(page, challenge_id, lambda: service.award(
        page.session, challenge=challenge, user=user, data=AwardRequest.model_validate({"winners": winners}),
        clock=page.request.app.state.clock), "awarded")


@router.post("/challenges/{challenge_id}/board/milestones/{milestone_id}")
def decide_milestone(challenge_id: IdPath, milestone_id: IdPath, page: PageDep, decision: Annotated[str, Form()],
                     evidence: Annotated[str, Form()] = "") -> Response:
    """Accept (release its amount) or reject a milestone, with the evidence seen."""
    user, challenge = _managed(page, challenge_id)
    return _board_write(page, challenge_id, lambda: service.decide_milestone(
        page.session, challenge=challenge, user=user, milestone_id=milestone_id,
        data=MilestoneDecision(accept=decision == "accept", evidence=evidence.strip()),
        clock=page.request.app.state.clock), "decided")
