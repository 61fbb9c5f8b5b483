"""`duijie matcher` and `duijie rebuild-index`: run the matcher service, or rebuild its index from 0."""

from pathlib import Path
from typing import Annotated, Any

import typer

from services.matcher.config import MatcherSettings


def register(app: typer.Typer) -> None:
    """Add the matcher's commands to the `duijie` CLI."""

    @app.command("matcher")
    def matcher(
        data_dir: Annotated[Path | None, typer.Option(help="index and cursor directory (DUIJIE_DATA_DIR)")] = None,
        host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
        port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
        catalog_url: Annotated[str | None, typer.Option(help="catalog to follow (DUIJIE_CATALOG_URL)")] = None,
    ) -> None:
        """Run the matcher service, following the catalog's change feed."""
        import uvicorn

        from duijie.logs import log_config
        from services.matcher.main import create_app

        settings = _settings(data_dir=data_dir, host=host, port=port, catalog_url=catalog_url)
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=log_config())

    @app.command("rebuild-index")
    def rebuild_index(
        data_dir: Annotated[Path | None, typer.Option(help="index and cursor directory (DUIJIE_DATA_DIR)")] = None,
        catalog_url: Annotated[str | None, typer.Option(help="catalog to follow (DUIJIE_CATALOG_URL)")] = None,
    ) -> None:
        """Drop the matcher's index and re-follow the catalog's change feed from the start."""
        from services.matcher.sync import rebuild

        matcher = rebuild(_settings(data_dir=data_dir, catalog_url=catalog_url))
        status = matcher.status()
        typer.echo(f"rebuilt: {status.items} at cursor {status.cursor} ({status.model})")


def _settings(**overrides: Any) -> MatcherSettings:
    """Environment settings with the options given on the command line on top."""
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return MatcherSettings(**given)
