"""Database engine, sessions and migrations."""

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.catalog.core.errors import Conflict

MIGRATIONS_DIR = Path(__file__).parents[1] / "migrations"


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


# execution option of a session that only reads (SQLite: a deferred BEGIN; other databases ignore it)
READ_ONLY = "duijie_read_only"


def make_engine(url: str) -> sa.Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-serialising transactions."""
    # Chinese stays readable in JSON columns, which also lets list filters match quoted labels.
    dumps = partial(json.dumps, ensure_ascii=False)
    if not is_sqlite(url):
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=dumps)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # A connection for every worker thread (40) and the background jobs: none waits for the pool.
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                             json_serializer=dumps, pool_size=20, max_overflow=40)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off so that every transaction starts with
        # BEGIN IMMEDIATE: writers queue on the lock instead of failing on a stale snapshot.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # a read-only transaction takes no lock: in WAL mode it reads a snapshot beside a running writer
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at this package's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Bring the schema up to the newest migration."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """Yield one session per request."""
    with Session(engine) as session:
        yield session


def commit_or_conflict(session: Session, zh: str, en: str) -> None:
    """Commit; if a unique constraint is taken meanwhile, roll back and raise a 409 with this message."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(zh, en) from exc
