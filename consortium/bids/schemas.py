from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from consortium.accounts.schemas import NewToken
from consortium.organisations.schemas import OrganisationCreate
from consortium.schemas import InvitationEmails, Name, Pence, RatioPart, RuleList, ShortText, Themes, UtcDateTime

BidStatus = Literal["draft", "open", "locked", "submitted"]
# What members see of the consortium's figures (consortium.bids.privacy): ranges and pass or fail, or exact figures.
MemberFigures = Literal["bands", "figures"]
# Days before the deadline a reminder goes (at 09:00 UK time): each 1 to 60, at most 10 of them; repeats are
# refused and the list is kept in order, latest first (bids.services).
ReminderDay = Annotated[int, msgspec.Meta(ge=1, le=60)]
ReminderDays = Annotated[
    list[ReminderDay],
    msgspec.Meta(max_length=10, description="Whole days before the deadline, each 1 to 60; at most 10."),
]


class BidCreate(msgspec.Struct, forbid_unknown_fields=True):
    network_id: int
    title: Name
    funder_name: Name
    deadline: UtcDateTime
    funder_org_id: ShortText | None = None
    programme: ShortText = ""
    match_funder_part: RatioPart = 1
    match_consortium_part: RatioPart = 1
    match_cap_pence: Pence | None = None
    themes: Themes = msgspec.field(default_factory=list)
    rules: RuleList = msgspec.field(default_factory=list)
    reminder_days: ReminderDays = msgspec.field(default_factory=lambda: [7, 3, 1])
    member_figures: MemberFigures = "bands"
    require_sign_off: bool = False


class BidUpdate(msgspec.Struct, forbid_unknown_fields=True):
    title: Name | msgspec.UnsetType = msgspec.UNSET
    funder_name: Name | msgspec.UnsetType = msgspec.UNSET
    deadline: UtcDateTime | msgspec.UnsetType = msgspec.UNSET
    funder_org_id: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    programme: ShortText | msgspec.UnsetType = msgspec.UNSET
    match_funder_part: RatioPart | msgspec.UnsetType = msgspec.UNSET
    match_consortium_part: RatioPart | msgspec.UnsetType = msgspec.UNSET
    match_cap_pence: Pence | msgspec.UnsetType | None = msgspec.UNSET
    themes: Themes | msgspec.UnsetType = msgspec.UNSET
    reminder_days: ReminderDays | msgspec.UnsetType = msgspec.UNSET
    member_figures: MemberFigures | msgspec.UnsetType = msgspec.UNSET
    require_sign_off: bool | msgspec.UnsetType = msgspec.UNSET


class RulesReplace(msgspec.Struct, forbid_unknown_fields=True):
    rules: RuleList


class Rule(msgspec.Struct):
    key: str
    scope: str
    description: str
    params: dict[str, Any]


class Bid(msgspec.Struct):
    id: int
    network_id: int
    network_name: str
    title: str
    funder_name: str
    funder_org_id: str | None
    programme: str
    deadline: datetime
    deadline_uk: str
    status: BidStatus
    accepting_changes: bool
    match_funder_part: int
    match_consortium_part: int
    match_cap_pence: int | None
    themes: list[str]
    rules: list[Rule]
    version: int
    your_role: str  # convenor | member | viewer
    created_at: datetime
    updated_at: datetime
    reminder_days: list[int] = msgspec.field(default_factory=list)  # days before the deadline, latest first
    # "bands": members see ranges and pass or fail, never a figure from which another member's pledge follows;
    # "figures": members see the exact figures and every document version.
    member_figures: MemberFigures = "bands"
    require_sign_off: bool = False  # submitted only once every joined member has signed off the latest version


class RuleKindInfo(msgspec.Struct):
    key: str
    scope: str
    title: str
    params: dict[str, str]


class BidMember(msgspec.Struct):
    organisation_id: int
    name: str
    org_type: str
    status: str
    joined_at: datetime | None


class MemberChange(msgspec.Struct):
    """The answer to a change of a bid's membership (withdraw, approve, refuse): like every bid write, it carries
    the bid (as GET /bids/{id} answers it), with the membership as it now stands and what happened, in words."""

    bid: Bid | None  # null when you no longer see the bid: your own organisation has just withdrawn from it
    member: BidMember | None  # null when the organisation is no longer in the bid (refused)
    message: str


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    emails: InvitationEmails


class Delivery(msgspec.Struct):
    """Where the latest email of an invitation has got to."""

    state: str  # queued | sending | sent (the mail server accepted it) | failed (it gave up: last_error says why)
    sent_at: datetime | None  # when the mail server accepted it
    last_error: str  # the mail server's answer to the last attempt that failed ("" if none)
    next_attempt_at: datetime | None  # when it is tried again, after a failed attempt (null otherwise)
    attempts: int


class Invitation(msgspec.Struct):
    id: int
    email: str
    status: str  # invited | pending | joined | pledged | submitted | withdrawn | expired | revoked
    created_at: datetime
    expires_at: datetime
    last_sent_at: datetime
    accepted_at: datetime | None
    organisation_id: int | None
    organisation_name: str | None
    last_activity_at: datetime | None
    accept_url: str | None = None  # only when just created or re-sent: the token is not stored
    accepted_by: str | None = None  # the email of whoever used the link (for a "pending" one, not the address invited)
    delivery: Delivery | None = None  # its latest email; null for an invitation made before Consortium sent email


class InvitationsMade(msgspec.Struct):
    """The answer to inviting (or making a new link): like every bid write, it carries the bid (as GET /bids/{id}
    answers it), with the invitations made, each with its link (``accept_url``), shown only now."""

    bid: Bid
    invitations: list[Invitation]


class InvitationInfo(msgspec.Struct):
    bid_id: int
    bid_title: str
    network_name: str
    funder_name: str
    deadline: datetime
    deadline_uk: str
    email: str
    expires_at: datetime


class AcceptInvitation(msgspec.Struct, forbid_unknown_fields=True):
    """Accept as a new person (name and password) or, when signed in, as yourself. Give either the details of
    a new organisation or the id of one you already act for."""

    name: ShortText = ""
    password: str = ""
    organisation: OrganisationCreate | None = None
    organisation_id: int | None = None
    # Also make an API token for scripts, answered once as ``api_token`` (it works for 90 days; revoke it under
    # /auth/tokens), so a script's next write needs no sign-in.
    api_token: bool = False


class Accepted(msgspec.Struct):
    """Everything the next write needs: the bid and organisation ids, the bid itself, and a way to act. A new
    person is signed in by this answer: it sets the session cookie, and ``csrf_token`` goes with it (send it as
    X-CSRF-Token on writes made with the cookie); ``api_token`` is there when asked for."""

    bid_id: int
    organisation_id: int
    user_id: int
    message: str
    status: str = "joined"  # or "pending": signed in under another address than the one invited; the convenor approves
    bid: Bid | None = None  # the bid as GET /bids/{id} answers it; null while pending (nothing of it is yours yet)
    csrf_token: str | None = None  # set when this answer signed you in (a new person)
    api_token: NewToken | None = None  # set when asked for with "api_token": true; shown only now
