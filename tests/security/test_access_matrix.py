"""Who may do what: every API route in the application's own route table (every route its OpenAPI schema
describes: /api/v1, /health and the files of a document version), tried as every kind of caller.

The expected outcome of each (method, route) for each role is written out below as data. A route the app serves
that is missing from the table fails the test by name, so a new endpoint cannot ship without someone deciding
who may call it. OPTIONS (answered by Litestar itself) is left out; the HTML pages are left out of the schema and
checked, with everything else, by tests/security/test_visibility_matrix.py.

Outcome codes:
  ok   a 2xx answer
  ok*  the caller is let in: 2xx, or a business refusal (400/409/412/422/428) that depends on the state the
       earlier rows left the bid in -- never 401, 403, 404, 410 or 5xx
  in   a redirect to the sign-in page (a caller without a token, at an address beside the pages)
  401 / 403 / 404 / 410  exactly that status

Rows run in order, so the rows that change the shape of the scenario (withdrawals, revocations, locking, joining
by invitation) come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from litestar import Litestar
from litestar.routes import HTTPRoute

from consortium.accounts.services import create_api_token
from consortium.documents.services import wait_for_renders
from consortium.documents.tables import ShareLink
from consortium.timeutil import utc_now
from tests.factories import Client, convenor, future, join, open_bid, organisation, pledge
from tests.security.visibility_scenario import build_teams, target

ROLES = (
    "anonymous",
    "member_a",
    "member_b",
    "member_elsewhere",
    "convenor",
    "convenor_elsewhere",
    "funder",
    "funder_revoked",
    "funder_expired",
    "co_convenor",
    "colleague_editor",
    "colleague_viewer",
)

# (method, route as the app spells it) -> one outcome per role, in the order of ROLES:
#  anon  memA  memB  memElse  conv  convElse  funder  funderRevoked  funderExpired  coConv  colEditor  colViewer
# The last three are the teams' (issue 16): a second convenor of the bid's network (the convenor's rights), and an
# editor and a viewer of member A's organisation (member A's person is its signatory). An editor does what the
# signatory does except confirm board approval and manage signatories; a viewer reads, and is refused (403) every
# write to the organisation and its pledges. "a|b" accepts either.
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/health"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    # Public reference data and rule kinds
    ("GET", "/api/v1/rule-kinds"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/districts"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/districts/{code:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/regions"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/documents/verify"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    # Accounts
    ("POST", "/api/v1/auth/sign-in"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/auth/me"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    ("POST", "/api/v1/auth/tokens"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    ("GET", "/api/v1/auth/tokens"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    # (the body's new password is too weak, so nobody's password changes: signed-in callers get 422)
    ("POST", "/api/v1/auth/password"): "401 ok* ok* ok* ok* ok* 401 401 401 ok* ok* ok*",
    # a reset link for member A: only the convenor of A's network (the other network's convenor: 404)
    ("POST", "/api/v1/auth/reset-links"): "401 403 403 403 ok 404 401 401 401 ok 403 403",
    # the link is the credential (the scenario's is for member B; the body's password is too weak: 422)
    ("GET", "/api/v1/auth/reset-links/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/api/v1/auth/reset-links/{token:str}"): "ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok*",
    ("GET", "/api/v1/networks"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    # Bids
    ("POST", "/api/v1/bids"): "401 404 404 404 ok 404 401 401 401 ok 404 404",
    ("GET", "/api/v1/bids"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("PATCH", "/api/v1/bids/{bid_id:int}"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/rules"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("PUT", "/api/v1/bids/{bid_id:int}/rules"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/totals"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/eligibility"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/members"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    # Approving or refusing an organisation that joined through a link sent to another address (convenors only; the
    # scenario's organisation has joined already, so approval is a no-op and refusal a 409)
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/approve",
    ): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/refuse",
    ): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/invitations"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/invitations"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    # "Chase these members": the convenors' (the scenario's bid is open).
    ("GET", "/api/v1/bids/{bid_id:int}/chase"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/chase"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/invitations/{invitation_id:int}/resend",
    ): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    # Teams (issue 16). A network's convenors are seen and managed by its convenors only: to anyone else the
    # network's team is not there (404). Removals and revokes act on a spare of the caller's own
    # where the caller may act, on a kept one otherwise (tests/security/visibility_scenario.py, Teams).
    ("GET", "/api/v1/networks/{network_id:int}/convenors"): "401 404 404 404 ok 404 401 401 401 ok 404 404",
    ("POST", "/api/v1/networks/{network_id:int}/convenors/invitations"): (
        "401 404 404 404 ok 404 401 401 401 ok 404 404"
    ),
    # An organisation's people (any role) read its team; to anyone else, the convenor too, it is not there (404).
    ("GET", "/api/v1/organisations/{organisation_id:int}/people"): "401 ok 404 404 404 404 401 401 401 404 ok ok",
    # Inviting a signatory and making an editor a signatory: only a signatory may.
    ("POST", "/api/v1/organisations/{organisation_id:int}/people/invitations"): (
        "401 ok 404 404 404 404 401 401 401 404 403 403"
    ),
    ("PATCH", "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"): (
        "401 ok 404 404 404 404 401 401 401 404 403 403"
    ),
    # Waiting invitations of A's team (?organisation_id=A): those who manage it.
    ("GET", "/api/v1/team-invitations"): "401 ok 404 404 404 404 401 401 401 404 ok 403",
    # Each caller's own team invitation (to join A as a viewer, sent to an address nobody has): read by whoever
    # holds it; accepted signed out it makes that account, signed in the account is not the one invited (409).
    ("GET", "/api/v1/team-invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/api/v1/team-invitations/{token:str}/accept"): "ok 409 409 409 409 409 ok ok ok 409 409 409",
    # Organisations
    ("GET", "/api/v1/organisations/{organisation_id:int}"): "401 ok 404 404 ok 404 401 401 401 ok ok ok",
    ("PATCH", "/api/v1/organisations/{organisation_id:int}"): "401 ok 404 404 403 404 401 401 401 403 ok 403",
    ("GET", "/api/v1/organisations/{organisation_id:int}/coverage"): "401 ok 404 404 ok 404 401 401 401 ok ok ok",
    ("PUT", "/api/v1/organisations/{organisation_id:int}/coverage"): "401 ok 404 404 403 404 401 401 401 403 ok 403",
    # Pledges: {pledge_id} is member A's draft, which is A's alone (the convenor learns only that A has a draft,
    # from the bid's pages; see consortium/visibility.py)
    ("POST", "/api/v1/bids/{bid_id:int}/pledges"): "401 ok* ok* 404 403 404 401 401 401 403 ok* 403",
    ("GET", "/api/v1/bids/{bid_id:int}/pledges"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/pledges.csv"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/pledges/{pledge_id:int}"): "401 ok 404 404 404 404 401 401 401 404 ok ok",
    ("GET", "/api/v1/pledges/{pledge_id:int}/history"): "401 ok 404 404 404 404 401 401 401 404 ok ok",
    ("PATCH", "/api/v1/pledges/{pledge_id:int}"): "401 ok* 404 404 404 404 401 401 401 404 ok* 403",
    ("POST", "/api/v1/pledges/{pledge_id:int}/submit"): "401 ok* 404 404 404 404 401 401 401 404 ok* 403",
    # Documents
    ("POST", "/api/v1/bids/{bid_id:int}/documents"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/documents"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("GET", "/api/v1/documents/{document_id:int}"): "401 404 404 404 ok 404 401 401 401 ok 404 404",
    ("GET", "/bids/{bid_id:int}/documents/{version:int}/{file:str}"): "in 404 404 404 ok 404 in in in ok 404 404",
    ("POST", "/api/v1/documents/{document_id:int}/share-links"): "401 404 404 404 ok 404 401 401 401 ok 404 404",
    ("GET", "/api/v1/documents/{document_id:int}/share-links"): "401 404 404 404 ok 404 401 401 401 ok 404 404",
    # Funders: the share-link token is the only credential (non-funders try a made-up token)
    ("GET", "/api/v1/shared/{token:str}"): "404 404 404 404 404 404 ok 410 410 404 404 404",
    ("GET", "/shared/{token:str}/{file:str}"): "404 404 404 404 404 404 ok 410 410 404 404 404",
    # --- issue 11: exports ---
    # --- issue 11: imports ---
    ("POST", "/api/v1/organisations/{organisation_id:int}/coverage/import"): (
        "401 ok* 404 404 403 404 401 401 401 403 ok* 403"
    ),
    # --- issue 11: member list ---
    ("POST", "/api/v1/bids/{bid_id:int}/invitations/import"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    # --- issue 11: tracker ---
    ("GET", "/api/v1/bids/{bid_id:int}/tracker"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    # --- issue 11: re-use ---
    ("POST", "/api/v1/bids/{bid_id:int}/copy"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    # --- issue 12: sign-off ---
    ("GET", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): "401 ok ok 404 ok 404 401 401 401 ok ok ok",
    ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-off-request"): (
        "401 403 403 404 ok* 404 401 401 401 ok* 403 403"
    ),
    # Member A's signatory signs off for A; A's editor and viewer are refused (403), anyone else 404 (a convenor 403).
    ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): (
        "401 ok* 404 404 403 404 401 401 401 403 403 403"
    ),
    # --- issue 12: versions compared ---
    ("GET", "/api/v1/bids/{bid_id:int}/documents/compare"): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    # --- issue 12: checker and re-render ---
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/documents/{version:int}/reproduce",
    ): "401 403 403 404 ok 404 401 401 401 ok 403 403",
    ("POST", "/api/v1/shared/{token:str}/check"): "404 404 404 404 404 404 ok 410 410 404 404 404",
    ("POST", "/api/v1/shared/{token:str}/reproduce"): "404 404 404 404 404 404 ok 410 410 404 404 404",
    # --- issue 12: confirmations ---
    # None: confirmations are the pages' (the API does not ask), so their routes are in the visibility matrix.
    # --- issue 12: what members see ---
    # Rows that change the scenario's shape: last
    ("DELETE", "/api/v1/networks/{network_id:int}/convenors/{user_id:int}"): (
        "401 404 404 404 ok 404 401 401 401 ok 404 404"
    ),
    ("DELETE", "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"): (
        "401 ok 404 404 404 404 401 401 401 404 ok 403"
    ),
    ("DELETE", "/api/v1/team-invitations/{invitation_id:int}"): "401 ok 404 404 ok 404 401 401 401 ok ok 403",
    # Starting a network makes the caller a convenor (after the rows where not being one counts); sign-up is open
    # to anyone (CONSORTIUM_OPEN_SIGNUP is on in the tests).
    ("POST", "/api/v1/networks"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
    ("POST", "/api/v1/auth/sign-up"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/api/v1/share-links/{link_id:int}/revoke"): "401 404 404 404 ok 404 401 401 401 ok* 404 404",
    ("POST", "/api/v1/pledges/{pledge_id:int}/withdraw"): "401 ok* 404 404 404 404 401 401 401 404 ok* 403",
    ("DELETE", "/api/v1/auth/tokens/{token_id:int}"): "401 ok 404 404 404 404 401 401 401 404 404 404",
    ("POST", "/api/v1/auth/sign-out"): "ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/api/v1/bids/{bid_id:int}/open"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/lock"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/unlock"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/submit"): "401 403 403 404 ok* 404 401 401 401 ok* 403 403",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/withdraw",
    ): "401 ok* 404 404 ok* 404 401 401 401 ok* ok* 403",
    ("POST", "/api/v1/invitations/{token:str}/accept"): "ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok*",
    # Revokes each caller's every token and session: the very last row.
    ("POST", "/api/v1/auth/sign-out-everywhere"): "401 ok ok ok ok ok 401 401 401 ok ok ok",
}

ALLOWED_REFUSALS = {400, 409, 412, 422, 428}
MADE_UP_TOKEN = "not-a-real-token-0123456789abcdef"


def api_routes(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, route) the OpenAPI schema describes (Litestar's own schema pages are not in it)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.update(
                (method, route.path)
                for method, (handler, _) in route.route_handler_map.items()
                if method != "OPTIONS" and handler.resolve_include_in_schema()
            )
    return found


def test_every_api_route_is_in_the_matrix(app: Litestar) -> None:
    routes = api_routes(app)
    missing = sorted(routes - MATRIX.keys())
    assert not missing, "Routes with no access rules in MATRIX (add a row saying who may call each): " + ", ".join(
        f"{m} {p}" for m, p in missing
    )
    stale = sorted(MATRIX.keys() - routes)
    assert not stale, f"MATRIX rows for routes the app no longer has: {stale}"
    assert all(len(row.split()) == len(ROLES) for row in MATRIX.values())


@dataclass
class Scenario:
    headers: dict[str, dict[str, str]]
    params: dict[str, Any]
    share_tokens: dict[str, str]
    invitation_tokens: dict[str, str]
    pdf_sha256: str
    member_a_spare_token_id: int
    member_a_email: str
    bodies: dict[tuple[str, str], Any] = field(default_factory=dict)
    reset_token: str = ""
    targets: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    team_invitation_tokens: dict[str, str] = field(default_factory=dict)


async def _share(client: Client, conv: dict[str, str], document_id: int, label: str) -> tuple[int, str]:
    response = await client.post(f"/api/v1/documents/{document_id}/share-links", json={"label": label}, headers=conv)
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), urlparse(response.json()["url"]).path.rsplit("/", 1)[-1]


async def build_scenario(client: Client) -> Scenario:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    bid_id = bid["id"]
    org_a, member_a = await join(client, conv, bid_id, organisation("Ashbrook Homes"))
    _, member_b = await join(client, conv, bid_id, organisation("Brightwater Housing"))
    pledge_a = await pledge(client, member_a, bid_id, 40_000_00, submit=False)
    await pledge(client, member_b, bid_id, 25_000_00)

    other_network, conv_else = await convenor()
    other_bid = await open_bid(client, conv_else, other_network)
    _, member_else = await join(client, conv_else, other_bid["id"], organisation("Elsewhere Homes"))
    await pledge(client, member_else, other_bid["id"], 10_000_00)

    created = await client.post(f"/api/v1/bids/{bid_id}/documents", json={}, headers=conv)
    assert created.status_code == 202, created.text
    document_id = int(created.json()["id"])
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{document_id}", headers=conv)).json()
    assert document["state"] == "ready", document

    _, valid = await _share(client, conv, document_id, "Funder")
    revoked_id, revoked = await _share(client, conv, document_id, "Revoked")
    assert (await client.post(f"/api/v1/share-links/{revoked_id}/revoke", headers=conv)).status_code == 200
    expired_id, expired = await _share(client, conv, document_id, "Expired")
    await ShareLink.update({ShareLink.expires_at: utc_now() - timedelta(days=1)}).where(ShareLink.id == expired_id)
    spare_link_id, _ = await _share(client, conv, document_id, "Spare, for the revoke row")

    emails = [f"accept-{role}@example.org" for role in ROLES]
    invited = await client.post(
        f"/api/v1/bids/{bid_id}/invitations", json={"emails": [*emails, "resend@example.org"]}, headers=conv
    )
    assert invited.status_code == 201, invited.text
    invitations = {row["email"]: row for row in invited.json()["invitations"]}
    invitation_tokens = {
        role: urlparse(invitations[email]["accept_url"]).path.rsplit("/", 1)[-1]
        for role, email in zip(ROLES, emails, strict=True)
    }

    me = (await client.get("/api/v1/auth/me", headers=member_a)).json()
    spare_token_id, _ = await create_api_token(me["user_id"], "spare, for the revoke row")
    member_b_email = (await client.get("/api/v1/auth/me", headers=member_b)).json()["email"]
    reset = await client.post("/api/v1/auth/reset-links", json={"email": member_b_email}, headers=conv)
    assert reset.status_code == 201, reset.text
    convenor_id = (await client.get("/api/v1/auth/me", headers=conv)).json()["user_id"]
    teams = await build_teams(network_id, org_a, convenor_id, me["user_id"], ROLES)

    headers = {
        "anonymous": {},
        "member_a": member_a,
        "member_b": member_b,
        "member_elsewhere": member_else,
        "convenor": conv,
        "convenor_elsewhere": conv_else,
        "funder": {},
        "funder_revoked": {},
        "funder_expired": {},
        **teams.headers,
    }
    return Scenario(
        headers=headers,
        params={
            "bid_id": bid_id,
            "network_id": network_id,
            "organisation_id": org_a,
            "pledge_id": pledge_a["id"],
            "document_id": document_id,
            "version": document["version"],
            "link_id": spare_link_id,
            "invitation_id": invitations["resend@example.org"]["id"],
            "code": "E08000003",
        },
        share_tokens={"funder": valid, "funder_revoked": revoked, "funder_expired": expired},
        invitation_tokens=invitation_tokens,
        pdf_sha256=document["pdf_sha256"],
        member_a_spare_token_id=spare_token_id,
        member_a_email=me["email"],
        reset_token=urlparse(reset.json()["url"]).path.rsplit("/", 1)[-1],
        targets=teams.targets,
        team_invitation_tokens=teams.tokens,
    )


def _request(s: Scenario, method: str, route: str, role: str) -> tuple[str, dict[str, Any]]:
    params = {**s.params, "file": "bid.pdf"}
    if "/shared/" in route:
        params["token"] = s.share_tokens.get(role, MADE_UP_TOKEN)
    elif route.startswith("/api/v1/invitations/"):
        params["token"] = s.invitation_tokens[role]
    elif route.startswith("/api/v1/auth/reset-links/"):
        params["token"] = s.reset_token
    elif route.startswith("/api/v1/team-invitations/{token"):
        params["token"] = s.team_invitation_tokens[role]
    params["token_id"] = s.member_a_spare_token_id
    params.update(target(s.targets, method, route, role))
    url = route
    for name, value in params.items():
        for suffix in (":int", ":str", ""):
            url = url.replace("{" + name + suffix + "}", str(value))
    assert "{" not in url, url
    kwargs: dict[str, Any] = {"headers": dict(s.headers[role])}
    who = role.replace("_", "-")
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/auth/sign-in"): {"email": s.member_a_email, "password": "correct horse battery staple"},
        ("POST", "/api/v1/auth/tokens"): {"name": "matrix"},
        ("POST", "/api/v1/auth/password"): {"current_password": "not the password", "new_password": "password123"},
        ("POST", "/api/v1/auth/reset-links"): {"email": s.member_a_email},
        ("POST", "/api/v1/auth/reset-links/{token:str}"): {"password": "password123"},
        ("POST", "/api/v1/bids"): {
            "network_id": s.params["network_id"],
            "title": "Another bid",
            "funder_name": "A funder",
            "deadline": future(),
        },
        ("PATCH", "/api/v1/bids/{bid_id:int}"): {"programme": "Renamed programme"},
        ("POST", "/api/v1/bids/{bid_id:int}/copy"): {
            "title": f"Copied by {role}",
            "deadline": future(),
            "members": False,
        },
        ("PUT", "/api/v1/bids/{bid_id:int}/rules"): {"rules": []},
        ("POST", "/api/v1/bids/{bid_id:int}/invitations"): {"emails": [f"matrix-{role}@example.org"]},
        ("PATCH", "/api/v1/organisations/{organisation_id:int}"): {"description": "Changed"},
        ("PUT", "/api/v1/organisations/{organisation_id:int}/coverage"): {
            "districts": [{"district_code": "E08000003"}]
        },
        ("POST", "/api/v1/bids/{bid_id:int}/pledges"): {"amount_pence": 1_000_00},
        ("PATCH", "/api/v1/pledges/{pledge_id:int}"): {"purpose": "Changed"},
        ("POST", "/api/v1/bids/{bid_id:int}/documents"): {},
        ("POST", "/api/v1/documents/{document_id:int}/share-links"): {"label": "matrix"},
        ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): {
            "organisation_id": s.params["organisation_id"],
            "decision": "signed",
        },
        ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-off-request"): {"message": "matrix"},
        ("POST", "/api/v1/shared/{token:str}/check"): {"sha256": s.pdf_sha256},
        ("POST", "/api/v1/invitations/{token:str}/accept"): {
            "name": "New Person",
            "password": "correct horse battery staple",
            "organisation": organisation(f"Joined as {role}"),
        },
        ("POST", "/api/v1/networks/{network_id:int}/convenors/invitations"): {"email": f"convenor-{who}@example.org"},
        ("POST", "/api/v1/organisations/{organisation_id:int}/people/invitations"): {
            "email": f"signatory-{who}@example.org",
            "role": "signatory",
        },
        ("PATCH", "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"): {"role": "signatory"},
        # Signed out: the new account's name and password; signed in, you join as yourself (nothing to send).
        ("POST", "/api/v1/team-invitations/{token:str}/accept"): (
            {} if s.headers[role] else {"name": "New Colleague", "password": "correct horse battery staple"}
        ),
        ("POST", "/api/v1/networks"): {"name": f"Network started by {role}"},
        ("POST", "/api/v1/auth/sign-up"): {
            "name": "New Convenor",
            "email": f"sign-up-{who}@example.org",
            "password": "correct horse battery staple",
            "network_name": f"Network signed up by {role}",
        },
    }
    if (method, route) in bodies:
        kwargs["json"] = bodies[(method, route)]
    if route.startswith("/api/v1/pledges/") and method in {"PATCH", "POST"}:
        kwargs["headers"]["If-Match"] = "1"
    if route == "/api/v1/documents/verify":
        kwargs["params"] = {"sha256": s.pdf_sha256}
    if route.endswith("/documents/compare"):
        kwargs["params"] = {"from": s.params["version"], "to": s.params["version"]}
    if route == "/api/v1/team-invitations":
        kwargs["params"] = {"organisation_id": s.params["organisation_id"]}
    return url, kwargs


def _matches(cell: str, status: int, location: str) -> bool:
    return any(_matches_one(expected, status, location) for expected in cell.split("|"))


def _matches_one(expected: str, status: int, location: str) -> bool:
    if expected == "in":
        return 300 <= status < 400 and location.startswith("/sign-in")
    if expected == "ok":
        return 200 <= status < 300
    if expected == "ok*":
        return 200 <= status < 300 or status in ALLOWED_REFUSALS
    return status == int(expected)


async def test_access_matrix(client: Client, app: Litestar) -> None:
    assert api_routes(app) == MATRIX.keys(), "see test_every_api_route_is_in_the_matrix"
    scenario = await build_scenario(client)
    failures = []
    checked = 0
    for (method, route), row in MATRIX.items():
        for role, expected in zip(ROLES, row.split(), strict=True):
            url, kwargs = _request(scenario, method, route, role)
            client.cookies.clear()
            response = await client.request(method, url, **kwargs)
            checked += 1
            location = response.headers.get("location", "")
            if response.status_code >= 500 or not _matches(expected, response.status_code, location):
                failures.append(
                    f"{method} {route} as {role}: expected {expected}, got {response.status_code} {response.text[:160]}"
                )
    client.cookies.clear()
    await wait_for_renders()
    print(f"access matrix: {len(MATRIX)} routes x {len(ROLES)} roles = {checked} requests")
    assert not failures, f"{len(failures)} of {checked} cells differ:\n" + "\n".join(failures)


async def test_members_see_only_their_own_pledges_and_headline_totals(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    _, member_a = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    _, member_b = await join(client, conv, bid["id"], organisation("Brightwater Housing"))
    mine = await pledge(client, member_a, bid["id"], 12_345_00)
    await pledge(client, member_b, bid["id"], 54_321_00)
    seen = (await client.get(f"/api/v1/bids/{bid['id']}/pledges", headers=member_a)).json()
    assert [p["id"] for p in seen] == [mine["id"]]
    everything = (await client.get(f"/api/v1/bids/{bid['id']}/pledges", headers=conv)).json()
    assert len(everything) == 2
    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=member_a)).text
    assert "Brightwater" not in totals and "5432100" not in totals
