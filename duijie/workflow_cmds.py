"""Command-line tools of the broker workflow: feedback export and the e-mail outbox."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from duijie.options import DatabaseUrl, DataDir, catalog_settings, console, open_catalog_engine


def register(app: typer.Typer) -> None:
    """Add the workflow's commands to the `duijie` CLI."""
    @app.command("export-feedback")
    def export_feedback(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="JSON Lines file; stdout if omitted")] = None,
        data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None,
    ) -> None:
        """Export brokers' and parties' decisions as labelled pairs (JSON Lines: need text, output text, label, reason)."""
        from sqlmodel import Session

        from services.catalog.workflow.feedback import export_jsonl

        engine = open_catalog_engine(catalog_settings(data_dir, database_url))
        with Session(engine) as session:
            if out is None:
                n = export_jsonl(session, sys.stdout)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_name(out.name + ".tmp")
                with tmp.open("w", encoding="utf-8") as fh:
                    n = export_jsonl(session, fh)
                tmp.replace(out)
        engine.dispose()
        typer.echo(f"exported {n} labelled pairs" + (f" to {out}" if out else ""), err=True)

    @app.command("send-notifications")
    def send_notifications(
        loop: Annotated[bool, typer.Option("--loop", help="keep polling until interrupted")] = False,
        retry_failed: Annotated[bool, typer.Option("--retry-failed", help="requeue e-mails that ran out of attempts")] = False,
        smtp_host: Annotated[str | None, typer.Option(help="overrides DUIJIE_SMTP_HOST")] = None,
        smtp_port: Annotated[int | None, typer.Option(help="overrides DUIJIE_SMTP_PORT")] = None,
        data_dir: DataDir = Path("data"), database_url: DatabaseUrl = None,
    ) -> None:
        """Send the queued e-mail notifications through SMTP (once, or with --loop continuously)."""
        from sqlmodel import Session

        from services.catalog.workflow.mailer import SmtpMailer
        from services.catalog.workflow.outbox import OutboxSender
        from services.catalog.workflow.outbox import retry_failed as requeue

        extra: dict[str, object] = {}
        if smtp_host:
            extra["smtp_host"] = smtp_host
        if smtp_port:
            extra["smtp_port"] = smtp_port
        settings = catalog_settings(data_dir, database_url, **extra)
        if not settings.smtp_host:
            console.print("[red]未配置 SMTP 服务器 / no SMTP host: set DUIJIE_SMTP_HOST or --smtp-host[/red]")
            raise typer.Exit(2)
        engine = open_catalog_engine(settings)
        if retry_failed:
            with Session(engine) as session:
                n = requeue(session)
                session.commit()
            console.print(f"requeued {n} failed e-mails")
        sender = OutboxSender(engine=engine, settings=settings, mailer=SmtpMailer(settings))
        try:
            while True:
                report = sender.run_once()
                if report.sent or report.retried or report.failed:
                    console.print(f"sent {report.sent}, will retry {report.retried}, gave up {report.failed}")
                if not loop:
                    break
                time.sleep(settings.outbox_poll_seconds)
        except KeyboardInterrupt:
            pass
        finally:
            engine.dispose()
