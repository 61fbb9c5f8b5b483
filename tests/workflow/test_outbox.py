"""E-mail notifications leave through the outbox: retried until sent, never lost, never sent twice."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, col, select, update

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.core.tables import utcnow
from services.catalog.workflow.mailer import SmtpMailer
from services.catalog.workflow.models import OutboxEmail
from services.catalog.workflow.notifications import notify
from services.catalog.workflow.outbox import OutboxSender, retry_failed
from tests.conftest import PROJECT_ROOT, Catalog
from tests.workflow.helpers import API, make_pair


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so the sender does not handle it."""


class CrashingMailer:
    """Dies before (or right after) handing the message over, the first `times` times."""

    def __init__(self, real: SmtpMailer, *, after_send: bool = False, times: int = 1) -> None:
        self.real, self.after_send, self.times = real, after_send, times

    def send(self, message: EmailMessage) -> None:
        if self.times > 0:
            self.times -= 1
            if self.after_send:
                self.real.send(message)
            raise Crash
        self.real.send(message)


def _settings(catalog: Catalog, port: int) -> CatalogSettings:
    return catalog.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                               "smtp_from": "noreply@kjj.jiangmen.example"})


def _queue(catalog: Catalog, n: int) -> list[int]:
    with Session(catalog.engine) as s:
        user = User(login=f"mailtest{n}", password_hash="x", role="enterprise", email="ent@example.com")
        s.add(user)
        s.flush()
        for i in range(n):
            notify(s, users=[user], kind="test", subject=f"测试 {i}", body="正文 body")
        s.commit()
        return [r.id or 0 for r in s.exec(select(OutboxEmail).order_by(col(OutboxEmail.id))).all()]


def _rows(catalog: Catalog) -> list[OutboxEmail]:
    with Session(catalog.engine) as s:
        return list(s.exec(select(OutboxEmail).order_by(col(OutboxEmail.id))).all())


def _later(seconds: float) -> Any:
    return lambda: utcnow() + timedelta(seconds=seconds)


def test_an_introduction_is_mailed_to_both_parties_exactly_once(catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    pair = make_pair(catalog)
    with Session(catalog.engine) as s:
        s.exec(update(User).where(col(User.role).in_(["enterprise", "university"]))  # type: ignore[call-overload]
               .values(email=User.login + "@example.com"))
        s.commit()
    mid = pair.propose()["id"]
    pair.move(mid, "shortlisted")
    pair.move(mid, "introduced")
    settings = _settings(catalog, port)
    sender = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings))
    assert sender.run_once().sent == 2
    assert sender.run_once().sent == 0
    assert sorted(m["To"] for m in inbox.messages) == ["ent@example.com", "uni@example.com"]
    message = inbox.messages[0]
    assert message["Subject"].startswith("【产学研对接】对接引荐")
    assert "接受或谢绝" in message.get_content()  # type: ignore[attr-defined]
    rows = _rows(catalog)
    assert inbox.ids() == [f"<outbox-{r.id}@kjj.jiangmen.example>" for r in rows]
    assert all(r.status == "sent" and r.attempts == 1 for r in rows)
    r = catalog.client.get(f"{API}/notifications", headers=pair.broker)
    assert r.json()["count"] == 0  # the broker introduced it; only the parties are told


def test_a_sender_dying_after_its_claim_leaves_the_mail_to_be_sent_later_once(
        catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = _settings(catalog, port)
    ids = _queue(catalog, 3)
    dying = OutboxSender(engine=catalog.engine, settings=settings, mailer=CrashingMailer(SmtpMailer(settings)))
    with pytest.raises(Crash):
        dying.run_once()
    first = _rows(catalog)[0]
    assert (first.status, first.attempts, first.lease_until is not None) == ("pending", 1, True)
    assert inbox.messages == []
    # Another sender now sends the two untouched rows but leaves the leased one alone until its lease ends.
    other = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings))
    assert other.run_once().sent == 2
    late = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings),
                        clock=_later(settings.outbox_lease_seconds + 1))
    assert late.run_once().sent == 1
    assert late.run_once().sent == 0 and other.run_once().sent == 0
    assert sorted(inbox.ids()) == sorted(f"<outbox-{i}@kjj.jiangmen.example>" for i in ids)


