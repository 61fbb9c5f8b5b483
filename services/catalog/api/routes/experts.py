"""Experts and 科技特派员: the pool (profiles, import), the regions, and progress against the plan."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlmodel import Session

from services.catalog.api.deps import ClockDep, CurrentUser, OptionalUser, SessionDep, SettingsDep, StaffUser
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.api.routes.imports import XLSX_TYPE, file_response
from services.catalog.core.db import commit_or_conflict
from services.catalog.core.errors import NotFound
from services.catalog.core.i18n import wants_chinese
from services.catalog.experts import export, importing, service, stats
from services.catalog.experts import repository as repo
from services.catalog.experts.models import Expert
from services.catalog.experts.regions import COUNTIES
from services.catalog.experts.schemas import (
    ExpertCreate,
    ExpertPublic,
    ExpertsPublic,
    ExpertStats,
    ExpertUpdate,
    RegionPublic,
)
from services.catalog.experts.visits import today
from services.catalog.experts.vocab import ExpertKind
from services.catalog.imports.run import Upload, limits_of, read_limited
from services.catalog.imports.schemas import ImportResult
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/experts", tags=["experts"])
WRITE = error_responses(403, 404, 409, 422, s403="only staff, or the expert for their own profile",
                        s409="stale version, duplicate external id or account", s422="invalid regions or outputs")
STAFF = error_responses(401, 403, s403="brokers and admins only")
Year = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]


def _one(session: Session, expert: Expert, user: Any) -> ExpertPublic:
    session.refresh(expert)  # a commit expired it
    return service.present(session, experts=[expert], user=user)[0]


def _commit(session: Session) -> None:
    commit_or_conflict(session, "外部编号或专家账号已被其他档案使用", "The external id or account belongs to another profile")


@router.get("", response_model=ExpertsPublic)
def list_experts(
    user: OptionalUser, session: SessionDep, kind: ExpertKind | None = None,
    cluster: Cluster | None = None, county: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the name, organisation, fields or keywords")]
    = None, page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """The expert directory: anyone reads the pool's public fields (contacts hidden)."""
    rows, total = repo.list_experts(session, user=user, kind=kind, cluster=cluster, county=county, q=q, page=page,
                                    page_size=page_size)
    return ExpertsPublic(data=service.present(session, experts=rows, user=user), count=total)


@router.post("", response_model=ExpertPublic, status_code=201, responses=WRITE)
def create(body: ExpertCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Add an expert to the pool (staff), or one's own profile (an expert account)."""
    expert = service.create_expert(session, user=user, data=body, clock=clock)
    _commit(session)
    return _one(session, expert, user)


@router.get("/regions", response_model=list[RegionPublic])
def regions() -> Any:
    """The counties of Jiangmen and their towns, where experts serve and are dispatched."""
    return [RegionPublic(county=c, towns=list(towns)) for c, towns in COUNTIES.items()]


@router.get("/import/template", summary="XLSX template for importing experts", response_class=Response,
            responses={200: {"content": {XLSX_TYPE: {}}}})
def import_template() -> Response:
    """An empty workbook with the Chinese column headers, notes and drop-down lists."""
    return file_response(importing.template(), XLSX_TYPE, "experts-template.xlsx", "专家导入模板.xlsx")


@router.post("/import", response_model=ImportResult, responses=error_responses(403, 409, 413, 415, 422))
def import_experts(
    request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    file: Annotated[UploadFile, File(description="XLSX (the template), CSV or JSON Lines")],
    partial: Annotated[bool, Query(description="write the valid rows even if others are bad")] = False,
    dry_run: Annotated[bool, Query(description="only validate; write nothing")] = False,
) -> Any:
    """Upload experts (staff); rows upsert by external id, like outputs."""
    upload = Upload(read_limited(file.file, limit=settings.max_upload_bytes), file.filename, file.content_type)
    return importing.import_experts(session=session, user=user, upload=upload, partial=partial, dry_run=dry_run,
                                    zh=wants_chinese(request), limits=limits_of(settings), clock=clock)


@router.get("/stats", response_model=ExpertStats, responses=STAFF)
def progress(user: StaffUser, session: SessionDep, settings: SettingsDep, clock: ClockDep, year: Year = None) -> Any:
    """Progress against the plan: problems solved against the target, visits and hours by county and town, the
    towns not visited yet and each expert's year."""
    return stats.expert_stats(session, year=year or today(clock).year, target=settings.expert_problem_target)


@router.get("/stats/export", response_class=Response, responses={**STAFF, 200: {"content": {XLSX_TYPE: {}}}})
def export_progress(user: StaffUser, session: SessionDep, settings: SettingsDep, clock: ClockDep,
                    year: Year = None) -> Response:
    """The plan's figures and each expert's year for the assessment, as an XLSX workbook."""
    figures = stats.expert_stats(session, year=year or today(clock).year, target=settings.expert_problem_target)
    return file_response(export.to_xlsx(figures), XLSX_TYPE, f"experts-{figures.year}.xlsx",
                         f"科技特派员考核-{figures.year}.xlsx")


@router.get("/me", response_model=ExpertPublic, responses=error_responses(
    404, s404="the caller has no expert profile"))
def read_mine(user: CurrentUser, session: SessionDep) -> Any:
    """The profile the signed-in expert account speaks for."""
    expert = repo.own_expert(session, user)
    if expert is None:
        raise NotFound("您还没有专家档案", "You have no expert profile")
    return _one(session, expert, user)


@router.get("/{expert_id}", response_model=ExpertPublic, responses=error_responses(404))
def read(expert_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
    """One expert's profile (contact for staff, the expert and the hosts of their confirmed dispatches)."""
    return _one(session, repo.get_expert(session, expert_id=expert_id, user=user), user)


@router.patch("/{expert_id}", response_model=ExpertPublic, responses=WRITE)
def update(expert_id: IdPath, body: ExpertUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Change a profile (staff, or the expert themself)."""
    expert = repo.get_expert(session, expert_id=expert_id, user=user, for_update=True)
    service.update_expert(session, expert=expert, user=user, data=body, clock=clock)
    _commit(session)
    return _one(session, expert, user)
