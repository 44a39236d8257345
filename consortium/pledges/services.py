"""Pledges: members enter, change, submit and withdraw them; convenors read the submitted ones.

A draft (saved but never submitted, including a draft withdrawn before it was ever submitted) is its member's alone:
nobody else reads it, in a list, by its number, in its history or in a CSV. The convenor learns only how many
drafts there are (the dashboard's count). Once submitted, the pledge is the convenor's to read too, but not what it
said while it was a draft (its history before the submission shows only that it was a draft).

Every change is optimistic: it names the version it changes, and a stale version is refused (412) with the
current one, so two people editing at once never silently overwrite each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from consortium.accounts.principal import Principal
from consortium.audit import services as audit
from consortium.bids.access import (
    BidAccess,
    BidRow,
    bid_access,
    require_board_approval_right,
    require_permission,
)
from consortium.bids.services import bid_for_write, require_accepting_changes
from consortium.bids.tables import BidMember
from consortium.db import update_locked, write_transaction
from consortium.errors import BadInput, Conflict, Forbidden, NotFound, PreconditionFailed, PreconditionRequired
from consortium.mail import notices
from consortium.money import format_pence
from consortium.pledges import schemas
from consortium.pledges.tables import Pledge
from consortium.reference.districts import district_name
from consortium.reference.search import DistrictList
from consortium.settings import Settings
from consortium.teams.roles import Permission
from consortium.timeutil import utc_now
from consortium.validation import Problems, check_each
from consortium.words import PLEDGE_LABELS

NOT_FOUND = "There is no pledge with that number that you can see."
CONTENT_FIELDS = ("amount_pence", "purpose", "themes", "areas", "board_approved", "conditions")
MAX_AREAS = 400
# A district that is not recognised is a problem on "areas.district_code" (a form lists it where such districts
# were typed). How a problem names each field: ``consortium.words.PLEDGE_LABELS``.
UNRECOGNISED_DISTRICT = "areas.district_code"


def pledge_out(row: dict[str, Any]) -> schemas.Pledge:
    return schemas.Pledge(
        id=row["id"],
        bid_id=row["bid"],
        organisation_id=row["organisation"],
        organisation_name=row["organisation_name"],
        amount_pence=row["amount_pence"],
        purpose=row["purpose"],
        themes=list(row["themes"] or []),
        areas=[
            schemas.PledgeAreaOut(
                district_code=a["district_code"],
                district_name=district_name(a["district_code"]),
                amount_pence=a.get("amount_pence"),
            )
            for a in row["areas"] or []
        ],
        board_approved=row["board_approved"],
        conditions=row["conditions"],
        status=row["status"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
    )


def _select() -> Any:
    return Pledge.select(*Pledge.all_columns(), Pledge.organisation.name.as_alias("organisation_name"))


async def _row(pledge_id: int) -> dict[str, Any] | None:
    return await _select().where(Pledge.id == pledge_id).first().output(load_json=True)


def area_amounts_problem(areas: list[dict[str, Any]], amount_pence: int) -> str | None:
    """What is wrong with the districts' explicit amounts for a pledge of ``amount_pence``, or None.

    The remainder of a pledge goes to its districts without an amount (see ``consortium.analysis.allocation``), so
    the amounts must not add up to more than the pledge, and when every district has one they must add up to all of
    it: otherwise the rest has nowhere to go and counts in no district."""
    explicit = sum(a.get("amount_pence") or 0 for a in areas)
    if explicit > amount_pence:
        return (
            f"The amounts given for districts add up to {format_pence(explicit)}, more than the pledge of "
            f"{format_pence(amount_pence)}. Lower the district amounts or raise the pledge."
        )
    if areas and explicit < amount_pence and all(a.get("amount_pence") is not None for a in areas):
        return (
            f"You set an amount for every district you chose, and they add up to {format_pence(explicit)} of this "
            f"{format_pence(amount_pence)} pledge. Make them add up to {format_pence(amount_pence)}, or leave one "
            "district's amount blank so the rest goes there."
        )
    return None


def clean_content(values: dict[str, Any], bid: BidRow, amount_pence: int | None, problems: Problems) -> dict[str, Any]:
    """A pledge's content checked against its bid (known districts, each once; district amounts within the pledge;
    the bid's themes) and made ready to store. Every problem goes on ``problems``; a field that already has one
    (its form or size is wrong) is not checked again. ``amount_pence``: the pledge's amount as it will be (None:
    not known, so the district amounts are not compared with it)."""
    areas_ok = "areas" not in values or not problems.on("areas")
    if "areas" in values and areas_ok:
        areas = values["areas"]
        if len(areas) > MAX_AREAS:
            problems.add("areas", f"A pledge can name at most {MAX_AREAS} districts; this one names {len(areas)}.")
            areas_ok = False
        else:
            cleaned: list[dict[str, Any]] = []
            seen: set[str] = set()
            listed = DistrictList()
            for area in areas:
                district = listed.resolve(area.district_code)
                if district is None:
                    continue
                if district.code in seen:
                    listed.problems.append(f"{district.name} is listed more than once; list each district once.")
                    continue
                seen.add(district.code)
                cleaned.append({"district_code": district.code, "amount_pence": area.amount_pence})
            for problem in listed.problems_found():
                problems.add(UNRECOGNISED_DISTRICT, problem)
                areas_ok = False
            values["areas"] = cleaned
    if areas_ok and amount_pence is not None and not problems.on("amount_pence"):
        over = area_amounts_problem(values.get("areas", []), amount_pence)
        if over:
            problems.add("areas", over)
    if "themes" in values and not problems.on("themes"):
        themes = list(dict.fromkeys(t.strip() for t in values["themes"] if t.strip()))
        allowed = list(bid.themes)
        unknown = [t for t in themes if allowed and t not in allowed]
        if unknown:
            problems.add(
                "themes",
                f"This bid's themes are: {', '.join(allowed)}. Choose from those instead of: {', '.join(unknown)}.",
            )
        values["themes"] = themes
    for field in ("purpose", "conditions"):
        if field in values:
            values[field] = values[field].strip()
    return values


def _pledging_organisation(access: BidAccess, requested: int | None) -> int:
    """The organisation a new pledge is for: the one named, or the caller's only one in the bid."""
    if access.role != "member":
        raise Forbidden("Only member organisations enter pledges. Convenors see them on the bid dashboard.")
    if requested is not None:
        if requested not in access.organisation_ids:
            raise NotFound("You do not act for an organisation with that number in this bid.")
        return requested
    if len(access.organisation_ids) > 1:
        raise BadInput("You act for more than one organisation in this bid: say which with organisation_id.")
    return next(iter(access.organisation_ids))


