"""org-id.guide identifiers for UK organisations: checked against each register's real number format.

An identifier is a register prefix and the organisation's number on that register, joined by a hyphen:
``GB-CHC-1234567`` is charity 1234567 on the Charity Commission for England and Wales' register. ``validate_org_id``
accepts what people paste (any case, spaces, en dashes, a company number without its leading zeros) and returns
the identifier written the one canonical way, or raises ``InvalidIdentifier`` saying what a valid one looks like.

Every supported register is one row of ``_SCHEMES``: its prefix, the register's name, what the number is, its
pattern, how to tidy a number before checking it, and an example. ``SUPPORTED_PREFIXES`` and ``describe_prefix``
give forms the same words for hints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SUPPORTED_PREFIXES", "InvalidIdentifier", "describe_prefix", "validate_org_id"]

MAX_LENGTH = 80  # the organisation table's org_id column


class InvalidIdentifier(ValueError):
    """An identifier that is empty, uses a prefix we don't support, or whose number doesn't fit its register.

    ``prefix`` is the recognised register prefix when there was one (so a form can show that register's hint).
    """

    def __init__(self, message: str, *, value: str, prefix: str | None = None) -> None:
        super().__init__(message)
        self.value = value
        self.prefix = prefix


# --- tidying a number before it is checked ----------------------------------------------------------------------------


def _compact(local: str) -> str:
    """No spaces, upper case: " sc 012345 " -> "SC012345"."""
    return re.sub(r"\s+", "", local).upper()


def _strip_letters(letters: str) -> Callable[[str], str]:
    """A number sometimes written with its register's letters in front ("NIC101234"): drop them."""

    def tidy(local: str) -> str:
        compact = _compact(local)
        if compact.startswith(letters) and compact[len(letters) :].isdigit():
            return compact[len(letters) :]
        return compact

    return tidy


def _oscr_number(local: str) -> str:
    """Scottish charity numbers are SC and six digits; "012345" on its own gets its SC back."""
    compact = _compact(local)
    return f"SC{compact}" if compact.isdigit() and len(compact) == 6 else compact


# Companies House number prefixes: Scotland, Northern Ireland, LLPs, LPs, societies, overseas and others.
_COMPANY_LETTERS = (
    "AC|CE|CS|ES|FC|GE|GN|GS|IC|IP|LP|NA|NC|NF|NI|NL|NO|NP|NR|NV|NZ|"
    "OC|OE|PC|R0|RC|RS|SA|SC|SE|SF|SG|SI|SL|SO|SP|SR|SZ|ZC"
)


def _company_number(local: str) -> str:
    """Companies House numbers are 8 characters; "1234567" is written "01234567" and "SC12345" is "SC012345"."""
    compact = _compact(local)
    if compact.isdigit() and len(compact) < 8:
        return compact.zfill(8)
    letters, digits = compact[:2], compact[2:]
    if re.fullmatch(_COMPANY_LETTERS, letters) and digits.isdigit() and len(digits) < 6:
        return letters + digits.zfill(6)
    return compact


# --- the registers ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    prefix: str
    register: str  # the register's name
    what: str  # what the number is, after "GB-CHC identifiers are"
    form: str  # its shape in words
    example: str  # a whole identifier
    pattern: re.Pattern[str]  # the tidied number, whole
    tidy: Callable[[str], str] = _compact

    @property
    def hint(self) -> str:
        return f"{self.prefix} identifiers are {self.what}: {self.form}, like {self.example}"


def _scheme(
    prefix: str,
    register: str,
    what: str,
    form: str,
    example: str,
    pattern: str,
    tidy: Callable[[str], str] = _compact,
) -> _Scheme:
    return _Scheme(prefix, register, what, form, example, re.compile(pattern), tidy)


_SCHEMES: dict[str, _Scheme] = {
    scheme.prefix: scheme
    for scheme in (
        _scheme(
            "GB-CHC",
            "Charity Commission for England and Wales",
            "a charity number for England and Wales",
            "6 to 8 digits",
            "GB-CHC-1234567",
            r"\d{6,8}",
        ),
        _scheme(
            "GB-SC",
            "Scottish Charity Regulator",
            "a Scottish charity number from OSCR",
            "SC followed by 6 digits",
            "GB-SC-SC012345",
            r"SC\d{6}",
            _oscr_number,
        ),
        _scheme(
            "GB-NIC",
            "Charity Commission for Northern Ireland",
            "a Northern Ireland charity number",
            "6 digits",
            "GB-NIC-101234",
            r"\d{6}",
            _strip_letters("NIC"),
        ),
        _scheme(
            "GB-COH",
            "Companies House",
            "a company number from Companies House",
            "8 digits, or 2 letters such as SC, NI, OC, IP or RS and 6 digits",
            "GB-COH-01234567",
            rf"\d{{8}}|(?:{_COMPANY_LETTERS})\d{{6}}",
            _company_number,
        ),
        _scheme(
            "GB-MPR",
            "FCA Mutuals Public Register",
            "a society number from the FCA Mutuals Public Register",
            "up to 7 digits, sometimes ending in R",
            "GB-MPR-30134R",
            r"\d{1,7}R?",
        ),
        _scheme(
            "GB-SHPE",
            "Regulator of Social Housing",
            "a registered provider number from the Regulator of Social Housing",
            "L, H or C and 4 digits, or 4 or 5 digits",
            "GB-SHPE-L0001",
            r"(?:L|H|C|LH)\d{4}|\d{4,5}",
        ),
        _scheme(
            "GB-LAE",
            "English local authorities",
            "an English local authority code",
            "3 or 4 letters",
            "GB-LAE-BIR",
            r"[A-Z]{3,4}",
        ),
        _scheme(
            "GB-LAS",
            "Scottish local authorities",
            "a Scottish local authority code",
            "3 letters",
            "GB-LAS-ABE",
            r"[A-Z]{3}",
        ),
        _scheme(
            "GB-LAN",
            "Northern Ireland local authorities",
            "a Northern Ireland local authority code",
            "3 letters",
            "GB-LAN-BFS",
            r"[A-Z]{3}",
        ),
        _scheme(
            "GB-PLA",
            "Welsh principal local authorities",
            "a Welsh principal local authority code",
            "3 letters",
            "GB-PLA-CRF",
            r"[A-Z]{3}",
        ),
        _scheme(
            "GB-GOR",
            "UK government organisations",
            "a UK government organisation code",
            "letters then digits",
            "GB-GOR-PB123",
            r"[A-Z]{1,4}\d{1,6}",
        ),
        _scheme(
            "GB-EDU",
            "Department for Education",
            "a school or college URN from the Department for Education",
            "6 digits",
            "GB-EDU-100000",
            r"\d{6}",
        ),
        _scheme(
            "GB-UKPRN",
            "UK Register of Learning Providers",
            "a UK provider reference number (UKPRN)",
            "8 digits starting with 1",
            "GB-UKPRN-10001234",
            r"1\d{7}",
        ),
    )
}

SUPPORTED_PREFIXES: dict[str, tuple[str, str]] = {
    prefix: (scheme.register, scheme.example) for prefix, scheme in _SCHEMES.items()
}
"""Every supported prefix: the register's name and an example identifier, for form hints."""


def _head(prefix: str) -> re.Pattern[str]:
    """The prefix however it was typed ("GB-CHC", "gb chc", "GB-CHC:"), then a separator or the number's digits."""
    country, register = prefix.split("-", 1)
    return re.compile(rf"{country}[\s-]*{register}(?:[\s:-]+|(?=\d))(.*)", re.DOTALL)


_HEADS: list[tuple[re.Pattern[str], _Scheme]] = [
    (_head(prefix), _SCHEMES[prefix]) for prefix in sorted(_SCHEMES, key=len, reverse=True)
]
_LOOKS_PREFIXED = re.compile(r"([A-Z]{2})\s*-\s*([A-Z0-9]+)\s*-")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")  # hyphens, en and em dashes, minus: all typed for "-"


def _supported_list() -> str:
    return ", ".join(f"{prefix} ({scheme.register})" for prefix, scheme in _SCHEMES.items())


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def describe_prefix(prefix: str) -> str:
    """A hint for one register: "GB-CHC identifiers are a charity number for England and Wales: 6 to 8 digits,
    like GB-CHC-1234567". Raises ``InvalidIdentifier`` for a prefix we don't support."""
    key = _DASHES.sub("-", prefix).strip().upper()
    scheme = _SCHEMES.get(key)
    if scheme is None:
        raise InvalidIdentifier(
            f"We don't support the prefix {_shown(prefix.strip())!r}. Use one of {_supported_list()}.",
            value=prefix,
        )
    return scheme.hint


def validate_org_id(value: str) -> str:
    """The identifier written canonically ("gb-coh 1234567" -> "GB-COH-01234567"), or ``InvalidIdentifier`` with a
    message saying what a valid one looks like."""
    text = _DASHES.sub("-", value).strip()
    if not text:
        raise InvalidIdentifier(
            "Enter the organisation's identifier: a register prefix and its number, like GB-CHC-1234567 for a "
            "charity in England and Wales or GB-COH-01234567 for a company.",
            value=value,
        )
    if len(text) > MAX_LENGTH:
        raise InvalidIdentifier(
            f"That identifier is {len(text)} characters long; identifiers are a register prefix and a short "
            "number, like GB-CHC-1234567.",
            value=value,
        )
    upper = text.upper()
    for head, scheme in _HEADS:
        match = head.fullmatch(upper)
        if match is None:
            continue
        number = scheme.tidy(match.group(1))
        if not scheme.pattern.fullmatch(number):
            problem = "The number is missing." if not number else f"{_shown(number)!r} doesn't fit."
            raise InvalidIdentifier(f"{scheme.hint}. {problem}", value=value, prefix=scheme.prefix)
        return f"{scheme.prefix}-{number}"
    looks = _LOOKS_PREFIXED.match(upper)
    if looks:
        raise InvalidIdentifier(
            f"We don't support the prefix {looks.group(1)}-{looks.group(2)}. Use one of {_supported_list()}.",
            value=value,
        )
    raise InvalidIdentifier(
        f"Start the identifier with its register's prefix, like GB-CHC-1234567 for a charity in England and Wales "
        f"or GB-COH-01234567 for a company. Supported prefixes: {_supported_list()}.",
        value=value,
    )
