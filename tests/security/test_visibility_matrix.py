"""Who sees what, on every way in: every route of the application (the JSON API, the pages, their HTMX fragments,
the CSV, the PDFs and their attachments) × fourteen kinds of caller × the three stages of a bid.

Two things are checked for each cell:

* the status, against EXPECTED below (written from the policy in ``consortium.visibility``, not from what the code
  happened to answer); a route the app serves without a row fails the test by name;
* the body: every text and amount planted in the scenario (``tests/security/visibility_scenario.py``) that the
  policy says this caller may not see must not be in the answer, whatever its status. PDFs are read back with pypdf,
  their text and their attachments (snapshot.json, pledges.csv). A bid document may hold only what the policy lets
  a funder see through a document, whoever downloads it.

Outcome codes in EXPECTED (a cell is one outcome for every stage, or three separated by "/" for open, locked and
submitted; "a|b" accepts either):
  ok   2xx, or a redirect somewhere other than the sign-in page
  ok*  let in: ok, or a refusal that depends on the scenario's state (400, 409, 412, 422, 428)
  in   a redirect to the sign-in page (a page asked for without signing in)
  401 / 403 / 404 / 409 / 410  exactly that status

Reads (GET, HEAD) run first, then the writes in the order of the table, so that rows which change the scenario's
shape (revoking, withdrawing, signing out, locking, joining) come last.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Iterable
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import polars
import pypdf
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from consortium.documents.files import FILE_NAMES
from consortium.documents.services import wait_for_renders
from consortium.visibility import Audience, Sight, Stage, in_documents, readme_table, sight
from tests.factories import PASSWORD, Client, future, organisation
from tests.security.visibility_scenario import (
    BID,
    MADE_UP_TOKEN,
    ROLE_ORGANISATION,
    ROLES,
    Planted,
    World,
    build_world,
    target,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# (method, route as the app spells it) -> one cell per role, in the order of ROLES:
#  anon memA memB memElse conv convElse funder fRevoked fExpired withdrawn pending coConv colEditor colViewer
# The last three are the teams' (issue 16): "co_convenor", a second convenor of the bid's network, has the convenor's
# rights; "colleague_editor" and "colleague_viewer" are people of member A (whose "member_a" is its signatory). An
# editor does what the signatory does except confirm board approval and manage signatories; a viewer reads what the
# signatory reads and is refused (403) every write to the organisation and its pledges.
EXPECTED: dict[tuple[str, str], str] = {
    # --- Open to everyone ---------------------------------------------------------------------------------------
    ("GET", "/health"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/static/{file_path:path}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("HEAD", "/static/{file_path:path}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/elements"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/oauth2-redirect.html"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/openapi.json"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/openapi.yaml"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/openapi.yml"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/rapidoc"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/redoc"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/swagger"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/schema/{path:str}"): "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    ("GET", "/api/v1/rule-kinds"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/districts"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/districts/{code:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/reference/regions"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/documents/verify"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    # --- Accounts -----------------------------------------------------------------------------------------------
    ("GET", "/"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    ("GET", "/sign-in"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/auth/me"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("GET", "/api/v1/auth/tokens"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("GET", "/api/v1/networks"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("GET", "/account"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    ("GET", "/reset/{token:str}"): "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    ("GET", "/api/v1/auth/reset-links/{token:str}"): "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    # --- The bid: members read its figures, convenors everything; a withdrawn member is a stranger to it ---------
    ("GET", "/bids"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    ("GET", "/api/v1/bids"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("GET", "/bids/new"): "in 404 404 404 ok ok in in in 404 404 ok 404 404",
    ("GET", "/bids/{bid_id:int}"): "in ok ok 404 ok 404 in in in 404 ok|404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}"): "401 ok ok 404 ok 404 401 401 401 404 ok|404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/rules"): "401 ok ok 404 ok 404 401 401 401 404 404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/totals"): "401 ok ok 404 ok 404 401 401 401 404 404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/eligibility"): "401 ok ok 404 ok 404 401 401 401 404 404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/members"): "401 ok ok 404 ok 404 401 401 401 404 ok|404 ok ok ok",
    # The convenor's pages and fragments: a member who can see the bid is told they are for convenors (403).
    ("GET", "/bids/{bid_id:int}/edit"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/rules"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/live/{region:str}"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/what-if"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/invitations"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/invitations"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/documents"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/documents"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("GET", "/rule-preview/{key:str}"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    # Chasing the members with something left to do: the convenor's, while the bid is open.
    ("GET", "/bids/{bid_id:int}/chase"): "in 403 403 404 ok/409/409 404 in in in 404 403|404 ok/409/409 403 403",
    ("POST", "/bids/{bid_id:int}/chase"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    (
        "GET",
        "/api/v1/bids/{bid_id:int}/chase",
    ): "401 403 403 404 ok/409/409 404 401 401 401 404 403|404 ok/409/409 403 403",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/chase",
    ): "401 403 403 404 ok/409/409 404 401 401 401 404 403|404 ok/409/409 403 403",
    # --- Mail: the development mail page shows each person their own messages ({message_id} is one to member A),
    # and a convenor those of their bids; a stop link is its own key (a made-up one works for no one).
    ("GET", "/dev/mail"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    ("GET", "/dev/mail/{message_id:int}"): "in ok 404 404 ok 404 in in in 404 404 ok 404 404",
    ("GET", "/dev/mail/{message_id:int}/html"): "in ok 404 404 ok 404 in in in 404 404 ok 404 404",
    ("GET", "/reminders/stop/{token:str}"): "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    ("POST", "/reminders/stop/{token:str}"): "403 404 404 404 404 404 403 403 403 404 404 404 404 404",
    # --- Organisations: member A's own; the convenor reads it ------------------------------------------------
    ("GET", "/organisations/{organisation_id:int}"): "in ok 404 404 ok 404 in in in 404 404 ok ok ok",
    ("GET", "/api/v1/organisations/{organisation_id:int}"): "401 ok 404 404 ok 404 401 401 401 404 404 ok ok ok",
    ("GET", "/organisations/{organisation_id:int}/coverage"): "in ok 404 404 ok|404 404 in in in 404 404 ok|404 ok ok",
    (
        "GET",
        "/organisations/{organisation_id:int}/coverage/search",
    ): "in ok 404 404 ok|404 404 in in in 404 404 ok|404 ok ok",
    (
        "GET",
        "/api/v1/organisations/{organisation_id:int}/coverage",
    ): "401 ok 404 404 ok 404 401 401 401 404 404 ok ok ok",
    # --- Pledges: {pledge_id} is member A's draft; the convenor may learn only that it exists ------------------
    ("GET", "/bids/{bid_id:int}/pledge"): "in ok ok 404 403|404 404 in in in 404 404 403|404 ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/pledges"): "401 ok ok 404 ok 404 401 401 401 ok|404 404 ok ok ok",
    ("GET", "/api/v1/bids/{bid_id:int}/pledges.csv"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("GET", "/pledges/{pledge_id:int}"): "in ok 404 404 ok|404 404 in in in 404 404 ok|404 ok ok",
    ("GET", "/api/v1/pledges/{pledge_id:int}"): "401 ok 404 404 ok|404 404 401 401 401 404 404 ok|404 ok ok",
    ("GET", "/pledges/{pledge_id:int}/history"): "in ok 404 404 ok|404 404 in in in 404 404 ok|404 ok ok",
    ("GET", "/api/v1/pledges/{pledge_id:int}/history"): "401 ok 404 404 ok|404 404 401 401 401 404 404 ok|404 ok ok",
    # --- Documents: the convenor's; the funder's only through a live share link ---------------------------------
    ("GET", "/documents/{document_id:int}/status"): "in 404 404 404 ok 404 in in in 404 404 ok 404 404",
    # A version's files (bid.pdf, snapshot.json, pledges.csv; every one tried): one address for the API and the
    # pages, so a caller without a token (a browser) is sent to sign in and one with a token is answered in JSON.
    (
        "GET",
        "/bids/{bid_id:int}/documents/{version:int}/{file:str}",
    ): "in 404 404 404 ok 404 in in in 404 404 ok 404 404",
    ("GET", "/api/v1/documents/{document_id:int}"): "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404",
    ("GET", "/api/v1/documents/{document_id:int}/share-links"): "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404",
    ("GET", "/shared/{token:str}"): "404 404 404 404 404 404 ok 410 410 404 404 404 404 404",
    ("GET", "/shared/{token:str}/{file:str}"): "404 404 404 404 404 404 ok 410 410 404 404 404 404 404",
    ("GET", "/api/v1/shared/{token:str}"): "404 404 404 404 404 404 ok 410 410 404 404 404 404 404",
    # --- Invitations: each caller opens a link of its own ----------------------------------------------------------
    ("GET", "/invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/api/v1/invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    # --- Teams (issue 16): a network's convenors are seen and managed by its convenors only; to anyone else the
    # network's team is not there (404). ------------------------------------------------------------------------
    ("GET", "/api/v1/networks/{network_id:int}/convenors"): "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404",
    ("GET", "/networks/{network_id:int}/team"): "in 404 404 404 ok 404 in in in 404 404 ok 404 404",
    # An organisation's people (any role) read its team; to anyone else, the convenor too, it is not there (404).
    ("GET", "/api/v1/organisations/{organisation_id:int}/people"): (
        "401 ok 404 404 404 404 401 401 401 404 404 404 ok ok"
    ),
    ("GET", "/organisations/{organisation_id:int}/team"): "in ok 404 404 404 404 in in in 404 404 404 ok ok",
    # Waiting invitations of A's team (?organisation_id=A): those who manage it (a viewer manages nothing).
    ("GET", "/api/v1/team-invitations"): "401 ok 404 404 404 404 401 401 401 404 404 404 ok 403",
    # A team invitation is read by whoever holds its link (each caller its own, to join A as a viewer).
    ("GET", "/api/v1/team-invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/team-invitations/{token:str}"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    # Sign-up (open to anyone, signed in or not: CONSORTIUM_OPEN_SIGNUP is on in the tests) and a new network (for
    # anyone signed in).
    ("GET", "/sign-up"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("GET", "/networks/new"): "in ok ok ok ok ok in in in ok ok ok ok ok",
    # === Writes ===================================================================================================
    # Page forms: a POST without a session's CSRF token is refused (403) before anything else.
    ("POST", "/api/v1/auth/sign-in"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/sign-in"): "403 ok ok ok ok ok 403 403 403 ok ok ok ok ok",
    ("POST", "/api/v1/auth/tokens"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("POST", "/account/tokens"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    ("POST", "/api/v1/auth/password"): "401 ok* ok* ok* ok* ok* 401 401 401 ok* ok* ok* ok* ok*",
    ("POST", "/account/password"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    # A convenor makes a reset link for a person of its own network (here member A); nobody else can.
    (
        "POST",
        "/api/v1/auth/reset-links",
    ): "401 403|404 403|404 403|404 ok 403|404 401 401 401 403|404 403|404 ok 403|404 403|404",
    ("POST", "/bids/{bid_id:int}/people/reset-link"): "403 403 403 404 ok* 404 403 403 403 404 404 ok* 403 403",
    ("POST", "/api/v1/auth/reset-links/{token:str}"): "404 404 404 404 404 404 404 404 404 404 404 404 404 404",
    ("POST", "/reset/{token:str}"): "403 404 404 404 404 404 403 403 403 404 404 404 404 404",
    ("POST", "/api/v1/bids"): "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404",
    ("POST", "/bids/new"): "403 404 404 404 ok* ok* 403 403 403 404 404 ok* 404 404",
    # The convenor changes terms and rules while the bid is open or locked, not once it is submitted.
    (
        "PATCH",
        "/api/v1/bids/{bid_id:int}",
    ): "401 403 403 404 ok*/ok*/409 404 401 401 401 404 403|404 ok*/ok*/409 403 403",
    ("POST", "/bids/{bid_id:int}/edit"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    (
        "PUT",
        "/api/v1/bids/{bid_id:int}/rules",
    ): "401 403 403 404 ok*/ok*/409 404 401 401 401 404 403|404 ok*/ok*/409 403 403",
    ("POST", "/bids/{bid_id:int}/rules"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    ("POST", "/bids/{bid_id:int}/rules/json"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/invitations"): "401 403 403 404 ok* 404 401 401 401 404 403|404 ok* 403 403",
    ("POST", "/bids/{bid_id:int}/invitations"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/invitations/{invitation_id:int}/resend"): (
        "401 403 403 404 ok* 404 401 401 401 404 403|404 ok* 403 403"
    ),
    ("POST", "/bids/{bid_id:int}/invitations/{invitation_id:int}/resend"): (
        "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403"
    ),
    # An organisation edits its own profile at every stage (a locked bid keeps its frozen copy).
    (
        "PATCH",
        "/api/v1/organisations/{organisation_id:int}",
    ): "401 ok 404 404 403|404 404 401 401 401 404 404 403|404 ok 403",
    ("POST", "/organisations/{organisation_id:int}"): "403 ok* 404 404 403|404 404 403 403 403 404 404 403|404 ok* 403",
    (
        "PUT",
        "/api/v1/organisations/{organisation_id:int}/coverage",
    ): "401 ok 404 404 403|404 404 401 401 401 404 404 403|404 ok 403",
    (
        "POST",
        "/organisations/{organisation_id:int}/coverage",
    ): "403 ok* 404 404 403|404 404 403 403 403 404 404 403|404 ok* 403",
    # Members write pledges only while the bid is open.
    ("POST", "/api/v1/bids/{bid_id:int}/pledges"): (
        "401 ok*/409/409 ok*/409/409 404 403 404 401 401 401 404|409 403|404|409 403 ok*/409/409 403"
    ),
    (
        "POST",
        "/bids/{bid_id:int}/pledge",
    ): "403 ok* ok* 404 403|404 404 403 403 403 404|409|422 404|409|422 403|404 403 403",
    (
        "PATCH",
        "/api/v1/pledges/{pledge_id:int}",
    ): "401 ok*/409/409 404 404 403|404 404 401 401 401 404 404 403|404 ok*/409/409 403",
    ("POST", "/pledges/{pledge_id:int}"): "403 ok* 404 404 403|404 404 403 403 403 404 404 403|404 ok* 403",
    (
        "POST",
        "/api/v1/pledges/{pledge_id:int}/submit",
    ): "401 ok*/409/409 404 404 403|404 404 401 401 401 404 404 403|404 ok*/409/409 403",
    # Documents and share links: the convenor's, at every stage.
    ("POST", "/api/v1/bids/{bid_id:int}/documents"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("POST", "/bids/{bid_id:int}/documents"): "403 403 403 404 ok 404 403 403 403 404 403|404 ok 403 403",
    # Approving or refusing a member awaiting approval: the convenor's (member A is not awaiting it: a refusal).
    ("POST", "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/approve"): (
        "401 403|404 403|404 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404"
    ),
    ("POST", "/bids/{bid_id:int}/members/{organisation_id:int}/approve"): (
        "403 403|404 403|404 404 ok* 404 403 403 403 404 403|404 ok* 403|404 403|404"
    ),
    ("POST", "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/refuse"): (
        "401 403|404 403|404 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404"
    ),
    ("POST", "/bids/{bid_id:int}/members/{organisation_id:int}/refuse"): (
        "403 403|404 403|404 404 ok* 404 403 403 403 404 403|404 ok* 403|404 403|404"
    ),
    (
        "POST",
        "/api/v1/documents/{document_id:int}/share-links",
    ): "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404",
    ("POST", "/documents/{document_id:int}/share-links"): "403 404 404 404 ok 404 403 403 403 404 404 ok 404 404",
    # Without a browser's form cookie (an anonymous caller) the form is refused before the link is looked at.
    ("POST", "/shared/{token:str}/check"): "403 404 404 404 404 404 403 403 403 404 404 404 404 404",
    # --- Teams' writes: each removal or revoke acts on a spare person or invitation of the caller's own (a caller
    # allowed to act finds its target there); every other caller tries one kept for them (visibility_scenario.Teams).
    ("POST", "/api/v1/networks/{network_id:int}/convenors/invitations"): (
        "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404"
    ),
    ("POST", "/networks/{network_id:int}/team/invitations"): (
        "403 404 404 404 ok* 404 403 403 403 404 404 ok* 404 404"
    ),
    ("DELETE", "/api/v1/networks/{network_id:int}/convenors/{user_id:int}"): (
        "401 404 404 404 ok 404 401 401 401 404 404 ok 404 404"
    ),
    ("POST", "/networks/{network_id:int}/team/{user_id:int}/remove"): (
        "403 404 404 404 ok* 404 403 403 403 404 404 ok* 404 404"
    ),
    # The API invites a signatory (only a signatory may: the editor 403) and makes an editor a signatory; the pages
    # invite an editor and make an editor a viewer (an editor may).
    ("POST", "/api/v1/organisations/{organisation_id:int}/people/invitations"): (
        "401 ok 404 404 404 404 401 401 401 404 404 404 403 403"
    ),
    ("POST", "/organisations/{organisation_id:int}/team/invitations"): (
        "403 ok* 404 404 404 404 403 403 403 404 404 404 ok* 403"
    ),
    ("PATCH", "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"): (
        "401 ok 404 404 404 404 401 401 401 404 404 404 403 403"
    ),
    ("POST", "/organisations/{organisation_id:int}/team/{user_id:int}/role"): (
        "403 ok* 404 404 404 404 403 403 403 404 404 404 ok* 403"
    ),
    ("DELETE", "/api/v1/organisations/{organisation_id:int}/people/{user_id:int}"): (
        "401 ok 404 404 404 404 401 401 401 404 404 404 ok 403"
    ),
    ("POST", "/organisations/{organisation_id:int}/team/{user_id:int}/remove"): (
        "403 ok* 404 404 404 404 403 403 403 404 404 404 ok* 403"
    ),
    # Revoking: A's people revoke A's invitations, the convenors the network's; the viewer and the other callers
    # try A's kept one.
    ("DELETE", "/api/v1/team-invitations/{invitation_id:int}"): "401 ok 404 404 ok 404 401 401 401 404 404 ok ok 403",
    ("POST", "/team-invitations/{invitation_id:int}/revoke"): "403 ok 404 404 ok 404 403 403 403 404 404 ok ok 403",
    # Accepting: each caller's own link is for an address nobody has. Signed out, it makes that account (the
    # page's form without its cookie is refused first, 403); signed in, the account is not the one invited (409).
    ("POST", "/api/v1/team-invitations/{token:str}/accept"): "ok 409 409 409 409 409 ok ok ok 409 409 409 409 409",
    ("POST", "/team-invitations/{token:str}"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    # --- issue 11: exports ---
    # --- issue 11: imports ---
    (
        "GET",
        "/organisations/{organisation_id:int}/coverage/suggest",
    ): "in ok 404 404 ok|404 404 in in in 404 404 ok|404 ok ok",
    (
        "POST",
        "/api/v1/organisations/{organisation_id:int}/coverage/import",
    ): "401 ok* 404 404 403|404 404 401 401 401 404 404 403|404 ok* 403",
    (
        "POST",
        "/organisations/{organisation_id:int}/coverage/import",
    ): "403 ok* 404 404 403|404 404 403 403 403 404 404 403|404 ok* 403",
    # --- issue 11: member list ---
    # The convenor's member list (no file sent here: the convenors are let in and told to send one, 422).
    ("POST", "/api/v1/bids/{bid_id:int}/invitations/import"): (
        "401 403 403 404 ok* 404 401 401 401 404 403|404 ok* 403 403"
    ),
    ("POST", "/bids/{bid_id:int}/invitations/import"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    # --- issue 11: tracker ---
    ("GET", "/bids/{bid_id:int}/tracker"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/tracker.csv"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/tracker.xlsx"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/tracker"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    # --- issue 11: re-use ---
    ("GET", "/bids/{bid_id:int}/copy"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("POST", "/api/v1/bids/{bid_id:int}/copy"): "401 403 403 404 ok* 404 401 401 401 404 403|404 ok* 403 403",
    ("POST", "/bids/{bid_id:int}/copy"): "403 403 403 404 ok* 404 403 403 403 404 403|404 ok* 403 403",
    # --- issue 12: sign-off ---
    # The scenario asks members to sign off its document (open and locked stages; a submitted bid is past asking)
    # and member B declines with a reason. A member reads its own organisation's sign-off only; the convenor every
    # member's. The member's PDF of the version is 404 while members see bands (the default): it holds every pledge.
    ("GET", "/bids/{bid_id:int}/sign-off"): "in ok ok 404 404 404 in in in 404 404 404 ok ok",
    ("GET", "/bids/{bid_id:int}/sign-off/decline"): (
        "in ok/ok/404 ok/ok/404 404 404 404 in in in 404 404 404 403/403/404 403/403/404"
    ),
    ("GET", "/bids/{bid_id:int}/sign-off/{version:int}/bid.pdf"): "in 404 404 404 404 404 in in in 404 404 404 404 404",
    ("GET", "/bids/{bid_id:int}/sign-offs/{version:int}"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    ("GET", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): (
        "401 ok ok 404 ok 404 401 401 401 404 404 ok ok ok"
    ),
    ("POST", "/bids/{bid_id:int}/sign-offs/{version:int}/request"): (
        "403 403 403 404 ok 404 403 403 403 404 403|404 ok 403 403"
    ),
    ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-off-request"): (
        "401 403 403 404 ok* 404 401 401 401 404 403|404 ok* 403 403"
    ),
    # Member A's signatory signs off for A (or is told it already has, or that nothing was asked); A's editor and
    # viewer are refused (403); anyone else acting for A is a stranger to it (404).
    ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): (
        "401 ok* 404 404 403 404 401 401 401 404 404 403 403 403"
    ),
    ("POST", "/bids/{bid_id:int}/sign-off"): "403 ok 404 404 404 404 403 403 403 404 404 404 403 403",
    ("POST", "/bids/{bid_id:int}/sign-off/decline"): "403 ok 404 404 404 404 403 403 403 404 404 404 403 403",
    # --- issue 12: versions compared ---
    # Convenors only, as the documents list (the versions compared are the scenario's one version with itself).
    ("GET", "/api/v1/bids/{bid_id:int}/documents/compare"): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("GET", "/bids/{bid_id:int}/documents/compare"): "in 403 403 404 ok 404 in in in 404 403|404 ok 403 403",
    # --- issue 12: checker and re-render ---
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/documents/{version:int}/reproduce",
    ): "401 403 403 404 ok 404 401 401 401 404 403|404 ok 403 403",
    ("POST", "/api/v1/shared/{token:str}/check"): "404 404 404 404 404 404 ok 410 410 404 404 404 404 404",
    ("POST", "/api/v1/shared/{token:str}/reproduce"): "404 404 404 404 404 404 ok 410 410 404 404 404 404 404",
    # --- issue 12: confirmations ---
    # Withdrawing an organisation from the bid, from the pages: the confirmation asks only those the withdrawal
    # would let act (A's editors and signatory, the convenors), while the bid takes changes. (Its POST, which acts,
    # is among the rows that change the scenario's shape, below.)
    ("GET", "/bids/{bid_id:int}/members/{organisation_id:int}/withdraw"): (
        "in ok/409/409 404 404 ok/409/409 404 in in in 404 404 ok/409/409 ok/409/409 403"
    ),
    # --- issue 12: what members see ---
    # Rows that change the scenario's shape: last.
    ("POST", "/api/v1/share-links/{link_id:int}/revoke"): "401 404 404 404 ok 404 401 401 401 404 404 ok* 404 404",
    ("POST", "/share-links/{link_id:int}/revoke"): "403 404 404 404 ok 404 403 403 403 404 404 ok 404 404",
    ("POST", "/pledges/{pledge_id:int}/withdraw"): "403 ok* 404 404 403|404 404 403 403 403 404 404 403|404 ok* 403",
    (
        "POST",
        "/api/v1/pledges/{pledge_id:int}/withdraw",
    ): "401 ok*/409/409 404 404 403|404 404 401 401 401 404 404 403|404 ok*/409/409 403",
    ("POST", "/account/tokens/{token_id:int}/revoke"): "403 ok 404 404 404 404 403 403 403 404 404 404 404 404",
    ("DELETE", "/api/v1/auth/tokens/{token_id:int}"): "401 ok|404 404 404 404 404 401 401 401 404 404 404 404 404",
    ("POST", "/api/v1/auth/sign-out"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/sign-out"): "403 in in in in in 403 403 403 in in in in in",
    # Before the rows that move the bid between stages (an unlock would reopen it). Once member A has left (open
    # stage), it is a stranger to the bid's convenor actions: 404 instead of 403.
    # (issue 12: confirmations) The page's withdrawal, confirmed: member A leaves here, the API's row finds it gone.
    ("POST", "/bids/{bid_id:int}/members/{organisation_id:int}/withdraw"): (
        "403 ok*/409/409 404 404 ok* 404 403 403 403 404 404 ok* ok*/409/409 403"
    ),
    ("POST", "/api/v1/bids/{bid_id:int}/members/{organisation_id:int}/withdraw"): (
        "401 ok*/409/409 404 404 ok* 404 401 401 401 404 404 ok* ok*/409/409 403"
    ),
    (
        "POST",
        "/bids/{bid_id:int}/status/{action:str}",
    ): "403 403|404 403 404 ok 404 403 403 403 404 403|404 ok 403|404 403|404",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/open",
    ): "401 403|404 403 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/lock",
    ): "401 403|404 403 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/unlock",
    ): "401 403|404 403 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404",
    (
        "POST",
        "/api/v1/bids/{bid_id:int}/submit",
    ): "401 403|404 403 404 ok* 404 401 401 401 404 403|404 ok* 403|404 403|404",
    # Starting a network makes the caller a convenor (of a new network): after the rows where not being one counts.
    ("POST", "/api/v1/networks"): "401 ok ok ok ok ok 401 401 401 ok ok ok ok ok",
    ("POST", "/networks/new"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    ("POST", "/api/v1/auth/sign-up"): "ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    ("POST", "/sign-up"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    ("POST", "/invitations/{token:str}"): "403 ok* ok* ok* ok* ok* 403 403 403 ok* ok* ok* ok* ok*",
    ("POST", "/api/v1/invitations/{token:str}/accept"): "ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok* ok*",
    # Ends every session and token of the caller: the very last.
    ("POST", "/account/sign-out-everywhere"): "403 in in in in in 403 403 403 in in in in in",
    (
        "POST",
        "/api/v1/auth/sign-out-everywhere",
    ): "401 ok|401 ok|401 ok|401 ok|401 ok|401 401 401 401 ok|401 ok|401 ok|401 ok|401 ok|401",
}

READ_METHODS = {"GET", "HEAD"}
# Page actions that ask for a confirmation first (issue 12, consortium/web/pages/confirm.py): the matrix confirms
# them, so that each of their rows acts as its cell says.
CONFIRMED_PAGE_ACTIONS = {
    "/bids/{bid_id:int}/status/{action:str}",
    "/bids/{bid_id:int}/members/{organisation_id:int}/withdraw",
    "/bids/{bid_id:int}/members/{organisation_id:int}/refuse",
    "/pledges/{pledge_id:int}/withdraw",
    "/share-links/{link_id:int}/revoke",
    "/team-invitations/{invitation_id:int}/revoke",
    "/networks/{network_id:int}/team/{user_id:int}/remove",
    "/organisations/{organisation_id:int}/team/{user_id:int}/remove",
    "/account/tokens/{token_id:int}/revoke",
    "/account/sign-out-everywhere",
}
ALLOWED_REFUSALS = {400, 409, 412, 422, 428}
STAGE_ORDER = (Stage.OPEN, Stage.LOCKED, Stage.SUBMITTED)
# Routes whose answer is (part of) a bid document: it may hold only what a funder may see through one.
DOCUMENT_ROUTES = {"/bids/{bid_id:int}/documents/{version:int}/{file:str}", "/shared/{token:str}/{file:str}"}


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.update((method, route.path) for method in route.route_handler_map if method != "OPTIONS")
    return found


def test_every_route_has_a_row(app: Litestar) -> None:
    routes = app_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    assert not missing, (
        "Routes with no row in tests/security/test_visibility_matrix.py EXPECTED (say who may call each, at each "
        "stage, following consortium/visibility.py): " + ", ".join(f"{m} {p}" for m, p in missing)
    )
    stale = sorted(EXPECTED.keys() - routes)
    assert not stale, f"EXPECTED rows for routes the app no longer has: {stale}"
    for key, row in EXPECTED.items():
        cells = row.split()
        assert len(cells) == len(ROLES), key
        assert all(len(cell.split("/")) in {1, 3} for cell in cells), key
        if "/shared/" not in key[1]:
            # Funders are tried only with their link; elsewhere they are anonymous callers, and the row says so.
            anonymous = cells[ROLES.index("anonymous")]
            assert all(cells[ROLES.index(f)] == anonymous for f in FUNDERS), key


def test_readme_table_is_the_policy() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Who sees what" in text
    section = text.split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    assert readme_table() in section, (
        "README.md's 'Who sees what' table differs from consortium/visibility.py; paste in the output of "
        "python -c 'from consortium.visibility import readme_table; print(readme_table())'"
    )


def test_policy_reads_alike_at_every_stage_and_keeps_drafts_home() -> None:
    # The README promises reads follow one table at every stage, and the first rule: a draft is its
    # member's alone, and no document holds one.
    from consortium.visibility import READS

    for row in READS:
        for audience in Audience:
            assert {sight(row.subject, audience, stage) for stage in Stage} == {row.sight[audience]}
    from consortium.visibility import Subject

    assert [a for a in Audience if sight(Subject.DRAFT_PLEDGE, a) in {Sight.YES, Sight.OWN}] == [
        Audience.MEMBER,
        Audience.WITHDRAWN_MEMBER,
    ]
    assert not in_documents(Subject.DRAFT_PLEDGE) and not in_documents(Subject.WITHDRAWN_SUBMITTED_PLEDGE)


# --- what a caller may not find ----------------------------------------------------------------------------------


def audience_of(role: str, owner: str) -> Audience:
    """Who ``role`` is to data belonging to ``owner`` (an organisation's key, or BID for the bid's own data)."""
    if role in {"convenor", "co_convenor"}:
        return Audience.CONVENOR
    if role == "funder":
        return Audience.FUNDER
    own = ROLE_ORGANISATION.get(role)
    if own is None:
        return Audience.EVERYONE_ELSE
    if role == "member_withdrawn" and (owner in {BID, own}):
        return Audience.WITHDRAWN_MEMBER
    if role == "member_pending" and (owner in {BID, own}):
        return Audience.PENDING_MEMBER
    if owner in {BID, own}:
        return Audience.MEMBER
    return Audience.OTHER_MEMBERS


SCENARIO_MEMBER_FIGURES = "bands"  # what members see of the scenario's bid's figures: its default


def forbidden(world: World, role: str, route: str) -> list[tuple[Planted, str]]:
    """The planted texts ``role`` must not find in the answer of ``route``."""
    found: list[tuple[Planted, str]] = []
    for planted in world.planted:
        seen = sight(planted.subject, audience_of(role, planted.owner), world.stage)
        allowed = seen in {Sight.YES, Sight.OWN} or (seen is Sight.DOCUMENT and role == "funder")
        # Members see the bid's exact figures only where its convenor chose "figures"; the scenario's bid keeps
        # the default, ranges ("bands"), so no member may find the exact totals anywhere.
        allowed = allowed or (seen is Sight.BANDS and SCENARIO_MEMBER_FIGURES == "figures")
        if route in DOCUMENT_ROUTES and not in_documents(planted.subject):
            allowed = False
        if not allowed:
            found.extend((planted, text) for text in planted.texts if not named_by_invitation(route, planted, text))
    return found


# Each caller holds an invitation to join member A's team: what it is for names the team, as a bid invitation names
# the bid (nothing else of A's: its description is still looked for).
TEAM_INVITATION_ROUTES = {
    "/api/v1/team-invitations/{token:str}",
    "/team-invitations/{token:str}",
    "/api/v1/team-invitations/{token:str}/accept",
}


def named_by_invitation(route: str, planted: Planted, text: str) -> bool:
    return route in TEAM_INVITATION_ROUTES and planted.label == "A's name and profile" and text == "Ashbrook"


_pdf_texts: dict[bytes, str] = {}


def pdf_text(content: bytes) -> str:
    """A PDF's words and its attachments, as text."""
    if content not in _pdf_texts:
        reader = pypdf.PdfReader(io.BytesIO(content))
        parts = [page.extract_text() for page in reader.pages]
        for name, versions in reader.attachments.items():
            parts.append(name)
            parts.extend(v.decode("utf-8-sig", errors="replace") for v in versions)
        _pdf_texts[content] = "\n".join(parts)
    return _pdf_texts[content]


