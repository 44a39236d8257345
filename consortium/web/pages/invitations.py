"""Invitations: the convenor invites organisations (pasted addresses or a CSV file) and sees where each one has
got to; a person opens their link (/invitations/{token}) to create an account and join with their organisation."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
import re
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.params import FromPath

from consortium.accounts import resets
from consortium.accounts import services as accounts
from consortium.accounts.principal import Principal
from consortium.accounts.security import MIN_PASSWORD_LENGTH
from consortium.bids import invitations, schemas
from consortium.errors import ServiceError
from consortium.imports import members
from consortium.organisations.identifiers import SUPPORTED_PREFIXES
from consortium.organisations.schemas import OrganisationCreate
from consortium.timeutil import UK, as_utc, utc_now
from consortium.web.cookies import new_session_cookie
from consortium.web.identity import AppSettings, CurrentUser, MaybeUser
from consortium.web.pages import confirm, forms
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import redirect, render
from consortium.words import ORG_TYPE_NAMES, count_text, short_datetime_text

MAX_CSV_BYTES = 100_000
CSV_TYPES = {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "text/comma-separated-values"}
# No "@" before the one taken: otherwise a long run of "a@a@a@..." is tried at every "@" (quadratic time).
_ANGLED = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")
# Pasted addresses: room for the 2,000 entries a list may have (consortium.schemas), refused unread beyond it.
MAX_PASTED_CHARS = 200_000
_CHUNKS = re.compile(r"[,;\n]+")

# The accept use case's field names (consortium.bids.invitations.accept_invitation) -> this form's inputs.
ACCEPT_FIELD_IDS = {
    "name": "name",
    "password": "password",
    "organisation_id": "choice",
    "organisation": "org_name",
    "organisation.name": "org_name",
    "organisation.org_type": "org_type",
    "organisation.org_id": "org_id",
    "organisation.homes": "homes",
    "organisation.website": "website",
    "organisation.contact_email": "contact_email",
    "org_id": "org_id",  # another member of the network has this identifier (found as the organisation joins)
}
ACCEPT_FIELD_ORDER = (
    *("name", "password", "choice", "org_name", "org_type", "org_id", "homes", "contact_email", "website"),
)


def split_addresses(text: str) -> list[str]:
    """Addresses as people paste them: one a line, or separated by commas, semicolons or spaces, or as
    'Name <address>'."""
    found: list[str] = []
    for chunk in _CHUNKS.split(text):
        angled = _ANGLED.findall(chunk)
        if angled:
            found += angled
            continue
        found += [part.strip("\"'<>()") for part in chunk.split() if part.strip("\"'<>()")]
    return found


def upload_size(upload: UploadFile) -> int:
    """The whole size of an uploaded file in bytes (only the first part of a large one is read)."""
    position = upload.file.tell()
    size = upload.file.seek(0, io.SEEK_END)
    upload.file.seek(position)
    return size


def addresses_from_csv(
    upload_name: str, content_type: str, data: bytes, errors: forms.FormErrors, *, size: int | None = None
) -> list[str]:
    """Every email address in a CSV file (any column; header rows are skipped as they hold no address). ``size`` is
    the file's whole size when ``data`` is only its first part."""
    size = max(size or 0, len(data))
    if size > MAX_CSV_BYTES:
        errors.add(
            "csv",
            f"This file is {math.ceil(size / 1000):,} KB; the most we accept is {MAX_CSV_BYTES // 1000} KB. "
            "Split the list into smaller files.",
        )
        return []
    base_type = content_type.split(";")[0].strip().lower()
    if not upload_name.lower().endswith((".csv", ".txt")) or (base_type and base_type not in CSV_TYPES):
        errors.add("csv", "The file must be a CSV file (a spreadsheet saved as ‘CSV’), ending in .csv.")
        return []
    if b"\x00" in data:
        errors.add("csv", "That file is not a CSV text file. Save the spreadsheet as ‘CSV’ and upload that.")
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    found: list[str] = []
    try:
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if "@" in cell:
                    found += split_addresses(cell)
    except csv.Error as error:
        errors.add("csv", f"We could not read that CSV file ({error}). Save it again as CSV and upload it.")
        return []
    if not found:
        errors.add("csv", f"We found no email addresses in {upload_name}.")
    return found


def _clock(value: Any, now: Any) -> str:
    """'10:42' today (UK time), else '3 Jul 2026, 10:42'."""
    local, today = as_utc(value).astimezone(UK), as_utc(now).astimezone(UK)
    return f"{local:%H:%M}" if local.date() == today.date() else short_datetime_text(value)


