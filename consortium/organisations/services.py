"""Organisations: their profile and the districts they cover."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import msgspec

from consortium.accounts.principal import Principal
from consortium.accounts.services import normalise_email
from consortium.audit import services as audit
from consortium.bids.tables import Bid, BidMember
from consortium.db import share_locked, write_transaction
from consortium.errors import BadInput, Conflict, Forbidden, NotFound
from consortium.organisations import schemas
from consortium.organisations.identifiers import InvalidIdentifier, validate_org_id
from consortium.organisations.tables import Coverage, Organisation, OrganisationUser
from consortium.reference.districts import REGIONS, districts
from consortium.reference.search import DistrictList
from consortium.timeutil import uk_time_text, utc_now

NOT_FOUND = "There is no organisation with that number that you can see."
PROFILE_FIELDS = ("name", "org_type", "org_id", "homes", "website", "contact_name", "contact_email", "description")
# Profile fields the eligibility rules and totals read: frozen, like coverage, while a bid the organisation is in
# is locked, so a locked bid's figures cannot move under the convenor.
FIGURE_FIELDS = {"org_type": "type", "org_id": "identifier", "homes": "number of homes"}


async def _visible_to(principal: Principal, organisation_id: int) -> bool:
    """Its own people see an organisation; so do the convenors of any bid it has joined."""
    if principal.acts_for(organisation_id):
        return True
    if not principal.convenor_network_ids:
        return False
    return await BidMember.exists().where(
        (BidMember.organisation == organisation_id) & BidMember.bid.network.is_in(list(principal.convenor_network_ids))
    )


def _require_own(principal: Principal, organisation_id: int) -> None:
    if not principal.acts_for(organisation_id):
        raise Forbidden("Only the organisation's own people can change its details.")


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
        org_type_name=schemas.ORG_TYPE_NAMES.get(row["org_type"], row["org_type"]),
        org_id=row["org_id"],
        homes=row["homes"],
        website=row["website"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        description=row["description"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _clean_profile(values: dict[str, Any], *, organisation_id: int | None) -> dict[str, Any]:
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise BadInput("Enter the organisation's name.", field="name")
    if values.get("org_id"):
        try:
            values["org_id"] = validate_org_id(values["org_id"])
        except InvalidIdentifier as error:
            raise BadInput(str(error), field="org_id") from error
        clash = Organisation.select(Organisation.name).where(Organisation.org_id == values["org_id"])
        if organisation_id is not None:
            clash = clash.where(Organisation.id != organisation_id)
        other = await clash.first()
        if other:
            raise Conflict(
                f"{values['org_id']} already belongs to {other['name']} in Consortium. "
                "Ask someone from that organisation to invite you to it instead.",
                field="org_id",
            )
    elif "org_id" in values:
        values["org_id"] = None
    for field in ("website", "contact_name", "contact_email"):
        if field in values and values[field] is not None:
            values[field] = values[field].strip() or None
    if values.get("website"):
        values["website"] = clean_website(values["website"])
    if values.get("contact_email"):
        values["contact_email"] = clean_contact_email(values["contact_email"])
    return values


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
    """Create an organisation and make the caller one of its people. Call inside a write transaction."""
    values = await _clean_profile({f: getattr(data, f) for f in PROFILE_FIELDS}, organisation_id=None)
    rows = await Organisation.insert(Organisation(**values)).returning(Organisation.id)
    organisation_id = int(rows[0]["id"])
    await OrganisationUser.insert(OrganisationUser(organisation=organisation_id, user=principal.user_id))
    await audit.record(principal, "organisation.create", "organisation", organisation_id, after=values)
    return organisation_id


async def read_organisation(principal: Principal, organisation_id: int) -> schemas.Organisation:
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    return organisation_out(await _get_row(organisation_id))


async def update_organisation(
    principal: Principal, organisation_id: int, data: schemas.OrganisationUpdate
) -> schemas.Organisation:
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    _require_own(principal, organisation_id)
    changes = {f: getattr(data, f) for f in PROFILE_FIELDS if getattr(data, f) is not msgspec.UNSET}
    changes = await _clean_profile(changes, organisation_id=organisation_id)
    async with write_transaction():
        before = await _get_row(organisation_id)
        await _require_figures_unlocked(
            organisation_id, [k for k in FIGURE_FIELDS if k in changes and changes[k] != before[k]]
        )
        await Organisation.update(
            {**{getattr(Organisation, k): v for k, v in changes.items()}, Organisation.updated_at: utc_now()}
        ).where(Organisation.id == organisation_id)
        await audit.record(
            principal,
            "organisation.update",
            "organisation",
            organisation_id,
            before={k: before[k] for k in changes},
            after=changes,
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


async def _locked_bids_of(organisation_id: int) -> list[dict[str, Any]]:
    query = Bid.select(Bid.title, Bid.status, Bid.deadline).where(
        Bid.id.is_in(
            BidMember.select(BidMember.bid).where(
                (BidMember.organisation == organisation_id) & (BidMember.status == "joined")
            )
        )
    )
    rows = await share_locked(query)  # held until we commit, so a lock of the bid waits for this change
    now = utc_now()
    return [r for r in rows if r["status"] == "locked" or (r["status"] == "open" and r["deadline"] <= now)]


async def _require_figures_unlocked(organisation_id: int, changing: list[str]) -> None:
    """Refuse (409) a change to ``changing`` figure fields while a bid the organisation has joined is locked.
    Call inside the write transaction."""
    if not changing:
        return
    locked = await _locked_bids_of(organisation_id)
    if locked:
        bid = locked[0]
        fields = " and ".join(FIGURE_FIELDS[k] for k in changing)
        raise Conflict(
            f"'{bid['title']}' is locked (deadline {uk_time_text(bid['deadline'])}), so your organisation's {fields} "
            "cannot change now: the bid's eligibility depends on it. Ask the convenor to unlock the bid.",
            field=changing[0],
        )


async def replace_coverage(
    principal: Principal, organisation_id: int, data: schemas.CoverageReplace
) -> schemas.Coverage:
    """Replace all the organisation's districts at once: all of the new list lands, or none of it."""
    if not await _visible_to(principal, organisation_id):
        raise NotFound(NOT_FOUND)
    _require_own(principal, organisation_id)
    if len(data.districts) > len(districts()):
        raise BadInput(f"There are only {len(districts())} districts in the UK; the list has {len(data.districts)}.")
    resolved = resolve_coverage(data.districts)
    async with write_transaction():
        locked = await _locked_bids_of(organisation_id)
        if locked:
            bid = locked[0]
            raise Conflict(
                f"'{bid['title']}' is locked (deadline {uk_time_text(bid['deadline'])}), so your coverage cannot "
                "change now. Ask the convenor to unlock the bid."
            )
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
        )
    return await _coverage_out(organisation_id)
