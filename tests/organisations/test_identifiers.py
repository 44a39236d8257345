from __future__ import annotations

import pytest

from consortium.organisations.identifiers import (
    SUPPORTED_PREFIXES,
    InvalidIdentifier,
    describe_prefix,
    validate_org_id,
)

VALID: list[tuple[str, str]] = [
    # (typed, canonical)
    ("GB-CHC-1234567", "GB-CHC-1234567"),
    ("GB-CHC-123456", "GB-CHC-123456"),
    ("GB-CHC-12345678", "GB-CHC-12345678"),
    ("  gb-chc-123 4567 ", "GB-CHC-1234567"),
    ("GB CHC 1234567", "GB-CHC-1234567"),
    ("GB–CHC–1234567", "GB-CHC-1234567"),  # en dashes
    ("GB-SC-SC012345", "GB-SC-SC012345"),
    ("gb-sc-sc 012345", "GB-SC-SC012345"),
    ("GB-SC-012345", "GB-SC-SC012345"),  # the SC put back
    ("GB-NIC-101234", "GB-NIC-101234"),
    ("GB-NIC-NIC101234", "GB-NIC-101234"),
    ("GB-COH-01234567", "GB-COH-01234567"),
    ("GB-COH-1234567", "GB-COH-01234567"),  # leading zero restored
    ("GB-COH-123", "GB-COH-00000123"),
    ("gb-coh-sc123456", "GB-COH-SC123456"),
    ("GB-COH-NI 012345", "GB-COH-NI012345"),
    ("GB-COH-OC301234", "GB-COH-OC301234"),
    ("GB-COH-R0123456", "GB-COH-R0123456"),
    ("GB-COH-IP12345", "GB-COH-IP012345"),
    ("GB-COH-RS007123", "GB-COH-RS007123"),
    ("GB-MPR-30134R", "GB-MPR-30134R"),
    ("GB-MPR-30134r", "GB-MPR-30134R"),
    ("GB-MPR-12345", "GB-MPR-12345"),
    ("GB-MPR-1234567", "GB-MPR-1234567"),
    ("GB-SHPE-L0001", "GB-SHPE-L0001"),
    ("gb-shpe-l0001", "GB-SHPE-L0001"),
    ("GB-SHPE-4123", "GB-SHPE-4123"),
    ("GB-SHPE-41234", "GB-SHPE-41234"),
    ("GB-SHPE-H1234", "GB-SHPE-H1234"),
    ("GB-SHPE-C3810", "GB-SHPE-C3810"),
    ("GB-LAE-BIR", "GB-LAE-BIR"),
    ("GB-LAE-bir", "GB-LAE-BIR"),
    ("GB-LAE-KIRK", "GB-LAE-KIRK"),
    ("GB-LAS-ABE", "GB-LAS-ABE"),
    ("GB-LAN-BFS", "GB-LAN-BFS"),
    ("GB-PLA-CRF", "GB-PLA-CRF"),
    ("GB-GOR-PB123", "GB-GOR-PB123"),
    ("GB-GOR-pb 999", "GB-GOR-PB999"),
    ("GB-EDU-100000", "GB-EDU-100000"),
    ("GB-UKPRN-10001234", "GB-UKPRN-10001234"),
]


@pytest.mark.parametrize(("typed", "canonical"), VALID)
def test_valid_identifiers_are_normalised(typed: str, canonical: str) -> None:
    assert validate_org_id(typed) == canonical


def test_normalised_identifiers_are_stable() -> None:
    for _, canonical in VALID:
        assert validate_org_id(canonical) == canonical


INVALID: list[tuple[str, str, list[str]]] = [
    # (typed, prefix named in the error, words the message must contain)
    ("GB-CHC-12345", "GB-CHC", ["charity number for England and Wales", "6 to 8 digits", "GB-CHC-1234567", "12345"]),
    ("GB-CHC-123456789", "GB-CHC", ["6 to 8 digits"]),
    ("GB-CHC-12AB567", "GB-CHC", ["6 to 8 digits", "12AB567"]),
    ("GB-CHC-", "GB-CHC", ["6 to 8 digits", "The number is missing"]),
    ("GB-SC-SC12345", "GB-SC", ["Scottish charity number", "SC followed by 6 digits", "GB-SC-SC012345"]),
    ("GB-SC-NI012345", "GB-SC", ["SC followed by 6 digits"]),
    ("GB-NIC-12345", "GB-NIC", ["Northern Ireland charity number", "6 digits", "GB-NIC-101234"]),
    ("GB-COH-123456789", "GB-COH", ["company number", "8 digits", "GB-COH-01234567"]),
    ("GB-COH-XX123456", "GB-COH", ["2 letters such as SC, NI, OC", "XX123456"]),
    ("GB-COH-SC1234567", "GB-COH", ["8 digits"]),
    ("GB-MPR-12345678", "GB-MPR", ["Mutuals Public Register", "up to 7 digits", "GB-MPR-30134R"]),
    ("GB-MPR-R123", "GB-MPR", ["ending in R"]),
    ("GB-SHPE-L001", "GB-SHPE", ["Regulator of Social Housing", "L, H or C and 4 digits", "GB-SHPE-L0001"]),
    ("GB-SHPE-X1234", "GB-SHPE", ["4 or 5 digits"]),
    ("GB-SHPE-123", "GB-SHPE", ["4 or 5 digits"]),
    ("GB-LAE-B1R", "GB-LAE", ["English local authority code", "3 or 4 letters", "GB-LAE-BIR"]),
    ("GB-LAE-BIRMS", "GB-LAE", ["3 or 4 letters"]),
    ("GB-LAS-AB", "GB-LAS", ["Scottish local authority code", "3 letters", "GB-LAS-ABE"]),
    ("GB-LAN-BELF", "GB-LAN", ["Northern Ireland local authority code", "3 letters"]),
    ("GB-PLA-CR1", "GB-PLA", ["Welsh principal local authority code", "3 letters"]),
    ("GB-GOR-123", "GB-GOR", ["government organisation", "letters then digits", "GB-GOR-PB123"]),
    ("GB-EDU-12345", "GB-EDU", ["URN", "6 digits", "GB-EDU-100000"]),
    ("GB-UKPRN-20001234", "GB-UKPRN", ["UKPRN", "8 digits starting with 1", "GB-UKPRN-10001234"]),
    ("GB-UKPRN-1000123", "GB-UKPRN", ["8 digits starting with 1"]),
]


