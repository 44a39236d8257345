"""consortium.words is the one home for words and formatters: its tables agree with every place that uses them,
and no copy of them is left elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import msgspec
import pytest

from consortium import words
from consortium.documents.controllers import DocumentCreate
from consortium.documents.render import render_pdf
from consortium.organisations.schemas import OrganisationCreate

ROOT = Path(__file__).resolve().parents[1]


def test_organisation_types_are_one_list() -> None:
    assert list(words.ORG_TYPE_NAMES) == list(words.ORG_TYPE_PLURALS) == list(get_args(words.OrgType))
    # The API takes exactly these keys.
    for key in words.ORG_TYPES:
        assert msgspec.convert({"name": "Ashbrook Homes", "org_type": key}, OrganisationCreate).org_type == key
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"name": "Ashbrook Homes", "org_type": "housing association"}, OrganisationCreate)
    assert words.org_type_name("cooperative") == "Co-operative" and words.org_type_name(None) == "Not given"


def test_no_copy_of_the_words_is_left_elsewhere() -> None:
    """A table of organisation type names, or a percentage or count formatter, written again outside words.py."""
    copies = []
    for path in (ROOT / "consortium").rglob("*.py"):
        if path.name == "words.py":
            continue
        text = path.read_text()
        if re.search(r'"community_interest_company":\s*"', text):
            copies.append(f"{path}: organisation type names")
        if re.search(r"def (percent_text|count_text|counted|_counted)\(", text):
            copies.append(f"{path}: a count or percent formatter")
        if re.search(r"/ 100:\.1f\}%", text):
            copies.append(f"{path}: a percentage rounded its own way")
        if re.search(r"^Variant = Literal\[|^VARIANTS\b.*= \(", text, re.MULTILINE):
            copies.append(f"{path}: PDF variants")
    assert copies == []


def test_a_status_reads_the_same_wherever_it_appears() -> None:
    tables = [
        words.BID_STATUS_NAMES,
        words.PLEDGE_STATUS_NAMES,
        words.MEMBER_STATUS_NAMES,
        words.INVITATION_STATUS_NAMES,
        words.DOCUMENT_STATUS_NAMES,
        words.SHARE_LINK_STATUS_NAMES,
    ]
    for table in tables:
        for status, name in table.items():
            assert words.status_name(status) == name, status
    assert words.status_name("some_new_state") == "Some new state"


@pytest.mark.parametrize(
    ("part", "whole", "decimals", "limit", "text"),
    [
        (1, 3, 1, None, "33.3%"),
        (2, 3, 1, None, "66.6%"),  # rounded down, never up
        (2, 3, 0, None, "66%"),
        (3339, 10_000, 1, None, "33.3%"),  # 33.39%: the old document formatter said 33.4%
        (1, 100_000, 1, None, "<0.1%"),
        (1, 1_000, 0, None, "<1%"),
        (0, 5, 1, None, "0%"),
        (5, 0, 1, None, "0%"),
        (1, 1, 1, None, "100.0%"),
        (254, 1_000, 0, 25, "25.4%"),  # never "25%" when it is over a 25% limit
        (2_501, 10_000, 0, 25, "just over 25%"),
        (25, 100, 0, 25, "25%"),  # exactly at the limit is within it
        (2_541, 10_000, 1, 25, "25.4%"),
        (25_011, 100_000, 1, 25, "25.01%"),
        (25_001, 100_000, 1, 25, "just over 25%"),
    ],
)
def test_percentages_round_down(part: int, whole: int, decimals: int, limit: int | None, text: str) -> None:
    assert words.percent_text(part, whole, decimals=decimals, limit=limit) == text


def test_money_columns_show_pence_on_every_amount_or_none() -> None:
    assert words.money_column([20_814_100, 158_424_982]) == ["£208,141.00", "£1,584,249.82"]
    assert words.money_column([20_814_100, 100]) == ["£208,141", "£1"]
    assert words.money_column([]) == []
    assert words.money_text(12_345) == "£123.45"


def test_counts_lists_and_dates() -> None:
    assert words.count_text(1, "member") == "1 member" and words.count_text(1234, "home") == "1,234 homes"
    assert words.count_text(2, "district is", "districts are") == "2 districts are"
    assert words.join_names([]) == "" and words.join_names(["A"]) == "A"
    assert (
        words.join_names(["A", "B", "C"]) == "A, B and C" and words.join_names(["A", "B"], conjunction="or") == "A or B"
    )
    assert words.join_names(["A", "B", "C", "D"], limit=2) == "A, B and 2 others"
    assert words.humanise("community_interest_company") == "Community interest company"
    assert words.ratio_text(1, 1) == "£1 for every £1 pledged (pound for pound)"
    summer, winter = datetime(2026, 7, 3, 11, 0, tzinfo=UTC), datetime(2026, 1, 9, 11, 0, tzinfo=UTC)
    assert words.date_text(summer) == "3 July 2026"
    assert words.datetime_text(summer) == "Friday 3 July 2026 at 12:00 BST"
    assert words.datetime_text(winter) == "Friday 9 January 2026 at 11:00 GMT"
    assert words.short_datetime_text(summer) == "3 Jul 2026, 12:00"


def test_pdf_variants_agree_everywhere() -> None:
    """The README, the API's schema, the service and the renderer offer the same variants."""
    assert words.VARIANTS[0] == words.DEFAULT_VARIANT and set(words.VARIANT_NAMES) == set(words.VARIANTS)
    schema = msgspec.json.schema(DocumentCreate)
    enum = schema["$defs"]["DocumentCreate"]["properties"]["variant"]["enum"]
    assert sorted(enum) == sorted(words.VARIANTS)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"variant": "pdf/x-4"}, DocumentCreate)
    readme = (ROOT / "README.md").read_text()
    assert set(re.findall(r"`(pdf/[a-z0-9-]+)`", readme)) == set(words.VARIANTS)
    with pytest.raises(ValueError, match="Unknown PDF variant"):
        render_pdf(None, variant="pdf/x-4")  # type: ignore[arg-type]
