"""Delivering the e-mail outbox: claim a row, send it, mark it sent; retry with backoff on failure.

Guarantees:
- Never lost: rows are written in the same transaction as the event they announce; a failed send is
  retried with exponential backoff; a row that exhausts its attempts stays in the table as `failed`
  (`duijie send-notifications --retry-failed` puts it back in the queue).
- Never sent twice by two senders: a row is claimed by a compare-and-set UPDATE (claim token, lease,
  attempt counter) committed before sending; only the claim holder may mark it sent.
- A sender that dies after claiming (before or during the send) leaves the row leased; once the lease
  expires another sender picks it up. The SMTP timeout is kept well below the lease.
- The one ambiguity: a sender that dies after the SMTP server accepted the message but before marking
  the row sent causes one resend after the lease. Every attempt carries the same Message-ID
  (`<outbox-ID@domain>`), so the duplicate is recognisable and mail clients/servers can drop it.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from services.catalog.core.config import CatalogSettings
from services.catalog.core.tables import utcnow
from services.catalog.workflow.mailer import Mailer, SmtpMailer, build_message
from services.catalog.workflow.models import OutboxEmail
from services.catalog.workflow.vocab import OutboxStatus

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failures: 30 s, 1 min, 2 min … capped at an hour."""
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass
class OutboxSender:
    """Sends due outbox rows; safe to run in several processes at once."""

    engine: sa.Engine
    settings: CatalogSettings
    mailer: Mailer
    clock: Callable[[], datetime] = utcnow
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def _due(self, session: Session, now: datetime, limit: int) -> list[int]:
        free = sa.or_(col(OutboxEmail.lease_until).is_(None), col(OutboxEmail.lease_until) <= now)
        stmt = (select(OutboxEmail.id)
                .where(col(OutboxEmail.status) == OutboxStatus.pending, col(OutboxEmail.next_attempt_at) <= now, free)
                .order_by(col(OutboxEmail.id)).limit(limit))
        return [i for i in session.exec(stmt).all() if i is not None]

    def claim(self, session: Session, outbox_id: int, now: datetime) -> OutboxEmail | None:
        """Take one row for this sender, committed before any send; None if someone else holds it."""
        free = sa.or_(col(OutboxEmail.lease_until).is_(None), col(OutboxEmail.lease_until) <= now)
        result = session.exec(  # type: ignore[call-overload]
            update(OutboxEmail)
            .where(col(OutboxEmail.id) == outbox_id, col(OutboxEmail.status) == OutboxStatus.pending, free)
            .values(claim_token=self.token, attempts=OutboxEmail.attempts + 1,
                    lease_until=now + timedelta(seconds=self.settings.outbox_lease_seconds))
        )
        row = session.get(OutboxEmail, outbox_id, populate_existing=True) if result.rowcount == 1 else None
        # Commit before sending: the claim must be durable, and no transaction (on SQLite: the write
        # lock) may stay open while the SMTP server is slow.
        session.commit()
        return row

    def _finish(self, session: Session, outbox_id: int, **values: object) -> None:
        session.exec(  # type: ignore[call-overload]
            update(OutboxEmail)
            .where(col(OutboxEmail.id) == outbox_id, col(OutboxEmail.claim_token) == self.token)
            .values(**values)
        )
        session.commit()

    def run_once(self, *, limit: int = 100) -> SendReport:
        """Send every due row once (up to `limit`); returns the tally."""
        report = SendReport()
        with Session(self.engine, expire_on_commit=False) as session:
            for outbox_id in self._due(session, self.clock(), limit):
                row = self.claim(session, outbox_id, self.clock())
                if row is None:
                    report.skipped += 1
                    continue
                message = build_message(outbox_id=outbox_id, sender=self.settings.smtp_from, to=row.to_addr,
                                        subject=row.subject, body=row.body)
                try:
                    self.mailer.send(message)
                except Exception as exc:  # any delivery failure is retried later; crashes propagate
                    self._fail(session, row, exc, report)
                    continue
                self._finish(session, outbox_id, status=OutboxStatus.sent, sent_at=self.clock(), lease_until=None,
                             last_error=None)
                report.sent += 1
        return report

    def _fail(self, session: Session, row: OutboxEmail, exc: Exception, report: SendReport) -> None:
        log.warning("sending outbox e-mail %s failed (attempt %s): %s", row.id, row.attempts, exc)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= self.settings.outbox_max_attempts:
            self._finish(session, row.id or 0, status=OutboxStatus.failed, lease_until=None, last_error=error)
            report.failed += 1
        else:
            self._finish(session, row.id or 0, lease_until=None, claim_token=None, last_error=error,
                         next_attempt_at=self.clock() + backoff(row.attempts))
            report.retried += 1


def retry_failed(session: Session) -> int:
    """Put rows that exhausted their attempts back in the queue (not committed); returns how many."""
    result = session.exec(  # type: ignore[call-overload]
        update(OutboxEmail).where(col(OutboxEmail.status) == OutboxStatus.failed)
        .values(status=OutboxStatus.pending, attempts=0, next_attempt_at=utcnow(), claim_token=None)
    )
    return int(result.rowcount or 0)


class BackgroundSender:
    """Runs an outbox sender in a daemon thread until stopped."""

    def __init__(self, sender: OutboxSender, poll_seconds: float) -> None:
        self.sender, self.poll_seconds = sender, poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-sender", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sender.run_once()
            except Exception:
                log.exception("outbox pass failed; retrying after the poll interval")
            self._stop.wait(self.poll_seconds)

    def start(self) -> "BackgroundSender":
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to finish its current message and wait for it."""
        self._stop.set()
        self._thread.join(timeout=60)


def start_sender(engine: sa.Engine, settings: CatalogSettings) -> BackgroundSender | None:
    """Start the background sender when SMTP is configured and autostart is on; else None."""
    if not settings.smtp_host or not settings.outbox_autostart:
        return None
    sender = OutboxSender(engine=engine, settings=settings, mailer=SmtpMailer(settings))
    return BackgroundSender(sender, settings.outbox_poll_seconds).start()


def count_by_status(session: Session) -> dict[str, int]:
    """How many notification e-mails are in each state (pending ones are the backlog)."""
    rows = session.exec(select(OutboxEmail.status, sa.func.count()).group_by(col(OutboxEmail.status))).all()
    return {str(status): int(n) for status, n in rows}