def readable_text(response: Any) -> str:
    """The answer as text: a PDF's words (with its line breaks taken out too, as a PDF may break a word anywhere)
    and attachments; any other body as sent and with HTML entities decoded; and where a redirect points."""
    content: bytes = response.content
    if content.startswith(b"%PDF-"):
        words = pdf_text(content)
        body = words + "\n" + re.sub(r"\s+", "", words)
    elif content.startswith(b"PK"):  # a workbook (bid.xlsx): every cell of every sheet, headings included
        sheets = polars.read_excel(io.BytesIO(content), sheet_id=0, engine="calamine")
        body = "\n".join(
            "\t".join([*frame.columns, *(str(v) for column in frame.iter_columns() for v in column)])
            for frame in sheets.values()
        )
    else:
        body = content.decode("utf-8", errors="replace")
        if "&" in body:
            body = body + "\n" + unescape(body)
    return body + "\n" + response.headers.get("location", "")


def leaks(text: str, checks: Iterable[tuple[Planted, str]]) -> list[str]:
    return sorted({f"{planted.label} ({needle!r})" for planted, needle in checks if needle in text})


# --- the requests --------------------------------------------------------------------------------------------------


def request_for(world: World, method: str, route: str, role: str, file: str = "") -> tuple[str, dict[str, Any]]:
    params = {**world.params, "token": MADE_UP_TOKEN, "file": file}
    if "/shared/" in route:
        params["token"] = world.share_tokens.get(role, MADE_UP_TOKEN)
    elif route.startswith(("/api/v1/invitations/", "/invitations/")):
        params["token"] = world.invitation_tokens[role]
    elif route.startswith(("/api/v1/team-invitations/{token", "/team-invitations/{token")):
        params["token"] = world.team_invitation_tokens[role]
    params["token_id"] = world.member_a_spare_token_id
    params["message_id"] = world.member_a_message_id
    params.update(target(world.targets, method, route, role))
    url = route
    for name, value in params.items():
        for suffix in (":int", ":str", ":path", ""):
            url = url.replace("{" + name + suffix + "}", str(value))
    assert "{" not in url, url
    kwargs: dict[str, Any] = {"headers": dict(world.headers[role])}
    who = role.replace("_", "-")
    organisation_form = {
        "name": f"Joined as {role}",
        "org_type": "housing_association",
        "homes": "100",
        "password": PASSWORD,
        "person_name": "New Person",
    }
    json_bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/auth/sign-in"): {"email": world.member_a_email, "password": PASSWORD},
        ("POST", "/api/v1/auth/tokens"): {"name": "matrix"},
        # A password too common to accept: the caller is let in, nothing changes.
        ("POST", "/api/v1/auth/password"): {"current_password": PASSWORD, "new_password": "1234567890"},
        ("POST", "/api/v1/auth/reset-links"): {"email": world.member_a_email},
        ("POST", "/api/v1/auth/reset-links/{token:str}"): {"password": "a long and unusual passphrase 42"},
        ("POST", "/api/v1/bids"): {
            "network_id": world.params["network_id"],
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
        ("POST", "/api/v1/bids/{bid_id:int}/invitations"): {"emails": [f"matrix-{role.replace('_', '-')}@example.org"]},
        ("PATCH", "/api/v1/organisations/{organisation_id:int}"): {"description": "Changed"},
        ("PUT", "/api/v1/organisations/{organisation_id:int}/coverage"): {
            "districts": [{"district_code": "E08000003"}]
        },
        ("POST", "/api/v1/bids/{bid_id:int}/pledges"): {"amount_pence": 1_000_00},
        ("PATCH", "/api/v1/pledges/{pledge_id:int}"): {"purpose": "Changed"},
        ("POST", "/api/v1/bids/{bid_id:int}/documents"): {},
        ("POST", "/api/v1/documents/{document_id:int}/share-links"): {"label": "matrix"},
        ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-offs"): {
            "organisation_id": world.params["organisation_id"],
            "decision": "signed",
        },
        ("POST", "/api/v1/bids/{bid_id:int}/documents/{version:int}/sign-off-request"): {"message": "matrix"},
        ("POST", "/api/v1/shared/{token:str}/check"): {"sha256": world.pdf_sha256},
        ("POST", "/api/v1/invitations/{token:str}/accept"): {
            "name": "New Person",
            "password": PASSWORD,
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
            {} if world.headers[role] else {"name": "New Colleague", "password": PASSWORD}
        ),
        ("POST", "/api/v1/networks"): {"name": f"Network started by {role}"},
        ("POST", "/api/v1/auth/sign-up"): {
            "name": "New Convenor",
            "email": f"api-sign-up-{who}@example.org",
            "password": PASSWORD,
            "network_name": f"Network signed up by {role}",
        },
    }
    form_bodies: dict[tuple[str, str], dict[str, str]] = {
        ("POST", "/sign-in"): {"email": world.member_a_email, "password": PASSWORD},
        ("POST", "/account/password"): {"current_password": PASSWORD, "new_password": "1234567890"},
        ("POST", "/account/tokens"): {"name": "matrix"},
        ("POST", "/reset/{token:str}"): {"password": "a long passphrase 42", "password_again": "a long passphrase 42"},
        ("POST", "/bids/{bid_id:int}/edit"): {"title": "Renamed bid", "funder_name": "A funder"},
        ("POST", "/bids/{bid_id:int}/invitations"): {"emails": f"page-{role.replace('_', '-')}@example.org"},
        ("POST", "/organisations/{organisation_id:int}"): {
            "name": "Ashbrook Homes",
            "org_type": "housing_association",
            "homes": "1000",
            "description": "PROFILE-A-ABOUT",
        },
        ("POST", "/organisations/{organisation_id:int}/coverage"): {"paste": "E08000003, 10"},
        ("POST", "/bids/{bid_id:int}/pledge"): {"amount": "1,000", "purpose": "matrix", "board_approved": "on"},
        ("POST", "/pledges/{pledge_id:int}"): {"amount": "1,000", "purpose": "matrix", "version": "1"},
        ("POST", "/pledges/{pledge_id:int}/withdraw"): {"version": "1"},
        ("POST", "/documents/{document_id:int}/share-links"): {"days": "7", "label": "matrix"},
        ("POST", "/bids/{bid_id:int}/sign-off"): {
            "version": str(world.params["version"]),
            "organisation_id": str(world.params["organisation_id"]),
        },
        ("POST", "/bids/{bid_id:int}/sign-off/decline"): {
            "version": str(world.params["version"]),
            "organisation_id": str(world.params["organisation_id"]),
            "reason": "matrix",
        },
        ("POST", "/bids/{bid_id:int}/sign-offs/{version:int}/request"): {"message": "matrix"},
        ("POST", "/invitations/{token:str}"): organisation_form,
        ("POST", "/networks/{network_id:int}/team/invitations"): {"email": f"page-convenor-{who}@example.org"},
        ("POST", "/organisations/{organisation_id:int}/team/invitations"): {
            "email": f"page-editor-{who}@example.org",
            "role": "editor",
        },
        ("POST", "/organisations/{organisation_id:int}/team/{user_id:int}/role"): {"role": "viewer"},
        ("POST", "/team-invitations/{token:str}"): (
            {} if world.headers[role] else {"name": "New Colleague", "password": PASSWORD}
        ),
        # The page a revoke is sent from (the form's hidden "back"): the convenors' network team, A's team otherwise.
        ("POST", "/team-invitations/{invitation_id:int}/revoke"): {
            "back": f"/networks/{world.params['network_id']}/team"
            if role in {"convenor", "co_convenor"}
            else f"/organisations/{world.params['organisation_id']}/team"
        },
        ("POST", "/networks/new"): {"name": f"Page network of {role}"},
        ("POST", "/sign-up"): {
            "name": "New Convenor",
            "email": f"page-sign-up-{who}@example.org",
            "password": PASSWORD,
            "network_name": f"Page network signed up by {role}",
        },
    }
    if (method, route) in json_bodies:
        kwargs["json"] = json_bodies[(method, route)]
    elif method == "POST" and not route.startswith("/api/"):
        kwargs["data"] = form_bodies.get((method, route), {})
        if route in CONFIRMED_PAGE_ACTIONS:
            kwargs["data"] = {**kwargs["data"], "confirm": "yes"}
        if route == "/shared/{token:str}/check":
            kwargs["files"] = {"pdf": ("bid.pdf", b"%PDF-1.7 not one of ours", "application/pdf")}
    if route.startswith("/api/v1/pledges/") and method in {"PATCH", "POST"}:
        kwargs["headers"]["If-Match"] = "1"
    if route == "/api/v1/documents/verify":
        kwargs["params"] = {"sha256": world.pdf_sha256}
    if route.endswith("/documents/compare"):
        kwargs["params"] = {"from": world.params["version"], "to": world.params["version"]}
    if route.endswith("/coverage/search"):
        kwargs["params"] = {"q": "Bir"}
    if route == "/api/v1/team-invitations":
        kwargs["params"] = {"organisation_id": world.params["organisation_id"]}
    return url, kwargs


