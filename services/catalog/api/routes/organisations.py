"""Organisations: anyone signed in may list them; admins manage them."""

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.deps import AdminUser, CurrentUser, SessionDep
from services.catalog.errors import Conflict, NotFound
from services.catalog.models import Organisation
from services.catalog.schemas import MAX_ID, OrganisationCreate, OrganisationPublic, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=list[OrganisationPublic])
def list_organisations(_: CurrentUser, session: SessionDep) -> list[Organisation]:
    """All organisations, by name."""
    return list(session.exec(select(Organisation).order_by(col(Organisation.name))).all())


@router.post("", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, _: AdminUser, session: SessionDep) -> Organisation:
    """Register an organisation (admins)."""
    org = Organisation.model_validate(body)
    session.add(org)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("同名单位或统一社会信用代码已存在", "An organisation with this name or credit code exists") from exc
    return org


@router.patch("/{org_id}", response_model=OrganisationPublic)
def update_organisation(org_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: OrganisationUpdate, _: AdminUser, session: SessionDep) -> Organisation:
    """Rename an organisation or change its region (admins)."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist")
    org.sqlmodel_update(body.model_dump(exclude_unset=True))
    session.add(org)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("同名单位已存在", "An organisation with this name exists") from exc
    return org
