"""Organisations: their profile and the districts they cover."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from consortium.accounts.principal import Principal
from consortium.accounts.services import normalise_email
from consortium.audit import services as audit
from consortium.bids.access import require_permission
from consortium.bids.services import lock_expired_bids
from consortium.bids.tables import BidMember
from consortium.db import update_locked, write_transaction
from consortium.errors import BadInput, Conflict, Forbidden, NotFound
from consortium.networks.tables import Network
from consortium.organisations import schemas
from consortium.organisations.identifiers import InvalidIdentifier, validate_org_id
from consortium.organisations.tables import Coverage, Organisation, OrganisationUser
from consortium.reference.districts import REGIONS, districts
from consortium.reference.search import DistrictList
from consortium.teams.roles import FIRST_ROLE, ORGANISATION_ROLES, Permission
from consortium.timeutil import utc_now
from consortium.validation import Problems, check_each
from consortium.words import COVERAGE_LABELS, ORG_TYPE_NAMES, ORGANISATION_LABELS, org_type_name

NOT_FOUND = "There is no organisation with that number that you can see."
PROFILE_FIELDS = ("name", "org_type", "org_id", "homes", "website", "contact_name", "contact_email", "description")
CHOOSE_ORG_TYPE = "Choose the type of organisation: " + ", ".join(n.lower() for n in ORG_TYPE_NAMES.values()) + "."


async def _visible_to(principal: Principal, organisation_id: int) -> bool:
    """Its own people see an organisation; so do the convenors of any bid it has joined."""
    if principal.acts_for(organisation_id):
        return True
    if not principal.convenor_network_ids:
        return False
    return await BidMember.exists().where(
        (BidMember.organisation == organisation_id) & BidMember.bid.network.is_in(list(principal.convenor_network_ids))
    )


def require_may_change(principal: Principal, organisation_id: int) -> None:
    """A change to the organisation's profile or districts: its own editors and signatories only (403)."""
    if not principal.acts_for(organisation_id):
        raise Forbidden("Only the organisation's own people can change its details.")
    require_permission(principal, organisation_id, Permission.EDIT)


async def who_may(principal: Principal, organisation_id: int, permission: Permission) -> list[str]:
    """The names of the organisation's people whose role gives ``permission`` (for a page telling a viewer whom
    to ask), for its own people only: anyone else is told nothing."""
    if not principal.acts_for(organisation_id):
        return []
    roles = [role.key for role in ORGANISATION_ROLES if permission in role.permissions]
    rows = (
        await OrganisationUser.select(OrganisationUser.user.name.as_alias("name"))
        .where((OrganisationUser.organisation == organisation_id) & OrganisationUser.role.is_in(roles))
        .order_by(OrganisationUser.user.name)
    )
    return [str(r["name"]) for r in rows]