def matches(cell: str, stage: Stage, response: Any) -> bool:
    options = cell.split("/")
    expected = options[STAGE_ORDER.index(stage)] if len(options) == 3 else options[0]
    status = response.status_code
    to_sign_in = 300 <= status < 400 and response.headers.get("location", "").startswith("/sign-in")
    for option in expected.split("|"):
        if option == "in" and to_sign_in:
            return True
        if option in {"ok", "ok*"} and (200 <= status < 300 or (300 <= status < 400 and not to_sign_in)):
            return True
        if option == "ok*" and status in ALLOWED_REFUSALS:
            return True
        if option.isdigit() and status == int(option):
            return True
    return False


# Routes that read nothing of any bid (accounts, reference data, the API's description, static files) answer the
# same at every stage: they are tried in the open stage only. Litestar's own schema pages read nobody's identity
# either, and take a second each to build, so two callers suffice for them.
STAGE_FREE = (
    *("/api/v1/auth/", "/account", "/sign-in", "/sign-out", "/reset/", "/schema", "/static/", "/health"),
    *("/api/v1/reference/", "/api/v1/rule-kinds", "/rule-preview/", "/api/v1/networks"),
    # Teams and sign-up (issue 16): a network's convenors, an organisation's people and their invitations read
    # nothing of any bid.
    *("/networks/", "/sign-up", "/team-invitations", "/api/v1/team-invitations"),
    *("/organisations/{organisation_id:int}/team", "/api/v1/organisations/{organisation_id:int}/people"),
)
# Answers that depend on nobody's identity, only on the request (Litestar's schema pages, a second each to build;
# signing in, an argon2 hash each): two callers suffice, one anonymous and one signed in.
# Signing up (an account and a network: an argon2 hash each) is the same for anyone, signed in or not.
CALLER_FREE = {
    *("/api/v1/auth/sign-in", "/sign-in", "/api/v1/auth/sign-up", "/sign-up"),
    *(f"/schema{tail}" for tail in ("", "/{path:str}")),
}
CALLER_FREE_ROLES = {"anonymous", "member_a"}
FUNDERS = ("funder", "funder_revoked", "funder_expired")


