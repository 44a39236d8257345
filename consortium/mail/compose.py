"""The words of every message: one function per kind, each rendering a subject, a plain-text body and an HTML body
from the templates in ``templates/mail/``.

The HTML environment escapes everything it is given (organisation and bid names are typed by members); the text
environment does not, since a plain-text body is never read as markup. Functions here take plain values and read
nothing: ``consortium.mail.notices`` reads the database and decides who gets what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from consortium.mail.outbox import Composed
from consortium.settings import Settings
from consortium.teams.roles import ROLE_BY_KEY
from consortium.words import date_text, datetime_text, money_text

MAIL_TEMPLATES = (Path(__file__).resolve().parents[2] / "templates" / "mail").resolve()


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(MAIL_TEMPLATES),
        autoescape=html,  # noqa: S701 - plain-text bodies are never read as HTML; escaping would corrupt them
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["uk_time"] = datetime_text
    env.filters["uk_date"] = date_text
    env.filters["money"] = money_text
    return env


@cache
def html_environment() -> Environment:
    return _environment(html=True)


@cache
def text_environment() -> Environment:
    return _environment(html=False)


@dataclass(frozen=True)
class BidFacts:
    """What every message about a bid says of it."""

    title: str
    network_name: str
    funder_name: str
    programme: str
    deadline: datetime


def _one_line(text: str) -> str:
    """A subject is one line: a name with a line break in it must not start a header of its own."""
    return " ".join(text.split())


def render_message(settings: Settings, kind: str, subject: str, **context: Any) -> Composed:
    """``templates/mail/<kind>.txt`` and ``.html`` (each extending the base layout, which needs ``bid``, a
    ``BidFacts``; an ``unsubscribe_url`` in the context adds a "stop these messages" line)."""
    context = {"subject": _one_line(subject), "base_url": settings.base_url, **context}
    text = text_environment().get_template(f"{kind}.txt").render(context)
    html = html_environment().get_template(f"{kind}.html").render(context)
    return Composed(subject=_one_line(subject), text=text, html=html)


def invitation(
    settings: Settings,
    *,
    bid: BidFacts,
    inviter_name: str,
    url: str,
    expires_at: datetime,
    replaced: bool = False,
) -> Composed:
    """An invitation to join a bid; ``replaced`` when the convenor made a new link and the old one stopped working."""
    subject = (
        f"New invitation link: {bid.title}"
        if replaced
        else f"{bid.network_name} invites you to join a bid: {bid.title}"
    )
    return render_message(
        settings,
        "invitation",
        subject,
        bid=bid,
        inviter_name=inviter_name,
        url=url,
        expires_at=expires_at,
        replaced=replaced,
    )


def welcome(
    settings: Settings, *, bid: BidFacts, person_name: str, organisation_name: str, bid_url: str, organisation_url: str
) -> Composed:
    return render_message(
        settings,
        "welcome",
        f"You have joined {bid.title}: what to do next",
        bid=bid,
        person_name=person_name,
        organisation_name=organisation_name,
        bid_url=bid_url,
        organisation_url=organisation_url,
    )


def pledge_submitted(
    settings: Settings,
    *,
    bid: BidFacts,
    organisation_name: str,
    amount_pence: int,
    url: str,
    for_convenor: bool,
) -> Composed:
    """To the member's people (its own pledge only) or to the bid's convenors (who see every member's)."""
    subject = (
        f"{organisation_name} submitted its pledge: {bid.title}"
        if for_convenor
        else f"Your pledge is submitted: {bid.title}"
    )
    return render_message(
        settings,
        "pledge_submitted",
        subject,
        bid=bid,
        organisation_name=organisation_name,
        amount_pence=amount_pence,
        url=url,
        for_convenor=for_convenor,
    )


def pledge_withdrawn(
    settings: Settings,
    *,
    bid: BidFacts,
    organisation_name: str,
    amount_pence: int,
    url: str,
    for_convenor: bool,
) -> Composed:
    subject = (
        f"{organisation_name} withdrew its pledge: {bid.title}"
        if for_convenor
        else f"Your pledge is withdrawn: {bid.title}"
    )
    return render_message(
        settings,
        "pledge_withdrawn",
        subject,
        bid=bid,
        organisation_name=organisation_name,
        amount_pence=amount_pence,
        url=url,
        for_convenor=for_convenor,
    )


def bid_locked(
    settings: Settings, *, bid: BidFacts, organisation_name: str, url: str, at_deadline: bool = False
) -> Composed:
    """Locked by the convenor, or by its deadline passing (``at_deadline``)."""
    return render_message(
        settings,
        "bid_locked",
        f"{bid.title} is locked: no more changes",
        bid=bid,
        organisation_name=organisation_name,
        url=url,
        at_deadline=at_deadline,
    )


def document_ready(
    settings: Settings, *, bid: BidFacts, version: int, url: str, for_convenor: bool, organisation_name: str = ""
) -> Composed:
    """A new version of the bid document: to the convenors (open it and check it) and to the members' people
    (check your own entry and tell the convenor of anything wrong). It carries no figures."""
    subject = (
        f"Version {version} of the bid document is ready: {bid.title}"
        if for_convenor
        else f"Check your entry in the bid document: {bid.title}"
    )
    return render_message(
        settings,
        "document_ready",
        subject,
        bid=bid,
        version=version,
        url=url,
        for_convenor=for_convenor,
        organisation_name=organisation_name,
    )


def share_link(
    settings: Settings,
    *,
    bid: BidFacts,
    sender_name: str,
    version: int,
    url: str,
    expires_at: datetime,
    pdf_sha256: str,
    verify_url: str,
) -> Composed:
    return render_message(
        settings,
        "share_link",
        f"{bid.network_name} has shared its bid with you: {bid.title} (version {version})",
        bid=bid,
        sender_name=sender_name,
        version=version,
        url=url,
        expires_at=expires_at,
        pdf_sha256=pdf_sha256,
        verify_url=verify_url,
    )


def team_invitation(
    settings: Settings,
    *,
    inviter_name: str,
    team_kind: str,
    team_name: str,
    role: str,
    url: str,
    expires_at: datetime,
) -> Composed:
    """An invitation to one person to join a team: a network as a convenor (``team_kind`` "network"), or an
    organisation in a role (consortium.teams.roles). Its own layout: it is about no bid, and replies reach the
    person who invited."""
    found = ROLE_BY_KEY.get(role)
    role_label = found.label.lower() if found else role
    article = "an" if role_label[:1] in "aeiou" else "a"
    subject = (
        f"{inviter_name} invites you to convene {team_name}"
        if team_kind == "network"
        else f"{inviter_name} invites you to join {team_name} as {article} {role_label}"
    )
    return render_message(
        settings,
        "team_invitation",
        subject,
        inviter_name=inviter_name,
        team_kind=team_kind,
        team_name=team_name,
        role_label=role_label,
        article=article,
        role_description=found.description if found else "",
        url=url,
        expires_at=expires_at,
    )


def sign_off_request(
    settings: Settings,
    *,
    bid: BidFacts,
    version: int,
    pdf_sha256: str,
    organisation_name: str,
    url: str,
    message: str = "",
    carried_from_version: int | None = None,
    last_signed_version: int | None = None,
    changes: list[str] | None = None,
) -> Composed:
    """To a member's signatories: sign off (or decline) this version for the organisation; or, when nothing in its
    own row or the bid's terms changed since the version it signed, that its sign-off carries over. Asked again,
    it is told what changed in its own row (``changes``; None when that could not be worked out)."""
    subject = (
        f"Your sign-off carries over to version {version}: {bid.title}"
        if carried_from_version is not None
        else f"Please sign off version {version} of the bid document: {bid.title}"
    )
    return render_message(
        settings,
        "sign_off_request",
        subject,
        bid=bid,
        version=version,
        pdf_sha256=pdf_sha256,
        organisation_name=organisation_name,
        url=url,
        message=message,
        carried_from_version=carried_from_version,
        last_signed_version=last_signed_version,
        changes=changes,
    )
