"""Large imports run in a background thread with their own session; progress is kept in the ImportJob table."""

import logging
import threading
import uuid
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.core.db import READ_ONLY
from services.catalog.core.errors import AppError, NotFound
from services.catalog.core.tables import utcnow
from services.catalog.imports.models import ImportJob
from services.catalog.imports.schemas import JobPublic
from services.catalog.imports.service import result_of
from services.catalog.imports.upsert import CHUNK, write_rows
from services.catalog.imports.validation import Validated
from services.catalog.items.kinds import SPECS, KindSpec
from shared.vocab import ItemKind

log = logging.getLogger(__name__)


class JobStatus:
    """States of an import job."""

    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


def start_job(*, engine: sa.Engine, spec: KindSpec, user: User, validated: Validated) -> ImportJob:
    """Record a job for the validated rows and start writing them in a background thread."""
    job = ImportJob(id=str(uuid.uuid4()), kind=spec.kind, total=len(validated.rows), created_by=user.id or 0,
                    heartbeat_at=utcnow())
    with Session(engine, expire_on_commit=False) as session:
        session.add(job)
        session.commit()
    thread = threading.Thread(target=run_job, args=(engine, job.id, user.id, validated),
                              name=f"import-{job.id[:8]}", daemon=True)
    thread.start()
    return job


def run_job(engine: sa.Engine, job_id: str, user_id: int | None, validated: Validated) -> None:
    """Write the rows in chunks, each committed together with the job's progress; record the outcome."""
    with Session(engine, expire_on_commit=False) as session:
        found, user = session.get(ImportJob, job_id), session.get(User, user_id)
        if found is None or user is None:
            return
        job: ImportJob = found
        spec = SPECS[ItemKind(job.kind)]
        job.status = JobStatus.running
        job.heartbeat_at = utcnow()
        session.commit()

        def progress(done: int) -> None:
            job.processed = done
            job.heartbeat_at = utcnow()  # committed with the chunk it counts
            session.add(job)

        try:
            counts = write_rows(session, spec, user=user, rows=validated.rows, fields=validated.fields,
                                before_commit=progress, commit_every=CHUNK)
            job.status = JobStatus.succeeded
            job.processed = job.total
            job.result = result_of(kind=spec.kind, validated=validated, written=True, counts=counts.as_dict()).model_dump(mode="json")
        except Exception as exc:
            # Rows of chunks already committed stay; re-running the same file completes it idempotently.
            log.exception("import job %s failed", job_id)
            session.rollback()
            job = session.get(ImportJob, job_id) or job
            job.status = JobStatus.failed
            zh, en = (exc.zh, exc.en) if isinstance(exc, AppError) else ("导入过程中出错，已写入的部分可重新上传同一文件补全",
                                                                        f"The import failed: {exc}")
            job.result = {"message_zh": zh, "message_en": en}
        job.finished_at = utcnow()
        session.add(job)
        session.commit()


def interrupt_if_stale(session: Session, job: ImportJob, stale_after: timedelta) -> None:
    """Mark a job failed if it is still pending or running but no process has written its progress lately.

    A conditional UPDATE, so a job that another catalog process is still writing is never touched.
    """
    now = utcnow()
    alive = (job.heartbeat_at or job.created_at) >= now - stale_after
    if job.status not in (JobStatus.pending, JobStatus.running) or alive:
        return  # finished, or alive as far as this read can tell: no write needed
    processed, total = job.processed, job.total
    result = {"message_zh": f"导入被中断（服务在导入过程中重启或停止），已写入 {processed} / {total} 行。"
                            "请重新上传同一文件完成导入：带外部编号的行会更新，不会重复。",
              "message_en": f"The import was interrupted (the server stopped or restarted) after {processed} of "
                            f"{total} rows. Upload the same file again to complete it: rows with an external id "
                            "are updated, not duplicated."}
    table = ImportJob.__table__  # type: ignore[attr-defined]
    stale = sa.update(table).where(
        table.c.id == job.id, table.c.status.in_([JobStatus.pending, JobStatus.running]),
        sa.func.coalesce(table.c.heartbeat_at, table.c.created_at) < now - stale_after,
    ).values(status=JobStatus.failed, result=result, finished_at=now)
    # the reading session may be read-only: write in a transaction of its own, then read afresh
    engine = cast(sa.Engine, session.get_bind()).execution_options(**{READ_ONLY: False})
    with engine.begin() as conn:
        if conn.execute(stale).rowcount:
            log.warning("import job %s was interrupted after %d of %d rows", job.id, processed, total)
    session.commit()
    session.refresh(job)


def read_job(session: Session, *, job_id: str, user: User, stale_after: timedelta) -> JobPublic:
    """A job, visible only to its creator and to admins (404 for anyone else); one cut off by a restart reads failed."""
    job = session.get(ImportJob, job_id)
    if job is None or (job.created_by != user.id and user.role != Role.admin):
        raise NotFound(f"找不到导入任务 {job_id}", f"No import job {job_id}")
    interrupt_if_stale(session, job, stale_after)
    percent = 100.0 if job.total == 0 and job.status == JobStatus.succeeded else (
        round(100.0 * job.processed / job.total, 1) if job.total else 0.0)
    return JobPublic(id=job.id, kind=job.kind, status=job.status, total=job.total, processed=job.processed,
                     percent=percent, result=job.result, created_at=job.created_at, finished_at=job.finished_at)


def count_by_status(session: Session) -> dict[str, int]:
    """How many import jobs are in each state."""
    table = ImportJob.__table__  # type: ignore[attr-defined]
    rows = session.execute(sa.select(table.c.status, sa.func.count()).group_by(table.c.status)).all()
    return {str(status): int(n) for status, n in rows}
