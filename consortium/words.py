"""The one home for the words people read and the formatters that write figures as text.

Every page, API message, PDF and command reads its names (organisation types, statuses, PDF variants) and writes
its counts, percentages, dates and money columns through here, so a word or a rounding rule changes in one place.
What each figure *measures* is named in ``consortium.analysis.measures``; this module only says how to write it.

Rules kept here:

* Percentages are always rounded down, never up (24.99% is never "25%"): a share shown against a limit cannot
  look within it when it is over. ``percent_text`` is the only percentage formatter.
* Money is integer pence, shown as pounds (``consortium.money.format_pence``). Within one table, pence are shown on
  every amount or on none (``money_column``): "£208,141" beside "£1,584,249.82" reads as a typing error.
* Dates and times are shown in UK time (``Europe/London``), with the zone's name when a time is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal, get_args

from consortium.money import format_pence
from consortium.timeutil import UK, as_utc, uk_time_text

# --- organisation types -------------------------------------------------------------------------------------------

OrgType = Literal[
    "housing_association",
    "local_authority",
    "charity",
    "community_interest_company",
    "cooperative",
    "other",
]
ORG_TYPES: tuple[OrgType, ...] = get_args(OrgType)

ORG_TYPE_NAMES: dict[str, str] = {
    "housing_association": "Housing association",
    "local_authority": "Local authority",
    "charity": "Charity",
    "community_interest_company": "Community interest company",
    "cooperative": "Co-operative",
    "other": "Other",
}
ORG_TYPE_PLURALS: dict[str, str] = {
    "housing_association": "housing associations",
    "local_authority": "local authorities",
    "charity": "charities",
    "community_interest_company": "community interest companies",
    "cooperative": "co-operatives",
    "other": "other organisations",
}
NOT_GIVEN = "Not given"


def humanise(key: str) -> str:
    """'community_interest_company' -> 'Community interest company' (for a key no table names)."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def org_type_name(org_type: str | None) -> str:
    """'Housing association'; 'Not given' when there is none."""
    if not org_type:
        return NOT_GIVEN
    return ORG_TYPE_NAMES.get(org_type) or humanise(org_type)


# --- roles in an organisation (consortium.teams.roles) -------------------------------------------------------------

# Said (403) to a person who reads an organisation's details but may not change them, on every way in.
READ_ONLY_ROLE = (
    "You can read this organisation's details but not change them. Ask a colleague who is an editor or signatory."
)
# Said (403) to an editor who sets or clears a pledge's board approval, on every way in.
SIGNATORY_ONLY_BOARD_APPROVAL = (
    "Only a signatory can confirm board approval. Save the pledge without it and ask your organisation's signatory "
    "to confirm it."
)


# --- statuses -----------------------------------------------------------------------------------------------------

BID_STATUS_NAMES: dict[str, str] = {
    "draft": "Draft",
    "open": "Open for pledges",
    "locked": "Locked",
    "submitted": "Submitted",
}
PLEDGE_STATUS_NAMES: dict[str, str] = {"draft": "Draft", "submitted": "Submitted", "withdrawn": "Withdrawn"}
MEMBER_STATUS_NAMES: dict[str, str] = {
    "invited": "Invited",
    "pending": "Waiting for your approval",  # used a link sent to another address; the convenor decides
    "joined": "Joined",
    "withdrawn": "Withdrawn",
}
INVITATION_STATUS_NAMES: dict[str, str] = {
    "invited": "Invited",
    "pending": "Waiting for your approval",
    "joined": "Joined",
    "pledged": "Draft pledge",
    "submitted": "Submitted",
    "withdrawn": "Withdrawn",
    "expired": "Expired",
    "revoked": "Cancelled",
}
DOCUMENT_STATUS_NAMES: dict[str, str] = {"rendering": "Being made", "ready": "Ready", "failed": "Failed"}
SHARE_LINK_STATUS_NAMES: dict[str, str] = {"active": "Active", "expired": "Expired", "revoked": "Cancelled"}

# Every status word above in one table, for pages that tag a status whatever it belongs to. A status key has one
# wording wherever it appears (a test checks the tables above never disagree).
STATUS_NAMES: dict[str, str] = {
    **BID_STATUS_NAMES,
    **PLEDGE_STATUS_NAMES,
    **MEMBER_STATUS_NAMES,
    **INVITATION_STATUS_NAMES,
    **DOCUMENT_STATUS_NAMES,
    **SHARE_LINK_STATUS_NAMES,
}


def status_name(status: str) -> str:
    return STATUS_NAMES.get(status) or humanise(status)


# --- counts and lists ---------------------------------------------------------------------------------------------


def count_text(count: int, singular: str, plural: str | None = None) -> str:
    """'1 member', '2 members', '1,234 homes'; ``plural`` for irregular nouns ('2 districts are')."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def join_names(names: Iterable[str], limit: int | None = None, conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'; with a limit, 'A, B and 3 others'; 'A, B or C' with ``conjunction='or'``."""
    names = list(names)
    if limit is not None and len(names) > limit:
        rest = len(names) - limit
        return ", ".join(names[:limit]) + f" {conjunction} {count_text(rest, 'other')}"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


