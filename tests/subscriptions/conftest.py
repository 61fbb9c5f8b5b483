"""Subscription tests: a catalog whose alert follower and outbox sender run only when a test says so, mailing
through a local SMTP server (aiosmtpd)."""

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.core.security import create_access_token
from services.catalog.main import create_app
from services.catalog.subscriptions.alerts import AlertFollower, PassReport
from services.catalog.workflow.mailer import SmtpMailer
from services.catalog.workflow.outbox import OutboxSender
from tests.conftest import Catalog, _wipe

PORTAL = "http://portal.test"


class MailBox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, addr: str) -> list[Message]:
        """The messages sent to one address."""
        return [m for m in self.messages if m["To"] == addr]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[MailBox, int]]:
    box, port = MailBox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def catalog(db_url: str, tmp_path: Path, mailbox: tuple[MailBox, int]) -> Iterator[Catalog]:
    """A catalog over an empty database; alerts and e-mails move only when the test runs a pass."""
    settings = CatalogSettings(data_dir=tmp_path, database_url=db_url, _env_file=None,  # type: ignore[call-arg]
                               alerts_autostart=False, outbox_autostart=False, smtp_host="127.0.0.1",
                               smtp_port=mailbox[1], public_url=PORTAL, matcher_url="http://127.0.0.1:9")
    app = create_app(settings)
    with TestClient(app) as client:
        engine = app.state.engine
        _wipe(engine)
        yield Catalog(client=client, engine=engine, settings=settings)


def person(catalog: Catalog, login: str, role: str, org: str | None = None, *, kind: str | None = None,
           region: str | None = "蓬江区") -> dict[str, str]:
    """Headers of a new user with an e-mail address (`login`@example.cn), made directly in the database."""
    org_id = None
    if org is not None:
        org_id = catalog.org(org, kind or {"university": "university", "broker": "broker_agency"}.get(role, "enterprise"),
                             region)
    with Session(catalog.engine) as s:
        user = User(login=login, password_hash="x", role=role, organisation_id=org_id, email=f"{login}@example.cn")
        s.add(user)
        s.commit()
        token = create_access_token(user_id=user.id or 0, secret=catalog.settings.secret_key, minutes=30)
    return {"Authorization": f"Bearer {token}"}


def follow(catalog: Catalog) -> PassReport:
    """One pass of a fresh alert follower (as after a restart) over the catalog's database."""
    return AlertFollower(engine=catalog.engine, settings=catalog.settings).run_once()


def send_mail(catalog: Catalog) -> int:
    """Deliver the outbox through the local SMTP server; how many went out."""
    sender = OutboxSender(engine=catalog.engine, settings=catalog.settings, mailer=SmtpMailer(catalog.settings))
    return sender.run_once().sent
