"""One bid at one stage, with data planted for the visibility matrix to look for where it must not be.

The network's convenor runs an open bid with four member organisations and a second network with its own bid:

* Ashbrook Homes (member A): a submitted pledge (first saved as a draft with other words and amount), a draft
  pledge, and a draft withdrawn before it was ever submitted;
* Brightwater Housing (member B): a submitted pledge, and a pledge withdrawn after it was submitted;
* Westfield Homes (member W): a submitted pledge and a draft, then withdrawn from the bid;
* Quillfeather Housing (member P): accepted an invitation sent to another address, so awaits the convenor's
  approval ("pending");
* Elsewhere Homes, member of the other network's bid.

The teams (issue 16): the bid's network has a second convenor ("co_convenor"), and Ashbrook Homes two more people,
an editor ("colleague_editor") and a viewer ("colleague_viewer"); member A's person is its signatory. Spare people
(convenors of the network, editors of A) and waiting team invitations are the targets of the removal and revoke rows,
one for each caller allowed to remove (so no row finds its target gone) and one kept for everyone else
(``Teams.targets``). Each caller holds a team invitation of its own to join A as a viewer, sent to an address
nobody has (``Teams.tokens``): anyone holding it reads it; signed out, accepting makes the account; signed in, the
account's address is not the one invited (409). These are made with direct rows (faster than the API, and
independent of it).

Then the bid is moved to the stage asked for, a document is made, and share links are created (live, revoked,
expired). Every text and amount planted is listed in ``World.planted`` with the kind of data it is
(``consortium.visibility.Subject``) and whose it is, so the matrix can ask the policy who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from consortium.accounts.security import hash_password, new_token, token_digest
from consortium.accounts.services import create_api_token, create_user
from consortium.accounts.tables import User
from consortium.bids.tables import BidMember
from consortium.documents.services import wait_for_renders
from consortium.documents.tables import ShareLink
from consortium.mail.tables import OutboxMessage
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.teams.tables import TeamInvitation
from consortium.timeutil import utc_now
from consortium.visibility import Stage, Subject
from tests.factories import (
    PASSWORD,
    Client,
    bearer,
    convenor,
    invitation_token,
    join,
    open_bid,
    organisation,
    pledge,
)

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
    "member_withdrawn",
    "member_pending",
    "co_convenor",
    "colleague_editor",
    "colleague_viewer",
)
# The callers the teams add (issue 16): a second convenor of the bid's network, and two more people of member A.
TEAM_ROLES = ("co_convenor", "colleague_editor", "colleague_viewer")
# The organisation each member role acts for (keys of World.organisations).
ROLE_ORGANISATION = {
    "member_a": "a",
    "member_b": "b",
    "member_withdrawn": "w",
    "member_pending": "p",
    "colleague_editor": "a",
    "colleague_viewer": "a",
}
BID = "bid"  # the owner of the bid's own data (figures, records), as opposed to one organisation's

THEMES = ["Warm homes", "Tackling loneliness"]
# The largest share rule fails (Brightwater holds 69.8% of the eligible total), so its actual and gap are worded.
RULES = [
    {"key": "board_approval_required"},
    {"key": "min_members", "count": 2},
    {"key": "max_member_share", "percent": 69},
]
UNANSWERED_INVITEE = "unanswered-invitee@example.org"
MADE_UP_TOKEN = "not-a-real-token-0123456789abcdef"


def money_forms(pence: int) -> tuple[str, ...]:
    """Every way an amount may be written: 1246835 pence is "1246835", "12,468.35", "12468.35", "£12,468" (and
    "£12,469" rounded up from 50p)."""
    pounds, rest = divmod(pence, 100)
    rounded = pounds + (1 if rest >= 50 else 0)
    return (str(pence), f"{pounds:,}.{rest:02d}", f"{pounds}.{rest:02d}", f"£{pounds:,}", f"£{rounded:,}")


@dataclass(frozen=True)
class Planted:
    subject: Subject
    owner: str  # "a", "b", "w", "p" (an organisation) or BID
    label: str  # for failure messages
    texts: tuple[str, ...]


@dataclass
class World:
    stage: Stage
    headers: dict[str, dict[str, str]]
    params: dict[str, Any]
    organisations: dict[str, int]
    pledges: dict[str, int]
    share_tokens: dict[str, str]
    invitation_tokens: dict[str, str]
    pdf_sha256: str
    member_a_spare_token_id: int
    member_a_email: str
    member_a_message_id: int  # a message sent to member A's person (the development mail page)
    planted: list[Planted] = field(default_factory=list)
    # (route) -> (the route's parameter, {caller: id, "*": the id for every other caller}): see Teams
    targets: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    team_invitation_tokens: dict[str, str] = field(default_factory=dict)


# The team routes whose target is a person or an invitation chosen for each caller (Teams.targets).
REMOVE_CONVENOR_API = "/api/v1/networks/{network_id:int}/convenors/{user_id:int}"
REMOVE_CONVENOR_PAGE = "/networks/{network_id:int}/team/{user_id:int}/remove"
CHANGE_ROLE_API = "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"
CHANGE_ROLE_PAGE = "/organisations/{organisation_id:int}/team/{user_id:int}/role"
REMOVE_COLLEAGUE_PAGE = "/organisations/{organisation_id:int}/team/{user_id:int}/remove"
REVOKE_TEAM_INVITATION_API = "/api/v1/team-invitations/{invitation_id:int}"
REVOKE_TEAM_INVITATION_PAGE = "/team-invitations/{invitation_id:int}/revoke"
# PATCH and DELETE share CHANGE_ROLE_API's path: the DELETE's targets are under this key.
REMOVE_COLLEAGUE_API = "DELETE " + CHANGE_ROLE_API


@dataclass
class Teams:
    headers: dict[str, dict[str, str]]  # the three TEAM_ROLES
    targets: dict[str, tuple[str, dict[str, int]]]
    tokens: dict[str, str]  # each caller's own team invitation (to join A as a viewer, sent to an unused address)


_password_hash: list[str] = []


async def _person(email: str, name: str) -> int:
    """An account made with a direct row (the argon2 hash of the tests' password, made once)."""
    if not _password_hash:
        _password_hash.append(hash_password(PASSWORD))
    rows = await User.insert(User(email=email, name=name, password_hash=_password_hash[0])).returning(User.id)
    return int(rows[0]["id"])


async def _team_invitation(
    email: str, role: str, by: int, *, network: int | None = None, org: int | None = None
) -> tuple[int, str]:
    token = new_token()
    rows = await TeamInvitation.insert(
        TeamInvitation(
            network=network,
            organisation=org,
            role=role,
            email=email,
            token_hash=token_digest(token),
            created_by=by,
            expires_at=utc_now() + timedelta(days=14),
        )
    ).returning(TeamInvitation.id)
    return int(rows[0]["id"]), token


async def build_teams(network_id: int, org_a: int, convenor_id: int, member_a_id: int, roles: tuple[str, ...]) -> Teams:
    """The team callers, the spare people and invitations the team rows act on, and a team invitation per role."""
    headers: dict[str, dict[str, str]] = {}

    async def convenor_of_network(key: str) -> int:
        user = await _person(f"{key}@example.org", f"Convenor {key}")
        await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=user, added_by=convenor_id))
        return user

    async def colleague(key: str, role: str) -> int:
        user = await _person(f"{key}@example.org", f"Colleague {key}")
        await OrganisationUser.insert(OrganisationUser(organisation=org_a, user=user, role=role, added_by=member_a_id))
        return user

    headers["co_convenor"] = bearer((await create_api_token(await convenor_of_network("co-convenor"), "tests"))[1])
    for role in ("editor", "viewer"):
        user = await colleague(f"colleague-{role}", role)
        headers[f"colleague_{role}"] = bearer((await create_api_token(user, "tests"))[1])

    async def spare_convenors(kind: str) -> dict[str, int]:
        return {
            "convenor": await convenor_of_network(f"spare-convenor-{kind}-1"),
            "co_convenor": await convenor_of_network(f"spare-convenor-{kind}-2"),
        }

    async def spare_colleagues(kind: str) -> dict[str, int]:
        return {
            "member_a": await colleague(f"spare-colleague-{kind}-1", "editor"),
            "colleague_editor": await colleague(f"spare-colleague-{kind}-2", "editor"),
        }

    async def spare_invitations(kind: str) -> dict[str, int]:
        found = {}
        for role, network, org, by in (
            ("member_a", None, org_a, member_a_id),
            ("colleague_editor", None, org_a, member_a_id),
            ("convenor", network_id, None, convenor_id),
            ("co_convenor", network_id, None, convenor_id),
        ):
            found[role], _ = await _team_invitation(
                f"spare-invitation-{kind}-{role.replace('_', '-')}@example.org",
                "convenor" if network else "editor",
                by,
                network=network,
                org=org,
            )
        return found

    # Never removed, changed or revoked (no caller allowed to is given them): what everyone else tries.
    kept_convenor = await convenor_of_network("kept-convenor")
    kept_colleague = await colleague("kept-colleague", "editor")
    kept_invitation, _ = await _team_invitation("kept-invitation@example.org", "editor", member_a_id, org=org_a)
    targets: dict[str, tuple[str, dict[str, int]]] = {
        REMOVE_CONVENOR_API: ("user_id", {**await spare_convenors("api"), "*": kept_convenor}),
        REMOVE_CONVENOR_PAGE: ("user_id", {**await spare_convenors("page"), "*": kept_convenor}),
        # An editor made a signatory (API) or a viewer (page): every caller tries the same person.
        CHANGE_ROLE_API: ("user_id", {"*": await colleague("to-be-signatory", "editor")}),
        CHANGE_ROLE_PAGE: ("user_id", {"*": await colleague("to-be-viewer", "editor")}),
        REMOVE_COLLEAGUE_API: ("user_id", {**await spare_colleagues("api"), "*": kept_colleague}),
        REMOVE_COLLEAGUE_PAGE: ("user_id", {**await spare_colleagues("page"), "*": kept_colleague}),
        REVOKE_TEAM_INVITATION_API: ("invitation_id", {**await spare_invitations("api"), "*": kept_invitation}),
        REVOKE_TEAM_INVITATION_PAGE: ("invitation_id", {**await spare_invitations("page"), "*": kept_invitation}),
    }
    tokens = {}
    for role in roles:
        _, tokens[role] = await _team_invitation(
            f"team-invitee-{role.replace('_', '-')}@example.org", "viewer", member_a_id, org=org_a
        )
    return Teams(headers=headers, targets=targets, tokens=tokens)


