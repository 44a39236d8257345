"""A member's coverage map: districts whose homes are not given are drawn as their own state ("Homes not given"),
never as a stand-in number of homes in the lowest band."""

from __future__ import annotations

import re

from consortium.documents.hexmap import UNKNOWN_COLOUR
from consortium.reference.districts import districts
from tests.factories import Client
from tests.web.conftest import ANA, Scene
from tests.web.helpers import post_form, sign_in

# Six districts with six different home counts (more than the five a legend gives one band each) and two without.
HOMES = {
    "E08000035": "120",
    "E08000032": "480",
    "E08000036": "2,000",
    "E08000034": "9,000",
    "E08000033": "35,000",
    "E06000010": "70,000",
}
NOT_GIVEN = ["E06000014", "E08000017"]


async def test_districts_without_homes_have_their_own_legend_entry(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/organisations/{scene.ana_org}/coverage"
    form = {"code": [*HOMES, *NOT_GIVEN]} | {f"homes-{code}": homes for code, homes in HOMES.items()}
    form |= {f"homes-{code}": "" for code in NOT_GIVEN}
    assert (await post_form(client, path, form)).status_code == 303
    page = (await client.get(path)).text
    svg = page[page.index('aria-label="Map of your coverage"') :]
    svg = svg[: svg.index("</svg>")]
    legend = re.findall(r'<rect [^>]*fill="([^"]+)"[^>]*/><text [^>]*>([^<]+)</text>', svg)
    labels = [label for _, label in legend]
    assert (UNKNOWN_COLOUR, "Homes not given") in legend
    assert "Not one of yours" in labels
    assert not any(label.startswith(("Under", "Up to")) for label in labels), labels  # no stand-in value of 1
    ds = districts()
    for code in NOT_GIVEN:
        hexagon = re.search(rf'<path d="[^"]+" fill="([^"]+)"><title>{re.escape(ds[code].name)}: ([^<]+)</title>', svg)
        assert hexagon and hexagon.groups() == (UNKNOWN_COLOUR, "homes not given"), code
    leeds = re.search(rf'fill="([^"]+)"><title>{re.escape(ds["E08000035"].name)}: 120 homes</title>', svg)
    assert leeds and leeds.group(1) != UNKNOWN_COLOUR
