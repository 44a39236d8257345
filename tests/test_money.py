"""Pounds typed by people, into pence: commas (or spaces) only between thousands, never guessed at."""

from __future__ import annotations

import pytest

from consortium.money import MisplacedSeparator, format_pence, parse_pounds


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("1000", 100_000),
        ("1,000", 100_000),
        ("12,345.67", 1_234_567),
        ("£1,250.50", 125_050),
        ("1,000,000", 100_000_000),
        ("25 000", 2_500_000),
        ("£ 1,000", 100_000),
        ("999", 99_900),
        (".5", 50),
    ],
)
def test_pounds_with_commas_between_thousands(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["10,00", "1,0000", ",100", "1,00,000", "1.5,0", "10 00", "1000,5"])
def test_a_comma_anywhere_else_is_refused_not_guessed(typed: str) -> None:
    with pytest.raises(MisplacedSeparator, match="commas only between thousands"):
        parse_pounds(typed)


def test_other_mistakes_are_still_plain_value_errors() -> None:
    for typed in ("1.234", "-5", "lots", "1,000.999"):
        with pytest.raises(ValueError) as raised:
            parse_pounds(typed)
        assert not isinstance(raised.value, MisplacedSeparator), typed


def test_format_pence() -> None:
    assert format_pence(1_000_000_000_000) == "£10,000,000,000"
    assert format_pence(12_345) == "£123.45"


def test_words_are_not_taken_for_misplaced_commas() -> None:
    with pytest.raises(ValueError) as raised:
        parse_pounds("five hundred")
    assert not isinstance(raised.value, MisplacedSeparator)
