"""One set of field rules for every way in: the JSON API, HTML forms, HTMX fragments, uploads and the command line.

The rules live in the input schemas' annotations (``consortium.schemas``: lengths, ranges, list sizes). Litestar
checks them when it decodes a JSON body, but a page or a script that builds a schema struct itself skips them,
and no annotation says "no control characters". So every service use case that takes input calls ``checked`` (a
struct) or ``checked_value`` (a plain argument) first: the value is converted again against its own annotated
type, and every string in it (keys too) is scanned for control characters and text-direction overrides. A problem
is a ``BadInput`` (422) naming the field, whichever way the input came.

``CONTROL`` is also what the web layer's request check (``consortium.web.inputs``) and the forms use, so the API,
the pages and the services refuse exactly the same characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

import msgspec

from consortium.errors import BadInput
from consortium.money import format_pence

__all__ = [
    "CONTROL",
    "Invalid",
    "Problems",
    "check_each",
    "checked",
    "checked_value",
    "control_message",
    "describe_control",
    "find_control",
    "invalid",
    "too_long",
    "value_at",
]

# C0 controls other than tab and line breaks, DEL, and the bidirectional overrides and isolates that can make
# text display in a different order from the one it is stored in ("Trojan Source"). A NUL cannot be stored in a
# PostgreSQL text column at all; the rest hide text from people and break exports.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")

# Kept as they are when a struct is turned back into plain values to be checked again (msgspec checks their own
# constraints, such as a datetime's timezone, on the way back in).
_KEPT_TYPES = (datetime, date, time, bytes)


def describe_control(text: str) -> str:
    """The first control character in ``text``, in words: "a NUL byte", "the control character U+0007"."""
    found = CONTROL.search(text)
    if found is None:
        return "no control character"
    character = found.group()
    if character == "\x00":
        return "a NUL byte"
    if character >= "\u202a":
        return f"the invisible text-direction control U+{ord(character):04X}"
    return f"the control character U+{ord(character):04X}"


def control_message(subject: str, text: str) -> str:
    """The sentence for ``subject`` ("The field 'purpose'", "What the money is for") holding a control character."""
    return (
        f"{subject} contains {describe_control(text)}, which is not allowed. Remove it (it is invisible: retype the "
        "text rather than pasting it) and send again."
    )


def find_control(value: Any, path: str = "") -> tuple[str, str] | None:
    """The path ("areas[2].district_code") and text of the first string holding a control character, or None.

    Looks inside structs, dicts (keys too), lists and tuples; the work is linear in the size of ``value``."""
    if isinstance(value, str):
        return (path, value) if CONTROL.search(value) else None
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            found = find_control(getattr(value, name), f"{path}.{name}" if path else name)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and CONTROL.search(key):
                return (path, key)
            found = find_control(item, where)
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = find_control(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _field_of(path: str) -> str | None:
    """The top-level field a path is in: "areas[2].district_code" -> "areas"."""
    name = re.split(r"[.\[]", path, maxsplit=1)[0]
    return name or None


def _label(path: str, labels: Mapping[str, str] | None) -> str | None:
    """The words for a field path: ``labels`` names fields ("amount_pence"), items of a list ("themes[]") and
    fields of those items ("areas[].amount_pence")."""
    if not labels or not path:
        return None
    leaf = re.sub(r"\[\d+\]", "[]", path)
    return labels.get(leaf) or labels.get(_field_of(path) or "")


def _subject(path: str, labels: Mapping[str, str] | None = None) -> str:
    label = _label(path, labels)
    if label:
        return label[:1].upper() + label[1:]
    return f"The field '{path}'" if path else "What was sent"


_STR_LONGEST = re.compile(r"Expected `str` of length <= (\d+)")
_STR_SHORTEST = re.compile(r"Expected `str` of length >= (\d+)")
_LIST_LONGEST = re.compile(r"Expected `(?:array|object)` of length <= (\d+)")
_LIST_SHORTEST = re.compile(r"Expected `(?:array|object)` of length >= (\d+)")
_BOUND = re.compile(r"Expected `(?:int|float)` (<=|>=|<|>) (-?[\d.]+)")


def too_long(limit: int, value: Any = None) -> str:
    """What follows a field's name when its text is over its limit: "must be at most 300 characters long; it has
    301. Shorten it and send again". The one wording for every way in (the API, the forms, uploads, the command
    line), so a person reads the same sentence wherever they typed."""
    sized = f"; it has {len(value):,}" if isinstance(value, str | list | dict) else ""
    return f"must be at most {limit:,} characters long{sized}. Shorten it and send again"


def too_many(limit: int, value: Any = None) -> str:
    """What follows a list's name when it has more items than its limit allows: "may list at most 20 items; it has
    21. Remove some and send again". The one wording for every way in, as ``too_long`` is for text."""
    sized = f"; it has {len(value):,}" if isinstance(value, list | tuple | dict) else ""
    return f"may list at most {limit:,} items{sized}. Remove some and send again"


