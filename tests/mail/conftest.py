"""The mail tests' real parts: an SMTP server on loopback (tests/smtp.py), a mail folder of the test's own, and
TLS certificates from a throwaway certificate authority (trustme)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from consortium.settings import Settings
from tests.smtp import SmtpSink


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def file_settings(settings: Settings, tmp_path: Path) -> Settings:
    """No SMTP URL: messages become .eml files in this test's own folder."""
    return settings.with_changes(smtp_url="", mail_dir=str(tmp_path / "mail"))


@pytest.fixture
def smtp_settings(file_settings: Settings, smtp_sink: SmtpSink) -> Settings:
    return file_settings.with_changes(smtp_url=smtp_sink.url, mail_from="Consortium <bids@consortium.example>")


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def client_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    """What our transport trusts in the TLS tests: the test CA only (a real server's is the system's store)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    certificate_authority.configure_trust(context)
    return context