async def _get_row(organisation_id: int) -> dict[str, Any]:
    row = await Organisation.select().where(Organisation.id == organisation_id).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def organisation_out(row: dict[str, Any]) -> schemas.Organisation:
    return schemas.Organisation(
        id=row["id"],
        name=row["name"],
        org_type=row["org_type"],
        org_type_name=org_type_name(row["org_type"]),
        org_id=row["org_id"],
        homes=row["homes"],
        website=row["website"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        description=row["description"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _clean_profile(data: schemas.OrganisationCreate | schemas.OrganisationUpdate, problems: Problems) -> dict[str, Any]:
    """The profile fields ``data`` gives, as they are stored (trimmed, blanks as None, the identifier in its
    register's form, the website with its scheme, the email normalised); every problem with them goes on
    ``problems``, named in ``ORGANISATION_LABELS``' words. A field whose form or size is wrong is not checked again."""
    found_before = len(problems.items)
    check_each(data, problems, ORGANISATION_LABELS)
    # msgspec's words for a blank name and an unknown type ("must not be empty", "invalid enum value") say what is
    # wrong but not what to do: say what to enter instead, in their place.
    instead = {}
    if data.name == "":
        instead["name"] = "Enter the organisation's name."
    if data.org_type is not msgspec.UNSET and data.org_type not in ORG_TYPE_NAMES:
        instead["org_type"] = CHOOSE_ORG_TYPE
    problems.items[found_before:] = [(p, instead.get(p or "", m)) for p, m in problems.items[found_before:]]
    values = {f: getattr(data, f) for f in PROFILE_FIELDS if getattr(data, f) is not msgspec.UNSET}
    if "name" in values and not problems.on("name"):
        values["name"] = values["name"].strip()
        if not values["name"]:
            problems.add("name", "Enter the organisation's name.")
    for field in ("org_id", "website", "contact_name", "contact_email"):
        if field in values and values[field] is not None and not problems.on(field):
            values[field] = values[field].strip() or None
    if values.get("org_id") and not problems.on("org_id"):
        try:
            values["org_id"] = validate_org_id(values["org_id"])
        except InvalidIdentifier as error:
            problems.add("org_id", str(error))
        # Whether another organisation uses it is a question for each network it is a member of, asked inside the
        # write (require_identifier_free): anyone may type any number, so a global check would tell a stranger who
        # holds it and let whoever typed it first block the real holder.
    for field, clean in (("website", clean_website), ("contact_email", clean_contact_email)):
        if values.get(field) and not problems.on(field):
            with problems.collecting(field):
                values[field] = clean(values[field])
    if "description" in values and not problems.on("description"):
        values["description"] = values["description"].strip()
    return values


def check_profile(data: schemas.OrganisationCreate | schemas.OrganisationUpdate) -> None:
    """Every problem with these profile fields at once (``Invalid``), checked as creating or changing the profile
    checks them: for a form some of whose fields could not be read, so the rest are reported in the same round, and
    for a use case that checks a new organisation with its other input (``bids.invitations.accept_invitation``)."""
    problems = Problems()
    _clean_profile(data, problems)
    problems.refuse()


# Memberships that hold an identifier in a network: a withdrawn organisation's number is free for the real holder.
HOLDING_STATUSES = ["joined", "pending"]


def identifier_taken(org_id: str) -> Conflict:
    # Never names the other organisation: the person asking may not be able to see it.
    return Conflict(
        f"Another member organisation of this network already uses the identifier {org_id}. Check the number; if it "
        "is your organisation's, ask the network's convenor to sort it out.",
        field="org_id",
    )


async def lock_networks(network_ids: set[int]) -> None:
    """Row-lock the networks (FOR UPDATE, in id order, on PostgreSQL) so that checking an identifier against a
    network's members and then joining or changing it cannot interleave with another such check. Call inside the
    write transaction before any bid row is locked, as every caller does, so two writers never wait on each other
    in opposite orders. SQLite needs nothing: its write transactions run one at a time."""
    if network_ids:
        query = Network.select(Network.id).where(Network.id.is_in(sorted(network_ids))).order_by(Network.id)
        await update_locked(query)


async def networks_of(organisation_id: int) -> set[int]:
    """The networks whose bids the organisation has joined (or waits to join)."""
    rows = await BidMember.select(BidMember.bid.network.as_alias("network")).where(
        (BidMember.organisation == organisation_id) & BidMember.status.is_in(HOLDING_STATUSES)
    )
    return {int(r["network"]) for r in rows}


async def require_identifier_free(organisation_id: int, network_ids: set[int]) -> None:
    """Refuse (409) when another member organisation of one of ``network_ids`` has the same identifier as this
    organisation. Call inside the write transaction, after ``lock_networks(network_ids)``."""
    row = await Organisation.select(Organisation.org_id).where(Organisation.id == organisation_id).first()
    org_id = row["org_id"] if row else None
    if not org_id or not network_ids:
        return
    clash = await BidMember.exists().where(
        BidMember.bid.network.is_in(sorted(network_ids))
        & BidMember.status.is_in(HOLDING_STATUSES)
        & (BidMember.organisation != organisation_id)
        & (BidMember.organisation.org_id == org_id)
    )
    if clash:
        raise identifier_taken(org_id)


WEBSITE_PROBLEM = "Enter the website address, like www.example.org.uk."
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")  # "javascript:", "http:"; not "example.org:8080"
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NOT_IN_URLS = re.compile(r"[\s\x00-\x1f\x7f<>\"\\`{}|^]")


def clean_website(value: str) -> str:
    """A web address as typed, with https:// added when no scheme is given. Only http and https addresses with a
    proper host name (letters, digits and hyphens, with at least one dot) are taken; "javascript:" and other
    schemes, spaces and user names are refused (422 on ``website``)."""
    text = value.strip()
    scheme = _SCHEME.match(text)
    if scheme is None:
        text = "https://" + text.removeprefix("//")
    elif scheme.group(1).lower() not in {"http", "https"}:
        raise BadInput(
            f"{WEBSITE_PROBLEM} Only web addresses (starting http:// or https://) can be used.", field="website"
        )
    if _NOT_IN_URLS.search(text):
        raise BadInput(WEBSITE_PROBLEM, field="website")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises ValueError
    except ValueError as error:
        raise BadInput(WEBSITE_PROBLEM, field="website") from error
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or "@" in parts.netloc or not _valid_host(host):
        raise BadInput(WEBSITE_PROBLEM, field="website")
    return text


def _valid_host(host: str) -> bool:
    """A host name with at least one dot, each part letters, digits or hyphens and the last with a letter (so not
    a bare IP address). A name in another script is checked in its ASCII form, as browsers use it."""
    labels = host.removesuffix(".").split(".")
    if len(labels) < 2 or len(host) > 253:
        return False
    try:
        ascii_labels = [label if label.isascii() else label.encode("idna").decode("ascii") for label in labels]
    except UnicodeError:
        return False
    return all(_HOST_LABEL.match(label) for label in ascii_labels) and not ascii_labels[-1].isdigit()


def clean_contact_email(value: str) -> str:
    """The contact email, checked and normalised as every address is (422 on ``contact_email``)."""
    return normalise_email(value, field="contact_email")


async def create_organisation(principal: Principal, data: schemas.OrganisationCreate) -> int:
    """Create an organisation and make the caller its first person, a signatory. Call inside a write transaction."""
    problems = Problems()
    values = _clean_profile(data, problems)
    problems.refuse()
    rows = await Organisation.insert(Organisation(**values)).returning(Organisation.id)
    organisation_id = int(rows[0]["id"])
    # Its first person can do everything (and is recorded as having added themselves).
    await OrganisationUser.insert(
        OrganisationUser(
            organisation=organisation_id, user=principal.user_id, role=FIRST_ROLE, added_by=principal.user_id
        )
    )
    await audit.record(
        principal,
        "organisation.create",
        "organisation",
        organisation_id,
        after=values,
        organisation_id=organisation_id,
        role=FIRST_ROLE,
    )
    return organisation_id


async def read_organisation(principal: Principal, organisation_id: int) -> schemas.Organisation:
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    return organisation_out(await _get_row(organisation_id))


async def update_organisation(
    principal: Principal, organisation_id: int, data: schemas.OrganisationUpdate
) -> schemas.Organisation:
    """Change the profile: one use case, in one transaction. Every problem with what was sent is reported at once
    (``Invalid``: 422 with each problem on its field), before anything is written."""
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    require_may_change(principal, organisation_id)
    problems = Problems()
    changes = _clean_profile(data, problems)
    problems.refuse()
    async with write_transaction():
        networks: set[int] = set()
        if changes.get("org_id"):
            # Networks first (the lock order every writer keeps), then the bids.
            networks = await networks_of(organisation_id)
            await lock_networks(networks)
        await _keep_locked_bids_as_they_are()
        before = await _get_row(organisation_id)
        await Organisation.update(
            {**{getattr(Organisation, k): v for k, v in changes.items()}, Organisation.updated_at: utc_now()}
        ).where(Organisation.id == organisation_id)
        await require_identifier_free(organisation_id, networks)
        await audit.record(
            principal,
            "organisation.update",
            "organisation",
            organisation_id,
            before={k: before[k] for k in changes},
            after=changes,
            organisation_id=organisation_id,
        )
    return organisation_out(await _get_row(organisation_id))


async def read_coverage(principal: Principal, organisation_id: int) -> schemas.Coverage:
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    return await _coverage_out(organisation_id)


async def _coverage_out(organisation_id: int) -> schemas.Coverage:
    rows = await Coverage.select(Coverage.district_code, Coverage.homes).where(Coverage.organisation == organisation_id)
    reference = districts()
    out = sorted(
        (
            schemas.CoverageRow(
                district_code=r["district_code"],
                district_name=reference[r["district_code"]].name,
                region_code=reference[r["district_code"]].region_code,
                region_name=REGIONS[reference[r["district_code"]].region_code],
                homes=r["homes"],
            )
            for r in rows
            if r["district_code"] in reference
        ),
        key=lambda c: (c.region_name, c.district_name),
    )
    return schemas.Coverage(
        organisation_id=organisation_id,
        districts=out,
        homes_total=sum(c.homes or 0 for c in out),
        regions=sorted({c.region_name for c in out}),
    )


@dataclass(frozen=True)
class HomesDisagreement:
    """The profile's homes and the homes listed district by district, when they differ."""

    profile_homes: int  # what the bid uses: a member's ``homes`` if given (``consortium.analysis.eligibility``)
    district_homes: int  # the homes listed per district, added up
    districts_without_homes: int  # districts listed with no homes, which add nothing to ``district_homes``


def homes_disagreement(organisation: schemas.Organisation, coverage: schemas.Coverage) -> HomesDisagreement | None:
    """Whether the two ways a member gives its homes disagree. The bid counts the profile's figure when there is
    one (else the districts' total), so a different total per district would be silently ignored: the pages warn.
    No homes given per district at all is not a disagreement (there is nothing to compare)."""
    given = [row.homes for row in coverage.districts if row.homes is not None]
    if organisation.homes is None or not given or sum(given) == organisation.homes:
        return None
    return HomesDisagreement(organisation.homes, sum(given), len(coverage.districts) - len(given))


def resolve_coverage(rows: list[schemas.CoverageRowIn]) -> list[tuple[str, int | None]]:
    """Codes or names to codes; every unknown one is reported at once, with suggestions."""
    resolved: dict[str, int | None] = {}
    listed = DistrictList()
    for row in rows:
        district = listed.resolve(row.district_code)
        if district is None:
            continue
        if district.code in resolved:
            listed.problems.append(
                f"{district.name} ({district.code}) is listed more than once; list each district once."
            )
            continue
        resolved[district.code] = row.homes
    problems = listed.problems_found()
    if problems:
        raise BadInput(" ".join(problems), field="districts", extra={"problems": problems})
    return list(resolved.items())


async def _keep_locked_bids_as_they_are() -> None:
    """Called inside every change to an organisation's profile or districts, before the change applies. A locked or
    submitted bid reads the copy of its members frozen at the lock (consortium.bids.profiles), so the change reaches
    only bids still open; a bid whose deadline has passed but whose lock is not yet recorded is locked (and its
    copies taken) first, so it keeps the profile it had at its deadline."""
    await lock_expired_bids()


async def replace_coverage(
    principal: Principal, organisation_id: int, data: schemas.CoverageReplace
) -> schemas.Coverage:
    """Replace all the organisation's districts at once: all of the new list lands, or none of it."""
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    require_may_change(principal, organisation_id)
    if len(data.districts) > len(districts()):
        raise BadInput(
            f"There are only {len(districts())} districts in the UK; the list has {len(data.districts)}.",
            field="districts",
        )
    problems = Problems()
    check_each(data, problems, COVERAGE_LABELS)
    resolved: list[tuple[str, int | None]] = []
    if not problems:  # a district's name or homes out of shape: say so, rather than "not recognised" as well
        with problems.collecting():
            resolved = resolve_coverage(data.districts)
    problems.refuse()
    async with write_transaction():
        await _keep_locked_bids_as_they_are()
        # The organisation's row locked (PostgreSQL) so two replacements at once run one after the other: otherwise
        # each deletes only the rows it could see and both new lists land, merged.
        await update_locked(Organisation.select(Organisation.id).where(Organisation.id == organisation_id))
        before = await Coverage.select(Coverage.district_code, Coverage.homes).where(
            Coverage.organisation == organisation_id
        )
        await Coverage.delete().where(Coverage.organisation == organisation_id)
        if resolved:
            await Coverage.insert(
                *[Coverage(organisation=organisation_id, district_code=code, homes=homes) for code, homes in resolved]
            )
        await audit.record(
            principal,
            "coverage.replace",
            "organisation",
            organisation_id,
            before={"districts": before},
            after={"districts": [{"district_code": c, "homes": h} for c, h in resolved]},
            organisation_id=organisation_id,
        )
    return await _coverage_out(organisation_id)