def delivery_text(delivery: schemas.Delivery | None, now: Any = None) -> str:
    """Where an invitation's email has got to, in words: "Sent" only once the mail server has accepted it."""
    now = now or utc_now()
    if delivery is None:
        return "Not emailed"
    if delivery.state == "sent" and delivery.sent_at is not None:
        return f"Sent {_clock(delivery.sent_at, now)}"
    if delivery.state == "failed":
        return f"Failed: {delivery.last_error or 'the mail server refused it'}"
    if delivery.next_attempt_at is not None:
        return f"Trying again at {_clock(delivery.next_attempt_at, now)}"
    return "Sending" if delivery.state == "sending" else "Queued"


async def _invitation_context(
    user: Principal, bid: schemas.Bid, *, new_links: list[schemas.Invitation] | None = None, **extra: Any
) -> dict[str, Any]:
    listed = await invitations.list_invitations(user, bid.id)
    counts: dict[str, int] = {}
    for invitation in listed:
        counts[invitation.status] = counts.get(invitation.status, 0) + 1
    return {
        "bid": bid,
        "invitations": listed,
        "deliveries": {invitation.id: delivery_text(invitation.delivery) for invitation in listed},
        "counts": counts,
        "new_links": new_links or [],
        "tab": "invitations",
        "max_csv_kb": MAX_CSV_BYTES // 1000,
        "values": {"emails": ""},
        "errors": forms.FormErrors(),
        "people": await resets.people_of_bid(user, bid.id),
        "reset_link": None,
        "member_list": None,  # a checked (or partly invited) member list: good rows and problems
        "member_list_file": None,  # the checked file, carried in the form that sends its invitations
        "max_member_list_mb": members.MAX_MEMBER_LIST_BYTES // 1_000_000,
        **extra,
    }


def _carried(filename: str, content: bytes) -> dict[str, str]:
    return {"name": filename, "data": base64.b64encode(content).decode("ascii")}


