"""The one way to import a file, used by the API, the portal and `duijie import`: who may, read, validate,
refuse or write (now, or as a background job)."""

from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError, Conflict
from services.catalog.imports.jobs import start_job
from services.catalog.imports.models import ImportJob
from services.catalog.imports.parsing import Limits, read_sheet
from services.catalog.imports.schemas import ImportResult
from services.catalog.imports.service import (
    check_importer,
    import_now,
    refuse_if_invalid,
    result_of,
    validate_upload,
)
from services.catalog.imports.upsert import Progress
from services.catalog.items.kinds import KindSpec


@dataclass(frozen=True)
class Upload:
    """An uploaded file's bytes and what its sender called it."""

    data: bytes
    filename: str | None
    content_type: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What an import did: its result (written now, or a dry run), or the job writing it in the background."""

    result: ImportResult | None = None
    job: ImportJob | None = None


def limits_of(settings: CatalogSettings) -> Limits:
    """The caps on one upload's unpacked content, from the settings."""
    return Limits(rows=settings.import_max_rows, cells=settings.import_max_cells)


def read_limited(file: BinaryIO, *, limit: int) -> bytes:
    """An upload's bytes; 413 when it is larger than `limit`."""
    data = file.read(limit + 1)
    if len(data) > limit:
        mb = limit / 1024 / 1024
        raise AppError(f"文件超过 {mb:g} MB 的上限，请拆分后分批上传", f"The file exceeds the {mb:g} MB limit; split it",
                       status_code=413, code="too_large")
    return data


def run_import(*, session: Session, engine: sa.Engine, spec: KindSpec, user: User, upload: Upload,
               requested_org: int | None, partial: bool, dry_run: bool, zh: bool, background: bool | None,
               threshold: int, limits: Limits | None = None, on_progress: Progress | None = None,
               commit_every: int | None = None) -> Outcome:
    """Import a file: 403 for others' rows, 422 naming every bad row unless `partial` (then the valid rows are written).

    `background` True always starts a job, False never does, None does from `threshold` valid rows up. Rows
    written now commit together, or every `commit_every` rows (long imports, so other writers interleave).
    """
    check_importer(session, spec=spec, user=user, requested_org=requested_org)
    sheet = read_sheet(upload.data, upload.filename, upload.content_type, limits=limits)
    validated = validate_upload(session, spec=spec, user=user, sheet=sheet, requested_org=requested_org, zh=zh)
    refuse_if_invalid(validated=validated, partial=partial)
    if dry_run:
        return Outcome(result=result_of(kind=spec.kind, validated=validated, written=False, dry_run=True))
    if background or (background is None and len(validated.rows) >= threshold):
        session.close()  # the job writes in its own sessions; this one must not hold a transaction meanwhile
        return Outcome(job=start_job(engine=engine, spec=spec, user=user, validated=validated))
    try:
        return Outcome(result=import_now(session, spec=spec, user=user, validated=validated, on_progress=on_progress,
                                             commit_every=commit_every))
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("导入时与同时进行的另一次导入冲突，请重试", "Another import ran at the same time; retry") from exc
