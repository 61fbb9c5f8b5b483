"""Challenge calls (揭榜挂帅): the call, its applications, reviewers and reviews, award, milestones, solvers."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlmodel import Session

from services.catalog.api.deps import ClockDep, CurrentUser, OptionalUser, SessionDep, SettingsDep
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.api.routes.imports import XLSX_TYPE, file_response
from services.catalog.challenges import importing, service
from services.catalog.challenges import repository as repo
from services.catalog.challenges.models import Challenge, ChallengeApplication
from services.catalog.challenges.schemas import (
    AgreementPublic,
    ApplicationCreate,
    ApplicationPublic,
    ApplicationsPublic,
    ApplicationUpdate,
    AttachmentPublic,
    AwardRequest,
    ChallengeCreate,
    ChallengeEventPublic,
    ChallengeFromNeed,
    ChallengePublic,
    ChallengesPublic,
    ChallengeTransition,
    ChallengeUpdate,
    InvitationCreate,
    InvitationPublic,
    MilestoneDecision,
    MilestonePublic,
    RankingRow,
    ReviewCreate,
    ReviewerAssign,
    ReviewerPublic,
    ReviewPublic,
    SolversPublic,
    StageRequest,
    VersionBody,
)
from services.catalog.challenges.vocab import ChallengeStatus, ReviewStage
from services.catalog.core.db import commit_or_conflict
from services.catalog.core.errors import NotFound
from services.catalog.core.i18n import wants_chinese
from services.catalog.core.inputs import MAX_ID
from services.catalog.experts.schemas import ExpertMatchesPublic
from services.catalog.imports.run import Upload, limits_of, read_limited
from services.catalog.imports.schemas import ImportResult
from services.catalog.matching import service as matching
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/challenges", tags=["challenges"])
READ = error_responses(404, s404="no such challenge, or a draft of someone else's")
WRITE = error_responses(403, 404, 409, 422, s403="only the owner and admins (or, for an application, its organisation)",
                        s404="no such challenge or application, or not visible to the caller",
                        s409="illegal transition, past the deadline, frozen, duplicate or conflict of interest",
                        s422="invalid input: weights, scores, amounts over the bounty, incomplete application")
APP = "/{challenge_id}/applications/{application_id}"



def _one(session: Session, challenge: Challenge, user: Any) -> ChallengePublic:
    session.refresh(challenge)  # a commit expired it
    return service.present(session, challenges=[challenge], user=user)[0]


def _app(session: Session, application: ChallengeApplication, user: Any) -> ApplicationPublic:
    session.refresh(application)
    return service.present_applications(session, applications=[application], viewer=user)[0]


def _pair(session: Session, challenge_id: int, application_id: int, user: Any,
          for_update: bool = False) -> tuple[Challenge, ChallengeApplication]:
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    application = repo.get_application(session, challenge=challenge, application_id=application_id, user=user,
                                       for_update=for_update)
    return challenge, application


@router.get("", response_model=ChallengesPublic)
def list_challenges(
    user: OptionalUser, session: SessionDep, status: ChallengeStatus | None = None, cluster: Cluster | None = None,
    region: Annotated[str | None, Query(max_length=50)] = None,
    field: Annotated[str | None, Query(max_length=100, description="any part of the technical field")] = None,
    mine: Annotated[bool, Query(description="only my organisation's challenges")] = False,
    reviewing: Annotated[bool, Query(description="only the challenges I review")] = False,
    page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """The challenge hall: every published challenge (drafts only for their owner), soonest deadline first."""
    rows, total = repo.list_challenges(session, user=user, status=status, cluster=cluster, region=region, mine=mine,
                                       reviewing=reviewing, page=page, page_size=page_size, field=field)
    return ChallengesPublic(data=service.present(session, challenges=rows, user=user), count=total)


@router.post("", response_model=ChallengePublic, status_code=201, responses=WRITE)
def create(body: ChallengeCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Create a draft challenge (enterprises for themselves, admins for any organisation)."""
    challenge = service.create_challenge(session, user=user, data=body, clock=clock)
    commit_or_conflict(session, "本单位已有此外部编号的榜单", "Your organisation already has a challenge with this external id")
    return _one(session, challenge, user)


