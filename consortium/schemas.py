"""Constrained field types shared by the domain schemas, so every endpoint checks input the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

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
