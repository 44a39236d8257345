"""The development mail page, /dev/mail: what Consortium has sent, as the .eml files it wrote, so a fresh ``make run``
shows what members receive. It exists only without an SMTP URL and outside production (404 otherwise). Each person
sees the messages sent to their own address, and a convenor also those of their networks' bids: what a member was
sent about its pledge is no more another member's business here than anywhere else."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from litestar import Response, get
from litestar.params import FromPath

from consortium.accounts.principal import Principal
from consortium.errors import NotFound
from consortium.mail.outbox import MESSAGE_KINDS
from consortium.mail.tables import OutboxMessage
from consortium.mail.transport import build_message, eml_path
from consortium.settings import Settings
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import render

PAGE_SIZE = 200
SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "List-Unsubscribe")
STATE_WORDS = {
    "queued": "Waiting to go",
    "sending": "Being sent",
    "sent": "Written to the mail folder",
    "failed": "Failed",
}
# The message's HTML is shown in a sandboxed frame: no scripts, no forms, no requests anywhere but inline images.
HTML_PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'; base-uri 'none'"
)


def dev_mail_enabled(settings: Settings) -> bool:
    return not settings.smtp_url and settings.environment != "production"


def _require_enabled(settings: Settings) -> None:
    if not dev_mail_enabled(settings):
        raise NotFound("There is no such page.")


def _readable_by(user: Principal) -> Any:
    """The messages this person may read here: their own, and those about the bids of networks they convene."""
    own = OutboxMessage.to_address == user.email.lower()
    if not user.convenor_network_ids:
        return own
    return own | OutboxMessage.bid.network.is_in(sorted(user.convenor_network_ids))


async def _message_row(user: Principal, message_id: int) -> OutboxMessage:
    row = await OutboxMessage.objects().where((OutboxMessage.id == message_id) & _readable_by(user)).first()
    if row is None:
        raise NotFound("There is no message with that number. It may have been deleted with its bid.")
    return row


def _as_sent(row: OutboxMessage, settings: Settings) -> tuple[EmailMessage, str]:
    """The message as written to the mail folder when it is there, else as it will be written (still queued)."""
    path = eml_path(settings, row)
    if path.is_file():
        with path.open("rb") as handle:
            parsed = BytesParser(policy=policy.default).parse(handle)
        assert isinstance(parsed, EmailMessage)
        return parsed, str(path)
    return build_message(row, settings), ""


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    return str(part.get_content())


class DevMailPages(PageController):
    @get("/dev/mail", name="dev-mail")
    async def list_messages(self, request: PageRequest, user: CurrentUser, settings: AppSettings) -> Response[Any]:
        _require_enabled(settings)
        rows = await (
            OutboxMessage.select(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.to_address,
                OutboxMessage.to_name,
                OutboxMessage.subject,
                OutboxMessage.state,
                OutboxMessage.last_error,
                OutboxMessage.created_at,
            )
            .where(_readable_by(user))
            .order_by(OutboxMessage.created_at, ascending=False)
            .order_by(OutboxMessage.id, ascending=False)
            .limit(PAGE_SIZE)
        )
        total = await OutboxMessage.count().where(_readable_by(user))
        return await render(
            request,
            "dev/mail_list.html",
            {
                "messages": rows,
                "total": total,
                "page_size": PAGE_SIZE,
                "kinds": MESSAGE_KINDS,
                "state_words": STATE_WORDS,
                "mail_dir": settings.mail_dir,
            },
        )

    @get("/dev/mail/{message_id:int}", name="dev-mail-message")
    async def show_message(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, message_id: FromPath[int]
    ) -> Response[Any]:
        _require_enabled(settings)
        row = await _message_row(user, message_id)
        message, file_path = _as_sent(row, settings)
        headers = [(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None]
        return await render(
            request,
            "dev/mail_message.html",
            {
                "row": row,
                "headers": headers,
                "text": _body(message, "plain"),
                "html": _body(message, "html"),
                "file_path": file_path,
                "kind_label": MESSAGE_KINDS.get(row.kind, row.kind),
                "state_words": STATE_WORDS,
            },
        )

    @get("/dev/mail/{message_id:int}/html", name="dev-mail-html")
    async def message_html(self, user: CurrentUser, settings: AppSettings, message_id: FromPath[int]) -> Response[str]:
        """The HTML part alone, for the sandboxed frame on the message page (never rendered as our own page)."""
        _require_enabled(settings)
        message, _ = _as_sent(await _message_row(user, message_id), settings)
        return Response(
            _body(message, "html"),
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Security-Policy": HTML_PREVIEW_POLICY,
                "X-Frame-Options": "SAMEORIGIN",
                "Cache-Control": "no-store",
            },
        )
