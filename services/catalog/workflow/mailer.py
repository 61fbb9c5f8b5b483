"""Sending one e-mail through SMTP, with a Message-ID derived from its outbox row."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from services.catalog.core.config import CatalogSettings


class Mailer(Protocol):
    """Something that hands a message to a mail server (raises on failure)."""

    def send(self, message: EmailMessage) -> None:
        """Deliver one message."""


def message_id(outbox_id: int, sender: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, so a duplicate delivery is recognisable."""
    domain = sender.rpartition("@")[2] or "duijie.local"
    return f"<outbox-{outbox_id}@{domain}>"


def build_message(*, outbox_id: int, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 e-mail for one outbox row."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(outbox_id, sender)
    msg["X-Duijie-Outbox-Id"] = str(outbox_id)
    msg.set_content(body)
    return msg


class SmtpMailer:
    """Delivers through the configured SMTP server, one connection per message."""

    def __init__(self, settings: CatalogSettings) -> None:
        self.settings = settings
        # Must stay well under the outbox lease, so a slow send never overlaps a retry by another sender.
        self.timeout = max(1.0, min(30.0, settings.outbox_lease_seconds / 3))

    def send(self, message: EmailMessage) -> None:
        """Deliver one message (raises smtplib/OS errors on failure)."""
        s = self.settings
        if not s.smtp_host:
            raise RuntimeError("DUIJIE_SMTP_HOST is not set")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(message)