@router.post("/from-need/{need_id}", response_model=ChallengePublic, status_code=201, responses=WRITE)
def create_from_need(need_id: IdPath, body: ChallengeFromNeed, user: CurrentUser, session: SessionDep,
                     clock: ClockDep) -> Any:
    """Turn an existing need into a draft challenge in one step."""
    challenge = service.create_from_need(session, user=user, need_id=need_id, data=body, clock=clock)
    session.commit()
    return _one(session, challenge, user)


@router.post("/import", response_model=ImportResult, responses=error_responses(
    403, 404, 409, 413, 415, 422, s404="no such organisation"))
def import_challenges(
    request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    file: Annotated[UploadFile, File(description="XLSX (the template), CSV or JSON Lines")],
    partial: Annotated[bool, Query(description="write the valid rows even if others are bad")] = False,
    organisation_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="admins: the owning organisation")] = None,
    dry_run: Annotated[bool, Query(description="only validate; write nothing")] = False,
) -> Any:
    """Upload challenge calls as drafts of the owner; rows upsert by external id, like outputs."""
    upload = Upload(read_limited(file.file, limit=settings.max_upload_bytes), file.filename, file.content_type)
    return importing.import_challenges(session=session, user=user, upload=upload, requested_org=organisation_id,
                                       partial=partial, dry_run=dry_run, zh=wants_chinese(request),
                                       limits=limits_of(settings), clock=clock)


@router.get("/import/template", summary="XLSX template for importing challenges", response_class=Response,
            responses={200: {"content": {XLSX_TYPE: {}}}})
def import_template() -> Response:
    """An empty workbook with the Chinese column headers, notes, drop-down lists and the cell syntax."""
    return file_response(importing.template(), XLSX_TYPE, "challenges-template.xlsx", "榜单导入模板.xlsx")


