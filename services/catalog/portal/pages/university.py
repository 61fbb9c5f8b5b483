"""University and lab pages: uploading outputs with progress and per-row errors, managing outputs, and the
needs their outputs could serve."""

import csv
import io
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, func, select

from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError, localise
from services.catalog.imports.jobs import read_job
from services.catalog.imports.run import Upload, limits_of, read_limited, run_import
from services.catalog.items.kinds import OUTPUTS
from services.catalog.items.models import ResearchOutput
from services.catalog.items.repository import get_visible
from services.catalog.items.schemas import OutputUpdate
from services.catalog.items.service import apply_update
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.editing import own_item, save_form, stored_values
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.forms import field_errors, form_values, split_list
from services.catalog.portal.matching import needs_for_output
from services.catalog.portal.routing import PortalRoute
from services.catalog.portal.workflow_view import matches_of_output
from shared.vocab import Cluster, CooperationMode, IpForm, Maturity, OutputStatus

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
OPPORTUNITY_OUTPUTS = 8
FINISHED = ("succeeded", "failed")
OUTPUT_FIELDS = ("title", "summary", "keywords", "field", "cluster", "maturity", "ip_form", "patent_numbers",
                 "price_yuan", "contact", "status", "version")


def _upload_page(page: PageContext, *, error: str | None = None, errors: list[dict[str, Any]] | None = None,
                 partial: bool = False, status_code: int = 200) -> Response:
    rows = errors or []
    csv_href = "data:text/csv;charset=utf-8," + quote(_errors_csv(page, rows).decode("utf-8")) if rows else ""
    return page.render("upload.html", status_code=status_code, error=error, errors=rows, csv_href=csv_href,
                       partial=partial, max_mb=page.settings.max_upload_mb)


