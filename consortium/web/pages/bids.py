"""Bids: the list, creating and changing one, its life cycle, and the convenor's live dashboard."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, QueryParameter
from markupsafe import Markup

from consortium.bids import copying, figures, invitations, privacy, schemas, transitions
from consortium.bids import services as bids
from consortium.errors import NotFound, ServiceError
from consortium.organisations.identifiers import SUPPORTED_PREFIXES
from consortium.pledges import services as pledges
from consortium.reminders import services as reminders
from consortium.reminders.schedule import DEFAULT_DAYS
from consortium.signoffs import services as signoffs
from consortium.timeutil import utc_now
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages import confirm, forms, views
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import pounds_input, redirect, render
from consortium.words import count_text, ratio_text

# A string, because the chooser sends "without=" when no member is chosen: that means "no comparison", not an error.
Without = Annotated[str, QueryParameter(name="without", required=False, max_length=40)]
Seen = Annotated[str, QueryParameter(name="seen", required=False, max_length=40)]


def member_to_leave_out(without: str) -> int | None:
    """The organisation id the "what if" chooser or a member's link asks about; None for none chosen. A value no
    chooser sends (not a whole number, or out of range) shows the dashboard without a comparison."""
    text = without.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text) or None


BID_FIELD_IDS = {
    "network_id": "network_id",
    "title": "title",
    "funder_name": "funder_name",
    "funder_org_id": "funder_org_id",
    "programme": "programme",
    "deadline": "deadline_date",
    "match_funder_part": "match_funder_part",
    "match_consortium_part": "match_consortium_part",
    "match_cap_pence": "match_cap",
    "themes": "themes",
    "reminder_days": "reminder_days",
    "member_figures": "member_figures",
    "require_sign_off": "require_sign_off",
}
# The fields in the order the form shows them, which is the order its error summary lists problems in.
FORM_ORDER = [
    "network_id",
    "title",
    "funder_name",
    "programme",
    "funder_org_id",
    "deadline_date",
    "match_consortium_part",
    "match_funder_part",
    "match_cap",
    "themes",
    "reminder_days",
    "member_figures",
    "require_sign_off",
]
ACTIONS = {
    "open": "The bid is open. Members can now make and change their pledges.",
    "lock": "The bid is locked. Nobody can change pledges until you unlock it.",
    "unlock": "The bid is open again for changes.",
    "submit": "The bid is marked as submitted to the funder.",
}
LIVE_REGIONS = {"figures": ("convenor/_live_figures.html", 5), "members": ("convenor/_live_members.html", 20)}


def reminder_days_text(days: Sequence[int]) -> str:
    return ", ".join(str(day) for day in days)


def read_reminder_days(typed: str, errors: forms.FormErrors) -> list[int] | None:
    """The days typed as "7, 3, 1" (commas, spaces or both between them); None, with what to type in ``errors``,
    when a part is not a whole number. Whether the days are allowed is the services' to say."""
    parts = [part for part in re.split(r"[,;\s]+", typed.strip()) if part]
    if not all(part.isascii() and part.isdigit() and len(part) <= 6 for part in parts):
        errors.add(
            "reminder_days",
            "Enter the reminder days as whole numbers of days before the deadline, separated by commas, like 7, 3, 1.",
        )
        return None
    return [int(part) for part in parts]


def bid_form_values(bid: schemas.Bid | None = None, reminder_days: Sequence[int] = DEFAULT_DAYS) -> dict[str, Any]:
    if bid is None:
        return {
            "network_id": "",
            "title": "",
            "funder_name": "",
            "funder_org_id": "",
            "programme": "",
            "deadline_date": "",
            "deadline_time": "12:00",
            "match_consortium_part": "1",
            "match_funder_part": "1",
            "match_cap": "",
            "themes": "",
            "reminder_days": reminder_days_text(reminder_days),
            "member_figures": privacy.BANDS,
            "require_sign_off": False,
        }
    return {
        "network_id": str(bid.network_id),
        "title": bid.title,
        "funder_name": bid.funder_name,
        "funder_org_id": bid.funder_org_id or "",
        "programme": bid.programme,
        "deadline_date": forms.uk_date_value(bid.deadline),
        "deadline_time": forms.uk_time_value(bid.deadline),
        "match_consortium_part": str(bid.match_consortium_part),
        "match_funder_part": str(bid.match_funder_part),
        "match_cap": pounds_input(bid.match_cap_pence),
        "themes": "\n".join(bid.themes),
        "reminder_days": reminder_days_text(reminder_days),
        "member_figures": bid.member_figures,
        "require_sign_off": bid.require_sign_off,
    }


