"""The SMTP URL, the email built from an outbox row, the .eml files written without a mail server, and delivery
over TLS (implicit and STARTTLS with a login) to a real server holding a certificate from a throwaway authority."""

from __future__ import annotations

import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from consortium.mail.delivery import deliver_messages
from consortium.mail.tables import OutboxMessage
from consortium.mail.transport import (
    MailSettingsError,
    SmtpConfig,
    build_message,
    check_mail_settings,
    eml_name,
    parse_smtp_url,
)
from consortium.settings import Settings
from tests.mail.rows import queue
from tests.smtp import SmtpSink, body

# --- the URL --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", SmtpConfig("mail.example.org", 25)),
        ("smtp://127.0.0.1:2525", SmtpConfig("127.0.0.1", 2525)),
        ("smtp://mail.example.org?starttls=true", SmtpConfig("mail.example.org", 587, starttls=True)),
        ("smtp://mail.example.org:2587/?starttls=yes", SmtpConfig("mail.example.org", 2587, starttls=True)),
        ("smtp://mail.example.org:25?starttls=false", SmtpConfig("mail.example.org", 25)),
        ("smtps://mail.example.org", SmtpConfig("mail.example.org", 465, implicit_tls=True)),
        ("smtps://mail.example.org:4650", SmtpConfig("mail.example.org", 4650, implicit_tls=True)),
        (
            "smtps://bids%40network.example:p%40ss%3Aw%2Fd@mail.example.org",
            SmtpConfig("mail.example.org", 465, True, username="bids@network.example", password="p@ss:w/d"),
        ),
        (
            "smtp://apikey:secret@smtp.relay.example:587?starttls=true",
            SmtpConfig("smtp.relay.example", 587, starttls=True, username="apikey", password="secret"),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mail.example.org:25", "must start with smtp:// or smtps://. Write it like smtp://"),
        ("http://mail.example.org", "must start with smtp:// or smtps://, not http://"),
        ("smtp://", "does not name a mail server"),
        ("smtp://mail.example.org:port", "is not a number from 1 to 65535"),
        ("smtp://mail.example.org:99999", "is not a number from 1 to 65535"),
        ("smtp://mail.example.org/inbox", "has a path"),
        ("smtp://mail.example.org?tls=true", "a setting we do not know: tls"),
        ("smtp://mail.example.org?starttls=maybe", "starttls must be true or false"),
        ("smtps://mail.example.org?starttls=true", "a server uses one or the other"),
        ("smtp://:secret@mail.example.org", "has a password but no user name"),
    ],
)
def test_a_bad_smtp_url_is_refused_in_plain_words(url: str, words: str) -> None:
    with pytest.raises(MailSettingsError, match=r"CONSORTIUM_SMTP_URL|starttls") as refused:
        parse_smtp_url(url)
    assert words in str(refused.value)


def test_start_up_refuses_mail_settings_that_could_never_deliver(settings: Settings) -> None:
    check_mail_settings(settings.with_changes(smtp_url="", mail_from="Consortium <bids@example.org>"))
    check_mail_settings(settings.with_changes(smtp_url="smtps://mail.example.org"))
    with pytest.raises(MailSettingsError, match="CONSORTIUM_SMTP_URL must start with smtp"):
        check_mail_settings(settings.with_changes(smtp_url="mail.example.org"))
    with pytest.raises(MailSettingsError, match="CONSORTIUM_MAIL_FROM must be an email address"):
        check_mail_settings(settings.with_changes(mail_from="Consortium"))


def test_the_password_is_never_in_the_servers_description() -> None:
    config = parse_smtp_url("smtp://bids:hunter2@mail.example.org:587?starttls=true")
    assert config.describe() == "smtp://bids@mail.example.org:587?starttls=true"


# --- the message ----------------------------------------------------------------------------------------------------


async def test_names_and_subjects_are_encoded_and_cannot_add_headers(db: None, file_settings: Settings) -> None:
    message_id = await queue(
        file_settings,
        "zoe@example.org",
        to_name="Zoë O'Brien-Łukasz, Housing",
        subject="Bid locked\r\nBcc: everyone@example.org",
    )
    stored = await OutboxMessage.objects().where(OutboxMessage.id == message_id).first()
    assert stored is not None
    raw = build_message(stored, file_settings).as_bytes()

    assert raw.isascii()  # non-ASCII names travel encoded (RFC 2047)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["To"].addresses[0].display_name == "Zoë O'Brien-Łukasz, Housing"
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.org"
    assert parsed["Subject"] == "Bid locked Bcc: everyone@example.org"
    assert parsed["Bcc"] is None
    assert build_message(stored, file_settings).as_bytes() == raw  # the same on every attempt


