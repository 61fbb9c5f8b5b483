"""Registering technology contracts (技术合同登记) and what a registration sets in motion."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.core.errors import Conflict, NotFound, ValidationFailed
from services.catalog.core.tables import utcnow
from services.catalog.items.changes import append_change, serialise_writes
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.wire import need_to_wire
from services.catalog.workflow.models import Match, TechContract
from services.catalog.workflow.schemas import ContractCreate, ContractPublic
from services.catalog.workflow.service import get_match, transition
from services.catalog.workflow.vocab import MatchStatus
from shared.vocab import ChangeOp, ItemKind, NeedStatus

# Contracts are signed on Chinese calendar days; "not in the future" is judged there.
CHINA = ZoneInfo("Asia/Shanghai")


def _invalid(zh: str, en: str, column: str) -> ValidationFailed:
    return ValidationFailed(zh, en, detail=[{"column": column, "zh": zh, "en": en}])


def _org(session: Session, org_id: int, column: str, zh_role: str) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise _invalid(f"{zh_role}单位 {org_id} 不存在", f"The {column.split('_')[0]} organisation {org_id} does not exist",
                       column)
    return org


def mark_need_solved(session: Session, need: TechNeed) -> None:
    """Mark a need solved and log the change so the matcher stops offering it (not committed)."""
    # Same lock order as every catalog writer (feed lock, then the row), so this cannot deadlock with them.
    serialise_writes(session)
    session.refresh(need, with_for_update=True)
    if need.status == NeedStatus.solved:
        return
    # Brokers may not edit needs through items.apply_update; the status flip is the bureau's record.
    need.status = NeedStatus.solved
    need.version += 1
    need.updated_at = utcnow()
    session.add(need)
    session.flush()
    append_change(session, op=ChangeOp.update, kind=ItemKind.need, item_id=need.id or 0, item=need_to_wire(need))


def register(session: Session, *, user: User, data: ContractCreate) -> TechContract:
    """Register a contract (not committed): moves its match to signed and, if asked, marks the need solved."""
    today = datetime.now(CHINA).date()
    if data.signed_on > today:
        raise _invalid("签订日期不能晚于今天", "The signing date cannot be in the future", "signed_on")
    buyer = _org(session, data.buyer_org_id, "buyer_org_id", "买方（委托方/受让方）")
    seller = _org(session, data.seller_org_id, "seller_org_id", "卖方（受托方/让与方）")
    if buyer.id == seller.id:
        raise _invalid("买卖双方不能是同一单位", "Buyer and seller must be different organisations", "seller_org_id")
    existing = session.exec(select(TechContract.id).where(TechContract.registration_no == data.registration_no)).first()
    if existing is not None:
        raise Conflict(f"登记编号 {data.registration_no} 已被合同 {existing} 使用",
                       f"Registration number {data.registration_no} is already used by contract {existing}")
    match: Match | None = None
    need: TechNeed | None = None
    output: ResearchOutput | None = None
    if data.match_id is not None:
        match = get_match(session, match_id=data.match_id, user=user, for_update=True)
        if data.need_id is not None and data.need_id != match.need_id:
            raise _invalid(f"对接 {match.id} 对应的是需求 {match.need_id}，不是 {data.need_id}",
                           f"Match {match.id} belongs to need {match.need_id}, not {data.need_id}", "need_id")
        output = session.get(ResearchOutput, match.output_id)
        need = session.get(TechNeed, match.need_id)
    elif data.need_id is not None:
        need = session.get(TechNeed, data.need_id)
        if need is None:
            raise NotFound(f"需求 {data.need_id} 不存在", f"Need {data.need_id} does not exist")
    contract = TechContract(
        registration_no=data.registration_no, title=data.title, contract_type=data.contract_type,
        amount_yuan=data.amount_yuan, signed_on=data.signed_on, sign_month=month_of(data.signed_on),
        buyer_org_id=data.buyer_org_id, seller_org_id=data.seller_org_id,
        region=data.region or (need.region if need else None) or buyer.region,
        field=data.field or (need.field if need else None) or (output.field if output else None),
        cluster=data.cluster or (need.cluster if need else None) or (output.cluster if output else None),
        match_id=match.id if match else None, need_id=need.id if need else None, registered_by=user.id,
    )
    if match is not None:
        transition(session, match=match, user=user, to=MatchStatus.signed, via_contract=True,
                   note=f"技术合同登记 {data.registration_no}")
    if need is not None and data.mark_need_solved:
        mark_need_solved(session, need)
    session.add(contract)
    session.flush()
    return contract


def month_of(day: date) -> str:
    """The 'YYYY-MM' a contract is counted under."""
    return f"{day.year:04d}-{day.month:02d}"


def list_contracts(session: Session, *, region: str | None, cluster: str | None, contract_type: str | None,
                   date_from: date | None, date_to: date | None, page: int,
                   page_size: int) -> tuple[list[TechContract], int]:
    """A page of contracts, newest signing first, and the total."""
    stmt = select(TechContract)
    for column, value in ((TechContract.region, region), (TechContract.cluster, cluster),
                          (TechContract.contract_type, contract_type)):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if date_from is not None:
        stmt = stmt.where(col(TechContract.signed_on) >= date_from)
    if date_to is not None:
        stmt = stmt.where(col(TechContract.signed_on) <= date_to)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    order = (col(TechContract.signed_on).desc(), col(TechContract.id).desc())
    rows = session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def present(session: Session, contracts: list[TechContract]) -> list[ContractPublic]:
    """Contracts with the parties' names."""
    org_ids = {c.buyer_org_id for c in contracts} | {c.seller_org_id for c in contracts}
    names = {o.id: o.name for o in session.exec(select(Organisation).where(col(Organisation.id).in_(org_ids))).all()}
    return [ContractPublic(**c.model_dump(exclude={"sign_month"}), buyer_name=names.get(c.buyer_org_id),
                           seller_name=names.get(c.seller_org_id)) for c in contracts]