def value_at(data: Any, path: str) -> Any:
    """The value at a msgspec error path ("areas[2].district_code") in plain data, or None."""
    current = data
    for name, index in re.findall(r"\.?([^.\[\]]+)|\[(\d+)\]", path):
        try:
            current = current[int(index)] if index else current[name]
        except (KeyError, IndexError, TypeError):
            return None
    return current


def invalid(
    error: msgspec.ValidationError, data: Any = None, *, prefix: str = "", labels: Mapping[str, str] | None = None
) -> BadInput:
    """A msgspec validation error as a sentence saying what to change, on the field it is about (named in the
    words of ``labels`` when it has some there; amounts in pence are said in pounds)."""
    message = str(error)
    detail, _, where = message.partition(" - at `$")
    raw = where.rstrip("`")  # ".contact_name", "[3]", ".areas[2].district_code" or ""
    path = prefix + raw if prefix else raw.removeprefix(".")
    subject = _subject(path, labels)
    value = value_at(data, raw) if data is not None and raw else None
    if found := _STR_LONGEST.search(detail):
        words = too_long(int(found[1]), value)
    elif (found := _STR_SHORTEST.search(detail)) and int(found[1]) == 1:
        words = "must not be empty"
    elif found := _STR_SHORTEST.search(detail):
        words = f"must be at least {int(found[1]):,} characters long"
    elif found := _LIST_LONGEST.search(detail):
        words = too_many(int(found[1]), value)
    elif found := _LIST_SHORTEST.search(detail):
        words = f"must list at least {int(found[1]):,} items"
    elif found := _BOUND.search(detail):
        bound = format_pence(int(float(found[2]))) if path.endswith("_pence") else found[2]
        words = {
            "<=": f"must be at most {bound}",
            ">=": f"must be at least {bound}",
            "<": f"must be below {bound}",
            ">": f"must be above {bound}",
        }[found[1]]
    else:
        plain = detail.replace("`", "")  # "Expected `datetime` with a timezone component"
        words = f"is not right: {plain[:1].lower()}{plain[1:]}"
    return BadInput(f"{subject} {words}.", field=_field_of(path))


def checked(data: S) -> S:
    """``data`` if it keeps every rule its own type's annotations state (lengths, ranges, list sizes) and holds no
    control character in any string; otherwise ``BadInput`` (422) on the field, in words.

    Call first in every service use case that takes a struct, so input built by a page, an upload or the command
    line is held to the rules Litestar applies to JSON."""
    plain = msgspec.to_builtins(data, builtin_types=_KEPT_TYPES)
    try:
        msgspec.convert(plain, type(data))
    except msgspec.ValidationError as error:
        raise invalid(error, plain) from None
    found = find_control(data)
    if found is not None:
        raise BadInput(control_message(_subject(found[0]), found[1]), field=_field_of(found[0]))
    return data


