"""Bulk upload (CSV, XLSX, JSON Lines), the XLSX template, export, and the progress of background imports."""

from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from services.catalog.api.deps import CurrentUser, OptionalUser, SessionDep, SettingsDep
from services.catalog.api.routes.items import ListQueryDep
from services.catalog.core.i18n import wants_chinese
from services.catalog.core.inputs import MAX_ID
from services.catalog.imports.export import export_headers, export_rows, to_csv, to_xlsx
from services.catalog.imports.jobs import read_job
from services.catalog.imports.run import Upload, limits_of, read_limited, run_import
from services.catalog.imports.schemas import ImportResult, JobAccepted, JobPublic
from services.catalog.imports.template import template_bytes
from services.catalog.items.kinds import NEEDS, OUTPUTS, KindSpec
from shared.openapi import error_responses

router = APIRouter()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def file_response(content: bytes, media_type: str, ascii_name: str, name: str) -> Response:
    """A file to save, named in ASCII and, for browsers that read it, in Chinese."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def add_kind_routes(spec: KindSpec) -> None:
    """Import, template and export routes of one kind of item."""
    base = f"/{spec.kind}s"
    tags: list[str | Enum] = [f"{spec.kind}s"]

    @router.post(f"{base}/import", response_model=ImportResult, tags=tags, summary=f"Import {spec.en}s",
                 responses={202: {"model": JobAccepted}, **error_responses(403, 404, 409, 413, 415, 422,
                                                                           s404="no such organisation")})
    def import_items(
        request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep,
        file: Annotated[UploadFile, File(description="CSV, XLSX or JSON Lines")],
        partial: Annotated[bool, Query(description="write the valid rows even if others are bad")] = False,
        organisation_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="admins: the organisation to import for")] = None,
        dry_run: Annotated[bool, Query(description="only validate; write nothing")] = False,
    ) -> Any:
        """Upload a spreadsheet; rows upsert by external id. Large files become a job (202, poll /jobs/{id})."""
        upload = Upload(read_limited(file.file, limit=settings.max_upload_bytes), file.filename, file.content_type)
        outcome = run_import(session=session, engine=request.app.state.engine, spec=spec, user=user, upload=upload,
                             requested_org=organisation_id, partial=partial, dry_run=dry_run,
                             zh=wants_chinese(request), background=None, threshold=settings.import_job_threshold,
                             limits=limits_of(settings))
        if outcome.job is not None:
            job = outcome.job
            accepted = JobAccepted(job_id=job.id, status=job.status, total=job.total, url=f"/api/v1/jobs/{job.id}")
            return JSONResponse(accepted.model_dump(), status_code=202)
        return outcome.result

    @router.get(f"{base}/import/template", tags=tags, summary=f"XLSX template for importing {spec.en}s",
                response_class=Response, responses={200: {"content": {XLSX_TYPE: {}}}})
    def template() -> Response:
        """An empty workbook with the Chinese column headers, notes and drop-down lists."""
        return file_response(template_bytes(spec.kind), XLSX_TYPE, f"{spec.kind}s-template.xlsx", f"{spec.zh}导入模板.xlsx")

    @router.get(f"{base}/export", tags=tags, summary=f"Export {spec.en}s", response_class=Response,
                responses={200: {"content": {XLSX_TYPE: {}, "text/csv": {}}}})
    def export(user: OptionalUser, session: SessionDep, query: ListQueryDep,
               fmt: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx") -> Response:
        """The items you may see that match the list filters, with Chinese headers; re-importable."""
        headers = export_headers(spec)
        rows = export_rows(session, spec, user, query)
        stamp = date.today().strftime("%Y%m%d")
        if fmt == "csv":
            return file_response(to_csv(headers, rows), CSV_TYPE, f"{spec.kind}s-{stamp}.csv", f"{spec.zh}-{stamp}.csv")
        return file_response(to_xlsx(headers, rows, spec.zh), XLSX_TYPE, f"{spec.kind}s-{stamp}.xlsx",
                         f"{spec.zh}-{stamp}.xlsx")


add_kind_routes(OUTPUTS)
add_kind_routes(NEEDS)


@router.get("/jobs/{job_id}", response_model=JobPublic, tags=["imports"], summary="Progress of an import job")
def get_job(job_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> JobPublic:
    """Status, progress and result of a background import (its creator and admins only)."""
    return read_job(session, job_id=job_id, user=user, stale_after=settings.import_job_stale)
