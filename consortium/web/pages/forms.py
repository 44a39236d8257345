"""Reading submitted forms and collecting the problems to show in a form's error summary.

Each problem names the id of the field it belongs to, so the summary can link to the field and the field can show
its message; what a person typed is sent back into the form so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import msgspec
from litestar.datastructures import FormMultiDict, ImmutableMultiDict, MultiDict, UploadFile

from consortium.errors import ServiceError
from consortium.money import MisplacedSeparator, format_pence, parse_pounds
from consortium.organisations.identifiers import InvalidIdentifier, validate_org_id
from consortium.timeutil import UK, as_utc, utc_now
from consortium.validation import control_message, find_control


@dataclass
class FormErrors:
    """Problems with a submitted form: (field id or None, message), in the order the fields appear."""

    items: list[tuple[str | None, str]] = field(default_factory=list)

    def add(self, field_id: str | None, message: str) -> None:
        self.items.append((field_id, message))

    def add_service_error(
        self, error: ServiceError, field_ids: Mapping[str, str] | None = None, default: str | None = None
    ) -> None:
        """A service's refusal, linked to the form's field for the service's ``field`` name when there is one."""
        ids = field_ids or {}
        target = ids.get(error.field, default) if error.field else default
        problems = error.extra.get("problems") if isinstance(error.extra, dict) else None
        if isinstance(problems, list) and 1 < len(problems) <= 12:
            head = error.message.split(". ", 1)[0] if "could not be used" in error.message else None
            if head:
                self.add(target, head + ".")
            for problem in problems:
                self.add(target, str(problem))
            return
        self.add(target, error.message)

    def for_field(self, field_id: str) -> str | None:
        messages = [message for target, message in self.items if target == field_id]
        return " ".join(messages) if messages else None

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def status_code(self) -> int:
        return 422


# --- reading values -------------------------------------------------------------------------------------------------

Fields = FormMultiDict | MultiDict[Any] | ImmutableMultiDict[Any]  # a submitted form, or query parameters


