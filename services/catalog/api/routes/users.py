"""User accounts, managed by admins."""


from fastapi import APIRouter
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.schemas import UserCreate, UserPublic, UserUpdate
from services.catalog.accounts.service import create_user, set_password
from services.catalog.accounts.vocab import Role
from services.catalog.api.deps import AdminOnly, AdminUser, SessionDep
from services.catalog.api.params import IdPath
from services.catalog.core.errors import Conflict, NotFound, ValidationFailed
from shared.openapi import error_responses

router = APIRouter(prefix="/users", tags=["users"], dependencies=[AdminOnly])


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """All users (admins)."""
    return list(session.exec(select(User).order_by(col(User.id))).all())


@router.post("", response_model=UserPublic, status_code=201,
             responses=error_responses(404, 409, s404="no such organisation", s409="the login is taken"))
def add_user(body: UserCreate, session: SessionDep) -> User:
    """Create a user (admins)."""
    user = create_user(session, data=body)
    session.commit()
    return user


@router.patch("/{user_id}", response_model=UserPublic,
              responses=error_responses(409, s409="an admin may not demote or deactivate their own account"))
def update_user(user_id: IdPath, body: UserUpdate, admin: AdminUser, session: SessionDep) -> User:
    """Change a user's role, organisation, password or active flag (admins)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在", f"User {user_id} does not exist")
    values = body.model_dump(exclude_unset=True)
    if user.id == admin.id and (values.get("role", Role.admin) != Role.admin or values.get("is_active") is False):
        # the platform could otherwise be left with no admin at all
        raise Conflict("不能取消自己的管理员身份或停用自己的账户，请由另一位管理员操作",
                       "You cannot demote or deactivate your own account; ask another admin")
    if "password" in values:
        set_password(session, user=user, password=values.pop("password"))
    if values.get("organisation_id") is not None and session.get(Organisation, values["organisation_id"]) is None:
        raise NotFound("单位不存在", "Organisation does not exist")
    user.sqlmodel_update(values)
    if user.role != Role.admin and user.organisation_id is None:
        raise ValidationFailed("除管理员外，用户必须属于一个单位", "Every user except admins belongs to an organisation",
                               detail=[{"column": "organisation_id", "zh": "非管理员必填", "en": "required for every role but admin"}])
    session.add(user)
    session.commit()
    return user