def test_a_killed_sender_process_loses_nothing(catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    _queue(catalog, 1)
    silent = socket.socket()  # accepts the connection but never greets: the sender hangs mid-send
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    cmd = [sys.executable, "-m", "duijie.cli", "send-notifications", "--smtp-host", "127.0.0.1",
           "--smtp-port", str(silent.getsockname()[1]), "--database-url", catalog.settings.db_url,
           "--data-dir", str(catalog.settings.data_dir)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, "DUIJIE_OUTBOX_LEASE_SECONDS": "120"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _rows(catalog)[0].attempts == 0:
            assert proc.poll() is None and time.monotonic() < deadline, "sender never claimed the e-mail"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        silent.close()
    row = _rows(catalog)[0]
    assert (row.status, row.attempts) == ("pending", 1) and inbox.messages == []
    settings = _settings(catalog, port)
    now = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings))
    assert now.run_once().sent == 0  # still leased by the dead process
    later = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings),
                         clock=_later(settings.outbox_lease_seconds + 1))
    assert later.run_once().sent == 1 and later.run_once().sent == 0
    assert len(inbox.messages) == 1 and _rows(catalog)[0].status == "sent"


def test_failed_sends_are_retried_with_backoff_then_parked_not_lost(catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    _queue(catalog, 1)
    broken = _settings(catalog, _free_port()).model_copy(update={"outbox_max_attempts": 2})
    down = OutboxSender(engine=catalog.engine, settings=broken, mailer=SmtpMailer(broken))
    assert down.run_once().retried == 1
    row = _rows(catalog)[0]
    assert row.attempts == 1 and row.lease_until is None and "Error" in (row.last_error or "")
    assert _aware(row.next_attempt_at) > utcnow() + timedelta(seconds=20)
    assert down.run_once().retried == 0  # backing off
    later = OutboxSender(engine=catalog.engine, settings=broken, mailer=SmtpMailer(broken), clock=_later(3600))
    assert later.run_once().failed == 1
    assert _rows(catalog)[0].status == "failed"
    with Session(catalog.engine) as s:
        assert retry_failed(s) == 1
        s.commit()
    up = OutboxSender(engine=catalog.engine, settings=_settings(catalog, port), mailer=SmtpMailer(_settings(catalog, port)))
    assert up.run_once().sent == 1 and len(inbox.messages) == 1


def test_concurrent_senders_never_send_the_same_mail_twice(catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    ids = _queue(catalog, 12)
    settings = _settings(catalog, port)
    senders = [OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings)) for _ in range(3)]
    threads = [threading.Thread(target=s.run_once) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(inbox.ids()) == sorted(f"<outbox-{i}@kjj.jiangmen.example>" for i in ids)
    assert all(r.status == "sent" and r.attempts == 1 for r in _rows(catalog))


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
        catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    [outbox_id] = _queue(catalog, 1)
    settings = _settings(catalog, port)
    dying = OutboxSender(engine=catalog.engine, settings=settings,
                         mailer=CrashingMailer(SmtpMailer(settings), after_send=True))
    with pytest.raises(Crash):
        dying.run_once()
    later = OutboxSender(engine=catalog.engine, settings=settings, mailer=SmtpMailer(settings),
                         clock=_later(settings.outbox_lease_seconds + 1))
    assert later.run_once().sent == 1
    # The documented ambiguity: two deliveries, recognisable as one message by their shared Message-ID.
    assert inbox.ids() == [f"<outbox-{outbox_id}@kjj.jiangmen.example>"] * 2


def _aware(ts: datetime) -> datetime:
    from datetime import UTC

    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def test_the_catalog_runs_the_sender_in_the_background_when_smtp_is_configured(
        catalog: Catalog, smtp: tuple[Inbox, int]) -> None:
    from fastapi.testclient import TestClient

    from services.catalog.main import create_app

    inbox, port = smtp
    ids = _queue(catalog, 2)
    settings = _settings(catalog, port).model_copy(update={"outbox_poll_seconds": 0.1})
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 30
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(inbox.ids()) == sorted(f"<outbox-{i}@kjj.jiangmen.example>" for i in ids)
    assert all(r.status == "sent" for r in _rows(catalog))