def text(form: Fields, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def raw(form: Fields, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def checked(form: Fields, name: str) -> bool:
    return isinstance(form.get(name), str) and form.get(name) not in ("", "0", "false", "off")


def values(form: Fields, name: str) -> list[str]:
    return [v.strip() for v in form.getall(name, []) if isinstance(v, str) and v.strip()]


def upload(form: Fields, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of an uploaded file (so 'too large' can be told apart), then close it."""
    try:
        return await upload.read(limit + 1)
    finally:
        await upload.close()


async def close_uploads(form: FormMultiDict) -> None:
    for value in form.values():
        if isinstance(value, UploadFile):
            await value.close()


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


_THOUSANDS_WITH_POINTS = re.compile(r"£?\d{1,3}(\.\d{3})+")  # 1.234 or 1.234.567: thousands, written the European way
_TOO_MANY_PENCE = re.compile(r"£?[\d,]*\.\d{3,}")


def pounds(value: str, field_id: str, errors: FormErrors, *, what: str, required: bool = True) -> int | None:
    """Pence from what a person typed as pounds, or None (with a problem added when it was required or wrong).

    Each problem is one sentence naming the field (it is read in the error summary, away from the field) and saying
    what to type instead."""
    if not value.strip():
        if required:
            errors.add(field_id, f"Enter {what} in pounds, for example 25000 or 25,000.50.")
        return None
    try:
        return parse_pounds(value)
    except ValueError as error:
        cleaned = value.strip().replace(" ", "")
        if cleaned.lstrip("£").startswith("-"):
            errors.add(field_id, f"Enter {what} without a minus sign, for example 25000.")
        elif _THOUSANDS_WITH_POINTS.fullmatch(cleaned):
            grouped = cleaned.lstrip("£").replace(".", ",")
            errors.add(
                field_id,
                f"Enter {what} with a comma between thousands, like {grouped}, or without one. A point is only "
                "for pence, with 2 figures after it, like 25000.50.",
            )
        elif _TOO_MANY_PENCE.fullmatch(cleaned):
            errors.add(field_id, f"Enter {what} with at most 2 figures after the point, like 25000.50.")
        elif isinstance(error, MisplacedSeparator):
            errors.add(field_id, f"Write {what} in pounds, like 1,500 or 1500.50. A comma only goes between thousands.")
        else:
            errors.add(field_id, f"Enter {what} as a number of pounds, like 25000 or 25,000.50.")
        return None


def check_identifier(value: str, field_id: str, errors: FormErrors) -> None:
    """Add the problem with an organisation identifier, when one was typed and does not fit its register: the
    services would refuse it too, but only after every other problem was fixed."""
    if value:
        try:
            validate_org_id(value)
        except InvalidIdentifier as error:
            errors.add(field_id, str(error))


def whole_number(
    value: str, field_id: str, errors: FormErrors, *, what: str, required: bool = True, low: int = 0, high: int = 10**9
) -> int | None:
    typed = value.strip()
    if not typed:
        if required:
            errors.add(field_id, f"Enter {what}.")
        return None
    if typed.startswith("-") and re.fullmatch(r"-[\d,]+", typed):
        errors.add(field_id, f"Enter {what} without a minus sign, like 12.")
        return None
    # Commas only between thousands ("1,200"): "10,00" is a typing slip, not a thousand.
    if not re.fullmatch(r"\d+|\d{1,3}(,\d{3})+", typed):
        errors.add(field_id, f"Enter {what} as a whole number, like 12 or 1,200.")
        return None
    number = int(typed.replace(",", ""))
    if not low <= number <= high:
        errors.add(field_id, f"Enter {what} from {low:,} to {high:,}.")
        return None
    return number


def uk_datetime(day: str, at: str, field_id: str, errors: FormErrors, *, what: str) -> datetime | None:
    """A date (YYYY-MM-DD, as date inputs send) and a time (HH:MM) in UK time, as a UTC datetime."""
    if not day.strip():
        errors.add(field_id, f"Enter {what}'s date.")
        return None
    try:
        parsed_day = date.fromisoformat(day.strip())
    except ValueError:
        errors.add(field_id, f"Enter {what}'s date as day, month and year, like 2026-07-03.")
        return None
    at = at.strip() or "12:00"
    try:
        parsed_time = time.fromisoformat(at)
    except ValueError:
        errors.add(field_id, f"Enter {what}'s time as hours and minutes on the 24-hour clock, like 17:00.")
        return None
    local = datetime.combine(parsed_day, parsed_time.replace(tzinfo=None), tzinfo=UK)
    try:
        utc = as_utc(local)
    except OverflowError:
        errors.add(field_id, f"Enter {what}'s date with a year from now on, like {utc_now().year + 1}.")
        return None
    if utc.astimezone(UK).replace(tzinfo=None) != local.replace(tzinfo=None):
        # The hour the clocks skip when they go forward: that time never happens in the UK.
        errors.add(
            field_id,
            f"{local:%H:%M} on {local.day} {local:%B %Y} does not happen in the UK: the clocks go forward an hour "
            "then. Choose a time after 02:00.",
        )
        return None
    return utc


def uk_date_value(value: datetime | None) -> str:
    return "" if value is None else as_utc(value).astimezone(UK).date().isoformat()


def uk_time_value(value: datetime | None) -> str:
    return "" if value is None else f"{as_utc(value).astimezone(UK):%H:%M}"


# --- msgspec constraints --------------------------------------------------------------------------------------------

_LENGTH = re.compile(r"length <= (\d+)")
_RANGE = re.compile(r"Expected `int` (<=|>=) (-?\d+)")


def _target_and_label(
    path: str, labels: Mapping[str, str], field_ids: Mapping[str, str] | None
) -> tuple[str | None, str, str, str]:
    """For a msgspec path ("areas[0].amount_pence"): the form field it belongs to, its label in words, the top-level
    name and the path without list positions."""
    name = path.split(".")[0].split("[")[0]
    leaf = re.sub(r"\[\d+\]", "", path)
    label = labels.get(leaf, labels.get(name, name.removesuffix("_pence").replace("_", " ")))
    target = (field_ids or {}).get(name, name.removesuffix("_pence")) or None
    return target, label, name, leaf


def convert(
    data: dict[str, Any],
    type_: type[Any],
    errors: FormErrors,
    labels: Mapping[str, str],
    field_ids: Mapping[str, str] | None = None,
) -> Any:
    """``data`` as ``type_`` (checking its length and range constraints, and that no text holds a control character,
    as the services do: ``consortium.validation``); a problem names the field in words.

    The problem links to ``field_ids[name]``; without one, to the name less any ``_pence`` (``amount_pence`` is
    typed, in pounds, into ``amount``). A label can be given for the whole path (``areas.amount_pence``)."""
    try:
        converted = msgspec.convert(data, type_)
    except msgspec.ValidationError as error:
        message = str(error)
        path = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else ""
        target, label, name, leaf = _target_and_label(path, labels, field_ids)
        limit = _LENGTH.search(message)
        bound = _RANGE.search(message)
        if limit and "Expected `array`" in message:
            errors.add(target, f"List at most {int(limit.group(1)):,} {name.replace('_', ' ')}.")
        elif limit:
            errors.add(target, f"{label[:1].upper()}{label[1:]} must be {int(limit.group(1)):,} characters or fewer.")
        elif "length >= 1" in message:
            errors.add(target, f"Enter {label}.")
        elif bound:
            number = int(bound.group(2))
            shown = format_pence(number) if leaf.endswith("_pence") else f"{number:,}"
            most = "can be at most" if bound.group(1) == "<=" else "must be at least"
            errors.add(target, f"{label[:1].upper()}{label[1:]} {most} {shown}.")
        else:
            errors.add(target, f"Check {label}: {message.split(' - at ')[0]}.")
        return None
    found = find_control(converted)
    if found is not None:
        target, label, _, _ = _target_and_label(found[0], labels, field_ids)
        errors.add(target, control_message(f"{label[:1].upper()}{label[1:]}", found[1]))
        return None
    return converted


def refuse_control_characters(values: Mapping[str, Any], errors: FormErrors, labels: Mapping[str, str]) -> None:
    """A problem at each field whose typed text holds a control character (``values``: field id -> text), for forms
    whose text reaches the services another way than through ``convert``."""
    for field_id, value in values.items():
        found = find_control(value)
        if found is not None:
            label = labels.get(field_id, field_id.replace("_", " "))
            errors.add(field_id, control_message(f"{label[:1].upper()}{label[1:]}", found[1]))