def tried(route: str, role: str, stage: Stage) -> bool:
    if route.startswith(STAGE_FREE) and stage is not Stage.OPEN:
        return False
    if role in FUNDERS and "/shared/" not in route:
        return False  # away from their link a funder sends exactly what an anonymous caller sends
    return role in CALLER_FREE_ROLES or not (route in CALLER_FREE or route.startswith("/schema/"))


def ordered_rows() -> list[tuple[tuple[str, str], str]]:
    rows = list(EXPECTED.items())
    return [r for r in rows if r[0][0] in READ_METHODS] + [r for r in rows if r[0][0] not in READ_METHODS]


async def check_what_may_be_seen_is_there(client: Client, world: World) -> list[str]:
    """The other half: what the policy lets each one see is really there (so the leak checks are not vacuous)."""
    problems = []

    async def expect(role: str, url: str, *texts: str, route: str = "") -> None:
        client.cookies.clear()
        response = await client.get(url, headers=world.headers[role])
        body = readable_text(response) if response.status_code == 200 else ""
        missing = [t for t in texts if t not in body]
        if response.status_code != 200 or missing:
            problems.append(f"{role} GET {url}: {response.status_code}, missing {missing}")
        leaked = leaks(body, forbidden(world, role, route or url))
        if leaked:
            problems.append(f"{role} GET {url}: {response.status_code} shows {', '.join(leaked)}")

    bid_id, draft = world.params["bid_id"], world.pledges["a_draft"]
    await expect("member_a", f"/pledges/{draft}", "SECRET-DRAFT-A", "SECRET-CONDITIONS-A")
    await expect("member_a", f"/api/v1/pledges/{draft}", "SECRET-DRAFT-A", "1246835")
    # Member A reads the consortium's money as ranges (the bid keeps the default), never the exact £77,777.87.
    await expect("member_a", f"/bids/{bid_id}", "Ashbrook", "to £100,000")
    await expect("member_a", f"/api/v1/bids/{bid_id}/totals", '"pledged_band":"', '"pledged_pence":null')
    await expect("convenor", f"/api/v1/bids/{bid_id}/pledges", "SUBMITTED-A", "SUBMITTED-B", "WITHDRAWN-SUBMITTED-B")
    await expect("convenor", f"/api/v1/bids/{bid_id}/pledges.csv", "SUBMITTED-B", "5432109")
    await expect("convenor", f"/bids/{bid_id}", "Brightwater", "Ashbrook", "69.8%")
    await expect("convenor", f"/api/v1/organisations/{world.organisations['b']}", "PROFILE-B-ABOUT")
    shared, route = f"/shared/{world.share_tokens['funder']}", "/shared/{token:str}/{file:str}"
    await expect("funder", f"{shared}/bid.pdf", "Brightwater", "54,321", route=route)
    await expect("funder", f"{shared}/snapshot.json", "SUBMITTED-B", route=route)
    await expect("funder", f"{shared}/pledges.csv", "SUBMITTED-B", "5432109", route=route)
    files = f"/bids/{bid_id}/documents/{world.params['version']}"
    route = "/bids/{bid_id:int}/documents/{version:int}/{file:str}"
    await expect("convenor", f"{files}/pledges.csv", "SUBMITTED-B", "5432109", route=route)
    # The convenor reads A's submitted pledge and its history, but not the words and amount it had as a draft
    # before A submitted it; and B's pledge withdrawn after submitting, marked withdrawn.
    submitted, withdrawn = world.pledges["a_submitted"], world.pledges["b_withdrawn"]
    for url in (f"/pledges/{submitted}", f"/api/v1/pledges/{submitted}"):
        await expect("convenor", url, "SUBMITTED-A")
        await expect("convenor", f"{url}/history")  # its changes before the submit are kept, their content not
    await expect("convenor", f"/api/v1/pledges/{withdrawn}", "WITHDRAWN-SUBMITTED-B", '"withdrawn"')
    # A withdrawn member still reads its own organisation and pledges; a pending one its own organisation.
    await expect("member_withdrawn", f"/api/v1/organisations/{world.organisations['w']}", "PROFILE-W-ABOUT")
    await expect("member_withdrawn", f"/organisations/{world.organisations['w']}", "PROFILE-W-ABOUT")
    await expect("member_pending", f"/api/v1/organisations/{world.organisations['p']}", "PROFILE-P-ABOUT")
    # The teams: A's viewer reads A's draft; the second convenor reads B's submitted pledge.
    await expect("colleague_viewer", f"/api/v1/pledges/{draft}", "SECRET-DRAFT-A", "1246835")
    await expect("colleague_viewer", f"/pledges/{draft}", "SECRET-DRAFT-A", "SECRET-CONDITIONS-A")
    await expect("co_convenor", f"/api/v1/bids/{bid_id}/pledges", "SUBMITTED-B", "SUBMITTED-CONDITIONS-B")
    if world.stage is not Stage.SUBMITTED:  # issue 12: the convenor reads why B declined to sign off; B reads it too
        await expect("convenor", f"/bids/{bid_id}/sign-offs/{world.params['version']}", "SIGNOFF-REASON-B")
        await expect("member_b", f"/bids/{bid_id}/sign-off", "SIGNOFF-REASON-B")
    client.cookies.clear()
    return problems


