"""Organisations: anyone signed in may list them; admins manage them."""


from fastapi import APIRouter
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation
from services.catalog.accounts.schemas import OrganisationCreate, OrganisationPublic, OrganisationUpdate
from services.catalog.api.deps import AdminUser, CurrentUser, SessionDep
from services.catalog.api.params import IdPath
from services.catalog.core.db import commit_or_conflict
from services.catalog.core.errors import NotFound
from shared.openapi import error_responses

router = APIRouter(prefix="/organisations", tags=["organisations"])



@router.get("", response_model=list[OrganisationPublic])
def list_organisations(_: CurrentUser, session: SessionDep) -> list[Organisation]:
    """All organisations, by name."""
    return list(session.exec(select(Organisation).order_by(col(Organisation.name))).all())


@router.post("", response_model=OrganisationPublic, status_code=201, responses=error_responses(409))
def create_organisation(body: OrganisationCreate, _: AdminUser, session: SessionDep) -> Organisation:
    """Register an organisation (admins)."""
    org = Organisation.model_validate(body)
    session.add(org)
    commit_or_conflict(session, "同名单位或统一社会信用代码已存在", "An organisation with this name or credit code exists")
    return org


@router.patch("/{org_id}", response_model=OrganisationPublic, responses=error_responses(409))
def update_organisation(org_id: IdPath, body: OrganisationUpdate, _: AdminUser, session: SessionDep) -> Organisation:
    """Rename an organisation or change its region (admins)."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist")
    org.sqlmodel_update(body.model_dump(exclude_unset=True))
    session.add(org)
    commit_or_conflict(session, "同名单位已存在", "An organisation with this name exists")
    return org
