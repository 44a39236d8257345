"""How a message leaves: the SMTP URL, the email built from an outbox row, and the two transports (SMTP or files).

``CONSORTIUM_SMTP_URL`` takes one of these forms (user and password are optional and percent-encoded, so a password
with ``@`` or ``:`` in it is written ``%40`` or ``%3A``):

- ``smtp://host:port``: plain SMTP (port 25 if none is given). For a relay on the same machine or network.
- ``smtp://user:password@host:587?starttls=true``: connect in plain, then STARTTLS before anything is sent
  (port 587 if none is given). The server must offer STARTTLS and present a certificate we trust.
- ``smtps://user:password@host``: TLS from the first byte ("implicit TLS", port 465 if none is given).

Without an SMTP URL every message is written as an ``.eml`` file in ``mail_dir`` (``var/mail/`` by default), named
``<created, UTC>-<id>.eml`` so the folder lists oldest first, and shown on the development page ``/dev/mail``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import ssl
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import as_utc

SMTP_TIMEOUT_S = 30.0
TRUE_WORDS = {"true", "yes", "1", "on"}
FALSE_WORDS = {"false", "no", "0", "off"}


class MailSettingsError(ValueError):
    """CONSORTIUM_SMTP_URL or CONSORTIUM_MAIL_FROM cannot be used; the message says what to change."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False  # smtps://
    starttls: bool = False  # smtp://...?starttls=true
    username: str = ""
    password: str = ""

    def describe(self) -> str:
        """The server without its password, for logs and error messages."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}" + ("?starttls=true" if self.starttls else "")


def parse_smtp_url(url: str) -> SmtpConfig:
    """The SMTP server named by ``url``; MailSettingsError in plain words when it cannot be used."""
    example = "Write it like smtp://mail.example.org:25, smtp://user:password@host:587?starttls=true or smtps://host."
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        given = f", not {parts.scheme}://" if "://" in url else ""  # never the rest: it may hold a password
        raise MailSettingsError(f"CONSORTIUM_SMTP_URL must start with smtp:// or smtps://{given}. {example}")
    try:
        port_given = parts.port
    except ValueError:
        raise MailSettingsError(f"The port in CONSORTIUM_SMTP_URL is not a number from 1 to 65535. {example}") from None
    if not parts.hostname:
        raise MailSettingsError(f"CONSORTIUM_SMTP_URL does not name a mail server. {example}")
    if parts.path not in {"", "/"} or parts.fragment:
        raise MailSettingsError(f"CONSORTIUM_SMTP_URL has a path, which an SMTP server does not use. {example}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise MailSettingsError(
            f"CONSORTIUM_SMTP_URL has a setting we do not know: {', '.join(unknown)}. Only starttls=true is understood."
        )
    starttls_word = query.get("starttls", ["false"])[-1].lower()
    if starttls_word not in TRUE_WORDS | FALSE_WORDS:
        raise MailSettingsError("In CONSORTIUM_SMTP_URL, starttls must be true or false.")
    implicit_tls = parts.scheme == "smtps"
    starttls = starttls_word in TRUE_WORDS
    if implicit_tls and starttls:
        raise MailSettingsError(
            "CONSORTIUM_SMTP_URL asks for smtps:// (TLS from the start) and for starttls=true (TLS after connecting); "
            "a server uses one or the other. Use smtps://host for port 465, or smtp://host:587?starttls=true."
        )
    if port_given == 0:
        raise MailSettingsError(f"The port in CONSORTIUM_SMTP_URL is not a number from 1 to 65535. {example}")
    default_port = 465 if implicit_tls else 587 if starttls else 25
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise MailSettingsError("CONSORTIUM_SMTP_URL has a password but no user name: write user:password@host.")
    return SmtpConfig(
        host=parts.hostname,
        port=port_given or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=username,
        password=password,
    )


def check_mail_settings(settings: Settings) -> None:
    """Refuse to start with mail settings that could never deliver anything (called by the web app and workers)."""
    _, address = parseaddr(settings.mail_from)
    if "@" not in address or "\n" in settings.mail_from or "\r" in settings.mail_from:
        raise MailSettingsError(
            f"CONSORTIUM_MAIL_FROM must be an email address, optionally with a name, like "
            f'"Consortium <consortium@example.org>"; it is {settings.mail_from!r}.'
        )
    if settings.smtp_url:
        parse_smtp_url(settings.smtp_url)


# --- the message ----------------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Header text on one line: a name or subject can never add a header of its own."""
    return " ".join(text.split())