async def _ask(callers: dict[str, Client], world: World, method: str, route: str, role: str, cell: str) -> list[str]:
    """One cell: the request (for each of a document's files, on a route that serves them), its status against the
    cell, and its body against what the policy forbids."""
    caller = callers[role]
    problems = []
    for file in FILE_NAMES if "{file:str}" in route else ("",):
        caller.cookies.clear()
        url, kwargs = request_for(world, method, route, role, file)
        response = await caller.request(method, url, **kwargs)
        said = f"{method} {url if file else route} as {role} ({world.stage.value})"
        if response.status_code >= 500 or not matches(cell, world.stage, response):
            problems.append(f"{said}: expected {cell}, got {response.status_code} {response.text[:120]!r}")
        leaked = leaks(readable_text(response), forbidden(world, role, route))
        if leaked:
            problems.append(f"{said}: {response.status_code} shows {', '.join(leaked)}")
    return problems


@pytest.mark.parametrize("stage", STAGE_ORDER, ids=[s.value for s in STAGE_ORDER])
async def test_visibility_matrix(client: Client, app: Litestar, stage: Stage) -> None:
    assert app_routes(app) == EXPECTED.keys(), "see test_every_route_has_a_row"
    started = time.perf_counter()
    world = await build_world(client, stage)
    built = time.perf_counter()
    failures = await check_what_may_be_seen_is_there(client, world)
    # One client (one cookie jar) per caller, so that the reads of one route can be asked by every caller at once:
    # the app spends most of a read waiting on the database, and a read changes nothing another caller sees.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    callers = {role: httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) for role in ROLES}
    checked = 0
    spent = {"reads": 0.0, "writes": 0.0}
    try:
        for (method, route), row in ordered_rows():
            began = time.perf_counter()
            cells = [(role, cell) for role, cell in zip(ROLES, row.split(), strict=True) if tried(route, role, stage)]
            checked += len(cells)
            if method in READ_METHODS:
                asked = await asyncio.gather(*(_ask(callers, world, method, route, r, c) for r, c in cells))
                failures.extend(problem for problems in asked for problem in problems)
            else:
                for role, cell in cells:
                    failures.extend(await _ask(callers, world, method, route, role, cell))
            spent["reads" if method in READ_METHODS else "writes"] += time.perf_counter() - began
    finally:
        for caller in callers.values():
            await caller.aclose()
    await wait_for_renders()
    print(
        f"visibility matrix ({stage.value}): {len(EXPECTED)} routes, {checked} requests; the scenario "
        f"{built - started:.1f} s, reads {spent['reads']:.1f} s, writes {spent['writes']:.1f} s"
    )
    assert not failures, f"{len(failures)} problems in {checked} requests:\n" + "\n".join(failures)