def _acting_organisation(principal: Principal, access: BidAccess, requested: int | None, board_approved: Any) -> int:
    """The organisation a new pledge is for, refused (403) unless the caller's role there lets them make one: an
    editor or signatory; and declaring it board approved, a signatory (a new pledge is "not approved" until then)."""
    organisation_id = _pledging_organisation(access, requested)
    require_permission(principal, organisation_id, Permission.EDIT)
    if board_approved is True:
        require_board_approval_right(principal, organisation_id)
    return organisation_id


async def _require_joined(bid_id: int, organisation_id: int) -> None:
    member = (
        await BidMember.select(BidMember.status)
        .where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id))
        .first()
    )
    if member is None or member["status"] != "joined":
        raise Conflict(
            "Your organisation has withdrawn from this bid, so it cannot pledge. Ask the convenor to re-add it."
        )


def _given(data: schemas.PledgeCreate | schemas.PledgeUpdate) -> dict[str, Any]:
    return {f: getattr(data, f) for f in CONTENT_FIELDS if getattr(data, f) is not msgspec.UNSET}


async def check_pledge(
    principal: Principal,
    bid_id: int,
    data: schemas.PledgeUpdate,
    *,
    pledge_id: int | None = None,
    organisation_id: int | None = None,
) -> None:
    """Every problem with a pledge's content at once (``Invalid``), checked as making or changing one checks it:
    for a form some of whose fields could not be read, so the rest are reported in the same round. The caller's
    role is checked first, as making (``organisation_id``, when known) or changing (``pledge_id``) checks it."""
    problems = Problems()
    check_each(data, problems, PLEDGE_LABELS)
    access = await bid_access(principal, bid_id)
    if pledge_id is not None:
        row, _ = await _visible_row(principal, pledge_id)
        _require_role_for_change(principal, row, data)
    elif access.role == "member" and (organisation_id is not None or len(access.organisation_ids) == 1):
        _acting_organisation(principal, access, organisation_id, data.board_approved)
    amount = data.amount_pence if data.amount_pence is not msgspec.UNSET else None
    clean_content(_given(data), access.bid, amount, problems)
    problems.refuse()