def target(targets: dict[str, tuple[str, dict[str, int]]], method: str, route: str, role: str) -> dict[str, int]:
    """The parameter a team route's caller acts on (the caller's own spare, or the kept one), as {name: id}."""
    key = REMOVE_COLLEAGUE_API if (method, route) == ("DELETE", CHANGE_ROLE_API) else route
    if key not in targets:
        return {}
    name, ids = targets[key]
    return {name: ids.get(role, ids["*"])}


async def _share(client: Client, conv: dict[str, str], document_id: int, label: str) -> tuple[int, str]:
    response = await client.post(f"/api/v1/documents/{document_id}/share-links", json={"label": label}, headers=conv)
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), urlparse(response.json()["url"]).path.rsplit("/", 1)[-1]


async def _change(client: Client, headers: dict[str, str], pledge_id: int, action: str, **body: Any) -> None:
    current = (await client.get(f"/api/v1/pledges/{pledge_id}", headers=headers)).json()
    version_header = {**headers, "If-Match": str(current["version"])}
    if action == "update":
        answer = await client.patch(f"/api/v1/pledges/{pledge_id}", json=body, headers=version_header)
    else:
        answer = await client.post(f"/api/v1/pledges/{pledge_id}/{action}", headers=version_header)
    assert answer.status_code == 200, answer.text