# --- the .eml files -------------------------------------------------------------------------------------------------


async def test_without_an_smtp_url_each_message_is_written_as_an_eml_file(db: None, file_settings: Settings) -> None:
    ids = [
        await queue(file_settings, "ana@example.org", to_name="Ana", subject="First"),
        await queue(file_settings, "ben@example.org", to_name="Ben", subject="Second", unsubscribe_url="https://x/u/1"),
    ]

    assert await deliver_messages(ids, settings=file_settings) == {"sent": 2, "retrying": 0, "failed": 0}

    folder = Path(file_settings.mail_dir)
    files = sorted(folder.iterdir())
    rows = list(await OutboxMessage.objects().where(OutboxMessage.id.is_in(ids)).order_by(OutboxMessage.id))
    assert [f.name for f in files] == [eml_name(r) for r in rows]  # no temporary files left behind
    assert files[0].name.endswith(f"-{ids[0]:06d}.eml")
    for path, stored in zip(files, rows, strict=True):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        assert parsed["Message-ID"] == stored.message_id
        assert parsed["To"].addresses[0].addr_spec == stored.to_address
        assert parsed["Subject"] == stored.subject
        assert body(parsed, "plain") == "Hello,\n\nPlease join the bid.\n"
        assert stored.state == "sent"
    assert BytesParser(policy=policy.default).parsebytes(files[1].read_bytes())["List-Unsubscribe"] == "<https://x/u/1>"


async def test_an_unwritable_mail_folder_keeps_the_messages_queued_with_the_reason(
    db: None, file_settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the mail folder should be")
    settings = file_settings.with_changes(mail_dir=str(blocker))
    ids = [await queue(settings, "ana@example.org"), await queue(settings, "ben@example.org")]

    assert await deliver_messages(ids, settings=settings) == {"sent": 0, "retrying": 2, "failed": 0}
    for stored in await OutboxMessage.objects().where(OutboxMessage.id.is_in(ids)):
        assert stored.state == "queued"
        assert "the mail folder" in stored.last_error


# --- TLS ------------------------------------------------------------------------------------------------------------


async def test_smtps_delivers_over_tls_from_the_first_byte(
    db: None, file_settings: Settings, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    sink = SmtpSink(tls_context=server_tls).start()
    try:
        settings = file_settings.with_changes(smtp_url=sink.url)
        assert settings.smtp_url.startswith("smtps://")
        message_id = await queue(settings, "ana@example.org")
        assert (await deliver_messages([message_id], settings=settings, tls_context=client_tls))["sent"] == 1
        [received] = sink.wait_for(1)
        assert received.tls
    finally:
        sink.stop()


async def test_an_untrusted_certificate_is_refused_and_the_message_waits(
    db: None, file_settings: Settings, server_tls: ssl.SSLContext
) -> None:
    sink = SmtpSink(tls_context=server_tls).start()
    try:
        settings = file_settings.with_changes(smtp_url=sink.url)
        message_id = await queue(settings, "ana@example.org")
        untrusting = ssl.create_default_context()  # the system's authorities, which never signed the test CA's cert
        assert (await deliver_messages([message_id], settings=settings, tls_context=untrusting))["retrying"] == 1
        assert sink.received == []
        stored = await OutboxMessage.objects().where(OutboxMessage.id == message_id).first()
        assert stored is not None
        assert stored.state == "queued"
        assert "CERTIFICATE_VERIFY_FAILED" in stored.last_error
    finally:
        sink.stop()


async def test_starttls_with_a_login_from_the_url(
    db: None, file_settings: Settings, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    sink = SmtpSink(tls_context=server_tls, starttls=True, logins={"bids@network.example": "p@ss:word"}).start()
    try:
        url = f"smtp://bids%40network.example:p%40ss%3Aword@127.0.0.1:{sink.port}?starttls=true"
        settings = file_settings.with_changes(smtp_url=url)
        message_id = await queue(settings, "ana@example.org")
        assert (await deliver_messages([message_id], settings=settings, tls_context=client_tls))["sent"] == 1
        [received] = sink.wait_for(1)
        assert received.tls
        assert received.login == "bids@network.example"

        wrong = url.replace("p%40ss%3Aword", "guess")
        refused_id = await queue(settings, "ben@example.org")
        counts = await deliver_messages(
            [refused_id], settings=settings.with_changes(smtp_url=wrong), tls_context=client_tls
        )
        assert counts["retrying"] == 1  # our settings are wrong, not the message: it waits for them to be fixed
        stored = await OutboxMessage.objects().where(OutboxMessage.id == refused_id).first()
        assert stored is not None
        assert stored.last_error.startswith("The mail server refused our sending account: 535")
    finally:
        sink.stop()
