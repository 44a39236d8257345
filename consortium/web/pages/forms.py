"""Reading submitted forms and collecting the problems to show in a form's error summary.

Each problem names the id of the field it belongs to, so the summary can link to the field and the field can show
its message; what a person typed is sent back into the form so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import msgspec
from litestar.datastructures import FormMultiDict, ImmutableMultiDict, MultiDict, UploadFile

from consortium.errors import ServiceError
from consortium.money import MisplacedSeparator, format_pence, parse_pounds
from consortium.timeutil import UK, as_utc, utc_now
from consortium.validation import Invalid, control_message, find_control, too_long, too_many, value_at


@dataclass
class FormErrors:
    """Problems with a submitted form: (field id or None, message), in the order the fields appear."""

    items: list[tuple[str | None, str]] = field(default_factory=list)

    def add(self, field_id: str | None, message: str) -> None:
        self.items.append((field_id, message))

    def add_service_error(
        self, error: ServiceError, field_ids: Mapping[str, str] | None = None, default: str | None = None
    ) -> None:
        """A service's refusal, linked to the form's field for the service's ``field`` name when there is one. Every
        problem of an ``Invalid`` goes to its own field: ``field_ids`` maps a field's path ("areas.district_code")
        or, failing that, its name ("areas")."""
        ids = field_ids or {}
        if isinstance(error, Invalid):
            for path, message in error.problems:
                name = re.split(r"[.\[]", path, maxsplit=1)[0] if path else None
                self.add(ids.get(path or "", ids.get(name or "", default)) if path else default, message)
            return
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

    def in_order(self, field_ids: Sequence[str]) -> None:
        """Put the problems in the order of the form's fields (``field_ids``), as the summary lists them: those the
        form found reading it and those the services found come together. Problems on no listed field go last."""
        place = {field_id: index for index, field_id in enumerate(field_ids)}
        self.items.sort(key=lambda item: place.get(item[0] or "", len(place)))

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


# A date as people in the UK write it (26/06/2026; also 26-6-2026, 26.06.2026 or 26 06 2026), or as ISO
# (2026-06-26, what a date input or a script sends). A time on the 24-hour clock (17:00, 17.00, 1700, 9:30), or with
# am/pm (5pm, 5:30 pm), which is turned into the 24-hour clock rather than refused.
_UK_DATE = re.compile(r"(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE)
DATE_EXAMPLE = "26/06/2026"
TIME_EXAMPLE = "17:00"


def uk_date(typed: str, field_id: str, errors: FormErrors, *, what: str) -> date | None:
    """A calendar date from day/month/year (or ISO year-month-day), with a problem naming what to type instead."""
    value = typed.strip()
    if not value:
        errors.add(field_id, f"Enter {what}'s date, like {DATE_EXAMPLE}.")
        return None
    iso = _ISO_DATE.fullmatch(value)
    uk = _UK_DATE.fullmatch(value)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month = int(uk.group(1)), int(uk.group(2))
        if len(uk.group(3)) != 4:
            errors.add(field_id, f"Enter {what}'s year in full, like {DATE_EXAMPLE}.")
            return None
        year = int(uk.group(3))
    else:
        errors.add(field_id, f"Enter {what}'s date as day/month/year, like {DATE_EXAMPLE}.")
        return None
    if not 1 <= month <= 12:
        errors.add(
            field_id,
            f"There is no month {month}: enter {what}'s date as day/month/year, with the day first, like "
            f"{DATE_EXAMPLE}.",
        )
        return None
    if year < 1000:
        errors.add(field_id, f"Enter {what}'s year in full, like {DATE_EXAMPLE}.")
        return None
    try:
        return date(year, month, day)
    except ValueError:
        errors.add(field_id, f"{date(2000, month, 1):%B} {year} has no day {day}: check {what}'s date.")
        return None


def uk_time(typed: str, field_id: str, errors: FormErrors, *, what: str) -> time | None:
    """A time of day on the 24-hour clock ("17:00"; "5pm" is read as 17:00), with a problem naming what to type."""
    value = typed.strip()
    if not value:
        errors.add(field_id, f"Enter {what}'s time on the 24-hour clock, like {TIME_EXAMPLE}.")
        return None
    found = _TIME.fullmatch(value)
    hours = int(found.group(1)) if found else -1
    minutes = int(found.group(2) or 0) if found else -1
    half = (found.group(3) or "").replace(".", "").lower() if found else ""
    if found and half and 1 <= hours <= 12:
        hours = hours % 12 + (12 if half == "pm" else 0)
    elif found and half:
        hours = -1  # "17pm", "0am": not a time
    if found and hours == 24 and minutes == 0:
        errors.add(field_id, f"Enter {what}'s time from 00:00 to 23:59. For the end of a day, enter 23:59.")
        return None
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        errors.add(field_id, f"Enter {what}'s time as hours and minutes on the 24-hour clock, like {TIME_EXAMPLE}.")
        return None
    return time(hours, minutes)


def uk_datetime(day: str, at: str, field_id: str, errors: FormErrors, *, what: str) -> datetime | None:
    """A date (26/06/2026) and a time (17:00) in UK time, whatever the browser's language, as a UTC datetime.

    Europe/London decides between GMT and BST. At the clock changes, a time that does not happen (the hour skipped
    in March) or happens twice (the hour repeated in October) is refused with a message saying which times work,
    rather than guessed."""
    parsed_day = uk_date(day, field_id, errors, what=what)
    parsed_time = uk_time(at, field_id, errors, what=what)
    if parsed_day is None or parsed_time is None:
        return None
    local = datetime.combine(parsed_day, parsed_time, tzinfo=UK)
    try:
        utc = as_utc(local)
    except OverflowError:
        errors.add(field_id, f"Enter {what}'s date with a year from now on, like {utc_now().year + 1}.")
        return None
    on_day = f"{local:%H:%M} on {local.day} {local:%B %Y}"
    if utc.astimezone(UK).replace(tzinfo=None) != local.replace(tzinfo=None):
        # The hour the clocks skip when they go forward: that time never happens in the UK.
        errors.add(
            field_id,
            f"{on_day} does not happen in the UK: the clocks go forward an hour then, from 01:00 to 02:00. "
            "Choose a time before 01:00 or from 02:00.",
        )
        return None
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        # The hour the clocks repeat when they go back: the time happens twice, an hour apart.
        errors.add(
            field_id,
            f"{on_day} happens twice in the UK: the clocks go back an hour then, from 02:00 to 01:00. "
            "Choose a time before 01:00 or from 02:00.",
        )
        return None
    return utc


def uk_date_value(value: datetime | None) -> str:
    """A stored time's date as the date field shows it: 26/06/2026, in UK time."""
    return "" if value is None else f"{as_utc(value).astimezone(UK):%d/%m/%Y}"


def uk_time_value(value: datetime | None) -> str:
    """A stored time as the time field shows it: 17:00, in UK time on the 24-hour clock."""
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
        target, label, _, leaf = _target_and_label(path, labels, field_ids)
        limit = _LENGTH.search(message)
        bound = _RANGE.search(message)
        if limit and "Expected `array`" in message:
            errors.add(target, f"{label[:1].upper()}{label[1:]} {too_many(int(limit.group(1)), value_at(data, path))}.")
        elif limit:
            errors.add(target, f"{label[:1].upper()}{label[1:]} {too_long(int(limit.group(1)), value_at(data, path))}.")
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