async def _first_message_to(address: str) -> int:
    row = await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.to_address == address).first()
    assert row is not None, f"no message was written to {address}"
    return int(row["id"])


async def build_world(client: Client, stage: Stage) -> World:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, rules=RULES, themes=THEMES)
    bid_id = int(bid["id"])

    def org(name: str, about: str) -> dict[str, Any]:
        return organisation(name, description=about)

    org_a, member_a = await join(client, conv, bid_id, org("Ashbrook Homes", "PROFILE-A-ABOUT"))
    org_b, member_b = await join(client, conv, bid_id, org("Brightwater Housing", "PROFILE-B-ABOUT"))
    org_w, member_w = await join(client, conv, bid_id, org("Westfield Homes", "PROFILE-W-ABOUT"))

    # Member A: a pledge drafted with other words and amount, then changed and submitted; a draft; a draft withdrawn
    # before it was ever submitted (still a draft as far as anyone else is concerned).
    submitted_a = await pledge(client, member_a, bid_id, 19_283_74, submit=False, purpose="DRAFT-BEFORE-SUBMIT-A")
    await _change(client, member_a, submitted_a["id"], "update", purpose="SUBMITTED-A", amount_pence=23_456_78)
    await _change(client, member_a, submitted_a["id"], "submit")
    draft_a = await pledge(
        client,
        member_a,
        bid_id,
        12_468_35,
        submit=False,
        purpose="SECRET-DRAFT-A",
        conditions="SECRET-CONDITIONS-A",
        areas=[{"district_code": "E06000053"}],  # the Isles of Scilly: in no member's coverage
    )
    withdrawn_draft_a = await pledge(client, member_a, bid_id, 13_579_24, submit=False, purpose="WITHDRAWN-DRAFT-A")
    await _change(client, member_a, withdrawn_draft_a["id"], "withdraw")

    # Member B: a submitted pledge, and one withdrawn after it was submitted.
    await pledge(client, member_b, bid_id, 54_321_09, purpose="SUBMITTED-B", conditions="SUBMITTED-CONDITIONS-B")
    withdrawn_b = await pledge(client, member_b, bid_id, 17_171_93, purpose="WITHDRAWN-SUBMITTED-B")
    await _change(client, member_b, withdrawn_b["id"], "withdraw")

    # Member W pledges, then leaves the bid.
    await pledge(client, member_w, bid_id, 31_415_92, purpose="SUBMITTED-W")
    await pledge(client, member_w, bid_id, 27_182_81, submit=False, purpose="DRAFT-W")
    left = await client.post(f"/api/v1/bids/{bid_id}/members/{org_w}/withdraw", headers=conv)
    assert left.status_code == 200, left.text

    # Member P awaits the convenor's approval: signed in as someone else than the address invited, it accepted.
    p_user = await create_user("quill@example.org", "Pat Pending", PASSWORD)
    member_p = bearer((await create_api_token(p_user, "tests"))[1])
    token_p = await invitation_token(client, conv, bid_id, "someone-else@example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token_p}/accept",
        json={"organisation": org("Quillfeather Housing", "PROFILE-P-ABOUT")},
        headers=member_p,
    )
    assert accepted.status_code == 201, accepted.text
    org_p = int(accepted.json()["organisation_id"])
    membership = await BidMember.select(BidMember.status).where(
        (BidMember.bid == bid_id) & (BidMember.organisation == org_p)
    )
    assert [m["status"] for m in membership] == ["pending"], membership

    other_network, conv_else = await convenor()
    other_bid = await open_bid(client, conv_else, other_network)
    _, member_else = await join(client, conv_else, other_bid["id"], org("Elsewhere Homes", "PROFILE-ELSEWHERE"))
    await pledge(client, member_else, other_bid["id"], 10_000_00)

    emails = [f"accept-{role.replace('_', '-')}@example.org" for role in ROLES]
    invited = await client.post(
        f"/api/v1/bids/{bid_id}/invitations",
        json={"emails": [*emails, "resend@example.org", UNANSWERED_INVITEE]},
        headers=conv,
    )
    assert invited.status_code == 201, invited.text
    invitations = {row["email"]: row for row in invited.json()["invitations"]}
    invitation_tokens = {
        role: urlparse(invitations[email]["accept_url"]).path.rsplit("/", 1)[-1]
        for role, email in zip(ROLES, emails, strict=True)
    }

    for action in {Stage.OPEN: [], Stage.LOCKED: ["lock"], Stage.SUBMITTED: ["lock", "submit"]}[stage]:
        moved = await client.post(f"/api/v1/bids/{bid_id}/{action}", headers=conv)
        assert moved.status_code == 200, moved.text

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
    if stage is not Stage.SUBMITTED:  # issue 12, sign-off: asked for, and member B declines with a reason
        sign_offs = f"/api/v1/bids/{bid_id}/documents/{document['version']}"
        asked = await client.post(f"{sign_offs}/sign-off-request", json={}, headers=conv)
        assert asked.status_code == 201, asked.text
        reason = {"organisation_id": org_b, "decision": "declined", "reason": "SIGNOFF-REASON-B"}
        declined = await client.post(f"{sign_offs}/sign-offs", json=reason, headers=member_b)
        assert declined.status_code == 201, declined.text

    me = (await client.get("/api/v1/auth/me", headers=member_a)).json()
    spare_token_id, _ = await create_api_token(me["user_id"], "spare, for the revoke row")
    convenor_id = (await client.get("/api/v1/auth/me", headers=conv)).json()["user_id"]
    teams = await build_teams(network_id, org_a, convenor_id, me["user_id"], ROLES)

    totals = (await client.get(f"/api/v1/bids/{bid_id}/totals", headers=conv)).json()
    assert totals["pledged_pence"] == 23_456_78 + 54_321_09, totals
    eligibility = (await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=conv)).json()
    share_rule = next(r for r in eligibility["rules"] if r["key"] == "max_member_share")
    assert share_rule["actual_text"] == "69.8%" and not share_rule["passed"], share_rule
    client.cookies.clear()

    planted = [
        Planted(
            Subject.DRAFT_PLEDGE,
            "a",
            "A's draft",
            ("SECRET-DRAFT-A", "SECRET-CONDITIONS-A", *money_forms(12_468_35)),
        ),
        Planted(Subject.DRAFT_PLEDGE, "a", "A's draft withdrawn unsubmitted", ("WITHDRAWN-DRAFT-A",)),
        Planted(
            Subject.DRAFT_PLEDGE,
            "a",
            "A's draft wording before it submitted",
            ("DRAFT-BEFORE-SUBMIT-A", *money_forms(19_283_74)),
        ),
        Planted(Subject.SUBMITTED_PLEDGE, "a", "A's submitted pledge", ("SUBMITTED-A", *money_forms(23_456_78))),
        Planted(Subject.PROFILE, "a", "A's name and profile", ("Ashbrook", "PROFILE-A-ABOUT")),
        Planted(
            Subject.SUBMITTED_PLEDGE,
            "b",
            "B's submitted pledge",
            ("SUBMITTED-B", "SUBMITTED-CONDITIONS-B", *money_forms(54_321_09)),
        ),
        Planted(
            Subject.WITHDRAWN_SUBMITTED_PLEDGE,
            "b",
            "B's pledge withdrawn after submitting",
            ("WITHDRAWN-SUBMITTED-B", *money_forms(17_171_93)),
        ),
        Planted(Subject.PROFILE, "b", "B's name and profile", ("Brightwater", "PROFILE-B-ABOUT")),
        Planted(Subject.SUBMITTED_PLEDGE, "w", "W's submitted pledge", ("SUBMITTED-W", *money_forms(31_415_92))),
        Planted(Subject.DRAFT_PLEDGE, "w", "W's draft", ("DRAFT-W", *money_forms(27_182_81))),
        Planted(Subject.PROFILE, "w", "W's name and profile", ("Westfield", "PROFILE-W-ABOUT")),
        Planted(Subject.PROFILE, "p", "P's name and profile", ("Quillfeather", "PROFILE-P-ABOUT")),
        Planted(
            Subject.HEADLINE_FIGURES,
            BID,
            "the bid's pledged, eligible and match totals",
            tuple(
                {
                    text
                    for key in ("pledged_pence", "eligible_pence", "match_requested_pence")
                    for text in money_forms(totals[key])
                }
            ),
        ),
        Planted(Subject.SHARE_FIGURES, "b", "B's share, the largest", (share_rule["actual_text"],)),
        Planted(Subject.CONVENOR_RECORDS, BID, "an invitation's address", (UNANSWERED_INVITEE,)),
        Planted(Subject.SIGN_OFFS, "b", "B's reason for declining to sign off", ("SIGNOFF-REASON-B",)),
    ]

    return World(
        stage=stage,
        headers={
            "anonymous": {},
            "member_a": member_a,
            "member_b": member_b,
            "member_elsewhere": member_else,
            "convenor": conv,
            "convenor_elsewhere": conv_else,
            "funder": {},
            "funder_revoked": {},
            "funder_expired": {},
            "member_withdrawn": member_w,
            "member_pending": member_p,
            **teams.headers,
        },
        params={
            "bid_id": bid_id,
            "network_id": network_id,
            "organisation_id": org_a,
            "pledge_id": draft_a["id"],
            "document_id": document_id,
            "version": document["version"],
            "link_id": spare_link_id,
            "invitation_id": invitations["resend@example.org"]["id"],
            "code": "E08000003",
            "region": "figures",
            "action": "lock",
            "key": "min_pledge",
            "file_path": "site.css",
            "path": "nothing-here",
        },
        organisations={"a": org_a, "b": org_b, "w": org_w, "p": org_p},
        pledges={"a_draft": draft_a["id"], "a_submitted": submitted_a["id"], "b_withdrawn": withdrawn_b["id"]},
        share_tokens={"funder": valid, "funder_revoked": revoked, "funder_expired": expired},
        invitation_tokens=invitation_tokens,
        pdf_sha256=document["pdf_sha256"],
        member_a_spare_token_id=spare_token_id,
        member_a_email=me["email"],
        member_a_message_id=await _first_message_to(me["email"]),
        planted=planted,
        targets=teams.targets,
        team_invitation_tokens=teams.tokens,
    )