async def create_pledge(
    settings: Settings, principal: Principal, bid_id: int, data: schemas.PledgeCreate
) -> schemas.Pledge:
    """Make a pledge, as a draft or (``data.submit``) submitted straight away; every problem with it at once."""
    problems = Problems()
    check_each(data, problems, PLEDGE_LABELS)
    access = await bid_access(principal, bid_id)
    organisation_id = _acting_organisation(principal, access, data.organisation_id, data.board_approved)
    values = clean_content(_given(data), access.bid, data.amount_pence, problems)
    problems.refuse()
    now = utc_now()
    status = "submitted" if data.submit else "draft"
    async with write_transaction():
        # Checked inside the transaction: a lock landing a moment earlier wins.
        require_accepting_changes(await bid_for_write(bid_id))
        await _require_joined(bid_id, organisation_id)
        rows = await Pledge.insert(
            Pledge(
                bid=bid_id,
                organisation=organisation_id,
                status=status,
                version=1,
                submitted_at=now if data.submit else None,
                **values,
            )
        ).returning(Pledge.id)
        pledge_id = int(rows[0]["id"])
        await audit.record(
            principal,
            "pledge.create",
            "pledge",
            pledge_id,
            bid_id=bid_id,
            after=values | {"status": status, "version": 1},
            organisation_id=organisation_id,
        )
        message_ids = await notices.pledge_changed(settings, pledge_id, "submit") if data.submit else []
    await notices.deliver(message_ids)
    row = await _row(pledge_id)
    assert row is not None
    return pledge_out(row)


def never_submitted(row: dict[str, Any]) -> bool:
    """A draft: a pledge saved but never submitted (a draft withdrawn before submission is one too)."""
    return row["status"] == "draft" or row["submitted_at"] is None


def _ever_submitted() -> Any:
    """The query form of ``not never_submitted(row)``."""
    return (Pledge.status != "draft") & Pledge.submitted_at.is_not_null()


