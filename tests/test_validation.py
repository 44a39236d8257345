"""consortium.validation: a struct built by hand (a page, an upload, the command line) is held to the rules its
annotations state, as a decoded JSON body is, and no string in it may hold a control character."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec
import pytest

from consortium.bids.schemas import BidCreate, BidUpdate, RulesReplace
from consortium.errors import BadInput
from consortium.organisations.schemas import CoverageReplace, CoverageRowIn, OrganisationUpdate
from consortium.pledges.schemas import PledgeArea, PledgeCreate
from consortium.schemas import MAX_DISTRICT_ENTRIES, Name, RuleList
from consortium.validation import CONTROL, checked, checked_value


def refusal(call: Callable[[], object]) -> BadInput:
    with pytest.raises(BadInput) as refused:
        call()
    return refused.value


def test_a_valid_struct_is_returned_as_it_is() -> None:
    data = OrganisationUpdate(name="Zoë & Zaïd's Co-op \u200f", description="Line one\n\tLine two")
    assert checked(data) is data
    assert checked(OrganisationUpdate()) == OrganisationUpdate()  # fields left unset are not checked


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (OrganisationUpdate(contact_name="x" * 301), "contact_name", "at most 300 characters long; it has 301"),
        (OrganisationUpdate(name=""), "name", "must not be empty"),
        (PledgeCreate(amount_pence=0), "amount_pence", "at least £0.01"),  # pence said in pounds
        (PledgeCreate(amount_pence=1, themes=["t"] * 51), "themes", "at most 50 items"),
        (PledgeCreate(amount_pence=1, areas=[PledgeArea("x" * 101)]), "areas", "'areas[0].district_code'"),
        (
            CoverageReplace(districts=[CoverageRowIn("Leeds")] * (MAX_DISTRICT_ENTRIES + 1)),
            "districts",
            f"at most {MAX_DISTRICT_ENTRIES} items",
        ),
        (BidUpdate(title="Bid \x00 name"), "title", "a NUL byte"),
        (BidUpdate(themes=["ok", "bell\x07"]), "themes", "U+0007"),
        (CoverageReplace(districts=[CoverageRowIn("Leeds"), CoverageRowIn("Leeds\u202e")]), "districts", "U+202E"),
        (RulesReplace(rules=[{"key": "min_members", "note\u2066": 1}]), "rules", "U+2066"),
    ],
)
def test_a_broken_rule_is_named_at_its_field(data: msgspec.Struct, field: str, words: str) -> None:
    problem = refusal(lambda: checked(data))
    assert problem.field == field and problem.status_code == 422
    assert words in problem.message, problem.message


def test_constraints_on_values_that_are_not_text_are_checked_too() -> None:
    """A deadline without a timezone cannot come through JSON; built by hand, it is refused all the same."""
    naive = BidCreate(network_id=1, title="T", funder_name="F", deadline=datetime(2030, 1, 1, 12, 0))
    assert refusal(lambda: checked(naive)).field == "deadline"


def test_plain_arguments_are_checked_against_an_annotated_type() -> None:
    assert checked_value("name", "Casey", Name) == "Casey"
    assert refusal(lambda: checked_value("name", "x" * 301, Name)).field == "name"
    assert "'rules' may list at most 50" in refusal(lambda: checked_value("rules", [{}] * 51, RuleList)).message
    problem = refusal(lambda: checked_value("emails", ["a@example.org", "b\x00@example.org"], list[str]))
    assert problem.field == "emails" and "'emails[1]'" in problem.message


def test_the_characters_refused_are_the_invisible_ones() -> None:
    refused = [chr(c) for c in range(0x20)] + [
        "\x7f",
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
    ]
    kept = ["\t", "\n", "\r", "\u200f", "\u200e", "é", "ŵ", "ج", "社"]
    assert all(CONTROL.search(c) for c in refused if c not in "\t\n\r")
    assert not any(CONTROL.search(c) for c in kept)


def test_a_form_and_a_service_word_a_list_over_its_limit_alike() -> None:
    """One sentence for "too many" wherever it is typed: the forms (``forms.convert``) and the services."""
    from consortium.web.pages.forms import FormErrors, convert

    themes = [f"Theme {n}" for n in range(60)]
    errors = FormErrors()
    assert convert({"themes": themes}, BidUpdate, errors, {"themes": "the themes"}) is None
    ((_, from_form),) = errors.items
    from_service = refusal(lambda: checked(BidUpdate(themes=themes))).message
    wording = "may list at most 50 items; it has 60. Remove some and send again"
    assert from_form == f"The themes {wording}."
    assert wording in from_service