def _errors_csv(page: PageContext, errors: list[dict[str, Any]]) -> bytes:
    """Rows with problems as CSV that opens in Excel (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([page.tr("行号", "row"), page.tr("列", "column"), page.tr("问题", "problem")])
    for e in errors:
        writer.writerow([e.get("row"), e.get("column"), e.get("message")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@router.get("/upload")
def upload_form(page: PageDep) -> Response:
    """The bulk upload form (XLSX template or CSV)."""
    page.require(Role.university, Role.admin)
    return _upload_page(page)


@router.post("/upload")
def upload(page: PageDep, file: Annotated[UploadFile, File()],
           partial: Annotated[bool, Form()] = False) -> Response:
    """Validate an upload, as the API does; write it in the background and go to the progress page."""
    user = page.require(Role.university, Role.admin)
    settings = page.settings
    try:
        upload = Upload(read_limited(file.file, limit=settings.max_upload_bytes), file.filename, file.content_type)
        # Always a job here, whatever its size: the progress page follows it.
        outcome = run_import(session=page.session, engine=page.request.app.state.engine, spec=OUTPUTS, user=user,
                             upload=upload, requested_org=None, partial=partial, dry_run=False,
                             zh=page.lang == "zh", background=True, threshold=settings.import_job_threshold,
                             limits=limits_of(settings))
    except AppError as exc:
        rows = [localise(d, page.lang == "zh") for d in exc.detail if "row" in d]
        return _upload_page(page, error=page.tr(exc.zh, exc.en), errors=rows, partial=partial,
                            status_code=exc.status_code)
    assert outcome.job is not None
    return page.redirect(f"/upload/jobs/{outcome.job.id}")


@router.get("/upload/jobs/{job_id}")
def upload_job(job_id: str, page: PageDep, pg: PortalPage = 1) -> Response:
    """Progress of an upload, then what it did and the rows it refused, a page at a time (all in the CSV)."""
    user = page.require(Role.university, Role.admin)
    job = read_job(page.session, job_id=job_id, user=user, stale_after=page.request.app.state.settings.import_job_stale)
    result: dict[str, Any] = job.result or {}
    errors: list[dict[str, Any]] = result.get("errors") or []
    first = (pg - 1) * PAGE_SIZE
    return page.render("upload_job.html", job=job, result=result, errors=errors[first:first + PAGE_SIZE],
                       total=len(errors), pages=page_count(len(errors)), form=SearchForm(values={}, page=pg),
                       finished=job.status in FINISHED)


@router.get("/upload/jobs/{job_id}/errors.csv")
def upload_errors_csv(job_id: str, page: PageDep) -> Response:
    """The refused rows of an upload as a CSV file (opens in Excel: UTF-8 with BOM)."""
    user = page.require(Role.university, Role.admin)
    job = read_job(page.session, job_id=job_id, user=user, stale_after=page.request.app.state.settings.import_job_stale)
    body = _errors_csv(page, (job.result or {}).get("errors") or [])
    headers = {"Content-Disposition": f'attachment; filename="upload-errors-{job_id[:8]}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/my/outputs")
def my_outputs(page: PageDep, pg: PortalPage = 1) -> Response:
    """The organisation's outputs in every state, a page at a time, with publish and archive buttons."""
    user = page.require(Role.university)
    own = col(ResearchOutput.organisation_id) == user.organisation_id
    total = page.session.exec(select(func.count()).select_from(ResearchOutput).where(own)).one()
    outputs = page.session.exec(select(ResearchOutput).where(own)
                                .order_by(col(ResearchOutput.updated_at).desc(), col(ResearchOutput.id).desc())
                                .offset((pg - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return page.render("my_outputs.html", outputs=outputs, statuses=[s.value for s in OutputStatus], total=total,
                       pages=page_count(total), form=SearchForm(values={}, page=pg))


@router.post("/my/outputs/{output_id}/status")
def set_output_status(output_id: IdPath, page: PageDep, status: Annotated[str, Form()],
                      version: Annotated[int, Form()]) -> Response:
    """Publish, archive or withdraw one of the organisation's outputs."""
    user = page.require(Role.university, Role.admin)
    if status not in [s.value for s in OutputStatus]:
        raise AppError("状态取值无效", "Invalid status", status_code=422)
    output = get_visible(page.session, spec=OUTPUTS, item_id=output_id, user=user)
    apply_update(page.session, item=output, user=user, values={"status": status}, expected_version=version)
    page.session.commit()
    return page.redirect("/my/outputs")


@router.get("/my/opportunities")
def opportunities(page: PageDep) -> Response:
    """For each published output, the needs the matcher ranks highest, and the introductions so far."""
    user = page.require(Role.university)
    outputs = page.session.exec(select(ResearchOutput).where(
        col(ResearchOutput.organisation_id) == user.organisation_id,
        col(ResearchOutput.status) == OutputStatus.published).order_by(col(ResearchOutput.updated_at).desc())
        .limit(OPPORTUNITY_OUTPUTS)).all()
    rows = [(o, needs_for_output(page.session, page.settings, user, o, k=3),
             matches_of_output(page.session, user, o.id or 0)) for o in outputs]
    return page.render("opportunities.html", rows=rows)


def _own_output(page: PageContext, output_id: IdPath) -> ResearchOutput:
    output = own_item(page, spec=OUTPUTS, item_id=output_id,
                      refusal=("只能修改本单位的成果", "You may only edit your own organisation's outputs"))
    assert isinstance(output, ResearchOutput)
    return output


def _output_form(page: PageContext, output: ResearchOutput, values: dict[str, Any], errors: dict[str, str],
                 status_code: int = 200) -> Response:
    return page.render("output_form.html", status_code=status_code, output=output, values=values, errors=errors,
                       clusters=[c.value for c in Cluster], maturities=[m.value for m in Maturity],
                       ip_forms=[f.value for f in IpForm], modes=[m.value for m in CooperationMode],
                       statuses=[s.value for s in OutputStatus])


@router.get("/my/outputs/{output_id}/edit")
def edit_output(output_id: IdPath, page: PageDep) -> Response:
    """The form to edit one of the organisation's outputs."""
    output = _own_output(page, output_id)
    values = stored_values(output, text=OUTPUT_FIELDS, joined=("keywords", "patent_numbers"))
    return _output_form(page, output, values, {})


@router.post("/my/outputs/{output_id}/edit")
async def save_output(output_id: IdPath, page: PageDep) -> Response:
    """Validate and save an output (refused if someone else changed it meanwhile)."""
    output = _own_output(page, output_id)
    form = await page.request.form()
    values = form_values(form, OUTPUT_FIELDS, ("cooperation_modes",))
    data: dict[str, Any] = {"title": values["title"], "summary": values["summary"],
                            "keywords": split_list(values["keywords"]),
                            "patent_numbers": split_list(values["patent_numbers"]),
                            "cooperation_modes": values["cooperation_modes"], "status": values["status"] or None}
    for name in ("field", "cluster", "maturity", "ip_form", "price_yuan", "contact"):
        data[name] = values[name].strip() or None
    version = int(values["version"]) if values["version"].isdigit() else output.version
    errors: dict[str, str] = {}
    try:
        body = OutputUpdate.model_validate({**data, "version": version})
    except ValidationError as exc:
        errors = field_errors(exc, page.lang, "title")
    if not errors:
        saved = save_form(page, item=output, body=body, version=version, done=f"/outputs/{output.id}")
        if isinstance(saved, Response):
            return saved
        errors["__all__"] = saved
    return _output_form(page, output, values, errors, status_code=422)