class InvitationPages(PageController):
    @get("/bids/{bid_id:int}/invitations", name="bid-invitations")
    async def index(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        return await render(request, "convenor/invitations.html", await _invitation_context(user, bid))

    @post("/bids/{bid_id:int}/invitations")
    async def create(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        pasted = forms.raw(form, "emails")
        if len(pasted) > MAX_PASTED_CHARS:
            errors.add(
                "emails",
                f"The pasted list is {len(pasted):,} characters long; paste at most {MAX_PASTED_CHARS:,} (a few "
                "hundred addresses) at a time, or upload them as a CSV file.",
            )
            pasted = ""  # not sent back: a page carrying it all again would be as slow to make as to read
        addresses = split_addresses(pasted) if not errors else []
        upload: UploadFile | None = forms.upload(form, "csv")
        if upload is not None:
            size = upload_size(upload)
            data = await forms.read_upload(upload, MAX_CSV_BYTES)
            addresses += addresses_from_csv(upload.filename, upload.content_type or "", data, errors, size=size)
        await forms.close_uploads(form)  # an empty file field still arrives as an (empty) upload
        if upload is None and not addresses and not errors:
            errors.add("emails", "Enter at least one email address, or upload a CSV file of them.")
        if not errors:
            try:
                created = await invitations.create_invitations(settings, user, bid_id, addresses)
            except ServiceError as error:
                errors.add_service_error(error, {"emails": "emails"}, default="emails")
            else:
                context = await _invitation_context(user, bid, new_links=created)
                return await render(request, "convenor/invitations.html", context, status_code=201)
        context = await _invitation_context(user, bid, values={"emails": pasted}, errors=errors)
        return await render(request, "convenor/invitations.html", context, status_code=422)

    @post("/bids/{bid_id:int}/invitations/import")
    async def import_member_list(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        """Check the convenor's member list and show its good rows and problems (mode=check), then, from that
        preview, send the invitations (the file is carried in the preview's form, so nothing is kept meanwhile)."""
        bid = await convenor_bid(user, bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        mode = forms.text(form, "mode") or "check"
        content, filename = b"", ""
        upload: UploadFile | None = forms.upload(form, "member_list")
        if upload is not None:
            filename = upload.filename
            content = await forms.read_upload(upload, members.MAX_MEMBER_LIST_BYTES)
        elif carried := forms.raw(form, "member_list_data"):
            filename = forms.text(form, "member_list_name") or "member list"
            try:
                content = base64.b64decode(carried, validate=True)
            except (binascii.Error, ValueError):
                errors.add("member_list", "We could not read the list again. Upload the file once more.")
        await forms.close_uploads(form)
        if not content and not errors:
            errors.add("member_list", "Choose your member list: a CSV or Excel file.")
        status_code = 422
        if not errors:
            try:
                report = await members.import_member_list(settings, user, bid_id, content, filename, mode)
            except members.ListHasProblems as refused:
                context = await _invitation_context(
                    user, bid, member_list=refused.report, member_list_file=_carried(filename, content)
                )
                return await render(request, "convenor/invitations.html", context, status_code=422)
            except ServiceError as error:
                errors.add_service_error(error, {"file": "member_list", "mode": "member_list"}, default="member_list")
                status_code = error.status_code if error.status_code in {413, 409} else 422
            else:
                if report.invited:
                    context = await _invitation_context(user, bid, new_links=report.invitations, member_list=report)
                    return await render(request, "convenor/invitations.html", context, status_code=201)
                context = await _invitation_context(
                    user, bid, member_list=report, member_list_file=_carried(filename, content)
                )
                return await render(request, "convenor/invitations.html", context)
        context = await _invitation_context(user, bid, errors=errors)
        return await render(request, "convenor/invitations.html", context, status_code=status_code)

    @post("/bids/{bid_id:int}/invitations/{invitation_id:int}/resend")
    async def resend(
        self,
        request: PageRequest,
        user: CurrentUser,
        settings: AppSettings,
        bid_id: FromPath[int],
        invitation_id: FromPath[int],
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        try:
            fresh = await invitations.resend_invitation(settings, user, bid_id, invitation_id)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}/invitations", error.message, kind="error")
        context = await _invitation_context(user, bid, new_links=[fresh], resent=True)
        return await render(request, "convenor/invitations.html", context)

    @post("/bids/{bid_id:int}/people/reset-link")
    async def reset_link(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        """A password reset link for a person acting for one of the bid's members, shown once on this page."""
        bid = await convenor_bid(user, bid_id)
        form = await request.form()
        try:
            issued = await resets.issue_reset_link(settings, forms.text(form, "email"), by=user)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}/invitations#people-title", error.message, kind="error")
        context = await _invitation_context(user, bid, reset_link=issued)
        return await render(request, "convenor/invitations.html", context, status_code=201)

    @post("/bids/{bid_id:int}/members/{organisation_id:int}/approve")
    async def approve(
        self,
        request: PageRequest,
        settings: AppSettings,
        user: CurrentUser,
        bid_id: FromPath[int],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        await convenor_bid(user, bid_id)
        try:
            member = await invitations.approve_member(settings, user, bid_id, organisation_id)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}/invitations", error.message, kind="error")
        return redirect(request, f"/bids/{bid_id}/invitations", f"{member.name} has joined the bid.")

    @post("/bids/{bid_id:int}/members/{organisation_id:int}/refuse")
    async def refuse(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        asked = await confirm.refusal(user, bid, organisation_id)
        if asked is not None and not confirm.confirmed(await request.form()):
            return await confirm.ask(request, asked)
        try:
            message = await invitations.refuse_member(user, bid_id, organisation_id)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}/invitations", error.message, kind="error")
        return redirect(request, f"/bids/{bid_id}/invitations", message, kind="info")


# --- accepting --------------------------------------------------------------------------------------------------------


def _blank_accept_values() -> dict[str, str]:
    return {
        **{"name": "", "choice": "new", "org_name": "", "org_type": "", "org_id": "", "homes": ""},
        **{"contact_email": "", "website": ""},
    }


def _start_values(info: invitations.InvitationDetails) -> dict[str, str]:
    """The form as the person first sees it: the convenor's member list's details of the organisation filled in to
    confirm or change, and, for someone already acting for an organisation of this network, that one chosen."""
    values = _blank_accept_values()
    prefill = info.prefill
    if prefill is not None:
        values.update(
            org_name=prefill.name or "",
            org_id=prefill.org_id or "",
            homes=f"{prefill.homes:,}" if prefill.homes is not None else "",
            contact_email=prefill.contact_email or "",
        )
    joinable = [o for o in info.your_organisations if o.may_join]
    same = [
        o
        for o in joinable
        if prefill is not None
        and ((prefill.org_id and o.org_id == prefill.org_id) or (prefill.name or "").casefold() == o.name.casefold())
    ]
    chosen = same or [o for o in joinable if o.in_this_network]
    if chosen:
        values["choice"] = str(chosen[0].id)
    return values


def _organisation_summary(organisation: invitations.YourOrganisation, network: str) -> str:
    """One organisation's profile and coverage in a line, as it would join."""
    parts = [organisation.org_type_name]
    if organisation.org_id:
        parts.append(organisation.org_id)
    if organisation.homes is not None:
        parts.append(f"{organisation.homes:,} homes")
    if organisation.districts:
        names = ", ".join(organisation.district_names[:3])
        more = organisation.districts - 3
        parts.append(
            f"{count_text(organisation.districts, 'district')} ({names}{f' and {more:,} more' if more > 0 else ''})"
        )
    else:
        parts.append("no districts yet")
    if organisation.contact_email:
        parts.append(f"contact {organisation.contact_email}")
    line = " · ".join(parts) + "."
    if organisation.in_this_network:
        line += f" Already a member of {network}'s bids."
    return line + " It joins with these details and districts; change them any time from its page."


def _own_organisations(info: invitations.InvitationDetails) -> list[tuple[str, str, str]]:
    return [
        (str(o.id), o.name, _organisation_summary(o, info.network_name)) for o in info.your_organisations if o.may_join
    ]


class AcceptPages(PageController):
    @get("/invitations/{token:str}", name="invitation")
    async def show(self, request: PageRequest, principal: MaybeUser, token: FromPath[str]) -> Response[Any]:
        info = await invitations.invitation_info(token, principal)
        return await self._page(request, principal, token, info, _start_values(info), forms.FormErrors())

    @post("/invitations/{token:str}")
    async def accept(
        self, request: PageRequest, principal: MaybeUser, settings: AppSettings, token: FromPath[str]
    ) -> Response[Any]:
        info = await invitations.invitation_info(token, principal)
        form = await request.form()
        values = {key: forms.text(form, key) for key in _blank_accept_values()}
        password = forms.raw(form, "password")
        errors = forms.FormErrors()
        data = self._read(principal, values, password, errors)
        try:
            if errors:  # the rest of the form, checked in the same round
                if data is not None:
                    await invitations.check_acceptance(principal, token, data)
            else:
                assert data is not None
                accepted, who = await invitations.accept_invitation(settings, principal, token, data)
                cookies: list[Cookie] = []
                if principal is None:
                    cookies.append(await new_session_cookie(request, settings, who.user_id))
                if accepted.status == "pending":
                    # Nothing of the bid is theirs to see until the convenor approves.
                    return redirect(request, "/bids", accepted.message, kind="info", cookies=cookies)
                return redirect(
                    request,
                    f"/bids/{accepted.bid_id}",
                    f"You have joined ‘{info.bid_title}’. Next, add the districts you work in, then make your pledge.",
                    cookies=cookies,
                )
        except ServiceError as error:
            errors.add_service_error(error, ACCEPT_FIELD_IDS)
        errors.in_order(ACCEPT_FIELD_ORDER)
        return await self._page(request, principal, token, info, values, errors, status_code=422)

    def _read(
        self, principal: Principal | None, values: dict[str, str], password: str, errors: forms.FormErrors
    ) -> schemas.AcceptInvitation | None:
        """What was typed, as the accept use case takes it; only a number that is not a whole number is this
        page's to refuse (on ``errors``). Whether the rest is right is the service's to say. None when the chosen
        organisation cannot be read (then there is nothing more to check)."""
        existing = values["choice"] if principal is not None and values["choice"] != "new" else ""
        if existing:
            number = forms.whole_number(existing, "choice", errors, what="your organisation", low=1)
            return None if number is None else schemas.AcceptInvitation(organisation_id=number)
        homes = forms.whole_number(values["homes"], "homes", errors, what="the number of homes", required=False)
        organisation = OrganisationCreate(
            name=values["org_name"],
            org_type=values["org_type"],  # type: ignore[arg-type]  # checked by the service, as the API's is
            org_id=values["org_id"] or None,
            homes=homes,
            website=values["website"] or None,
            contact_email=values["contact_email"] or None,
        )
        if principal is not None:  # joining as themselves: their name and password are not asked for
            return schemas.AcceptInvitation(organisation=organisation)
        return schemas.AcceptInvitation(name=values["name"], password=password, organisation=organisation)

    async def _page(
        self,
        request: PageRequest,
        principal: Principal | None,
        token: str,
        info: invitations.InvitationDetails,
        values: dict[str, str],
        errors: forms.FormErrors,
        *,
        status_code: int = 200,
    ) -> Response[Any]:
        has_account = principal is None and await accounts.user_id_by_email(info.email) is not None
        return await render(
            request,
            "member/accept.html",
            {
                "token": token,
                "info": info,
                "values": values,
                "errors": errors,
                "has_account": has_account,
                "own_organisations": _own_organisations(info),
                "view_only_organisations": [o for o in info.your_organisations if not o.may_join],
                "org_types": [(key, name, None) for key, name in ORG_TYPE_NAMES.items()],
                "prefixes": SUPPORTED_PREFIXES,
                "min_password": MIN_PASSWORD_LENGTH,
            },
            status_code=status_code,
        )