def read_member_figures(values: dict[str, Any], errors: forms.FormErrors) -> Any:
    """What members see of the consortium's figures, as chosen; UNSET when the form did not say (it stays as it is)."""
    chosen = values["member_figures"]
    if chosen in (privacy.BANDS, privacy.FIGURES):
        return chosen
    if chosen:
        errors.add("member_figures", "Choose what members see of the consortium's figures: ranges or exact figures.")
    return msgspec.UNSET


def read_bid_form(form: FormMultiDict, errors: forms.FormErrors) -> tuple[dict[str, Any], schemas.BidUpdate]:
    """What was typed (to show again) and the bid's terms as far as they could be read: a field whose text is not
    a value (a date, a whole number, an amount in pounds) is left out, with what to type instead in ``errors``.
    Whether the terms are right (a deadline still to come, the limits, the funder's identifier) is the services'
    to say, in the same round (``bids.check_terms``)."""
    values = {key: forms.text(form, key) for key in bid_form_values()}
    values["themes"] = forms.raw(form, "themes").strip()

    def read(value: Any, field_id: str) -> Any:
        """The value read, or UNSET when reading it added a problem on ``field_id``."""
        return msgspec.UNSET if errors.for_field(field_id) else value

    deadline = forms.uk_datetime(
        values["deadline_date"], values["deadline_time"], "deadline_date", errors, what="the deadline"
    )
    consortium_part = forms.whole_number(
        values["match_consortium_part"], "match_consortium_part", errors, what="the pounds members pledge"
    )
    funder_part = forms.whole_number(
        values["match_funder_part"], "match_funder_part", errors, what="the pounds the funder adds"
    )
    cap = forms.pounds(values["match_cap"], "match_cap", errors, what="the most the funder will add", required=False)
    days = read_reminder_days(values["reminder_days"], errors)
    member_figures = read_member_figures(values, errors)
    sign_off = forms.checked(form, "require_sign_off")
    terms = schemas.BidUpdate(
        title=values["title"],
        funder_name=values["funder_name"],
        funder_org_id=values["funder_org_id"] or None,
        programme=values["programme"],
        deadline=read(deadline, "deadline_date"),
        match_consortium_part=read(consortium_part, "match_consortium_part"),
        match_funder_part=read(funder_part, "match_funder_part"),
        match_cap_pence=read(cap, "match_cap"),
        themes=forms.lines(values["themes"]),
        reminder_days=msgspec.UNSET if days is None else days,
        member_figures=member_figures,
        require_sign_off=sign_off,
    )
    return {**values, "require_sign_off": sign_off}, terms


def in_form_order(errors: forms.FormErrors) -> None:
    """The problems in the order the form shows its fields, as its error summary lists them."""
    errors.items.sort(key=lambda item: FORM_ORDER.index(item[0]) if item[0] in FORM_ORDER else len(FORM_ORDER))


def given(terms: schemas.BidUpdate) -> dict[str, Any]:
    """The terms that were read, by name."""
    return {name: value for name in terms.__struct_fields__ if (value := getattr(terms, name)) is not msgspec.UNSET}


COPY_FORM_ORDER = ("title", "deadline_date", "members")


def _copy_context(plan: copying.CopyPlan, values: dict[str, Any], errors: forms.FormErrors) -> dict[str, Any]:
    """The "start a new bid from this one" page: what will be copied, and the form for what will not."""
    bid = plan.bid
    return {
        "bid": bid,
        "plan": plan,
        "ratio": ratio_text(bid.match_funder_part, bid.match_consortium_part),
        "reminder_days": reminder_days_text(bid.reminder_days),
        "values": values,
        "errors": errors,
        "tab": "",
    }


def _copied_message(plan: copying.CopyPlan, members: bool) -> str:
    rules = count_text(len(plan.bid.rules), "rule")
    message = f"New draft bid started from ‘{plan.bid.title}’, with its terms and {rules}."
    invited = [member for member in plan.members if member.emails] if members else []
    if invited:
        people = count_text(len(plan.emails), "person", "people")
        message += f" {count_text(len(invited), 'member organisation')} invited by email ({people})."
    return message


async def _network_choices(user: CurrentUser) -> list[tuple[str, str, None]]:
    return [(str(n), await bids.network_name(n), None) for n in sorted(user.convenor_network_ids)]


