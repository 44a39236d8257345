"""An organisation's pages: website and contact email checks on the profile and join forms, and pasted district
lists that add to the districts already there."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from tests.factories import PASSWORD, Client
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of

LEEDS = "E08000035"
GATESHEAD = "E08000037"
BRADFORD = "E08000032"
PROFILE = {"name": "Ashbrook Homes", "org_type": "housing_association", "homes": "1,000"}


async def coverage_of(client: Client, scene: Scene) -> set[tuple[str, Any]]:
    body = (await client.get(f"/api/v1/organisations/{scene.ana_org}/coverage", headers=scene.ana_headers)).json()
    return {(d["district_code"], d["homes"]) for d in body["districts"]}


async def test_profile_refuses_a_bad_website_and_contact_email_together(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/organisations/{scene.ana_org}"
    bad = await post_form(client, path, {**PROFILE, "homes": "many", "website": "not a url", "contact_email": "bob@"})
    assert bad.status_code == 422
    assert error_links(bad.text) == ["homes", "website", "contact_email"]  # every problem at once, in form order
    words = text_of(bad.text)
    assert "Enter the website address, like www.example.org.uk." in words
    assert "Enter an email address like name@example.org." in words
    assert 'value="not a url"' in bad.text and 'value="bob@"' in bad.text
    script = await post_form(client, path, {**PROFILE, "website": "javascript:alert(1)"})
    assert script.status_code == 422 and error_links(script.text) == ["website"]
    assert "Only web addresses (starting http:// or https://) can be used" in text_of(script.text)
    good = await post_form(
        client, path, {**PROFILE, "website": "www.ashbrook.org.uk", "contact_email": "Ana@Ashbrook.org.uk"}
    )
    assert good.status_code == 303
    read = (await client.get(f"/api/v1/organisations/{scene.ana_org}", headers=scene.ana_headers)).json()
    assert read["website"] == "https://www.ashbrook.org.uk" and read["contact_email"] == "ana@ashbrook.org.uk"


async def test_join_form_refuses_a_bad_website_with_the_other_problems(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await post_form(client, f"/bids/{scene.bid_id}/invitations", {"emails": "ivy@example.org"})
    link = urlparse(re.findall(r'value="(http://testserver\.local/invitations/[^"]+)"', answer.text)[0]).path
    client.cookies.clear()
    typed = {"name": "Ivy", "password": PASSWORD, "choice": "new", "org_name": "Ivy Homes", "org_type": ""}
    problems = await post_form(client, link, {**typed, "website": "javascript:alert(1)"})
    assert problems.status_code == 422 and error_links(problems.text) == ["org_type", "website"]
    assert "Enter the website address, like www.example.org.uk." in text_of(problems.text)
    spaced = await post_form(client, link, {**typed, "org_type": "charity", "website": "ivy homes.org"})
    assert spaced.status_code == 422 and error_links(spaced.text) == ["website"]
    joined = await post_form(client, link, {**typed, "org_type": "charity", "website": "ivyhomes.org.uk"})
    assert joined.status_code == 303
    organisation_id = re.findall(r"/organisations/(\d+)", (await client.get("/bids")).text)
    assert organisation_id
    profile = await client.get(f"/organisations/{organisation_id[0]}")
    assert 'value="https://ivyhomes.org.uk"' in profile.text


async def test_pasting_a_district_already_listed_updates_its_homes(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    base = f"/organisations/{scene.ana_org}/coverage"
    first = await post_form(client, base, {"paste": "Gateshead, 100\nLeeds, 200", "paste_mode": "add"})
    assert first.status_code == 303
    current = {"code": [GATESHEAD, LEEDS], f"homes-{GATESHEAD}": "100", f"homes-{LEEDS}": "200"}
    added = await post_form(
        client, base, {**current, "paste": "Gateshead, 9999\nleeds\nBradford, 5", "paste_mode": "add"}
    )
    assert added.status_code == 303, text_of(added.text)
    # the pasted number wins; a district pasted without one keeps its homes
    assert await coverage_of(client, scene) == {(GATESHEAD, 9999), (LEEDS, 200), (BRADFORD, 5)}
    twice = await post_form(client, base, {**current, "paste": "Gateshead, 1\nE08000037, 2", "paste_mode": "add"})
    assert twice.status_code == 422 and error_links(twice.text) == ["paste"]
    assert "Gateshead (E08000037) is listed more than once" in text_of(twice.text)


async def test_pasted_homes_that_are_not_a_whole_number_name_the_district(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    base = f"/organisations/{scene.ana_org}/coverage"
    answer = await post_form(
        client,
        base,
        {"paste": "Leeds, -5\nBradford, abc\nGateshead\t1.5\nE08000003 -2\nBristol, City of, x", "paste_mode": "add"},
    )
    assert answer.status_code == 422 and set(error_links(answer.text)) == {"paste"}
    words = text_of(answer.text)
    for district in ["Leeds", "Bradford", "Gateshead", "Manchester", "Bristol, City of"]:
        assert f"Homes for {district} must be a whole number of 0 or more." in words
    assert "We don't recognise" not in words
    too_many = await post_form(client, base, {"paste": "Leeds, 20,000,000", "paste_mode": "add"})
    assert too_many.status_code == 422 and "Homes for Leeds must be 10,000,000 or fewer." in text_of(too_many.text)
    unknown = await post_form(client, base, {"paste": "Leedz, -5", "paste_mode": "add"})
    assert unknown.status_code == 422 and "We don't recognise 'Leedz, -5'" in text_of(unknown.text)
    assert await coverage_of(client, scene) == set()
