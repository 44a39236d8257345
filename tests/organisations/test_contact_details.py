"""An organisation's website and contact email: checked properly, through the API and when joining."""

from __future__ import annotations

import pytest

from consortium.errors import BadInput
from consortium.organisations.services import clean_website
from consortium.organisations.tables import Organisation
from tests.factories import PASSWORD, Client, convenor, invitation_token, join, open_bid, organisation

WEBSITE_PROBLEM = "Enter the website address, like www.example.org.uk"
EMAIL_PROBLEM = "Enter an email address like name@example.org"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("www.example.org.uk", "https://www.example.org.uk"),
        ("  ashbrook.org.uk/about  ", "https://ashbrook.org.uk/about"),
        ("http://ashbrook.org.uk", "http://ashbrook.org.uk"),
        ("HTTPS://Ashbrook.org.uk/a?b=c#d", "HTTPS://Ashbrook.org.uk/a?b=c#d"),
        ("ashbrook.org.uk:8080/x", "https://ashbrook.org.uk:8080/x"),
        ("//ashbrook.org.uk", "https://ashbrook.org.uk"),
        ("tŷ-cymru.org.uk", "https://tŷ-cymru.org.uk"),
    ],
)
def test_websites_that_are_taken(typed: str, stored: str) -> None:
    assert clean_website(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "not a url",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript:1",
        "data:text/html,<b>hi</b>",
        "ftp://ashbrook.org.uk",
        "mailto:ana@example.org",
        "ashbrook",
        "localhost:8000",
        "https://",
        "https://ashbrook..org.uk",
        "https://-ashbrook.org.uk",
        "https://ash_brook.org.uk",
        "https://ana:secret@ashbrook.org.uk",
        "https://ashbrook.org.uk:99999",
        'https://ashbrook.org.uk/"onclick=x',
        "https://192.168.0.1",
        "www.ashbrook.org.uk/a page",
    ],
)
def test_websites_that_are_refused(typed: str) -> None:
    with pytest.raises(BadInput) as refused:
        clean_website(typed)
    assert refused.value.field == "website" and refused.value.message.startswith(WEBSITE_PROBLEM)


def test_other_schemes_are_refused_saying_only_web_addresses_work() -> None:
    with pytest.raises(BadInput) as refused:
        clean_website("javascript:alert(1)")
    assert "Only web addresses (starting http:// or https://)" in refused.value.message


async def test_the_api_refuses_a_bad_website_or_contact_email_and_keeps_the_old_ones(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    url = f"/api/v1/organisations/{org_id}"
    good = await client.patch(
        url, json={"website": "ashbrook.org.uk", "contact_email": " Ana.Smith@Ashbrook.ORG.uk "}, headers=member
    )
    assert good.status_code == 200, good.text
    assert good.json()["website"] == "https://ashbrook.org.uk"
    assert good.json()["contact_email"] == "ana.smith@ashbrook.org.uk"  # normalised, as stored
    for website in ["not a url", "javascript:alert(1)"]:
        bad = await client.patch(url, json={"website": website}, headers=member)
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == "website" and bad.json()["message"].startswith(WEBSITE_PROBLEM)
    for email in ["bob@", "<script>alert(1)</script>@x.org", "bob@localhost", "bob smith@x.org", "x@host.test"]:
        bad = await client.patch(url, json={"contact_email": email}, headers=member)
        assert bad.status_code == 422, (email, bad.text)
        assert bad.json()["field"] == "contact_email" and bad.json()["message"].startswith(EMAIL_PROBLEM)
    stored = await Organisation.select(Organisation.website, Organisation.contact_email).first()
    assert stored == {"website": "https://ashbrook.org.uk", "contact_email": "ana.smith@ashbrook.org.uk"}
    cleared = await client.patch(url, json={"website": "", "contact_email": None}, headers=member)
    assert cleared.status_code == 200
    assert cleared.json()["website"] is None and cleared.json()["contact_email"] is None


async def test_joining_with_a_bad_website_creates_nothing(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    token = await invitation_token(client, headers, bid["id"], "ada@example.org")
    accept = {"name": "Ada", "password": PASSWORD, "organisation": organisation("Ada Homes", website="javascript:x")}
    refused = await client.post(f"/api/v1/invitations/{token}/accept", json=accept)
    assert refused.status_code == 422 and refused.json()["field"] == "organisation"  # its "website" field
    assert [m[: len(WEBSITE_PROBLEM)] for m in refused.json()["fields"]["organisation"]] == [WEBSITE_PROBLEM]
    assert await Organisation.count() == 0
    accept["organisation"]["website"] = "adahomes.org.uk"
    assert (await client.post(f"/api/v1/invitations/{token}/accept", json=accept)).status_code == 201
    assert await Organisation.select(Organisation.website).first() == {"website": "https://adahomes.org.uk"}
