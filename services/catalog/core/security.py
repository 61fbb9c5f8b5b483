"""Password hashing (argon2), JWT access tokens and long-lived API tokens."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.catalog.core.inputs import MAX_ID

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"
API_TOKEN_PREFIX = "dj_"


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether a password matches its stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_access_token(*, user_id: int, secret: str, minutes: int, version: int = 0) -> str:
    """Issue a signed JWT for a user, under the user's current credentials version."""
    now = datetime.now(UTC)
    payload = {"sub": str(user_id), "ver": version, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> tuple[int, int] | None:
    """The user id and credentials version inside a valid, unexpired JWT, else None."""
    try:
        payload = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]})
        user_id, version = int(payload["sub"]), int(payload.get("ver", 0))
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    return (user_id, version) if 1 <= user_id <= MAX_ID else None  # a forged huge id must not reach the database


def new_api_token() -> str:
    """A fresh random API token (shown once, stored only as a hash)."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    """SHA-256 of an API token; tokens are random, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