async def _visible_row(principal: Principal, pledge_id: int) -> tuple[dict[str, Any], BidAccess]:
    row = await _row(pledge_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    try:
        # An organisation that withdrew still reads its own pledges and their history.
        access = await bid_access(principal, int(row["bid"]), include_withdrawn=True)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    if access.role in {"member", "withdrawn"} and int(row["organisation"]) not in access.organisation_ids:
        raise NotFound(NOT_FOUND)
    if access.role == "viewer":
        raise NotFound(NOT_FOUND)
    if never_submitted(row) and not principal.acts_for(int(row["organisation"])):
        raise NotFound(NOT_FOUND)  # a draft is its member's alone: the convenor is told no more than a stranger
    return row, access


async def read_pledge(principal: Principal, pledge_id: int) -> schemas.Pledge:
    row, _ = await _visible_row(principal, pledge_id)
    return pledge_out(row)


async def list_pledges(principal: Principal, bid_id: int) -> list[schemas.Pledge]:
    access = await bid_access(principal, bid_id, include_withdrawn=True)
    if access.role == "viewer":
        raise Forbidden("Funders see pledges in the bid document, not here.")
    query = _select().where(Pledge.bid == bid_id)
    if access.role in {"member", "withdrawn"}:
        query = query.where(Pledge.organisation.is_in(list(access.organisation_ids)))
    else:
        query = query.where(_ever_submitted())  # the convenor never reads a draft
    rows = await query.order_by(Pledge.organisation.name).order_by(Pledge.id).output(load_json=True)
    return [pledge_out(r) for r in rows]


def parse_if_match(if_match: str | None) -> int:
    """The version an If-Match names: the pledge's ETag as answered ("3", or weak W/"3") or its bare version (3)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            'Send the version you are changing in an If-Match header (the pledge\'s ETag, like "3", or its '
            "'version'), so we can tell if someone else changed it first."
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise BadInput(f'If-Match must be the pledge\'s ETag, like "3", or its version number; got {if_match[:40]!r}.')
    return int(text)


def _same(key: str, before: Any, after: Any) -> bool:
    """Whether a change leaves the stored value as it is (areas compared as district and amount, in order)."""
    if key == "areas":

        def pairs(areas: Any) -> list[tuple[Any, Any]]:
            return [(a.get("district_code"), a.get("amount_pence")) for a in areas or []]

        return pairs(before) == pairs(after)
    if key == "themes":
        return list(before or []) == list(after or [])
    return bool(before == after)


# One change a use case makes to a pledge: its action in the history ("update", "submit", "withdraw") and what it
# changes, from the pledge as it stands (nothing, to skip it).
Step = tuple[str, Callable[[dict[str, Any], BidAccess], dict[str, Any]]]


async def _apply(
    principal: Principal, pledge_id: int, expected_version: int, steps: list[Step], settings: Settings | None = None
) -> schemas.Pledge:
    """Every pledge change: access, bid open and version checked, then each step, all in one transaction. Each
    step that changes something is its own event in the history with its own version, as if made one after the
    other; a step that changes nothing leaves no trace (saved as it was: no new version, nothing in the history).
    A submission or withdrawal writes its messages in the same transaction (``settings`` is needed for those)."""
    row, access = await _visible_row(principal, pledge_id)
    if access.role not in {"member", "withdrawn"}:  # a withdrawn organisation is told why below (409)
        raise Forbidden("Only the organisation that made this pledge can change it.")
    organisation_id = int(row["organisation"])
    # The role that counts is the one in the organisation the pledge belongs to.
    require_permission(principal, organisation_id, Permission.EDIT)
    async with write_transaction():
        require_accepting_changes(await bid_for_write(int(row["bid"])))
        await _require_joined(int(row["bid"]), int(row["organisation"]))
        # Locked so that, on PostgreSQL (read committed), what we compare, audit as "before" and answer with is the
        # row as it stands until we commit, not a read another writer's commit has since made stale.
        await update_locked(Pledge.select(Pledge.id).where(Pledge.id == pledge_id))
        current = await _row(pledge_id)
        assert current is not None
        if current["version"] != expected_version:
            raise PreconditionFailed(
                f"This pledge was changed by someone else (it is now version {current['version']}, you sent "
                f"{expected_version}). Reload it, check the latest figures, then make your change again.",
                extra={"current_version": current["version"]},
            )
        done: list[str] = []
        for action, changes_for in steps:
            changes = {k: v for k, v in changes_for(current, access).items() if not _same(k, current[k], v)}
            if not changes:
                continue
            if "board_approved" in changes:  # setting or clearing it: a signatory's, whatever the way in
                require_board_approval_right(principal, organisation_id)
            before = {k: current[k] for k in changes} | {"version": current["version"]}
            await Pledge.update(
                {
                    **{getattr(Pledge, k): v for k, v in changes.items()},
                    Pledge.version: Pledge.version + 1,
                    Pledge.updated_at: utc_now(),
                }
            ).where(Pledge.id == pledge_id)
            fresh = await _row(pledge_id)
            assert fresh is not None
            await audit.record(
                principal,
                f"pledge.{action}",
                "pledge",
                pledge_id,
                bid_id=int(row["bid"]),
                before=before,
                after=changes | {"version": fresh["version"]},
                organisation_id=organisation_id,
            )
            current = fresh
            done.append(action)
        message_ids: list[int | None] = []
        for action in dict.fromkeys(a for a in done if a in notices.PLEDGE_KINDS):
            assert settings is not None, "a submission or withdrawal needs settings for its messages"
            message_ids += await notices.pledge_changed(settings, pledge_id, action)
    await notices.deliver(message_ids)
    return pledge_out(current)


def _require_role_for_change(principal: Principal, current: dict[str, Any], data: schemas.PledgeUpdate) -> None:
    """A change to a pledge needs an editor or signatory of its organisation; one that sets or clears its board
    approval (sends a value other than the one stored), a signatory."""
    organisation_id = int(current["organisation"])
    require_permission(principal, organisation_id, Permission.EDIT)
    sent = data.board_approved
    if sent is not msgspec.UNSET and sent is not None and bool(sent) != bool(current["board_approved"]):
        require_board_approval_right(principal, organisation_id)


def _content_change(
    principal: Principal, data: schemas.PledgeUpdate, problems: Problems
) -> Callable[[dict[str, Any], BidAccess], Any]:
    """The step changing a pledge's content to ``data``: every problem with it (``problems`` holds those of its
    form already) is refused at once, before anything is written; the caller's role first (403)."""

    def changes_for(current: dict[str, Any], access: BidAccess) -> dict[str, Any]:
        _require_role_for_change(principal, current, data)
        if current["status"] == "withdrawn":
            raise Conflict("This pledge was withdrawn. Submit it again first if you want to change it.")
        raw = _given(data)
        amount = None if problems.on("amount_pence") else raw.get("amount_pence", current["amount_pence"])
        if "areas" not in raw and "amount_pence" in raw and area_amounts_problem(current["areas"] or [], amount or 0):
            # The new amount does not fit the districts as they stand: check them again, to say why.
            raw["areas"] = [schemas.PledgeArea(**a) for a in current["areas"]]
        values = clean_content(raw, access.bid, amount, problems)
        problems.refuse()
        return values

    return changes_for


