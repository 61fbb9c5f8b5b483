"""Creating user accounts (shared by the API and the command line)."""

from functools import lru_cache

from sqlmodel import Session, col, select, update

from services.catalog.accounts.models import ApiToken, Organisation, User
from services.catalog.accounts.schemas import UserCreate
from services.catalog.accounts.throttle import SignInGuard
from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import Conflict, NotFound, TooManyAttempts, Unauthorized, ValidationFailed
from services.catalog.core.security import decode_access_token, hash_password, verify_password


def create_user(session: Session, *, data: UserCreate) -> User:
    """Create a user (not committed); non-admins must belong to an existing organisation."""
    if session.exec(select(User).where(User.login == data.login)).first() is not None:
        raise Conflict(f"登录名 {data.login} 已被使用", f"Login {data.login} is taken")
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise NotFound(f"单位 {data.organisation_id} 不存在", f"Organisation {data.organisation_id} does not exist")
    if data.role != Role.admin and data.organisation_id is None:
        raise ValidationFailed("除管理员外，用户必须属于一个单位", "Every user except admins belongs to an organisation",
                               detail=[{"column": "organisation_id", "zh": "非管理员必填", "en": "required for every role but admin"}])
    user = User(login=data.login, password_hash=hash_password(data.password), role=data.role,
                organisation_id=data.organisation_id, display_name=data.display_name, email=data.email)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Change a password (not committed): every sign-in token and API token issued before stops working."""
    user.password_hash = hash_password(password)
    user.credentials_version += 1
    session.exec(update(ApiToken).where(col(ApiToken.user_id) == user.id).values(revoked=True))  # type: ignore[call-overload]
    session.add(user)


def user_for_access_token(session: Session, *, token: str, secret: str) -> User | None:
    """The active user a sign-in token (JWT) stands for, if it was issued under their current password."""
    claims = decode_access_token(token, secret=secret)
    if claims is None:
        return None
    user = session.get(User, claims[0])
    if user is None or not user.is_active or user.credentials_version != claims[1]:
        return None
    return user


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    return hash_password("no-such-user: compared so that unknown logins take as long as known ones")


def authenticate(session: Session, *, login: str, password: str, address: str, guard: SignInGuard) -> User:
    """The active user with this login and password; 401 otherwise, 429 after repeated failures."""
    wait = guard.wait(login=login, address=address)
    if wait > 0:
        raise TooManyAttempts(wait)
    # A NUL can never be in a stored login, and PostgreSQL would refuse to compare it.
    user = session.exec(select(User).where(User.login == login)).first() if "\x00" not in login else None
    correct = verify_password(password, user.password_hash if user is not None else _stand_in_hash())
    if user is None or not user.is_active or not correct:
        guard.failed(login=login, address=address)
        raise Unauthorized("用户名或密码错误", "Wrong login or password")
    guard.succeeded(login=login)
    return user