def build_message(row: OutboxMessage, settings: Settings) -> EmailMessage:
    """The email for one outbox row. Everything comes from the row (the Date is when it was queued), so every attempt
    sends the same bytes under the same Message-ID."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=_one_line(row.to_name), addr_spec=row.to_address.strip())
    if row.reply_to:
        message["Reply-To"] = _one_line(row.reply_to)
    message["Subject"] = _one_line(row.subject)
    message["Date"] = format_datetime(as_utc(row.created_at))
    message["Message-ID"] = row.message_id
    # RFC 3834: written by a program, so out-of-office replies are not sent back to us.
    message["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(row.text_body or "")
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
        # The parts' boundary from the Message-ID, not at random: every attempt is byte for byte the same.
        message.set_boundary("=_" + hashlib.sha256(row.message_id.encode()).hexdigest()[:40])
    return message


def envelope_sender(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1]


# --- transports -----------------------------------------------------------------------------------------------------


class Transport(Protocol):
    async def send(self, row: OutboxMessage, message: EmailMessage) -> None:
        """Hand the message on; returns once it is accepted, raises when it is not."""


class SmtpTransport:
    """One SMTP connection, opened on the first message and kept for the rest of the batch."""

    def __init__(self, config: SmtpConfig, sender: str, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.sender = sender
        self.tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self.unusable = False  # could not connect (or log in) in this batch

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.config.host,
            port=self.config.port,
            use_tls=self.config.implicit_tls,
            start_tls=self.config.starttls,  # False: plain stays plain, never a half-checked upgrade
            username=self.config.username or None,
            password=self.config.password or None,
            timeout=SMTP_TIMEOUT_S,
            tls_context=self.tls_context,
        )
        try:
            await client.connect()  # and STARTTLS and log in, as configured
        except BaseException:
            self.unusable = True  # the rest of this batch waits for the next try instead of knocking again
            client.close()
            raise
        self._client = client
        return client

    async def send(self, row: OutboxMessage, message: EmailMessage) -> None:
        client = await self._connected()
        refused, _ = await client.send_message(message, sender=self.sender, recipients=[row.to_address.strip()])
        if refused:  # not reached with one recipient (aiosmtplib raises), kept so a refusal is never taken as sent
            raise aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(r.code, r.message, address) for address, r in refused.items()]
            )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


def eml_name(row: OutboxMessage) -> str:
    """``20261204T153119Z-000042.eml``: sorts by when the message was queued."""
    return f"{as_utc(row.created_at):%Y%m%dT%H%M%SZ}-{row.id:06d}.eml"


def eml_path(settings: Settings, row: OutboxMessage) -> Path:
    return Path(settings.mail_dir) / eml_name(row)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # a reader sees the whole file or none
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class FileTransport:
    """Development and the demo: each message becomes an .eml file a mail program can open."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.unusable = False

    async def send(self, row: OutboxMessage, message: EmailMessage) -> None:
        self.unusable = True  # until this write succeeds: a full disk or a missing folder fails every message
        await asyncio.to_thread(_write_atomically, eml_path(self.settings, row), message.as_bytes())
        self.unusable = False

    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def open_transport(
    settings: Settings, *, tls_context: ssl.SSLContext | None = None
) -> AsyncIterator[SmtpTransport | FileTransport]:
    """The transport ``settings`` ask for, closed (SMTP QUIT) at the end of the batch."""
    transport: SmtpTransport | FileTransport
    if settings.smtp_url:
        transport = SmtpTransport(parse_smtp_url(settings.smtp_url), envelope_sender(settings), tls_context=tls_context)
    else:
        transport = FileTransport(settings)
    try:
        yield transport
    finally:
        await transport.close()
