"""Broker pages: the review queue, a need beside its candidates, the pipeline board and contract registration."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import STAFF
from services.catalog.api.params import IdPath, IdQuery, PageQuery
from services.catalog.core.errors import AppError, NotFound
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import present_needs
from services.catalog.items.repository import get_visible
from services.catalog.items.wire import need_to_wire
from services.catalog.matching import service as matching
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.filters import page_count
from services.catalog.portal.forms import field_errors
from services.catalog.portal.matching import outputs_for_need
from services.catalog.portal.routing import PortalRoute
from services.catalog.workflow import contracts, service
from services.catalog.workflow.models import Match
from services.catalog.workflow.schemas import ContractCreate
from services.catalog.workflow.vocab import FUNNEL, ContractType, DeclineReason, MatchStatus
from shared.vocab import Cluster

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
QUEUE_PAGE = 20
BOARD_LIMIT = 50
CONTRACT_FIELDS = ("registration_no", "title", "contract_type", "amount_yuan", "signed_on", "buyer_org_id",
                   "seller_org_id", "region", "cluster", "match_id", "need_id")
CHINA = ZoneInfo("Asia/Shanghai")


@router.get("/broker")
def queue(page: PageDep, sort: str = "age", cluster: str = "", pg: PageQuery = 1) -> Response:
    """Open needs waiting for review, oldest (or best-scored) first, with their top proposed candidates."""
    page.require(*STAFF)
    chosen = cluster if cluster in [c.value for c in Cluster] else None
    entries, total = service.broker_queue(page.session, sort="score" if sort == "score" else "age", cluster=chosen,
                                          region=None, broker_id=None, top=3, page=max(1, pg), page_size=QUEUE_PAGE)
    return page.render("broker_queue.html", entries=entries, total=total, pages=page_count(total),
                       sort=sort, cluster=chosen or "", clusters=[c.value for c in Cluster], pg=max(1, pg),
                       catching_up=matching.pending_changes(settings=page.settings))


def _candidates(page: PageContext, need: TechNeed) -> tuple[list[dict[str, Any]], bool]:
    """The need's matches and the matcher's live ranking merged: one row per output, best first."""
    assert page.user is not None
    rows, _ = service.list_matches(page.session, user=page.user, need_id=need.id, output_id=None, status=None,
                                   broker_id=None, page=1, page_size=200)
    matches = {m.output_id: m for m in service.present(page.session, rows)}
    ranked = outputs_for_need(page.session, page.settings, page.user, need, k=10)
    outputs = {o.id: o for o in page.session.exec(select(ResearchOutput).where(
        col(ResearchOutput.id).in_(set(matches) | {c.item.id for c in ranked or []})))}
    orgs = {o.id: o.name for o in page.session.exec(select(Organisation).where(
        col(Organisation.id).in_({o.organisation_id for o in outputs.values()})))}
    merged: dict[int, dict[str, Any]] = {}
    for c in ranked or []:
        output_id = c.item.id or 0
        merged[output_id] = {"output": outputs.get(output_id), "candidate": c, "match": matches.get(output_id),
                             "score": c.score}
    for output_id, m in matches.items():
        row = merged.setdefault(output_id, {"output": outputs.get(output_id), "candidate": None, "match": m,
                                            "score": m.score})
        row["match"] = m
    for row in merged.values():
        row["org_name"] = orgs.get(row["output"].organisation_id) if row["output"] else None
        row["weak"] = row["match"] is None and row["candidate"] is not None and row["candidate"].weak
    return sorted(merged.values(), key=lambda r: -r["score"]), ranked is not None


@router.get("/broker/needs/{need_id}")
def pair_view(need_id: IdPath, page: PageDep) -> Response:
    """A need beside its candidate outputs, with score components, explanations and the actions."""
    user = page.require(*STAFF)
    need = get_visible(page.session, spec=NEEDS, item_id=need_id, user=user)
    assert isinstance(need, TechNeed)

    rows, matcher_up = _candidates(page, need)
    return page.render("broker_pair.html", need=present_needs(page.session, needs=[need])[0], rows=rows,
                       matcher_up=matcher_up, reasons=[r.value for r in DeclineReason],
                       done=page.request.query_params.get("done"),
                       catching_up=matching.pending_changes(settings=page.settings) if matcher_up else None)


@router.post("/broker/needs/{need_id}/outputs/{output_id}")
def act(need_id: IdPath, output_id: IdPath, page: PageDep, action: Annotated[str, Form()],
        reason: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
        version: Annotated[str, Form()] = "") -> Response:
    """Shortlist, introduce, start negotiating or decline a pair (proposing it first if it is new)."""
    user = page.require(*STAFF)
    steps = {"shortlist": MatchStatus.shortlisted, "introduce": MatchStatus.introduced,
             "negotiate": MatchStatus.negotiating, "decline": MatchStatus.declined}
    if action not in steps:
        raise AppError("未知的操作", "Unknown action", status_code=422)
    need, output = _pair(page, need_id, output_id, user)
    match = page.session.exec(select(Match).where(Match.need_id == need_id, Match.output_id == output_id)).first()
    if match is None:
        need_wire = need_to_wire(need)
        page.end_transaction()  # the matcher is asked with no transaction (nor SQLite's write lock) held
        verdict = matching.verdict(settings=page.settings, need=need_wire, output_id=output_id)
        user = page.reload_reader()
        need, output = _pair(page, need_id, output_id, user)
        match = service.propose(page.session, user=user, need=need, output=output, score=verdict.score,
                                explanation=verdict.explanation, components=verdict.components,
                                model=verdict.model, broker_id=None, note=None)
    elif version.isdigit() and int(version) != match.version:
        raise AppError("该对接已被他人修改，请刷新后重试", "This match changed meanwhile; reload and retry", status_code=409)
    valid_reason = reason if reason in [r.value for r in DeclineReason] else DeclineReason.other.value
    service.transition(page.session, match=match, user=user, to=steps[action],
                       reason=valid_reason if action == "decline" else None, note=note.strip()[:2000] or None)
    page.session.commit()
    return page.redirect(f"/broker/needs/{need_id}?done={action}#output-{output_id}")


def _pair(page: PageContext, need_id: IdPath, output_id: IdPath, user: User) -> tuple[TechNeed, ResearchOutput]:
    need = get_visible(page.session, spec=NEEDS, item_id=need_id, user=user)
    output = page.session.get(ResearchOutput, output_id)
    if output is None:
        raise NotFound(f"成果 {output_id} 不存在", f"Output {output_id} does not exist")
    assert isinstance(need, TechNeed)
    return need, output


@router.get("/broker/pipeline")
def pipeline(page: PageDep) -> Response:
    """Every match on a board, one column per status."""
    user = page.require(*STAFF)
    columns = []
    for status in [*FUNNEL, MatchStatus.declined]:
        rows, total = service.list_matches(page.session, user=user, need_id=None, output_id=None, status=status,
                                           broker_id=None, page=1, page_size=BOARD_LIMIT)
        columns.append({"status": status.value, "total": total, "matches": service.present(page.session, rows)})
    return page.render("pipeline.html", columns=columns,
                       registered=page.request.query_params.get("registered"))


def _contract_page(page: PageContext, values: dict[str, Any], errors: dict[str, str],
                   status_code: int = 200) -> Response:

    orgs = page.session.exec(select(Organisation).order_by(col(Organisation.name))).all()
    return page.render("contract_form.html", status_code=status_code, values=values, errors=errors, orgs=orgs,
                       types=[t.value for t in ContractType], clusters=[c.value for c in Cluster])


@router.get("/broker/contracts/new")
def new_contract(page: PageDep, match_id: IdQuery = None) -> Response:
    """The contract registration form, filled in from a match when one is given."""
    user = page.require(*STAFF)
    values: dict[str, Any] = {name: "" for name in CONTRACT_FIELDS}
    values["signed_on"] = datetime.now(CHINA).date().isoformat()
    if match_id is not None:
        match = service.get_match(page.session, match_id=match_id, user=user)
        need = page.session.get(TechNeed, match.need_id)
        output = page.session.get(ResearchOutput, match.output_id)
        if need is not None and output is not None:
            values.update(match_id=str(match.id), need_id=str(need.id), buyer_org_id=str(need.organisation_id),
                          seller_org_id=str(output.organisation_id), title=f"{output.title}（{need.title}）"[:300],
                          region=need.region or "", cluster=need.cluster or output.cluster or "")
    return _contract_page(page, values, {})


@router.post("/broker/contracts/new")
async def register_contract(page: PageDep) -> Response:
    """Validate and register a technology contract; its match becomes signed."""
    user = page.require(*STAFF)
    form = await page.request.form()
    values = {name: str(form.get(name) or "").strip() for name in CONTRACT_FIELDS}
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    data["mark_need_solved"] = True
    errors: dict[str, str] = {}
    try:
        body = ContractCreate.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, page.lang, "amount_yuan")
    if not errors:
        try:
            contracts.register(page.session, user=user, data=body)
            page.session.commit()
            return page.redirect(f"/broker/pipeline?registered={values['registration_no']}")
        except AppError as exc:
            page.session.rollback()
            column = exc.detail[0].get("column") if exc.detail else None
            errors[str(column) if column else "__all__"] = page.tr(exc.zh, exc.en)
    return _contract_page(page, values, errors, status_code=422)