@router.get("/{challenge_id}", response_model=ChallengePublic, responses=READ)
def read(challenge_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
    """One challenge (a draft only for its owner and admins)."""
    return _one(session, repo.get_visible(session, challenge_id=challenge_id, user=user), user)


@router.patch("/{challenge_id}", response_model=ChallengePublic, responses=WRITE)
def update(challenge_id: IdPath, body: ChallengeUpdate, user: CurrentUser, session: SessionDep,
           clock: ClockDep) -> Any:
    """Change a draft challenge (owner and admins)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user, for_update=True)
    service.update_challenge(session, challenge=challenge, user=user, data=body, clock=clock)
    session.commit()
    return _one(session, challenge, user)


@router.post("/{challenge_id}/transitions", response_model=ChallengePublic, responses=WRITE)
def move(challenge_id: IdPath, body: ChallengeTransition, user: CurrentUser, session: SessionDep,
         clock: ClockDep) -> Any:
    """Move a challenge on (publish, close, start the review, start execution, accept or fail), saying why."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user, for_update=True)
    service.move_challenge(session, challenge=challenge, user=user, to=body.to, note=body.note, clock=clock)
    session.commit()
    return _one(session, challenge, user)


@router.get("/{challenge_id}/history", response_model=list[ChallengeEventPublic], responses=READ)
def read_history(challenge_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
    """Every transition of a challenge: who, when, from and to what, why."""
    return service.history(session, challenge=repo.get_visible(session, challenge_id=challenge_id, user=user))


@router.get("/{challenge_id}/applications", response_model=ApplicationsPublic, responses=READ)
def list_applications(challenge_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """The applications the caller may see: their organisation's own; submitted ones for the owner and the
    assigned reviewers; all for admins. Nobody else learns how many there are."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    rows = repo.list_applications(session, challenge=challenge, user=user)
    return ApplicationsPublic(data=service.present_applications(session, applications=rows, viewer=user), count=len(rows))


@router.post("/{challenge_id}/applications", response_model=ApplicationPublic, status_code=201, responses=WRITE)
def apply(challenge_id: IdPath, body: ApplicationCreate, user: CurrentUser, session: SessionDep,
          clock: ClockDep) -> Any:
    """Apply (揭榜) for the caller's organisation: a draft, editable until submitted or the deadline."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    application = service.apply(session, challenge=challenge, user=user, data=body, clock=clock)
    commit_or_conflict(session, "贵单位已揭过此榜，每个单位只能申请一次", "Your organisation already applied; one application each")
    return _app(session, application, user)


@router.get(APP, response_model=ApplicationPublic, responses=READ)
def read_application(challenge_id: IdPath, application_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One application, if the caller may see it (404 otherwise, so its existence stays private)."""
    return _app(session, _pair(session, challenge_id, application_id, user)[1], user)


@router.patch(APP, response_model=ApplicationPublic, responses=WRITE)
def update_application(challenge_id: IdPath, application_id: IdPath, body: ApplicationUpdate, user: CurrentUser,
                       session: SessionDep, clock: ClockDep) -> Any:
    """Change a draft application before the deadline (its organisation only)."""
    challenge, application = _pair(session, challenge_id, application_id, user, for_update=True)
    service.update_application(session, challenge=challenge, application=application, user=user, data=body,
                               clock=clock)
    session.commit()
    return _app(session, application, user)


@router.post(APP + "/submit", response_model=ApplicationPublic, responses=WRITE)
def submit(challenge_id: IdPath, application_id: IdPath, body: VersionBody, user: CurrentUser, session: SessionDep,
           clock: ClockDep) -> Any:
    """Submit a complete application before the deadline; it is frozen from then on."""
    challenge, application = _pair(session, challenge_id, application_id, user, for_update=True)
    service.submit_application(session, challenge=challenge, application=application, user=user,
                               version=body.version, clock=clock)
    session.commit()
    return _app(session, application, user)


@router.post(APP + "/withdraw", response_model=ApplicationPublic, responses=WRITE)
def withdraw(challenge_id: IdPath, application_id: IdPath, body: VersionBody, user: CurrentUser,
             session: SessionDep, clock: ClockDep) -> Any:
    """Withdraw an application before the deadline."""
    challenge, application = _pair(session, challenge_id, application_id, user, for_update=True)
    service.withdraw_application(session, challenge=challenge, application=application, user=user,
                                 version=body.version, clock=clock)
    session.commit()
    return _app(session, application, user)


@router.post(APP + "/attachments", response_model=AttachmentPublic, status_code=201,
             responses={**WRITE, **error_responses(413, 415, s415="the file is not a PDF (judged by its content)")})
def attach(challenge_id: IdPath, application_id: IdPath, user: CurrentUser, session: SessionDep,
           settings: SettingsDep, clock: ClockDep,
           file: Annotated[UploadFile, File(description="a PDF, at most DUIJIE_CHALLENGE_ATTACHMENT_MAX_MB")]) -> Any:
    """Attach a PDF to a draft application."""
    challenge, application = _pair(session, challenge_id, application_id, user, for_update=True)
    content = file.file.read(settings.challenge_attachment_max_bytes + 1)  # one byte over tells it is too large
    row = service.add_attachment(session, challenge=challenge, application=application, user=user,
                                 filename=file.filename, content=content, settings=settings, clock=clock)
    session.commit()
    session.refresh(row)
    return AttachmentPublic.model_validate(row.model_dump())


@router.get(APP + "/attachments/{attachment_id}", response_class=Response, responses={
    **READ, 200: {"content": {"application/pdf": {}}}})
def download(challenge_id: IdPath, application_id: IdPath, attachment_id: IdPath, user: CurrentUser,
             session: SessionDep, settings: SettingsDep) -> Response:
    """An attachment's PDF, for those who may see the application."""
    _, application = _pair(session, challenge_id, application_id, user)
    row = service.get_attachment(session, application=application, attachment_id=attachment_id)
    path = service.attachment_file(settings=settings, attachment=row)
    if not path.is_file():
        raise NotFound(f"附件 {attachment_id} 的文件已不存在", f"The file of attachment {attachment_id} is gone")
    disposition = f"attachment; filename=\"attachment-{row.id}.pdf\"; filename*=UTF-8''{quote(row.filename)}"
    return Response(path.read_bytes(), media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/{challenge_id}/reviewers", response_model=list[ReviewerPublic],
            responses=error_responses(403, 404, s403="only the owner, admins and its reviewers"))
def list_reviewers(challenge_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """The experts reviewing a challenge (a reviewer sees only themself)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    return service.list_reviewers(session, challenge=challenge, user=user)


@router.post("/{challenge_id}/reviewers", response_model=ReviewerPublic, status_code=201, responses=WRITE)
def assign_reviewer(challenge_id: IdPath, body: ReviewerAssign, user: CurrentUser, session: SessionDep,
                    clock: ClockDep) -> Any:
    """Assign an expert (owner and admins); one from an applicant's organisation is refused (409)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user, for_update=True)
    row = service.assign_reviewer(session, challenge=challenge, user=user, reviewer_id=body.user_id, clock=clock)
    commit_or_conflict(session, "该专家已是本榜评审", "This expert already reviews this challenge")
    return next(r for r in service.list_reviewers(session, challenge=challenge, user=user)
                if r.user_id == row.reviewer_id)


@router.get(APP + "/reviews", response_model=list[ReviewPublic],
            responses=error_responses(403, 404, s403="applicants do not see reviews"))
def list_reviews(challenge_id: IdPath, application_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """An application's reviews; a reviewer sees the others' only after submitting their own."""
    challenge, application = _pair(session, challenge_id, application_id, user)
    return service.list_reviews(session, challenge=challenge, application=application, user=user)


@router.post(APP + "/reviews", response_model=ReviewPublic, status_code=201, responses=WRITE)
def review(challenge_id: IdPath, application_id: IdPath, body: ReviewCreate, user: CurrentUser,
           session: SessionDep, clock: ClockDep) -> Any:
    """Score every criterion 1–5 with a comment, declaring no conflict of interest (assigned experts)."""
    challenge, application = _pair(session, challenge_id, application_id, user)
    row = service.submit_review(session, challenge=challenge, application=application, user=user, data=body,
                                clock=clock)
    commit_or_conflict(session, "您已在本轮评审中为该申请评过分", "You have already scored this application at this stage")
    return next(r for r in service.list_reviews(session, challenge=challenge, application=application, user=user)
                if r.id == row.id)


@router.post(APP + "/stage", response_model=ApplicationPublic, responses=WRITE)
def set_stage(challenge_id: IdPath, application_id: IdPath, body: StageRequest, user: CurrentUser,
              session: SessionDep, clock: ClockDep) -> Any:
    """Move an application on to the next review stage (screen → assess → finalist)."""
    challenge, application = _pair(session, challenge_id, application_id, user, for_update=True)
    service.set_stage(session, challenge=challenge, application=application, user=user, stage=body.stage,
                      clock=clock)
    session.commit()
    return _app(session, application, user)


@router.get("/{challenge_id}/ranking", response_model=list[RankingRow],
            responses=error_responses(403, 404, s403="only the owner and admins"))
def ranking(challenge_id: IdPath, user: CurrentUser, session: SessionDep, stage: ReviewStage | None = None) -> Any:
    """Submitted applications by weighted mean score, with the spread of the reviewers' scores."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    return service.ranking(session, challenge=challenge, user=user, stage=stage)


@router.post("/{challenge_id}/award", response_model=list[AgreementPublic], responses=WRITE)
def award(challenge_id: IdPath, body: AwardRequest, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Choose the winner(s) with reasons: task agreements, milestones and registered contracts."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user, for_update=True)
    service.award(session, challenge=challenge, user=user, data=body, clock=clock)
    commit_or_conflict(session, "该榜单已定榜或合同登记编号已被使用", "The challenge is awarded already, or its contract number is taken")
    return service.agreements(session, challenge=challenge, user=user)


@router.get("/{challenge_id}/agreements", response_model=list[AgreementPublic], responses=READ)
def list_agreements(challenge_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
    """Task agreements with milestones, committed and released bounty (owner and admins; a winner its own)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    return service.agreements(session, challenge=challenge, user=user)


@router.post("/{challenge_id}/milestones/{milestone_id}/decision", response_model=MilestonePublic, responses=WRITE)
def decide_milestone(challenge_id: IdPath, milestone_id: IdPath, body: MilestoneDecision, user: CurrentUser,
                     session: SessionDep, clock: ClockDep) -> Any:
    """Accept (release its amount) or reject a milestone, with the evidence (owner and admins)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    row = service.decide_milestone(session, challenge=challenge, user=user, milestone_id=milestone_id, data=body,
                                   clock=clock)
    session.commit()
    session.refresh(row)
    return MilestonePublic.model_validate(row.model_dump())


@router.get("/{challenge_id}/solvers", response_model=SolversPublic,
            responses={**READ, **error_responses(422, 503, s503="the matcher is unavailable")})
def solvers(challenge_id: IdPath, user: OptionalUser, session: SessionDep, settings: SettingsDep,
            k: Annotated[int, Query(ge=1, le=50)] = 10) -> Any:
    """Who could solve this: research outputs (and their organisations) the matcher proposes, explained."""
    # a GET reads in a deferred, read-only transaction, so no write lock is held while the matcher answers
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    ranked = matching.rank(session=session, settings=settings, user=user,
                           question=matching.outputs_for_challenge(challenge=challenge, k=k))
    return service.present_solvers(session, challenge=challenge, candidates=ranked.candidates, model=ranked.model)


@router.get("/{challenge_id}/experts", response_model=ExpertMatchesPublic,
            responses={**READ, **error_responses(403, 503, s403="only the owner and admins",
                                                 s503="the matcher is unavailable")})
def experts(challenge_id: IdPath, user: CurrentUser, session: SessionDep, settings: SettingsDep,
            k: Annotated[int, Query(ge=1, le=50)] = 10) -> Any:
    """Experts of the pool who could review this call or help solve it, best first, explained, with their accounts
    to assign as reviewers; experts of the owner's or an applicant's organisation are left out."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    conflicted = service.conflicted_organisations(session, challenge=challenge, user=user)
    ranking = matching.ask(settings=settings, question=matching.experts_for_challenge(challenge=challenge, k=k))
    return matching.ranked_experts(session=session, user=user, ranking=ranking, conflicted=conflicted, k=k,
                                   with_accounts=True)


@router.get("/{challenge_id}/invitations", response_model=list[InvitationPublic],
            responses=error_responses(403, 404, s403="only the owner and admins"))
def list_invitations(challenge_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """The organisations invited to apply."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user)
    return service.invitations(session, challenge=challenge, user=user)


@router.post("/{challenge_id}/invitations", response_model=list[InvitationPublic], status_code=201, responses=WRITE)
def invite(challenge_id: IdPath, body: InvitationCreate, user: CurrentUser, session: SessionDep,
           clock: ClockDep) -> Any:
    """Invite the organisations behind proposed outputs to apply (inbox and e-mail through the outbox)."""
    challenge = repo.get_visible(session, challenge_id=challenge_id, user=user, for_update=True)
    rows = service.invite(session, challenge=challenge, user=user, data=body, clock=clock)
    commit_or_conflict(session, "该单位已被邀请", "That organisation was invited already")
    ids = {r.id for r in rows}
    return [i for i in service.invitations(session, challenge=challenge, user=user) if i.id in ids]
