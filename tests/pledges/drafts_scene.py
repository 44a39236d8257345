"""A bid with drafts in it, for the tests that a draft pledge never leaves its member.

Ashbrook Homes (member A) has a submitted pledge that was first drafted with other words and another amount, a
draft it is still writing, and a draft it withdrew before ever submitting. Brightwater Housing (member B) has a
submitted pledge and one it withdrew after submitting. Everything distinctive a draft holds is in ``DRAFT_MARKERS``:
none of it may reach the convenor, member B or the funder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.factories import Client, convenor, join, open_bid, organisation, pledge

CONVENOR_EMAIL = "drafts-convenor@example.org"
ANA_EMAIL = "drafts-ana@example.org"
BEN_EMAIL = "drafts-ben@example.org"
THEMES = ["Warm homes", "Tackling loneliness"]

DRAFT_PENCE = 12_345_67
DRAFT_AREA_PENCE = 6_060_61
DRAFT_PURPOSE = "SECRET-DRAFT-PURPOSE"
DRAFT_CONDITIONS = "SECRET-DRAFT-CONDITIONS"
WITHDRAWN_DRAFT_PENCE = 31_415_92
WITHDRAWN_DRAFT_PURPOSE = "WITHDRAWN-DRAFT-PURPOSE"
EARLIER_DRAFT_PENCE = 19_283_74
EARLIER_DRAFT_PURPOSE = "DRAFT-BEFORE-SUBMIT-PURPOSE"

SUBMITTED_A_PENCE = 23_456_78
SUBMITTED_A_PURPOSE = "SUBMITTED-A-PURPOSE"
SUBMITTED_B_PENCE = 54_321_09
SUBMITTED_B_PURPOSE = "SUBMITTED-B-PURPOSE"
WITHDRAWN_B_PENCE = 4_444_44
WITHDRAWN_B_PURPOSE = "WITHDRAWN-AFTER-SUBMIT-B"


def money_forms(pence: int) -> tuple[str, ...]:
    """Every way an amount may be written: 1234567 pence is "1234567", "12,345.67", "12345.67", "£12,345" and
    (rounded) "£12,346"."""
    pounds, rest = divmod(pence, 100)
    rounded = pounds + (1 if rest >= 50 else 0)
    return (str(pence), f"{pounds:,}.{rest:02d}", f"{pounds}.{rest:02d}", f"£{pounds:,}", f"£{rounded:,}")


DRAFT_MARKERS: tuple[str, ...] = (
    DRAFT_PURPOSE,
    DRAFT_CONDITIONS,
    WITHDRAWN_DRAFT_PURPOSE,
    EARLIER_DRAFT_PURPOSE,
    *money_forms(DRAFT_PENCE),
    *money_forms(DRAFT_AREA_PENCE),
    *money_forms(WITHDRAWN_DRAFT_PENCE),
    *money_forms(EARLIER_DRAFT_PENCE),
)
# Submitted, then withdrawn: the convenor reads it (marked withdrawn); no document holds it.
WITHDRAWN_MARKERS: tuple[str, ...] = (WITHDRAWN_B_PURPOSE, *money_forms(WITHDRAWN_B_PENCE))


def _found(marker: str, text: str) -> bool:
    if marker.isdigit():
        # Pence as a whole number, not a run of digits inside another ("GB-CHC-1234567" is an example identifier).
        return re.search(rf"(?<![\w-]){marker}(?!\d)", text) is not None
    return marker in text


def leaks(text: str, markers: tuple[str, ...] = DRAFT_MARKERS) -> list[str]:
    """The markers found in ``text`` (an empty list when none leaked)."""
    return [marker for marker in markers if _found(marker, text)]


@dataclass(frozen=True)
class DraftScene:
    bid_id: int
    convenor: dict[str, str]
    ana: dict[str, str]
    ben: dict[str, str]
    ana_org: int
    ben_org: int
    draft_id: int  # A's draft
    withdrawn_draft_id: int  # A's draft, withdrawn before it was submitted
    submitted_a_id: int  # drafted with EARLIER_DRAFT_*, then changed and submitted
    submitted_b_id: int
    withdrawn_b_id: int  # submitted, then withdrawn


async def change(client: Client, headers: dict[str, str], pledge_id: int, action: str, **body: Any) -> None:
    current = (await client.get(f"/api/v1/pledges/{pledge_id}", headers=headers)).json()
    with_version = headers | {"If-Match": str(current["version"])}
    if action == "update":
        answer = await client.patch(f"/api/v1/pledges/{pledge_id}", json=body, headers=with_version)
    else:
        answer = await client.post(f"/api/v1/pledges/{pledge_id}/{action}", headers=with_version)
    assert answer.status_code == 200, answer.text


async def plant_drafts(client: Client, rules: list[dict[str, Any]] | None = None) -> DraftScene:
    network_id, conv = await convenor(email=CONVENOR_EMAIL)
    bid = await open_bid(client, conv, network_id, themes=THEMES, rules=rules or [{"key": "min_members", "count": 2}])
    bid_id = int(bid["id"])
    ana_org, ana = await join(client, conv, bid_id, organisation("Ashbrook Homes"), email=ANA_EMAIL)
    ben_org, ben = await join(client, conv, bid_id, organisation("Brightwater Housing"), email=BEN_EMAIL)
    for org, headers, code in ((ana_org, ana, "E08000003"), (ben_org, ben, "E08000035")):
        covered = await client.put(
            f"/api/v1/organisations/{org}/coverage",
            json={"districts": [{"district_code": code, "homes": 800}]},
            headers=headers,
        )
        assert covered.status_code == 200, covered.text

    submitted_a = await pledge(client, ana, bid_id, EARLIER_DRAFT_PENCE, submit=False, purpose=EARLIER_DRAFT_PURPOSE)
    await change(client, ana, submitted_a["id"], "update", purpose=SUBMITTED_A_PURPOSE, amount_pence=SUBMITTED_A_PENCE)
    await change(client, ana, submitted_a["id"], "submit")
    draft = await pledge(
        client,
        ana,
        bid_id,
        DRAFT_PENCE,
        submit=False,
        purpose=DRAFT_PURPOSE,
        conditions=DRAFT_CONDITIONS,
        themes=["Tackling loneliness"],
        areas=[{"district_code": "E08000003", "amount_pence": DRAFT_AREA_PENCE}, {"district_code": "E06000053"}],
    )
    withdrawn_draft = await pledge(
        client, ana, bid_id, WITHDRAWN_DRAFT_PENCE, submit=False, purpose=WITHDRAWN_DRAFT_PURPOSE
    )
    await change(client, ana, withdrawn_draft["id"], "withdraw")

    submitted_b = await pledge(client, ben, bid_id, SUBMITTED_B_PENCE, purpose=SUBMITTED_B_PURPOSE)
    withdrawn_b = await pledge(client, ben, bid_id, WITHDRAWN_B_PENCE, purpose=WITHDRAWN_B_PURPOSE)
    await change(client, ben, withdrawn_b["id"], "withdraw")
    client.cookies.clear()
    return DraftScene(
        bid_id=bid_id,
        convenor=conv,
        ana=ana,
        ben=ben,
        ana_org=ana_org,
        ben_org=ben_org,
        draft_id=int(draft["id"]),
        withdrawn_draft_id=int(withdrawn_draft["id"]),
        submitted_a_id=int(submitted_a["id"]),
        submitted_b_id=int(submitted_b["id"]),
        withdrawn_b_id=int(withdrawn_b["id"]),
    )
