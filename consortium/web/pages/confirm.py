"""A confirmation step before a page action that cannot be undone or that others feel at once (marking a bid
submitted, locking it, withdrawing or deleting a pledge, withdrawing or refusing a member, revoking a link, an
invitation or a token, removing someone from a team, signing out everywhere).

The action's own POST handler asks first: a form without ``confirm=yes`` is answered (200) with a page saying what
will happen, built from the thing's real name, amount or version, and nothing changes. That page's form posts the
same fields again with ``confirm=yes`` (and the session's CSRF token); its Cancel link goes back where the person
came from. No JavaScript is needed; an HTMX request that reaches such a handler gets the same page, in place of
the whole page's body. The JSON API does not ask: a call to it is already deliberate.

Each confirmable action is one function below turning what was read into a ``Confirmation`` (its words as data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Response

from consortium.accounts.principal import Principal
from consortium.accounts.schemas import Token
from consortium.bids import invitations
from consortium.bids import schemas as bid_schemas
from consortium.bids import services as bids
from consortium.documents import services as documents
from consortium.errors import NotFound
from consortium.money import format_pence
from consortium.pledges import schemas as pledge_schemas
from consortium.pledges import services as pledges
from consortium.teams import services as teams
from consortium.web.pages import forms
from consortium.web.pages.common import PageRequest
from consortium.web.pages.rendering import render
from consortium.words import count_text, date_text, datetime_text

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"
TEMPLATE = "confirm.html"
# The button for a pledge never submitted, wherever it appears: deleting a draft, not withdrawing a pledge.
DELETE_DRAFT = "Delete draft"
WITHDRAW_PLEDGE = "Withdraw pledge"


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says and does."""

    title: str  # the question, naming the thing: "Lock ‘Warm Homes 2026’?"
    happens: tuple[str, ...]  # what will happen, in plain words: the first is the main one
    button: str  # the words of the button that acts (the same as the action's own button)
    action: str  # where the button posts: the action's own address
    cancel: str  # where Cancel goes: the page the action was started from
    fields: tuple[tuple[str, str], ...] = ()  # the action's own form fields, posted again unchanged
    caption: str = ""  # what it belongs to, above the title (a bid's title, an organisation's name)
    cannot_undo: str = ""  # said apart, when the action cannot be undone
    cancel_words: str = "Cancel"  # the Cancel link's words, when "Cancel" would be ambiguous


def confirmed(form: forms.Fields) -> bool:
    """Whether the person confirmed (the confirmation page's button), or only pressed the action's first button."""
    return forms.text(form, CONFIRM_FIELD) == CONFIRM_VALUE


def kept_fields(form: forms.Fields, *names: str) -> tuple[tuple[str, str], ...]:
    """The named fields of the first form, to send again with the confirmation."""
    return tuple((name, forms.text(form, name)) for name in names if forms.text(form, name))


async def ask(request: PageRequest, confirmation: Confirmation) -> Response[Any]:
    """The confirmation page (200; nothing has changed). An HTMX request gets it in place of the page's body, so a
    fragment's button cannot act without the same step."""
    headers: Mapping[str, str] = (
        {"HX-Retarget": "body", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}
        if request.headers.get("hx-request")
        else {}
    )
    return await render(
        request,
        TEMPLATE,
        {"confirmation": confirmation, "confirm_field": CONFIRM_FIELD, "confirm_value": CONFIRM_VALUE},
        headers=headers,
    )


# --- the actions ----------------------------------------------------------------------------------------------------


async def bid_status(user: Principal, bid: bid_schemas.Bid, action: str) -> Confirmation | None:
    """Locking a bid, or marking it submitted, when the bid is at the stage it can be from (opening and unlocking
    are asked for no confirmation; a move the bid cannot make is refused by the move itself)."""
    if action not in ("lock", "submit") or bid.status not in bids.TRANSITIONS[action][0]:
        return None
    address = f"/bids/{bid.id}/status/{action}"
    joined = sum(1 for member in await bids.list_members(user, bid.id) if member.status == "joined")
    ready = [d for d in await documents.list_documents(user, bid.id) if d.state == "ready"]
    latest = max(ready, key=lambda d: d.version) if ready else None
    if action == "lock":
        return Confirmation(
            title=f"Lock ‘{bid.title}’?",
            caption=bid.network_name,
            happens=(
                "Nobody can change pledges until you unlock it.",
                f"The people of its {count_text(joined, 'member')} are told by email that the bid is locked.",
                f"You can unlock it until the deadline, {bid.deadline_uk}.",
            ),
            button="Lock the bid",
            action=address,
            cancel=f"/bids/{bid.id}",
        )
    if action == "submit":
        document = (
            f"The latest bid document is version {latest.version}, made {datetime_text(latest.created_at)}: check "
            f"it is the one you sent to {bid.funder_name}."
            if latest is not None
            else "No bid document has been made for this bid yet."
        )
        return Confirmation(
            title=f"Mark ‘{bid.title}’ as submitted to {bid.funder_name}?",
            caption=bid.network_name,
            happens=(
                f"The bid is recorded as submitted to {bid.funder_name}, with its {count_text(joined, 'member')} "
                "and their pledges as they stand now.",
                document,
            ),
            cannot_undo="This cannot be undone: once it is marked as submitted, nothing in the bid can change, "
            "and it cannot be unlocked.",
            button="Mark as submitted",
            action=address,
            cancel=f"/bids/{bid.id}",
        )
    return None  # pragma: no cover - every action asked about is above