def checked_value(field: str, value: T, type_: Any) -> T:
    """A plain argument (a name, an email, a list of addresses) checked as ``checked`` checks a struct's field of
    the annotated type ``type_`` (such as ``consortium.schemas.Name``); the problem is on ``field``."""
    plain = msgspec.to_builtins(value, builtin_types=_KEPT_TYPES)
    try:
        msgspec.convert(plain, type_)
    except msgspec.ValidationError as error:
        raise invalid(error, plain, prefix=field) from None
    found = find_control(value)
    if found is not None:
        raise BadInput(control_message(_subject(field + found[0]), found[1]), field=field)
    return value


# --- every problem at once ------------------------------------------------------------------------------------------


class Invalid(BadInput):
    """Everything wrong with what was sent, each problem on the field it is about (``problems``: (field path or
    None, message), in the order found), so a person fixes it all in one go. A field path is a field's name, or a
    name with more after a dot ("areas.district_code": the districts, where a district is not recognised) for
    forms that show parts of one field apart. The API answers 422 with every message in ``errors`` and, by field,
    in ``fields``; ``field`` names the field when all the problems are on one."""

    def __init__(self, problems: Iterable[tuple[str | None, str]]) -> None:
        self.problems = list(problems)
        by_field: dict[str, list[str]] = {}
        for path, message in self.problems:
            if path:
                by_field.setdefault(_field_of(path) or path, []).append(message)
        alone = next(iter(by_field)) if len(by_field) == 1 and all(path for path, _ in self.problems) else None
        messages = [message for _, message in self.problems]
        super().__init__(" ".join(messages), field=alone, extra={"errors": messages, "fields": by_field})


@dataclass
class Problems:
    """The problems a use case finds while it checks everything it was sent, before it refuses (``Invalid``) or
    goes ahead: one answer lists them all, instead of one per attempt."""

    items: list[tuple[str | None, str]] = field(default_factory=list)

    def add(self, path: str | None, message: str) -> None:
        self.items.append((path, message))

    def add_error(self, error: BadInput, path: str | None = None) -> None:
        """A check's refusal: its problems, on ``path`` if given, else on the field it names."""
        if isinstance(error, Invalid):
            self.items.extend((path or where, message) for where, message in error.problems)
            return
        listed = error.extra.get("problems")
        if isinstance(listed, list) and listed:  # a list of districts, each problem with one entry
            self.items.extend((path or error.field, str(message)) for message in listed)
            return
        self.items.append((path or error.field, error.message))

    @contextmanager
    def collecting(self, path: str | None = None) -> Iterator[None]:
        """Run a check that raises ``BadInput``, keeping its problems rather than stopping at the first."""
        try:
            yield
        except BadInput as error:
            self.add_error(error, path)

    def on(self, field_name: str) -> bool:
        """Whether a problem is already on this field (so a check that needs the field's value is skipped)."""
        return any(path is not None and _field_of(path) == field_name for path, _ in self.items)

    def refuse(self) -> None:
        """Raise ``Invalid`` with every problem, if there are any."""
        if self.items:
            raise Invalid(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@functools.cache
def _one_field_type(struct_type: type[msgspec.Struct], name: str) -> Any:
    """A struct with only ``name`` of ``struct_type``: its annotations checked on their own."""
    info = next(f for f in msgspec.structs.fields(struct_type) if f.name == name)
    return msgspec.defstruct(f"{struct_type.__name__}_{name}", [(name, info.type)])


def check_each(data: msgspec.Struct, problems: Problems, labels: Mapping[str, str] | None = None) -> None:
    """``checked`` field by field: every field that breaks its annotated rules, or holds a control character, is a
    problem in ``problems`` (named with ``labels``), so all of them are reported together."""
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET:
            continue
        plain = {name: msgspec.to_builtins(value, builtin_types=_KEPT_TYPES)}
        try:
            msgspec.convert(plain, _one_field_type(type(data), name))
        except msgspec.ValidationError as error:
            problems.add_error(invalid(error, plain, labels=labels))
            continue
        found = find_control(value, name)
        if found is not None:
            problems.add(_field_of(found[0]), control_message(_subject(found[0], labels), found[1]))
