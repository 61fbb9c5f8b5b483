"""`duijie import`: bulk-load outputs or needs from a file, or the 知贝 listings from their folder."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session

console = Console()
KINDS = ("outputs", "needs", "zhibei")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console)


def register(app: typer.Typer) -> None:
    """Add the `import` command to the duijie CLI."""

    @app.command("import")
    def import_cmd(
        path: Annotated[Path, typer.Argument(help="CSV/XLSX/JSON Lines file; for --kind zhibei the data folder")],
        kind: Annotated[str, typer.Option(help="outputs, needs or zhibei")] = "outputs",
        organisation: Annotated[str | None, typer.Option(help="organisation name (created if missing)")] = None,
        partial: Annotated[bool, typer.Option(help="write the valid rows even if others are bad")] = False,
        data_dir: Annotated[Path, typer.Option("--data-dir", help="folder of the SQLite file")] = Path("data"),
        database_url: Annotated[str | None, typer.Option("--database-url", help="e.g. postgresql+psycopg://…")] = None,
    ) -> None:
        """Import outputs or needs (upsert by external id), or the 知贝 folder, with a progress bar."""
        from services.catalog.config import CatalogSettings
        from services.catalog.db import make_engine, migrate

        if kind not in KINDS:
            console.print(f"[red]--kind 应为 {' / '.join(KINDS)}[/red]")
            raise typer.Exit(2)
        values: dict[str, object] = {"data_dir": data_dir}
        if database_url:
            values["database_url"] = database_url
        settings = CatalogSettings(**values)  # type: ignore[arg-type]
        engine = make_engine(settings.db_url)
        migrate(engine)
        with Session(engine) as session:
            if kind == "zhibei":
                _import_zhibei(session, path)
            else:
                _import_file(session, path, kind, organisation, partial)
        engine.dispose()


def _import_zhibei(session: Session, folder: Path) -> None:
    from services.catalog.imports.service import operator
    from services.catalog.imports.zhibei import import_zhibei, read_listings

    if not folder.is_dir():
        console.print(f"[red]找不到知贝数据目录 {folder}[/red]")
        raise typer.Exit(1)
    listings = read_listings(folder)
    with _progress() as bar:
        task = bar.add_task("知贝导入", total=len(listings.outputs) + len(listings.needs))
        result = import_zhibei(session, folder, user=operator(), listings=listings,
                               on_progress=lambda done, _total: bar.update(task, completed=done))
    table = Table(title="知贝导入结果 Zhibei import")
    for head in ("", "listings", "imported", "created", "updated", "unchanged"):
        table.add_column(head)
    table.add_row("outputs 成果", str(listings.output_listings), str(len(listings.outputs)),
                  *map(str, result.outputs.as_dict().values()))
    table.add_row("needs 需求", str(listings.need_listings), str(len(listings.needs)),
                  *map(str, result.needs.as_dict().values()))
    console.print(table)
    for reason in listings.skipped:
        console.print(f"[yellow]skipped 跳过:[/yellow] {reason}")


def _import_file(session: Session, path: Path, kind: str, organisation: str | None, partial: bool) -> None:
    from services.catalog.errors import AppError
    from services.catalog.imports.parsing import read_sheet
    from services.catalog.imports.service import import_now, operator, refuse_if_invalid, validate_upload
    from services.catalog.imports.zhibei import ensure_organisation
    from services.catalog.items import NEEDS, OUTPUTS
    from services.catalog.vocab import OrgKind

    spec = OUTPUTS if kind == "outputs" else NEEDS
    try:
        org_id = None
        if organisation:
            org_kind = OrgKind.university if kind == "outputs" else OrgKind.enterprise
            org_id = ensure_organisation(session, organisation, org_kind)
        sheet = read_sheet(path.read_bytes(), path.name)
        validated = validate_upload(session, spec, operator(), sheet, requested_org=org_id, zh=True)
        for error in validated.errors[:50]:
            console.print(f"[red]第 {error['row']} 行 “{error['column']}”：{error['message']}[/red]")
        if len(validated.errors) > 50:
            console.print(f"[red]… 共 {len(validated.errors)} 处错误[/red]")
        refuse_if_invalid(spec, validated, partial=partial)
        with _progress() as bar:
            task = bar.add_task(f"导入{spec.zh}", total=len(validated.rows))
            result = import_now(session, spec, operator(), validated,
                                on_progress=lambda done: bar.update(task, completed=done))
    except AppError as exc:
        session.rollback()
        console.print(f"[red]{exc.zh}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{spec.zh}: 共 {result.total} 行，新建 {result.created}，更新 {result.updated}，"
                  f"未变 {result.unchanged}，出错 {result.failed}")
