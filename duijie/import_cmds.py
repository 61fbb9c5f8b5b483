"""`duijie import`: bulk-load outputs, needs, challenge calls or experts from a file, or the 知贝 listings from their
folder."""

from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session

from duijie.options import DatabaseUrl, DataDir, catalog_settings, console, open_catalog_engine

KINDS = ("outputs", "needs", "challenges", "experts", "zhibei")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console)


def register(app: typer.Typer) -> None:
    """Add the `import` command to the duijie CLI."""

    @app.command("import")
    def import_cmd(
        path: Annotated[Path, typer.Argument(help="CSV/XLSX/JSON Lines file; for --kind zhibei the data folder")],
        kind: Annotated[str, typer.Option(help="outputs, needs, challenges, experts or zhibei")] = "outputs",
        organisation: Annotated[str | None, typer.Option(help="organisation name (created if missing)")] = None,
        partial: Annotated[bool, typer.Option(help="write the valid rows even if others are bad")] = False,
        as_login: Annotated[str | None, typer.Option("--as", help="import as this user (default: as an admin)")] = None,
        data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None,
    ) -> None:
        """Import outputs, needs, challenge calls (drafts) or experts upserting by external id, or the 知贝 folder."""
        if kind not in KINDS:
            console.print(f"[red]--kind 应为 {' / '.join(KINDS)}[/red]")
            raise typer.Exit(2)
        engine = open_catalog_engine(catalog_settings(data_dir, database_url))
        # rows are committed in chunks; what they hold stays loaded across the commits
        with Session(engine, expire_on_commit=False) as session:
            if kind == "zhibei":
                _import_zhibei(session, path)
            else:
                _import_file(session, engine, path, kind, organisation, partial, as_login)
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


def _importer(session: Session, login: str | None) -> Any:
    from sqlmodel import select

    from services.catalog.accounts.models import User
    from services.catalog.imports.service import operator

    if login is None:
        return operator()
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None:
        console.print(f"[red]没有用户 {login} / no user {login}[/red]")
        raise typer.Exit(1)
    return user


def _import_file(session: Session, engine: sa.Engine, path: Path, kind: str, organisation: str | None,
                 partial: bool, login: str | None) -> None:
    from services.catalog.accounts.vocab import OrgKind
    from services.catalog.challenges.importing import import_challenges
    from services.catalog.core.errors import AppError, localise
    from services.catalog.experts.importing import import_experts
    from services.catalog.imports.run import Upload, run_import
    from services.catalog.imports.upsert import CHUNK
    from services.catalog.imports.zhibei import ensure_organisation
    from services.catalog.items.kinds import NEEDS, OUTPUTS

    spec = OUTPUTS if kind == "outputs" else NEEDS
    user = _importer(session, login)
    try:
        org_id = None
        if organisation:
            org_kind = OrgKind.university if kind == "outputs" else OrgKind.enterprise
            org_id = ensure_organisation(session, organisation, org_kind)
        if kind == "experts":
            done = import_experts(session=session, user=user, upload=Upload(path.read_bytes(), path.name),
                                  partial=partial, dry_run=False, zh=True)
            _print_row_errors([e.model_dump() for e in done.errors])
            console.print(f"专家: 共 {done.total} 行，新建 {done.created}，更新 {done.updated}，"
                          f"未变 {done.unchanged}，出错 {done.failed}")
            return
        if kind == "challenges":
            done = import_challenges(session=session, user=user, upload=Upload(path.read_bytes(), path.name),
                                     requested_org=org_id, partial=partial, dry_run=False, zh=True)
            _print_row_errors([e.model_dump() for e in done.errors])
            console.print(f"榜单（草稿）: 共 {done.total} 行，新建 {done.created}，更新 {done.updated}，"
                          f"未变 {done.unchanged}，出错 {done.failed}")
            return
        with _progress() as bar:
            task = bar.add_task(f"导入{spec.zh}")
            outcome = run_import(session=session, engine=engine, spec=spec, user=user,
                                 upload=Upload(path.read_bytes(), path.name), requested_org=org_id, partial=partial,
                                 dry_run=False, zh=True, background=False, threshold=0, commit_every=CHUNK,
                                 on_progress=lambda done: bar.update(task, completed=done))
    except AppError as exc:
        session.rollback()
        _print_row_errors([localise(row, True) for row in exc.detail])
        console.print(f"[red]{exc.zh}[/red]")
        raise typer.Exit(1) from exc
    result = outcome.result
    assert result is not None
    _print_row_errors([e.model_dump() for e in result.errors])
    console.print(f"{spec.zh}: 共 {result.total} 行，新建 {result.created}，更新 {result.updated}，"
                  f"未变 {result.unchanged}，出错 {result.failed}")


def _print_row_errors(errors: list[dict[str, Any]], shown: int = 50) -> None:
    for error in errors[:shown]:
        if "row" in error:
            # one line per row, never wrapped or read as markup: the list is meant to be searched and fixed
            console.print(f"第 {error['row']} 行 “{error['column']}”：{error['message']}", style="red", markup=False,
                          soft_wrap=True)
    if len(errors) > shown:
        console.print(f"[red]… 共 {len(errors)} 处错误[/red]")
