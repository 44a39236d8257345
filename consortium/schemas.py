"""Constrained field types shared by the domain schemas, so every endpoint checks input the same way.

These annotations are the field rules for every way in: Litestar applies them to JSON bodies, and the services
apply them again to whatever they are given (``consortium.validation``), so a form, an upload or the command line
is held to the same limits. Every database column a field feeds is at least as long as its limit here (a test
checks: tests/security/test_column_sizes.py). Lists are bounded too, so the work a request can ask for is bounded
before any of it is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

# Ten billion pounds: far above any real pledge, far below 64-bit overflow.
MAX_PENCE = 1_000_000_000_000

Pence = Annotated[int, msgspec.Meta(ge=0, le=MAX_PENCE, description="An amount in pence (integer; £1 = 100).")]
PositivePence = Annotated[
    int, msgspec.Meta(ge=1, le=MAX_PENCE, description="An amount in pence (integer, at least 1; £1 = 100).")
]
Homes = Annotated[int, msgspec.Meta(ge=0, le=10_000_000, description="A number of homes.")]
UtcDateTime = Annotated[datetime, msgspec.Meta(tz=True, description="A date and time with a timezone (ISO 8601).")]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Theme = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
MAX_THEMES = 50
Themes = Annotated[list[Theme], msgspec.Meta(max_length=MAX_THEMES, description="At most 50 themes.")]
DistrictCode = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
RatioPart = Annotated[int, msgspec.Meta(ge=1, le=100)]
# New passwords are checked for strength (consortium.accounts.security); no password is longer than this.
Password = Annotated[str, msgspec.Meta(max_length=1000)]
# Every kind of rule may be set once (there are 13): a longer list is a mistake, refused before any is parsed.
MAX_RULES = 50
RuleList = Annotated[list[dict[str, Any]], msgspec.Meta(max_length=MAX_RULES, description="At most 50 rules.")]
# Invitations go out at most 500 at a time (consortium.bids.invitations); a pasted list or CSV may repeat addresses
# or hold blank cells, so a list may have more entries than that, but not without bound.
MAX_INVITATIONS = 500
MAX_INVITATION_ENTRIES = 2_000
InvitationEmails = Annotated[
    list[Email], msgspec.Meta(max_length=MAX_INVITATION_ENTRIES, description="At most 500 different addresses.")
]
# The UK has 361 local authority districts: a list of districts (coverage, a pledge's areas) is at most this long.
MAX_DISTRICT_ENTRIES = 400
