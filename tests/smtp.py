"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, recording every message it accepts.

    sink = SmtpSink(); sink.start()
    settings = settings.with_changes(smtp_url=sink.url)
    ...; sink.wait_for(3)            # poll with a timeout, never a sleep
    sink.messages[0]["Subject"]      # parsed email.message.EmailMessage
    sink.refuse("gone@example.org")  # RCPT TO answered "550 5.1.1 ..."
    sink.stop(); ...; sink.start()   # the server is down, then back on the same port

It runs in aiosmtpd's own thread and event loop, so the code under test talks to it over a real socket.
``tls_context`` (a server-side ssl.SSLContext, e.g. from trustme) serves implicit TLS (``smtps``); with
``starttls=True`` it offers STARTTLS instead; ``logins`` ({user: password}) requires AUTH (only over TLS)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def body(message: EmailMessage, subtype: str) -> str:
    """A message's plain or HTML part, as text."""
    part = message.get_body((subtype,))
    assert part is not None, f"the message has no {subtype} part"
    return str(part.get_content())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope as the server saw it, and the message parsed."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message: EmailMessage
    login: str  # the user that logged in, "" without AUTH
    tls: bool  # whether the session was encrypted


@dataclass
class _Handler:
    sink: SmtpSink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        answer = self.sink.refusals.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        # Parsed as a mail program reads it: line ends as Python writes them (the wire's CRLF stays in ``data``).
        parsed = BytesParser(policy=policy.default).parsebytes(data.replace(b"\r\n", b"\n"))
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=data,
            message=parsed,
            login=login,
            tls=session.ssl is not None
            or (server.transport is not None and server.transport.get_extra_info("ssl_object") is not None),
        )
        with self.sink.changed:
            self.sink.received.append(received)
            self.sink.changed.notify_all()
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    tls_context: ssl.SSLContext | None = None
    starttls: bool = False
    logins: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)
    _controller: Controller | None = None

    @property
    def url(self) -> str:
        if self.tls_context is not None and not self.starttls:
            return f"smtps://{self.host}:{self.port}"
        return f"smtp://{self.host}:{self.port}" + ("?starttls=true" if self.starttls else "")

    @property
    def messages(self) -> list[EmailMessage]:
        with self.changed:
            return [r.message for r in self.received]

    @property
    def running(self) -> bool:
        return self._controller is not None

    def refuse(self, address: str, answer: str = "550 5.1.1 No such mailbox here") -> None:
        """Answer RCPT TO for ``address`` with ``answer`` (a 5xx refuses it for good, a 4xx for now)."""
        self.refusals[address.lower()] = answer

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword) and self.logins.get(data.login.decode()) == data.password.decode():
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpSink:
        if self._controller is not None:
            return self
        server_options: dict[str, Any] = {}
        if self.starttls:
            server_options.update(tls_context=self.tls_context, require_starttls=True)
        if self.logins:
            server_options.update(authenticator=self._authenticate, auth_required=True)
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            ssl_context=None if self.starttls else self.tls_context,
            ready_timeout=10,
            server_hostname="localhost",
            **server_options,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` (the same port)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least ``count`` messages arrived (AssertionError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"Expected {count} messages, the SMTP server got {len(self.received)}")
                self.changed.wait(left)
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        with self.changed:
            return [r for r in self.received if address.lower() in (a.lower() for a in r.rcpt_tos)]
