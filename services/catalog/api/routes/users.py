"""User accounts, managed by admins."""

from typing import Annotated

from fastapi import APIRouter, Path
from sqlmodel import col, select

from services.catalog.accounts import create_user
from services.catalog.deps import AdminUser, SessionDep
from services.catalog.errors import AppError, NotFound
from services.catalog.models import Organisation, User
from services.catalog.schemas import MAX_ID, UserCreate, UserPublic, UserUpdate
from services.catalog.security import hash_password
from services.catalog.vocab import Role

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserPublic])
def list_users(_: AdminUser, session: SessionDep) -> list[User]:
    """All users (admins)."""
    return list(session.exec(select(User).order_by(col(User.id))).all())


@router.post("", response_model=UserPublic, status_code=201)
def add_user(body: UserCreate, _: AdminUser, session: SessionDep) -> User:
    """Create a user (admins)."""
    user = create_user(session, body)
    session.commit()
    return user


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: UserUpdate, _: AdminUser, session: SessionDep) -> User:
    """Change a user's role, organisation, password or active flag (admins)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在", f"User {user_id} does not exist")
    values = body.model_dump(exclude_unset=True)
    if "password" in values:
        user.password_hash = hash_password(values.pop("password"))
    if values.get("organisation_id") is not None and session.get(Organisation, values["organisation_id"]) is None:
        raise NotFound("单位不存在", "Organisation does not exist")
    user.sqlmodel_update(values)
    if user.role != Role.admin and user.organisation_id is None:
        raise AppError("除管理员外，用户必须属于一个单位", "Every user except admins belongs to an organisation",
                       status_code=422, code="validation_error",
                       detail=[{"column": "organisation_id", "zh": "非管理员必填", "en": "required for every role but admin"}])
    session.add(user)
    session.commit()
    return user