def _submitted() -> dict[str, Any]:
    return {"status": "submitted", "submitted_at": utc_now()}


async def update_pledge(
    principal: Principal, pledge_id: int, data: schemas.PledgeUpdate, if_match: str | None
) -> schemas.Pledge:
    """Change a pledge's content (a submitted one stays submitted; a withdrawn one must be submitted again first)."""
    problems = Problems()
    check_each(data, problems, PLEDGE_LABELS)
    expected = parse_if_match(if_match)
    return await _apply(principal, pledge_id, expected, [("update", _content_change(principal, data, problems))])


async def save_pledge(
    settings: Settings,
    principal: Principal,
    pledge_id: int,
    data: schemas.PledgeUpdate,
    if_match: str | None,
    *,
    submit: bool,
) -> schemas.Pledge:
    """Save a pledge's content and, with ``submit``, submit it: one use case, in one transaction. A draft is changed,
    then submitted; a withdrawn pledge is submitted again, then changed (without ``submit`` it is refused, as
    changing it is); a submitted one is changed. Saved as it was, the answer's version is the one sent."""
    problems = Problems()
    check_each(data, problems, PLEDGE_LABELS)
    expected = parse_if_match(if_match)

    def resubmit(current: dict[str, Any], access: BidAccess) -> dict[str, Any]:
        return _submitted() if submit and current["status"] == "withdrawn" else {}

    def submit_draft(current: dict[str, Any], access: BidAccess) -> dict[str, Any]:
        return _submitted() if submit and current["status"] == "draft" else {}

    steps: list[Step] = [
        ("submit", resubmit),
        ("update", _content_change(principal, data, problems)),
        ("submit", submit_draft),
    ]
    return await _apply(principal, pledge_id, expected, steps, settings)


async def submit_pledge(
    settings: Settings, principal: Principal, pledge_id: int, if_match: str | None
) -> schemas.Pledge:
    expected = parse_if_match(if_match)

    def changes_for(current: dict[str, Any], access: BidAccess) -> dict[str, Any]:
        if current["status"] == "submitted":
            raise Conflict("This pledge is already submitted.")
        return _submitted()

    return await _apply(principal, pledge_id, expected, [("submit", changes_for)], settings)


async def withdraw_pledge(
    settings: Settings, principal: Principal, pledge_id: int, if_match: str | None
) -> schemas.Pledge:
    expected = parse_if_match(if_match)

    def changes_for(current: dict[str, Any], access: BidAccess) -> dict[str, Any]:
        if current["status"] == "withdrawn":
            raise Conflict("This pledge is already withdrawn.")
        return {"status": "withdrawn"}

    return await _apply(principal, pledge_id, expected, [("withdraw", changes_for)], settings)


DRAFT_EVENT_KEYS = ("status", "version")  # what others read of a change made while the pledge was a draft


def without_draft_content(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A pledge's history as someone other than its member reads it: each change made before the pledge was first
    submitted keeps its time, author and action but only its status and version, never what the draft said."""
    shown = []
    submitted = False
    for event in events:
        created_submitted = event["action"] == "pledge.create" and (event["after"] or {}).get("status") == "submitted"
        if not submitted and not created_submitted and event["action"] != "pledge.submit":
            event = event | {
                side: {k: v for k, v in event[side].items() if k in DRAFT_EVENT_KEYS}
                if isinstance(event[side], dict)
                else None
                for side in ("before", "after")
            }
        submitted = submitted or created_submitted or event["action"] == "pledge.submit"
        shown.append(event)
    return shown


async def pledge_history(principal: Principal, pledge_id: int) -> list[schemas.PledgeEvent]:
    row, _ = await _visible_row(principal, pledge_id)
    events = await audit.history("pledge", pledge_id)
    if not principal.acts_for(int(row["organisation"])):
        events = without_draft_content(events)
    shown = []
    for e in events:
        who = audit.actor_parts(e["actor_label"])
        shown.append(
            schemas.PledgeEvent(
                id=e["id"],
                at=e["at"],
                by=f"{who.name} ({who.role})" if who.role else who.name,
                action=e["action"],
                before=e["before"],
                after=e["after"],
                by_name=who.name,
                by_role=who.role,
            )
        )
    return shown
