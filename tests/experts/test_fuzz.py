"""The expert operations fuzzed against their OpenAPI document as tests/test_api_fuzz.py fuzzes every operation
(no 5xx, no undocumented status, every body as documented), over the demo catalog: anonymously and as an admin.
They never call the matcher, so this run needs none and stays short."""

import schemathesis
from sqlmodel import Session, select

from services.catalog.accounts.models import User
from services.catalog.core.security import create_access_token
from services.catalog.demo import seed_demo
from tests.conftest import Catalog
from tests.test_api_fuzz import _report, fuzz

PREFIXES = ("/api/v1/experts", "/api/v1/stations", "/api/v1/dispatches", "/api/v1/visits")


def _others(catalog: Catalog) -> frozenset[str]:
    schema = schemathesis.openapi.from_dict(catalog.client.get("/openapi.json").json())
    labels = [r.ok() for r in schema.get_all_operations()]
    return frozenset(op.label for op in labels if not op.path.startswith(PREFIXES))


def test_expert_operations_answer_as_documented(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        seed_demo(session)
        session.commit()
    skip = _others(catalog)

    def admin() -> dict[str, str]:
        with Session(catalog.engine) as session:
            user = session.exec(select(User).where(User.role == "admin")).first()
            assert user is not None and user.id is not None
            token = create_access_token(user_id=user.id, secret=catalog.settings.secret_key, minutes=5,
                                        version=user.credentials_version)
        return {"Authorization": f"Bearer {token}"}

    _report("experts, anonymous", fuzz(catalog.client, dict, skip=skip))
    _report("experts, admin", fuzz(catalog.client, admin, skip=skip))