def never_submitted(pledge: pledge_schemas.Pledge) -> bool:
    """A draft: a pledge never submitted. Withdrawing one deletes it (as the member sees it)."""
    return pledge.submitted_at is None


def deleted_draft(pledge: pledge_schemas.Pledge) -> bool:
    """A draft its member deleted: withdrawn without ever being submitted."""
    return pledge.status == "withdrawn" and never_submitted(pledge)


def pledge_withdrawal(pledge: pledge_schemas.Pledge, bid: bid_schemas.Bid, version: str) -> Confirmation:
    """A member withdrawing its submitted pledge, or deleting a draft it never submitted."""
    amount = format_pence(pledge.amount_pence)
    fields = (("version", version),) if version else ()
    if never_submitted(pledge):
        return Confirmation(
            title=f"Delete your draft pledge of {amount}?",
            caption=f"{bid.title} · {pledge.organisation_name}",
            happens=(
                f"{pledge.organisation_name}’s draft pledge of {amount} to ‘{bid.title}’ is deleted. It was never "
                "submitted, so nobody outside your organisation has seen it.",
                "You can start a new pledge while the bid is open.",
            ),
            cannot_undo="A deleted draft cannot be brought back.",
            button=DELETE_DRAFT,
            action=f"/pledges/{pledge.id}/withdraw",
            cancel=f"/pledges/{pledge.id}",
            fields=fields,
        )
    return Confirmation(
        title=f"Withdraw your pledge of {amount}?",
        caption=f"{bid.title} · {pledge.organisation_name}",
        happens=(
            f"{pledge.organisation_name}’s pledge of {amount} stops counting towards ‘{bid.title}’.",
            "The convenor and your organisation’s people are told by email.",
            f"You can submit it again until the deadline, {bid.deadline_uk}, unless the bid is locked first.",
        ),
        button=WITHDRAW_PLEDGE,
        action=f"/pledges/{pledge.id}/withdraw",
        cancel=f"/pledges/{pledge.id}",
        fields=fields,
    )


async def membership_withdrawal(user: Principal, bid_id: int, organisation_id: int) -> Confirmation | None:
    """An organisation leaving the bid: withdrawn by its own people, or by the convenor. Asked only of someone who
    may withdraw it (else refused here, as the withdrawal would be), and only while it is a member: withdrawing one
    that has left already changes nothing, and one waiting for approval is refused by the withdrawal itself."""
    access = await bids.withdrawal_access(user, bid_id, organisation_id)
    member = await bids.membership(bid_id, organisation_id)
    if member.status != "joined":
        return None
    bid = await bids.read_bid(user, bid_id)
    submitted_pence = sum(
        p.amount_pence
        for p in await pledges.list_pledges(user, bid_id)
        if p.organisation_id == organisation_id and p.status == "submitted"
    )
    by_convenor = access.role == "convenor"
    pledged = (
        f"its submitted pledges ({format_pence(submitted_pence)}) stop counting towards the bid"
        if submitted_pence
        else "it has no submitted pledge, so the bid's totals do not change"
    )
    if by_convenor:
        happens = (
            f"{member.name} is no longer a member of ‘{bid.title}’: {pledged}.",
            "Its people no longer see the bid; they can still read their own pledges.",
        )
        button = f"Withdraw {member.name}"
    else:
        happens = (
            f"{member.name} leaves ‘{bid.title}’: {pledged}.",
            "Your organisation’s people can still read its own pledges, but no longer see the bid or its figures. "
            "To rejoin, ask the convenor.",
        )
        button = "Withdraw from the bid"
    return Confirmation(
        title=f"Withdraw {member.name} from ‘{bid.title}’?",
        caption=bid.network_name,
        happens=happens,
        button=button,
        action=f"/bids/{bid.id}/members/{member.organisation_id}/withdraw",
        cancel=f"/bids/{bid.id}",
    )