# --- percentages --------------------------------------------------------------------------------------------------


def percent_text(part: int, whole: int, *, decimals: int = 1, limit: int | None = None) -> str:
    """``part`` of ``whole`` as a percent, rounded down to ``decimals`` places (never up).

    Nothing (or no whole) is "0%"; a positive part too small to show is "<0.1%" ("<1%" with no decimals).
    ``limit`` is a whole-percent limit the figure is read against: a part over it never reads as the limit itself
    ("25%" for 25.4%), so one more decimal is shown, or "just over 25%" when even that would read 25.0%.
    """
    if whole <= 0 or part <= 0:
        return "0%"
    scale = 10**decimals
    units = part * 100 * scale // whole
    if units == 0:
        return f"<{_fixed(1, decimals)}%"
    if limit is not None and part * 100 > limit * whole and units <= limit * scale:
        finer = part * 100 * scale * 10 // whole
        if finer > limit * scale * 10:
            return f"{_fixed(finer, decimals + 1)}%"
        return f"just over {limit}%"
    return f"{_fixed(units, decimals)}%"


def _fixed(units: int, decimals: int) -> str:
    """Integer ``units`` of 10**-decimals as a decimal: (254, 1) -> '25.4'."""
    if decimals == 0:
        return f"{units:,}"
    whole, fraction = divmod(units, 10**decimals)
    return f"{whole:,}.{fraction:0{decimals}d}"


# --- money --------------------------------------------------------------------------------------------------------


def money_text(amount_pence: int) -> str:
    """One amount on its own: '£250,000', '£123.45'."""
    return format_pence(amount_pence)


def money_column(amounts: Sequence[int]) -> list[str]:
    """The amounts of one table column: with pence on every one when any has pence, else on none."""
    with_pence = any(amount % 100 for amount in amounts)
    return [format_pence(amount, always_pence=with_pence) for amount in amounts]


def ratio_text(funder_part: int, consortium_part: int) -> str:
    """'£1 for every £1 pledged (pound for pound)', '£2 for every £1 pledged'."""
    text = f"£{funder_part:,} for every £{consortium_part:,} pledged"
    if funder_part == consortium_part:
        text += " (pound for pound)"
    return text


# --- dates and times ----------------------------------------------------------------------------------------------


def date_text(value: datetime) -> str:
    """'26 June 2026' (the UK date)."""
    local = as_utc(value).astimezone(UK)
    return f"{local.day} {local:%B %Y}"


def datetime_text(value: datetime) -> str:
    """'Friday 3 July 2026 at 12:00 BST': a deadline or a moment as a person in the UK reads it."""
    return uk_time_text(value)


def short_datetime_text(value: datetime) -> str:
    """'3 Jul 2026, 14:05' in UK time (tables)."""
    local = as_utc(value).astimezone(UK)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


# --- PDF variants -------------------------------------------------------------------------------------------------

Variant = Literal["pdf/ua-1", "pdf/a-3a", "pdf/a-3b"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)
DEFAULT_VARIANT: Variant = "pdf/ua-1"
VARIANT_NAMES: dict[str, str] = {
    "pdf/ua-1": "PDF/UA-1: tagged and accessible to screen readers (the default)",
    "pdf/a-3a": "PDF/A-3a: archival and tagged (not marked PDF/UA)",
    "pdf/a-3b": "PDF/A-3b: archival, untagged (for portals that ask for exactly this)",
}


# --- field labels -------------------------------------------------------------------------------------------------
# How a problem names each field of what was sent ("The amount you pledge must be at least £0.01."), whichever way
# it came (API, form, upload, command): ``consortium.validation`` writes the sentence, the services pass these.
# A key names a field ("amount_pence"), each item of a list ("themes[]") or a field of those items
# ("areas[].amount_pence").

PLEDGE_LABELS: dict[str, str] = {
    "amount_pence": "the amount you pledge",
    "purpose": "what the money is for",
    "themes": "the themes",
    "themes[]": "each theme",
    "areas": "the districts",
    "areas[].district_code": "a district",
    "areas[].amount_pence": "the amount for a district",
    "conditions": "the conditions",
    "organisation_id": "the organisation",
}
BID_LABELS: dict[str, str] = {
    "network_id": "the network",
    "title": "the bid's title",
    "funder_name": "the funder's name",
    "funder_org_id": "the funder's identifier",
    "programme": "the programme",
    "deadline": "the deadline",
    "match_funder_part": "the pounds the funder adds",
    "match_consortium_part": "the pounds members pledge",
    "match_cap_pence": "the most the funder will add",
    "themes": "the themes",
    "themes[]": "each theme",
    "rules": "the rules",
    "member_figures": "what members see of the figures",
    "require_sign_off": "sign-off before submission",
}
ORGANISATION_LABELS: dict[str, str] = {
    "name": "the organisation's name",
    "org_type": "the type of organisation",
    "org_id": "the identifier",
    "homes": "the number of homes",
    "website": "the website",
    "contact_name": "the contact's name",
    "contact_email": "the contact email",
    "description": "the description",
}
COVERAGE_LABELS: dict[str, str] = {
    "districts": "the list of districts",
    "districts[].district_code": "a district",
    "districts[].homes": "the homes in a district",
}
