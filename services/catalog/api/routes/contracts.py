"""Technology contract registration (技术合同登记)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from services.catalog.api.deps import SessionDep, StaffUser
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.core.errors import Conflict, NotFound
from services.catalog.workflow import contracts
from services.catalog.workflow.models import TechContract
from services.catalog.workflow.schemas import ContractCreate, ContractPublic, ContractsPublic
from services.catalog.workflow.vocab import ContractType
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/contracts", tags=["contracts"])


@router.post("", response_model=ContractPublic, status_code=201,
             responses=error_responses(404, 409, 422, s404="no such need or match", s409="duplicate registration number or illegal match transition",
                                       s422="invalid amount, date or parties"))
def register(body: ContractCreate, user: StaffUser, session: SessionDep) -> Any:
    """Register a contract; its match moves to signed and (by default) its need is marked solved."""
    contract = contracts.register(session, user=user, data=body)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"登记编号 {body.registration_no} 已存在，或该对接已登记过合同",
                       f"Registration number {body.registration_no} exists, or the match already has a contract") from exc
    return contracts.present(session, [contract])[0]


@router.get("", response_model=ContractsPublic)
def list_contracts(
    user: StaffUser, session: SessionDep, region: str | None = None, cluster: Cluster | None = None,
    contract_type: ContractType | None = None, date_from: date | None = None, date_to: date | None = None,
    page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Registered contracts, newest signing first."""
    rows, total = contracts.list_contracts(session, region=region, cluster=cluster, contract_type=contract_type,
                                           date_from=date_from, date_to=date_to, page=page, page_size=page_size)
    return ContractsPublic(data=contracts.present(session, rows), count=total)


@router.get("/{contract_id}", response_model=ContractPublic)
def read(contract_id: IdPath, user: StaffUser, session: SessionDep) -> Any:
    """One registered contract."""
    contract = session.get(TechContract, contract_id)
    if contract is None:
        raise NotFound(f"找不到合同 {contract_id}", f"No contract {contract_id}")
    return contracts.present(session, [contract])[0]
