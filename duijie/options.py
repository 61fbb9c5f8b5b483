"""Options and helpers every `duijie` command shares: the data folder, the database URL, the console."""

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from sqlmodel import Session

console = Console()

DataDir = Annotated[Path, typer.Option("--data-dir", help="folder for the SQLite file and index files")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="e.g. postgresql+psycopg://user@host/db")]


def catalog_settings(data_dir: Path, database_url: str | None, **extra: object):  # type: ignore[no-untyped-def]
    """Catalog settings from command-line options (environment fills the rest)."""
    from services.catalog.core.config import CatalogSettings

    values = {"data_dir": data_dir, **extra}
    if database_url:
        values["database_url"] = database_url
    return CatalogSettings(**values)  # type: ignore[arg-type]


def open_catalog_engine(settings) -> sa.Engine:  # type: ignore[no-untyped-def]
    """An engine on the catalog's database of these settings, its schema brought up to date."""
    from services.catalog.core.db import make_engine, migrate

    engine = make_engine(settings.db_url)
    migrate(engine)
    return engine


def open_catalog_db(data_dir: Path, database_url: str | None) -> Session:
    """A session on the catalog's database, its schema brought up to date."""
    return Session(open_catalog_engine(catalog_settings(data_dir, database_url)))
