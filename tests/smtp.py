"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, and settings that make
this process's email go to it."""

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller

from tests.events.conftest import wait_for


def free_port() -> int:
    """A port free now on 127.0.0.1 (aiosmtpd, and gunicorn, cannot be asked for port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it is given, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def sent(self) -> list[tuple[str, str]]:
        """(To, Subject) of every message, in the order received."""
        with self.lock:
            return [(m["To"], m["Subject"]) for m in self.messages]

    def wait(self, subject: str) -> email.message.EmailMessage:
        """The first message with this subject, once it has arrived."""
        found = []
        wait_for(
            lambda: found.extend(m for m in self.messages if m["Subject"] == subject) or found, what=subject
        )
        return found[0]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A running SMTP server: its inbox and its port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    """This process sends its email to a real SMTP server, whose inbox the test reads."""
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield inbox
