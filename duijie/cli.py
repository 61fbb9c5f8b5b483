"""`duijie` (对接): the operator's entry point to run, seed and administer the platform."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from duijie import import_cmds, matcher_cmds, ranker_cmds, workflow_cmds
from duijie.logs import log_config
from duijie.options import DatabaseUrl, DataDir, catalog_settings, console, open_catalog_db
from duijie.supervise import Service, Supervisor

app = typer.Typer(help="产学研对接平台 — run and administer the catalog and matcher services.", no_args_is_help=True)


@app.command()
def catalog(data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None,
            host: str = "127.0.0.1", port: int = 8000, matcher_url: str = "http://127.0.0.1:8001") -> None:
    """Run the catalog service (API, change feed, portal)."""
    import uvicorn

    from services.catalog.main import create_app

    settings = catalog_settings(data_dir, database_url, host=host, port=port, matcher_url=matcher_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", log_config=log_config())


@app.command("create-user")
def create_user_cmd(
    login: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="enterprise, university, broker, expert or admin")],
    organisation: Annotated[str | None, typer.Option(help="organisation name (created if missing)")] = None,
    org_kind: Annotated[str, typer.Option(help="kind of a new organisation")] = "enterprise",
    region: Annotated[str | None, typer.Option(help="region of a new organisation, e.g. 蓬江区")] = None,
    data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None,
) -> None:
    """Create a user account (works on an empty data dir)."""
    from pydantic import ValidationError
    from sqlmodel import select

    from services.catalog.accounts.models import Organisation
    from services.catalog.accounts.schemas import UserCreate
    from services.catalog.accounts.service import create_user
    from services.catalog.core.errors import AppError

    with open_catalog_db(data_dir, database_url) as session:
        org_id = None
        if organisation:
            org = session.exec(select(Organisation).where(Organisation.name == organisation)).first()
            if org is None:
                org = Organisation(name=organisation, kind=org_kind, region=region)
                session.add(org)
                session.flush()
            org_id = org.id
        try:
            user = create_user(session, data=UserCreate(login=login, password=password, role=role,  # type: ignore[arg-type]
                                                   organisation_id=org_id))
        except ValidationError as exc:
            console.print(f"[red]输入有误 / invalid input:[/red] {exc}")
            raise typer.Exit(2) from exc
        except AppError as exc:
            console.print(f"[red]{exc.zh} / {exc.en}[/red]")
            raise typer.Exit(1) from exc
        session.commit()
        console.print(f"created user [bold]{user.login}[/bold] ({user.role}), id {user.id}")


@app.command("seed-demo")
def seed_demo_cmd(data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None) -> None:
    """Write the demo accounts and dataset into an empty catalog."""
    from services.catalog.demo import seed_demo

    with open_catalog_db(data_dir, database_url) as session:
        if seed_demo(session):
            print_demo_accounts()
        else:
            console.print("catalog already has users; demo data not written")


def print_demo_accounts() -> None:
    """Show the demo accounts, one per role."""
    from services.catalog.demo import ACCOUNTS, DEMO_PASSWORD

    table = Table(title=f"演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})")
    table.add_column("login 登录名")
    table.add_column("role 角色")
    table.add_column("organisation 单位")
    for login, role, org in ACCOUNTS:
        table.add_row(login, role, org or "—")
    console.print(table)


@app.command()
def serve(data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None, host: str = "127.0.0.1",
          catalog_port: int = 8000, matcher_port: int = 8001, demo: bool = True) -> None:
    """Run both services, starting again any that dies; on a new data dir, write the demo dataset first."""
    from services.catalog.demo import seed_demo

    data_dir.mkdir(parents=True, exist_ok=True)
    with open_catalog_db(data_dir, database_url) as session:
        if demo and seed_demo(session):
            print_demo_accounts()
    base = [sys.executable, "-m", "duijie.cli"]
    db_opt = ["--database-url", database_url] if database_url else []
    catalog_cmd = [*base, "catalog", "--data-dir", str(data_dir), "--host", host, "--port", str(catalog_port),
                   "--matcher-url", f"http://127.0.0.1:{matcher_port}", *db_opt]
    matcher_cmd = [*base, "matcher", "--data-dir", str(data_dir / "matcher"), "--host", host,
                   "--port", str(matcher_port), "--catalog-url", f"http://127.0.0.1:{catalog_port}"]
    supervisor = Supervisor([Service("catalog", catalog_cmd), Service("matcher", matcher_cmd)],
                            say=lambda text: console.print(f"[yellow]{text}[/yellow]"))
    console.print(f"[bold green]门户 Portal: http://{host}:{catalog_port}/[/bold green]   "
                  f"API docs: http://{host}:{catalog_port}/docs   matcher: http://{host}:{matcher_port}/healthz")
    raise typer.Exit(supervisor.run())


import_cmds.register(app)
matcher_cmds.register(app)
ranker_cmds.register(app)
workflow_cmds.register(app)

if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
