"""Routes of the broker workflow: proposing matches, moving them along, introductions and the broker queue."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.exc import IntegrityError

from services.catalog.deps import CurrentUser, SessionDep, SettingsDep, require_roles
from services.catalog.errors import Conflict, NotFound
from services.catalog.items import need_to_wire
from services.catalog.models import ResearchOutput, TechNeed, User
from services.catalog.vocab import Role
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
from services.catalog.workflow.scoring import score_pair
from services.catalog.workflow.vocab import MatchStatus
from shared.vocab import Cluster

router = APIRouter(prefix="/matches", tags=["matches"])
queue_router = APIRouter(prefix="/broker", tags=["matches"])
Staff = Annotated[User, Depends(require_roles(Role.broker, Role.admin))]
ERRORS: dict[int | str, dict[str, Any]] = {403: {"description": "not allowed"}, 404: {"description": "no such match"},
                                           409: {"description": "illegal transition or stale version"}}


def _commit(session: SessionDep) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("该需求与该成果已有对接", "This need and output already form a match") from exc


@router.post("", response_model=MatchPublic, status_code=201, responses={**ERRORS, 503: {"description": "matcher down"}})
def propose(body: MatchCreate, user: Staff, session: SessionDep, settings: SettingsDep) -> Any:
    """Propose a (need, output) pair; the score is the caller's, or the matcher's when omitted."""
    need = session.get(TechNeed, body.need_id)
    output = session.get(ResearchOutput, body.output_id)
    if need is None:
        raise NotFound(f"需求 {body.need_id} 不存在", f"Need {body.need_id} does not exist")
    if output is None:
        raise NotFound(f"成果 {body.output_id} 不存在", f"Output {body.output_id} does not exist")
    if body.score is None:
        verdict = score_pair(settings, need_to_wire(need), body.output_id)
        score, explanation, components, model = verdict.score, verdict.explanation, verdict.components, verdict.model
    else:
        score, explanation, components, model = body.score, body.explanation or {}, body.components, body.model
    match = service.propose(session, user=user, need=need, output=output, score=score, explanation=explanation,
                            components=components, model=model, broker_id=body.broker_id, note=body.note)
    _commit(session)
    return service.present(session, [match])[0]


@router.get("", response_model=MatchesPublic)
def list_matches(
    user: CurrentUser, session: SessionDep, need_id: int | None = None, output_id: int | None = None,
    status: MatchStatus | None = None, broker_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Matches the caller may see: brokers and admins all, parties their own introduced ones."""
    rows, total = service.list_matches(session, user=user, need_id=need_id, output_id=output_id, status=status,
                                       broker_id=broker_id, page=page, page_size=page_size)
    return MatchesPublic(data=service.present(session, rows), count=total)


@router.post("/shortlist", response_model=BulkResult, responses=ERRORS)
def shortlist(body: BulkShortlist, user: Staff, session: SessionDep) -> Any:
    """Shortlist several proposed matches at once; those that cannot move are listed with why."""
    done, refused = service.shortlist_many(session, user=user, match_ids=body.match_ids, note=body.note)
    session.commit()
    return BulkResult(shortlisted=done, refused=refused)


@router.get("/{match_id}", response_model=MatchPublic, responses=ERRORS)
def read(match_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """One match, if the caller may see it; contacts appear once both parties accepted."""
    return service.present(session, [service.get_match(session, match_id, user)])[0]


@router.get("/{match_id}/history", response_model=list[EventPublic], responses=ERRORS)
def read_history(match_id: int, user: CurrentUser, session: SessionDep) -> Any:
    """Every transition, note, assignment and answer of a match, oldest first."""
    match = service.get_match(session, match_id, user)
    return [EventPublic(**event.model_dump(exclude={"match_id"}), actor_name=name)
            for event, name in service.history(session, match)]


@router.post("/{match_id}/transitions", response_model=MatchPublic, responses=ERRORS)
def move(match_id: int, body: TransitionRequest, user: Staff, session: SessionDep) -> Any:
    """Move a match to its next status, or decline it with a reason."""
    match = service.get_match(session, match_id, user, for_update=True)
    service.transition(session, match=match, user=user, to=body.to, reason=body.reason, note=body.note,
                       version=body.version)
    session.commit()
    return service.present(session, [match])[0]


@router.post("/{match_id}/assign", response_model=MatchPublic, responses=ERRORS)
def assign(match_id: int, body: AssignRequest, user: Staff, session: SessionDep) -> Any:
    """Put yourself or a colleague in charge of a match."""
    match = service.get_match(session, match_id, user, for_update=True)
    service.assign(session, match=match, user=user, broker_id=body.broker_id)
    session.commit()
    return service.present(session, [match])[0]


@router.post("/{match_id}/notes", response_model=list[EventPublic], status_code=201, responses=ERRORS)
def add_note(match_id: int, body: NoteCreate, user: Staff, session: SessionDep) -> Any:
    """Add a note to a match's history; returns the history."""
    match = service.get_match(session, match_id, user)
    service.add_note(session, match=match, user=user, note=body.note)
    session.commit()
    return [EventPublic(**event.model_dump(exclude={"match_id"}), actor_name=name)
            for event, name in service.history(session, match)]


@router.post("/{match_id}/response", response_model=MatchPublic, responses=ERRORS)
def respond(match_id: int, body: IntroductionResponse, user: CurrentUser, session: SessionDep) -> Any:
    """A party accepts or declines an introduction for its own side."""
    match = service.get_match(session, match_id, user, for_update=True)
    service.respond(session, match=match, user=user, accept=body.accept, reason=body.reason, note=body.note)
    session.commit()
    return service.present(session, [match])[0]


@queue_router.get("/queue", response_model=QueuePublic)
def queue(
    user: Staff, session: SessionDep,
    sort: Annotated[Literal["age", "score"], Query(description="oldest need first, or best candidate first")] = "age",
    cluster: Cluster | None = None, region: str | None = None,
    mine: Annotated[bool, Query(description="only needs with proposals assigned to me")] = False,
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Needs awaiting review: open needs with proposed matches or none yet, each with its top candidates."""
    entries, total = service.broker_queue(session, sort=sort, cluster=cluster, region=region,
                                          broker_id=user.id if mine else None, top=top, page=page,
                                          page_size=page_size)
    return QueuePublic(data=entries, count=total)  # type: ignore[arg-type]