async def refusal(user: Principal, bid: bid_schemas.Bid, organisation_id: int) -> Confirmation | None:
    """The convenor turning away an organisation waiting for approval (one not waiting is refused by the refusal
    itself, so nothing is asked)."""
    try:
        member = await bids.membership(bid.id, organisation_id)
    except NotFound:
        return None
    if member.status != "pending":
        return None
    name = member.name
    invited = next(
        (
            i.email
            for i in await invitations.list_invitations(user, bid.id)
            if i.organisation_id == organisation_id and i.status == "pending"
        ),
        "",
    )
    link = f"the link sent to {invited}" if invited else "the link it used"
    return Confirmation(
        title=f"Refuse {name}?",
        caption=bid.title,
        happens=(
            f"{name} does not join ‘{bid.title}’, and {link} stops working.",
            "You can make a new link for the right person afterwards, on the invitations page.",
        ),
        button=f"Refuse {name}",
        action=f"/bids/{bid.id}/members/{organisation_id}/refuse",
        cancel=f"/bids/{bid.id}/invitations",
    )


async def share_link_revocation(user: Principal, link_id: int) -> Confirmation | None:
    """A funder's link to a version of the bid document stops working (one revoked already: nothing to ask)."""
    link, document = await documents.read_share_link(user, link_id)
    if link.revoked_at is not None:
        return None
    bid_title = (await bids.read_bid(user, document.bid_id)).title
    name = f"‘{link.label}’" if link.label else f"number {link.id}"
    return Confirmation(
        title=f"Revoke the share link {name}?",
        caption=bid_title,
        happens=(
            f"Whoever has the link {name} to version {document.version} of the bid document can no longer open "
            "it or download the document.",
            f"It has been downloaded {count_text(link.downloads, 'time')} so far; "
            f"it would otherwise work until {date_text(link.expires_at)}.",
        ),
        cannot_undo="A revoked link cannot work again: to share the document again, make a new link.",
        button="Revoke link",
        action=f"/share-links/{link.id}/revoke",
        cancel=f"/bids/{document.bid_id}/documents",
    )


async def team_invitation_revocation(user: Principal, invitation_id: int, back: str) -> Confirmation | None:
    """An invitation to a team (a network's convenors, an organisation's people) stops working (one cancelled
    already: nothing to ask)."""
    invitation, team = await teams.read_team_invitation(user, invitation_id)
    if invitation.state == "revoked":
        return None
    label = teams.role_label(invitation.role)
    role = f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"  # "an editor", "a convenor"
    return Confirmation(
        title=f"Cancel the invitation to {invitation.email}?",
        caption=team,
        happens=(
            f"The link sent to {invitation.email} to join {team} as {role} stops working.",
            "You can invite them again later.",
        ),
        button="Cancel invitation",
        action=f"/team-invitations/{invitation.id}/revoke",
        cancel=back,
        fields=(("back", back),),
        cancel_words="Keep the invitation",
    )


def team_removal(name: str, team: str, *, leaving: bool, kind: str, action: str, back: str) -> Confirmation:
    """Someone removed from a team, or leaving it (``kind``: "network" or "organisation")."""
    if leaving:
        return Confirmation(
            title=f"Leave {team}?",
            happens=(
                f"You will no longer {'be a convenor of' if kind == 'network' else 'act for'} {team}.",
                "You are signed out at once, here and everywhere else; sign in again for anything else you do here.",
            ),
            cannot_undo=f"To come back, someone in {team} has to invite you again.",
            button=f"Leave this {kind}",
            action=action,
            cancel=back,
        )
    return Confirmation(
        title=f"Remove {name} from {team}?",
        happens=(
            f"{name} will no longer {'be a convenor of' if kind == 'network' else 'act for'} {team}.",
            "They are signed out everywhere at once and their API tokens stop working.",
        ),
        cannot_undo=f"To have them back, invite {name} again.",
        button=f"Remove {name}",
        action=action,
        cancel=back,
    )


def token_revocation(token: Token) -> Confirmation:
    return Confirmation(
        title=f"Revoke the API token ‘{token.name}’?",
        happens=(
            f"Scripts using ‘{token.name}’ are refused from now on. It was made {date_text(token.created_at)}"
            + (f" and last used {datetime_text(token.last_used_at)}." if token.last_used_at else " and never used."),
        ),
        cannot_undo="A revoked token cannot work again: make a new one if a script still needs it.",
        button="Revoke token",
        action=f"/account/tokens/{token.id}/revoke",
        cancel="/account",
    )


def sign_out_everywhere(tokens: list[Token]) -> Confirmation:
    active = sum(1 for token in tokens if token.status == "active")
    return Confirmation(
        title="Sign out everywhere?",
        happens=(
            "Every browser and device signed in as you is signed out, this one too.",
            (
                "You have no API token working now."
                if not active
                else "Your API token stops working."
                if active == 1
                else f"Your {count_text(active, 'API token')} stop working."
            ),
            "Then sign in again and change your password if you think someone else can use your account.",
        ),
        button="Sign out everywhere",
        action="/account/sign-out-everywhere",
        cancel="/account",
    )
