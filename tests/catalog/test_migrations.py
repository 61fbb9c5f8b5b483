"""The Alembic migrations build exactly the schema the SQLModel tables describe, on SQLite and PostgreSQL."""

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import services.catalog.tables  # noqa: F401  (registers every table on the metadata)
from services.catalog.core.db import alembic_config
from tests.conftest import Catalog


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(context, metadata))


def test_migrated_database_matches_the_models(catalog: Catalog) -> None:
    # the app migrated the database on start-up; autogenerate must find nothing left to do
    assert _diff(catalog.engine, SQLModel.metadata) == []


def test_the_comparison_would_notice_a_missing_migration(catalog: Catalog) -> None:
    extended = sa.MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(extended)
    sa.Table("not_migrated", extended, sa.Column("id", sa.Integer, primary_key=True))
    extended.tables["tech_need"].append_column(sa.Column("not_migrated_column", sa.String(10)))
    ops = {d[0] if isinstance(d, tuple) else d[0][0] for d in _diff(catalog.engine, extended)}
    assert {"add_table", "add_column"} <= ops


def test_database_is_at_the_single_head(catalog: Catalog) -> None:
    script = ScriptDirectory.from_config(alembic_config(str(catalog.engine.url)))
    assert len(script.get_heads()) == 1  # no diverging branches
    with catalog.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(script.get_heads())
