"""Routes of the broker workflow: proposing matches, moving them along, introductions and the broker queue."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.catalog.accounts.models import User
from services.catalog.api.deps import CurrentUser, SessionDep, StaffUser, StaffUserApart
from services.catalog.api.params import IdPath, IdQuery, PageQuery
from services.catalog.core.db import commit_or_conflict
from services.catalog.core.errors import NotFound
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.wire import need_to_wire
from services.catalog.matching import service as matching
from services.catalog.matching.service import Verdict
from services.catalog.workflow import service
from services.catalog.workflow.schemas import (
    AssignRequest,
    BulkResult,
    BulkShortlist,
    EventPublic,
    IntroductionResponse,
    MatchCreate,
    MatchesPublic,
    MatchPublic,
    NoteCreate,
    QueuePublic,
    TransitionRequest,
)
from services.catalog.workflow.vocab import MatchStatus
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/matches", tags=["matches"])
queue_router = APIRouter(prefix="/broker", tags=["matches"])
ERRORS = error_responses(403, 404, 409, s404="no such match", s409="illegal transition or stale version")


def _commit(session: Session) -> None:
    commit_or_conflict(session, "该需求与该成果已有对接", "This need and output already form a match")


@router.post("", response_model=MatchPublic, status_code=201, responses={**ERRORS, **error_responses(503, s503="the matcher is unavailable")})
async def propose(request: Request, body: MatchCreate, user: StaffUserApart) -> Any:
    """Propose a (need, output) pair; the score is the caller's, or the matcher's when omitted."""
    return await run_in_threadpool(_propose, request, body, user)


def _propose(request: Request, body: MatchCreate, caller: User) -> MatchPublic:
    # The matcher's verdict is asked before the write transaction opens, never inside it.
    state = request.app.state
    with Session(state.read_engine) as session:
        need_wire = need_to_wire(_pair(session, body)[0])
    if body.score is None:
        verdict = matching.verdict(settings=state.settings, need=need_wire, output_id=body.output_id)
    else:
        verdict = Verdict(body.score, body.explanation or {}, body.components, body.model)
    with Session(state.engine) as session:
        need, output = _pair(session, body)
        user = session.get(User, caller.id)
        assert user is not None
        match = service.propose(session, user=user, need=need, output=output, score=verdict.score,
                                explanation=verdict.explanation, components=verdict.components,
                                model=verdict.model, broker_id=body.broker_id, note=body.note)
        _commit(session)
        return service.present(session, [match])[0]


def _pair(session: Session, body: MatchCreate) -> tuple[TechNeed, ResearchOutput]:
    need = session.get(TechNeed, body.need_id)
    output = session.get(ResearchOutput, body.output_id)
    if need is None:
        raise NotFound(f"需求 {body.need_id} 不存在", f"Need {body.need_id} does not exist")
    if output is None:
        raise NotFound(f"成果 {body.output_id} 不存在", f"Output {body.output_id} does not exist")
    return need, output


@router.get("", response_model=MatchesPublic)
def list_matches(
    user: CurrentUser, session: SessionDep, need_id: IdQuery = None, output_id: IdQuery = None,
    status: MatchStatus | None = None, broker_id: IdQuery = None,
    page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Matches the caller may see: brokers and admins all, parties their own introduced ones."""
    rows, total = service.list_matches(session, user=user, need_id=need_id, output_id=output_id, status=status,
                                       broker_id=broker_id, page=page, page_size=page_size)
    return MatchesPublic(data=service.present(session, rows), count=total)


@router.post("/shortlist", response_model=BulkResult, responses=ERRORS)
def shortlist(body: BulkShortlist, user: StaffUser, session: SessionDep) -> Any:
    """Shortlist several proposed matches at once; those that cannot move are listed with why."""
    done, refused = service.shortlist_many(session, user=user, match_ids=body.match_ids, note=body.note)
    session.commit()
    return BulkResult(shortlisted=done, refused=refused)


@router.get("/{match_id}", response_model=MatchPublic, responses=ERRORS)
def read(match_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One match, if the caller may see it; contacts appear once both parties accepted."""
    return service.present(session, [service.get_match(session, match_id=match_id, user=user)])[0]


@router.get("/{match_id}/history", response_model=list[EventPublic], responses=ERRORS)
def read_history(match_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """Every transition, note, assignment and answer of a match, oldest first."""
    match = service.get_match(session, match_id=match_id, user=user)
    return service.history(session, match=match, viewer=user)


@router.post("/{match_id}/transitions", response_model=MatchPublic, responses=ERRORS)
def move(match_id: IdPath, body: TransitionRequest, user: StaffUser, session: SessionDep) -> Any:
    """Move a match to its next status, or decline it with a reason."""
    match = service.get_match(session, match_id=match_id, user=user, for_update=True)
    service.transition(session, match=match, user=user, to=body.to, reason=body.reason, note=body.note,
                       version=body.version)
    session.commit()
    return service.present(session, [match])[0]


@router.post("/{match_id}/assign", response_model=MatchPublic, responses=ERRORS)
def assign(match_id: IdPath, body: AssignRequest, user: StaffUser, session: SessionDep) -> Any:
    """Put yourself or a colleague in charge of a match."""
    match = service.get_match(session, match_id=match_id, user=user, for_update=True)
    service.assign(session, match=match, user=user, broker_id=body.broker_id)
    session.commit()
    return service.present(session, [match])[0]


@router.post("/{match_id}/notes", response_model=list[EventPublic], status_code=201, responses=ERRORS)
def add_note(match_id: IdPath, body: NoteCreate, user: StaffUser, session: SessionDep) -> Any:
    """Add a note to a match's history; returns the history."""
    match = service.get_match(session, match_id=match_id, user=user)
    service.add_note(session, match=match, user=user, note=body.note)
    session.commit()
    return service.history(session, match=match, viewer=user)


@router.post("/{match_id}/response", response_model=MatchPublic, responses=ERRORS)
def respond(match_id: IdPath, body: IntroductionResponse, user: CurrentUser, session: SessionDep) -> Any:
    """A party accepts or declines an introduction for its own side."""
    match = service.get_match(session, match_id=match_id, user=user, for_update=True)
    service.respond(session, match=match, user=user, accept=body.accept, reason=body.reason, note=body.note)
    session.commit()
    return service.present(session, [match])[0]


@queue_router.get("/queue", response_model=QueuePublic)
def queue(
    user: StaffUser, session: SessionDep,
    sort: Annotated[Literal["age", "score"], Query(description="oldest need first, or best candidate first")] = "age",
    cluster: Cluster | None = None, region: str | None = None,
    mine: Annotated[bool, Query(description="only needs with proposals assigned to me")] = False,
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Needs awaiting review: open needs with proposed matches or none yet, each with its top candidates."""
    entries, total = service.broker_queue(session, sort=sort, cluster=cluster, region=region,
                                          broker_id=user.id if mine else None, top=top, page=page,
                                          page_size=page_size)
    return QueuePublic(data=entries, count=total)  # type: ignore[arg-type]
