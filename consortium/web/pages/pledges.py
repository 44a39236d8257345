"""A member's pledge: the form (amount in pounds, themes, districts, board approval, conditions), saving a draft,
submitting, withdrawing, and its history. Every change sends the version the form was loaded with, so a change
made meanwhile by someone else is never overwritten (the 412 message is shown instead).

The pages only read the form and show the answer: each button is one use case of ``consortium.pledges.services``
(make, save and submit, withdraw), which checks everything and reports every problem at once."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, QueryParameter

from consortium.accounts.principal import Principal
from consortium.bids import figures
from consortium.bids import schemas as bid_schemas
from consortium.bids import services as bids
from consortium.bids.access import NOT_FOUND as BID_NOT_FOUND
from consortium.errors import Forbidden, NotFound, ServiceError
from consortium.money import format_pence
from consortium.organisations import services as organisations
from consortium.pledges import schemas
from consortium.pledges import services as pledges
from consortium.reference.districts import districts
from consortium.schemas import MAX_DISTRICT_ENTRIES
from consortium.teams.roles import ROLE_BY_KEY, Permission
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages import confirm, forms
from consortium.web.pages.common import PageController, PageRequest, member_bid
from consortium.web.pages.rendering import pounds_input, redirect, render

NewPledge = Annotated[bool, QueryParameter(name="new", required=False)]
# The form's field for each of the services' fields: the districts fieldset, but a district that is not recognised
# was typed under "Other districts" (the ticked ones come from the organisation's own list).
PLEDGE_FIELD_IDS = {
    "amount_pence": "amount",
    "purpose": "purpose",
    "themes": "themes",
    "areas": "areas",
    pledges.UNRECOGNISED_DISTRICT: "other_areas",
    "board_approved": "board_approved",
    "conditions": "conditions",
}
ACTION_MESSAGES = {
    "draft": "Your pledge is saved as a draft, which only your organisation can see. The convenor sees it once you "
    "submit it.",
    "save": "Your changes are saved.",
    "unchanged": "Nothing had changed, so the pledge is as it was.",
    "submit": "Your pledge is submitted. It now counts towards the bid.",
}


def blank_values(organisation_id: int | None) -> dict[str, Any]:
    return {
        "organisation_id": str(organisation_id or ""),
        "amount": "",
        "purpose": "",
        "themes": [],
        "themes_text": "",
        "areas": [],
        "area_amounts": {},
        "other_areas": "",
        "board_approved": False,
        "conditions": "",
    }


def pledge_values(pledge: schemas.Pledge, covered: set[str]) -> dict[str, Any]:
    return {
        "organisation_id": str(pledge.organisation_id),
        "amount": pounds_input(pledge.amount_pence),
        "purpose": pledge.purpose,
        "themes": list(pledge.themes),
        "themes_text": "\n".join(pledge.themes),
        "areas": [a.district_code for a in pledge.areas if a.district_code in covered],
        "area_amounts": {a.district_code: pounds_input(a.amount_pence) for a in pledge.areas},
        "other_areas": "\n".join(
            a.district_name + (f", {pounds_input(a.amount_pence)}" if a.amount_pence else "")
            for a in pledge.areas
            if a.district_code not in covered
        ),
        "board_approved": pledge.board_approved,
        "conditions": pledge.conditions,
    }


def read_pledge_form(
    form: FormMultiDict, bid: bid_schemas.Bid, errors: forms.FormErrors
) -> tuple[dict[str, Any], schemas.PledgeUpdate]:
    """What was typed (to show again), and the pledge's content as far as it could be read: a field whose text is
    not a value (an amount that is not in pounds) is left out, with what to type instead in ``errors``. Whether
    the values are right (their limits, the districts, the bid's themes) is the services' to say."""
    values = blank_values(None)
    values["organisation_id"] = forms.text(form, "organisation_id")
    values["amount"] = forms.text(form, "amount")
    values["purpose"] = forms.raw(form, "purpose").strip()
    values["conditions"] = forms.raw(form, "conditions").strip()
    values["board_approved"] = forms.checked(form, "board_approved")
    values["themes"] = forms.values(form, "themes")
    values["themes_text"] = forms.raw(form, "themes_text").strip()
    values["areas"] = forms.values(form, "areas")
    values["other_areas"] = forms.raw(form, "other_areas").strip()
    themes = values["themes"] if bid.themes else forms.lines(values["themes_text"])
    amount = forms.pounds(values["amount"], "amount", errors, what="the amount you pledge")
    content = schemas.PledgeUpdate(
        amount_pence=msgspec.UNSET if amount is None else amount,
        purpose=values["purpose"],
        themes=themes,
        board_approved=values["board_approved"],
        conditions=values["conditions"],
    )
    listed = len(values["areas"]) + len(forms.lines(values["other_areas"]))
    if listed > MAX_DISTRICT_ENTRIES:  # a limit before any district is read
        errors.add("areas", f"A pledge can name at most {MAX_DISTRICT_ENTRIES} districts; this one names {listed:,}.")
        return values, content
    problems_before = len(errors.items)
    reference = districts()
    areas: list[schemas.PledgeArea] = []
    for code in values["areas"]:
        typed = forms.text(form, f"area-amount-{code}")
        values["area_amounts"][code] = typed
        name = reference[code].name if code in reference else code
        area_amount = forms.pounds(typed, f"area-amount-{code}", errors, what=f"the amount for {name}", required=False)
        areas.append(schemas.PledgeArea(district_code=code, amount_pence=area_amount))
    ticked = set(values["areas"])
    for key, typed in form.multi_items():
        code = key.removeprefix("area-amount-")
        if code == key or code in ticked or not isinstance(typed, str) or not typed.strip():
            continue
        # An amount beside a district that is not ticked is not guessed at: ticking it or clearing it is asked for.
        values["area_amounts"][code] = typed.strip()
        name = reference[code].name if code in reference else code
        errors.add(key, f"You gave an amount for {name} but did not tick it; tick it or clear the amount.")
    for line in forms.lines(values["other_areas"]):
        name, _, tail = line.rpartition(",")
        area_amount = None
        if name and tail.strip():
            area_amount = forms.pounds(
                tail, "other_areas", errors, what=f"the amount for {name.strip()}", required=False
            )
        else:
            name = line
        areas.append(schemas.PledgeArea(district_code=name.strip()[:100], amount_pence=area_amount))
    if len(errors.items) == problems_before:  # every district and amount could be read
        content.areas = areas
    return values, content


def new_pledge(content: schemas.PledgeUpdate, organisation_id: int | None, *, submit: bool) -> schemas.PledgeCreate:
    """The content read from the form as a new pledge (only called when every field could be read)."""
    given = {
        name: value for name in content.__struct_fields__ if (value := getattr(content, name)) is not msgspec.UNSET
    }
    return schemas.PledgeCreate(**given, organisation_id=organisation_id, submit=submit)


def add_service_error(errors: forms.FormErrors, error: ServiceError) -> int:
    """A service's refusal, each problem at its field of the form; the status to answer with (403 when the
    person's role does not allow it, else 422)."""
    errors.add_service_error(error, PLEDGE_FIELD_IDS)
    return error.status_code if isinstance(error, Forbidden) else 422


def keep_board_approval_unless_sent(
    user: Principal, organisation_id: int | None, values: dict[str, Any], content: schemas.PledgeUpdate, current: bool
) -> None:
    """Someone who may not confirm board approval sees its box disabled, so the browser sends nothing for it: that
    means "as it is" (``current``), not "cleared". A box sent ticked anyway is passed on, for the services to refuse
    (403) when it changes the pledge's approval."""
    if organisation_id and not user.may(organisation_id, Permission.SIGN) and not values["board_approved"]:
        content.board_approved = msgspec.UNSET
        values["board_approved"] = current


async def submitted_message(user: Principal, bid_id: int, organisation_id: int) -> tuple[str, str]:
    """The message after a pledge is submitted: it only "counts towards the bid" when the organisation meets every
    member rule; otherwise say what is missing, so nobody leaves thinking their money counts when it does not."""
    try:
        eligibility = await figures.bid_eligibility(user, bid_id)
    except ServiceError:
        return ACTION_MESSAGES["submit"], "success"
    result = next((m for m in eligibility.members if m.organisation_id == organisation_id), None)
    if result is None or result.passed or not result.failures:
        return ACTION_MESSAGES["submit"], "success"
    missing = "; ".join(failure.message for failure in result.failures)
    return (
        f"Your pledge is submitted, but it does not count towards the bid yet: {missing}. "
        "The bid page says what to change.",
        "info",
    )


async def _coverage_rows(user: Principal, organisation_id: int) -> list[Any]:
    return list((await organisations.read_coverage(user, organisation_id)).districts)


class PledgePages(PageController):
    @get("/bids/{bid_id:int}/pledge", name="pledge-new")
    async def start(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], new: NewPledge = False
    ) -> Response[Any]:
        bid = await member_bid(user, bid_id)
        own = [p for p in await pledges.list_pledges(user, bid_id) if not confirm.deleted_draft(p)]
        if own and not new:
            current = max(own, key=lambda p: (p.status != "withdrawn", p.updated_at))
            return redirect(request, f"/pledges/{current.id}")
        organisation_id = await self._organisation_of(user, bid_id)
        return await self._form(request, user, bid, None, blank_values(organisation_id), forms.FormErrors())

    @post("/bids/{bid_id:int}/pledge")
    async def create(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        bid = await member_bid(user, bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        values, content = read_pledge_form(form, bid, errors)
        submit = forms.text(form, "action") == "submit"
        organisation = int(values["organisation_id"]) if values["organisation_id"].isdigit() else None
        keep_board_approval_unless_sent(user, organisation, values, content, False)
        status_code = 422
        try:
            if errors:  # the rest of the form, checked in the same round
                await pledges.check_pledge(user, bid_id, content, organisation_id=organisation)
            else:
                created = await pledges.create_pledge(
                    settings, user, bid_id, new_pledge(content, organisation, submit=submit)
                )
                if not submit:
                    return redirect(request, f"/pledges/{created.id}", ACTION_MESSAGES["draft"])
                message, kind = await submitted_message(user, bid_id, created.organisation_id)
                return redirect(request, f"/pledges/{created.id}", message, kind=kind)
        except ServiceError as error:
            status_code = add_service_error(errors, error)
        return await self._form(request, user, bid, None, values, errors, status_code=status_code)

    @get("/pledges/{pledge_id:int}", name="pledge")
    async def show(self, request: PageRequest, user: CurrentUser, pledge_id: FromPath[int]) -> Response[Any]:
        pledge = await pledges.read_pledge(user, pledge_id)
        # An organisation that withdrew still reads its own pledge (read-only: its role is "withdrawn").
        bid = await bids.read_bid(user, pledge.bid_id, include_withdrawn=True)
        covered = {c.district_code for c in await self._coverage_for(user, bid, pledge.organisation_id)}
        return await self._form(request, user, bid, pledge, pledge_values(pledge, covered), forms.FormErrors())

    @post("/pledges/{pledge_id:int}")
    async def change(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, pledge_id: FromPath[int]
    ) -> Response[Any]:
        pledge = await pledges.read_pledge(user, pledge_id)
        bid = await member_bid(user, pledge.bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        version = forms.text(form, "version")
        submit = forms.text(form, "action") == "submit"
        values, content = read_pledge_form(form, bid, errors)
        keep_board_approval_unless_sent(user, pledge.organisation_id, values, content, pledge.board_approved)
        status_code = 422
        try:
            if errors:  # the rest of the form, checked in the same round
                await pledges.check_pledge(user, bid.id, content, pledge_id=pledge_id)
            else:
                saved = await pledges.save_pledge(settings, user, pledge_id, content, version, submit=submit)
                if submit:
                    message, kind = await submitted_message(user, bid.id, pledge.organisation_id)
                    return redirect(request, f"/pledges/{pledge_id}", message, kind=kind)
                changed = saved.version != pledge.version  # saved as it was: no new version
                said = ACTION_MESSAGES["save" if changed else "unchanged"]
                return redirect(request, f"/pledges/{pledge_id}", said, kind="success" if changed else "info")
        except ServiceError as error:
            status_code = add_service_error(errors, error)
        return await self._form(request, user, bid, pledge, values, errors, status_code=status_code, version=version)

    @post("/pledges/{pledge_id:int}/withdraw")
    async def withdraw(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, pledge_id: FromPath[int]
    ) -> Response[Any]:
        pledge = await pledges.read_pledge(user, pledge_id)
        bid = await member_bid(user, pledge.bid_id)
        form = await request.form()
        version = forms.text(form, "version")
        # Asked of those the page offers it to; anyone else is refused by the withdrawal at once (a viewer 403; a
        # pledge withdrawn already, or a bid no longer taking changes, 409).
        offered = pledge.status != "withdrawn" and bid.accepting_changes
        if offered and user.may(pledge.organisation_id, Permission.EDIT) and not confirm.confirmed(form):
            return await confirm.ask(request, confirm.pledge_withdrawal(pledge, bid, version))
        try:
            await pledges.withdraw_pledge(settings, user, pledge_id, version)
        except ServiceError as error:
            errors = forms.FormErrors()
            errors.add(None, error.message)
            covered = {c.district_code for c in await self._coverage_for(user, bid, pledge.organisation_id)}
            values = pledge_values(pledge, covered)
            return await self._form(
                request, user, bid, pledge, values, errors, status_code=error.status_code, version=version
            )
        if confirm.never_submitted(pledge):
            return redirect(request, f"/bids/{bid.id}", "Your draft pledge is deleted.", kind="info")
        return redirect(
            request,
            f"/pledges/{pledge_id}",
            "Your pledge is withdrawn. It no longer counts towards the bid.",
            kind="info",
        )

    @get("/pledges/{pledge_id:int}/history", name="pledge-history")
    async def history(self, request: PageRequest, user: CurrentUser, pledge_id: FromPath[int]) -> Response[Any]:
        pledge = await pledges.read_pledge(user, pledge_id)
        bid = await bids.read_bid(user, pledge.bid_id, include_withdrawn=True)
        events = await pledges.pledge_history(user, pledge_id)
        return await render(
            request,
            "member/history.html",
            {"pledge": pledge, "bid": bid, "events": [describe_event(e) for e in events]},
        )

    async def _organisation_of(self, user: Principal, bid_id: int) -> int:
        members = await bids.list_members(user, bid_id)
        mine = [m.organisation_id for m in members if user.acts_for(m.organisation_id)]
        if not mine:
            raise NotFound(BID_NOT_FOUND)
        # One it may pledge for first: a person who is a viewer in one organisation and an editor in another
        # starts with the form it can use.
        return next((org for org in mine if user.may(org, Permission.EDIT)), mine[0])

    async def _coverage_for(self, user: Principal, bid: bid_schemas.Bid, organisation_id: int) -> list[Any]:
        if bid.your_role != "member":
            return []
        return await _coverage_rows(user, organisation_id)

    async def _form(
        self,
        request: PageRequest,
        user: Principal,
        bid: bid_schemas.Bid,
        pledge: schemas.Pledge | None,
        values: dict[str, Any],
        errors: forms.FormErrors,
        *,
        status_code: int = 200,
        version: str | None = None,
    ) -> Response[Any]:
        organisation_id = pledge.organisation_id if pledge else int(values["organisation_id"] or 0)
        # A withdrawn organisation no longer reads the bid's member list; it only reads its own pledge here.
        members = await bids.list_members(user, bid.id) if bid.your_role != "withdrawn" else []
        # The organisations it may pledge for: those where its role is editor or signatory.
        own = [
            (str(m.organisation_id), m.name, None)
            for m in members
            if user.acts_for(m.organisation_id) and user.may(m.organisation_id, Permission.EDIT)
        ]
        may_edit = bool(organisation_id) and user.may(organisation_id, Permission.EDIT)
        deleted = pledge is not None and confirm.deleted_draft(pledge)  # a draft deleted stays deleted
        editable = bid.your_role == "member" and bid.accepting_changes and may_edit and not deleted
        role = ROLE_BY_KEY.get(user.role_in(organisation_id) or "") if organisation_id else None
        coverage = await self._coverage_for(user, bid, organisation_id) if organisation_id else []
        return await render(
            request,
            "member/pledge.html",
            {
                "bid": bid,
                "pledge": pledge,
                "values": values,
                "errors": errors,
                "version": version if version is not None else (str(pledge.version) if pledge else ""),
                "editable": editable,
                "deleted_draft": deleted,
                # A member whose role there is viewer: read only, told so and whom to ask.
                "read_only_role": bid.your_role == "member" and bid.accepting_changes and not may_edit,
                "may_sign": bool(organisation_id) and user.may(organisation_id, Permission.SIGN),
                "role_label": role.label.lower() if role else "",
                "who_may_edit": await organisations.who_may(user, organisation_id, Permission.EDIT)
                if organisation_id and not may_edit
                else [],
                "who_may_sign": await organisations.who_may(user, organisation_id, Permission.SIGN)
                if organisation_id and may_edit and not user.may(organisation_id, Permission.SIGN)
                else [],
                "own_organisations": own,
                "coverage": coverage,
                "member_rules": [r for r in bid.rules if r.scope == "member"],
            },
            status_code=status_code,
        )


ACTION_WORDS = {
    "pledge.create": "Pledge made",
    "pledge.update": "Changed",
    "pledge.submit": "Submitted",
    "pledge.withdraw": "Withdrawn",
}
FIELD_WORDS = {
    "amount_pence": "Amount",
    "purpose": "What it is for",
    "themes": "Themes",
    "areas": "Districts",
    "board_approved": "Board approval",
    "conditions": "Conditions",
    "status": "Status",
}


def _value_text(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if key == "amount_pence":
        return format_pence(int(value))
    if key == "board_approved":
        return "approved" if value else "not approved"
    if key == "themes":
        return ", ".join(str(v) for v in value)
    if key == "areas":
        reference = districts()
        names = []
        for area in value:
            code = area.get("district_code", "") if isinstance(area, dict) else str(area)
            name = reference[code].name if code in reference else code
            amount = area.get("amount_pence") if isinstance(area, dict) else None
            names.append(f"{name} ({format_pence(int(amount))})" if amount else name)
        return ", ".join(names)
    return str(value)


DRAFT_DELETED = "Draft deleted"  # a draft withdrawn before it was ever submitted
DRAFT_CHANGE_NOTE = "Made while the pledge was a draft: what it said then is seen only by its organisation."


def describe_event(event: schemas.PledgeEvent) -> dict[str, Any]:
    before = event.before or {}
    after = event.after or {}
    # Others read a draft's changes with their content left out (pledges.services.without_draft_content).
    content_left_out = event.action in {"pledge.create", "pledge.update"} and set(after) <= {"status", "version"}
    changes = []
    for key, words in FIELD_WORDS.items():
        if key in after and (event.action == "pledge.create" or before.get(key) != after.get(key)):
            if event.action == "pledge.create" and key == "status":
                continue
            changes.append(
                {
                    "field": words,
                    "before": _value_text(key, before.get(key)) if key in before else None,
                    "after": _value_text(key, after[key]),
                }
            )
    return {
        "at": event.at,
        "by": event.by,
        "action": DRAFT_DELETED
        if event.action == "pledge.withdraw" and before.get("status") == "draft"
        else ACTION_WORDS.get(event.action, event.action),
        "changes": changes,
        "version": after.get("version"),
        "note": DRAFT_CHANGE_NOTE if content_left_out else "",
    }