@pytest.mark.parametrize(("typed", "prefix", "words"), INVALID)
def test_invalid_numbers_explain_the_register_format(typed: str, prefix: str, words: list[str]) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_id(typed)
    message = str(caught.value)
    assert message.startswith(f"{prefix} identifiers are ")
    for word in words:
        assert word in message
    assert caught.value.prefix == prefix
    assert caught.value.value == typed


def test_the_charity_message_reads_as_a_hint() -> None:
    with pytest.raises(InvalidIdentifier, match="6 to 8 digits") as caught:
        validate_org_id("GB-CHC-12")
    assert str(caught.value) == (
        "GB-CHC identifiers are a charity number for England and Wales: 6 to 8 digits, like GB-CHC-1234567. "
        "'12' doesn't fit."
    )


def test_invalid_identifier_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="GB-CHC"):
        validate_org_id("GB-CHC-1")


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"])
def test_empty_identifier(typed: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_id(typed)
    message = str(caught.value)
    assert message.startswith("Enter the organisation's identifier")
    assert "GB-CHC-1234567" in message
    assert caught.value.prefix is None


@pytest.mark.parametrize("typed", ["GB-XYZ-1234", "XI-ABC-123", "gb-charity-1234567"])
def test_unknown_prefix_lists_the_supported_ones(typed: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_id(typed)
    message = str(caught.value)
    assert message.startswith("We don't support the prefix ")
    assert typed.upper().rsplit("-", 1)[0] in message
    for prefix, (register, _) in SUPPORTED_PREFIXES.items():
        assert f"{prefix} ({register})" in message
    assert caught.value.prefix is None


@pytest.mark.parametrize("typed", ["1234567", "Charity 1234567", "GB1234567"])
def test_a_bare_number_asks_for_the_prefix(typed: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_id(typed)
    message = str(caught.value)
    assert message.startswith("Start the identifier with its register's prefix")
    assert "GB-CHC-1234567" in message
    assert "GB-SHPE (Regulator of Social Housing)" in message


def test_prefix_needs_a_separator_before_letters() -> None:
    # "GB-SCSC012345" could be anything; a digit straight after the prefix is fine.
    assert validate_org_id("GB-CHC1234567") == "GB-CHC-1234567"
    with pytest.raises(InvalidIdentifier, match="Start the identifier"):
        validate_org_id("GB-SCSC012345")


def test_overlong_input_is_refused_without_echoing_it() -> None:
    typed = "GB-CHC-" + "1" * 200
    with pytest.raises(InvalidIdentifier, match="207 characters long") as caught:
        validate_org_id(typed)
    assert "1" * 50 not in str(caught.value)


def test_long_bad_numbers_are_shortened_in_the_message() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_org_id("GB-CHC-" + "A" * 60)
    assert "A" * 37 + "..." in str(caught.value)
    assert "A" * 41 not in str(caught.value)


def test_supported_prefixes_have_valid_examples() -> None:
    assert set(SUPPORTED_PREFIXES) == {
        "GB-CHC",
        "GB-SC",
        "GB-NIC",
        "GB-COH",
        "GB-MPR",
        "GB-SHPE",
        "GB-LAE",
        "GB-LAS",
        "GB-LAN",
        "GB-PLA",
        "GB-GOR",
        "GB-EDU",
        "GB-UKPRN",
    }
    for prefix, (register, example) in SUPPORTED_PREFIXES.items():
        assert register
        assert example.startswith(prefix + "-")
        assert validate_org_id(example) == example


def test_describe_prefix() -> None:
    assert describe_prefix("GB-CHC") == (
        "GB-CHC identifiers are a charity number for England and Wales: 6 to 8 digits, like GB-CHC-1234567"
    )
    assert describe_prefix(" gb-sc ") == (
        "GB-SC identifiers are a Scottish charity number from OSCR: SC followed by 6 digits, like GB-SC-SC012345"
    )
    for prefix in SUPPORTED_PREFIXES:
        assert describe_prefix(prefix).startswith(f"{prefix} identifiers are ")
    with pytest.raises(InvalidIdentifier, match="We don't support the prefix 'GB-XYZ'"):
        describe_prefix("GB-XYZ")