class BidPages(PageController):
    @get("/bids", name="bids")
    async def index(self, request: PageRequest, user: CurrentUser) -> Response[Any]:
        listed = await bids.list_bids(user)
        waiting = await invitations.waiting_for_approval(user)
        return await render(request, "bids.html", {"bids": listed, "waiting": waiting, "now": utc_now()})

    @get("/bids/new", name="bid-new")
    async def new(self, request: PageRequest, user: CurrentUser) -> Response[Any]:
        if not user.convenor_network_ids:
            raise NotFound("Only network convenors can start a bid.")
        values = bid_form_values()
        values["network_id"] = str(min(user.convenor_network_ids))
        return await render(request, "convenor/bid_form.html", await self._form_context(user, values, None))

    @post("/bids/new")
    async def create(self, request: PageRequest, user: CurrentUser) -> Response[Any]:
        if not user.convenor_network_ids:
            raise NotFound("Only network convenors can start a bid.")
        form = await request.form()
        errors = forms.FormErrors()
        values, terms = read_bid_form(form, errors)
        network = forms.whole_number(values["network_id"], "network_id", errors, what="the network", low=1)
        try:
            if errors or network is None:  # the rest of the form, checked in the same round
                bids.check_terms(terms, future_deadline=True)
            else:
                bid = await bids.create_bid(user, schemas.BidCreate(network_id=network, **given(terms)))
                return redirect(request, f"/bids/{bid.id}/rules", "Bid saved as a draft. Next, set its rules.")
        except ServiceError as error:
            errors.add_service_error(error, BID_FIELD_IDS)
        in_form_order(errors)
        return await render(
            request, "convenor/bid_form.html", await self._form_context(user, values, None, errors), status_code=422
        )

    @get("/bids/{bid_id:int}/edit", name="bid-edit")
    async def edit(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        return await render(
            request,
            "convenor/bid_form.html",
            await self._form_context(user, bid_form_values(bid, await reminders.reminder_days(bid_id)), bid),
        )

    @post("/bids/{bid_id:int}/edit")
    async def update(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        errors = forms.FormErrors()
        values, terms = read_bid_form(await request.form(), errors)
        values["network_id"] = str(bid.network_id)
        try:
            if errors:  # the rest of the form, checked in the same round
                bids.check_terms(terms, future_deadline=bids.future_deadline_needed(bid))
            else:
                await bids.update_bid(user, bid_id, terms)
                return redirect(request, f"/bids/{bid_id}", "Bid details saved.")
        except ServiceError as error:
            errors.add_service_error(error, BID_FIELD_IDS)
        in_form_order(errors)
        return await render(
            request, "convenor/bid_form.html", await self._form_context(user, values, bid, errors), status_code=422
        )

    async def _form_context(
        self, user: CurrentUser, values: dict[str, Any], bid: schemas.Bid | None, errors: forms.FormErrors | None = None
    ) -> dict[str, Any]:
        return {
            "bid": bid,
            "values": values,
            "errors": errors or forms.FormErrors(),
            "networks": await _network_choices(user) if bid is None else [],
            "prefixes": SUPPORTED_PREFIXES,
            "figure_choices": privacy.CHOICES,
            "tab": "details",
        }

    @get("/bids/{bid_id:int}/copy", name="bid-copy")
    async def copy_form(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        await convenor_bid(user, bid_id)
        plan = await copying.copy_plan(user, bid_id)
        values = {"title": "", "deadline_date": "", "deadline_time": "12:00", "members": True}
        return await render(request, "convenor/bid_copy.html", _copy_context(plan, values, forms.FormErrors()))

    @post("/bids/{bid_id:int}/copy")
    async def copy(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        await convenor_bid(user, bid_id)
        plan = await copying.copy_plan(user, bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        values = {key: forms.text(form, key) for key in ("title", "deadline_date", "deadline_time")}
        members = forms.checked(form, "members")
        deadline = forms.uk_datetime(
            values["deadline_date"], values["deadline_time"], "deadline_date", errors, what="the deadline"
        )
        try:
            if deadline is None:  # the title too, checked in the same round
                bids.check_terms(schemas.BidUpdate(title=values["title"]), future_deadline=True)
            else:
                new_id = await copying.copy_bid(
                    settings, user, bid_id, title=values["title"], deadline=deadline, members=members
                )
                return redirect(request, f"/bids/{new_id}", _copied_message(plan, members))
        except ServiceError as error:
            errors.add_service_error(error, BID_FIELD_IDS)
        errors.in_order(COPY_FORM_ORDER)
        context = _copy_context(plan, {**values, "members": members}, errors)
        return await render(request, "convenor/bid_copy.html", context, status_code=422)

    @get("/bids/{bid_id:int}", name="bid")
    async def show(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], without: Without = ""
    ) -> Response[Any]:
        bid = await bids.read_bid(user, bid_id)
        if bid.your_role == "convenor":
            view = await views.dashboard(user, bid, member_to_leave_out(without))
            context: dict[str, Any] = {"bid": bid, "view": view, "tab": "dashboard", "now": utc_now(), "to_chase": 0}
            if bid.status == "open":  # members can only be chased while they can still act
                described = {rule.key: rule.description for rule in bid.rules}
                context["to_chase"] = await reminders.members_to_chase(
                    bid.id, described, view.eligibility.members, context["now"]
                )
            context["sign_offs"] = await signoffs.tracker(user, bid.id)
            for region in LIVE_REGIONS:
                context[f"live_{region}"] = self._live_html(request, region, context)
            return await render(request, "convenor/dashboard.html", context)
        return await self._member_overview(request, user, bid)

    async def _member_overview(self, request: PageRequest, user: CurrentUser, bid: schemas.Bid) -> Response[Any]:
        found = await figures.dashboard_figures(user, bid.id)
        totals, eligibility = found.totals, found.eligibility
        own = await pledges.list_pledges(user, bid.id) if bid.your_role == "member" else []
        own = [p for p in own if not confirm.deleted_draft(p)]  # a deleted draft is no longer its pledge
        members = await bids.list_members(user, bid.id) if bid.your_role == "member" else []
        return await render(
            request,
            "member/bid.html",
            {
                "bid": bid,
                "totals": totals,
                "eligibility": eligibility,
                "pledges": own,
                "members": members,
                "member_rules": [r for r in eligibility.rules if r.scope == "member"],
                "consortium_rules": [r for r in eligibility.rules if r.scope == "consortium"],
                "own_results": eligibility.members,
                "now": utc_now(),
                "sign_off_waiting": await signoffs.waiting_for(user, bid.id) if bid.your_role == "member" else None,
            },
        )

    def _live_html(self, request: PageRequest, region: str, context: dict[str, Any]) -> Markup:
        template, seconds = LIVE_REGIONS[region]
        inner = views.render_string(request, template, context)
        bid: schemas.Bid = context["bid"]
        wrapper = views.render_string(
            request,
            "convenor/_live_wrapper.html",
            {
                "region": region,
                "inner": Markup(inner),  # noqa: S704 - rendered by our own autoescaping templates
                "url": f"/bids/{bid.id}/live/{region}?seen={views.fingerprint(inner)}",
                "seconds": seconds,
            },
        )
        return Markup(wrapper)  # noqa: S704 - rendered by our own autoescaping templates

    @get("/bids/{bid_id:int}/live/{region:str}", name="bid-live")
    async def live(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], region: FromPath[str], seen: Seen = ""
    ) -> Response[Any]:
        if region not in LIVE_REGIONS:
            raise NotFound("There is nothing at this address.")
        bid = await convenor_bid(user, bid_id)
        view = await views.dashboard(user, bid)
        context = {"bid": bid, "view": view, "now": utc_now()}
        inner = views.render_string(request, LIVE_REGIONS[region][0], context)
        if seen and seen == views.fingerprint(inner):
            return Response(content=b"", status_code=204, headers={"Cache-Control": "no-store"})
        return Response(
            content=str(self._live_html(request, region, context)),
            media_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    @get("/bids/{bid_id:int}/what-if", name="bid-what-if")
    async def what_if(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], without: Without = ""
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        view = await views.dashboard(user, bid, member_to_leave_out(without))
        return await render(request, "convenor/_what_if.html", {"bid": bid, "view": view}, fragment=True)

    @post("/bids/{bid_id:int}/status/{action:str}", name="bid-status")
    async def change_status(
        self,
        request: PageRequest,
        user: CurrentUser,
        settings: AppSettings,
        bid_id: FromPath[int],
        action: FromPath[str],
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        if action not in ACTIONS:
            raise NotFound("There is nothing at this address.")
        asked = await confirm.bid_status(user, bid, action)
        if asked is not None and not confirm.confirmed(await request.form()):
            return await confirm.ask(request, asked)
        try:
            await transitions.transition(settings, user, bid_id, action)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}", error.message, kind="error")
        return redirect(request, f"/bids/{bid_id}", ACTIONS[action])
