"""Every page controller, the static files and the template set-up, for ``consortium.app.create_app``."""

from __future__ import annotations

from typing import Any

from consortium.web.pages.account import AccountPages, ResetPages
from consortium.web.pages.auth import AuthPages
from consortium.web.pages.bids import BidPages
from consortium.web.pages.documents import DocumentPages
from consortium.web.pages.funders import SharedPages
from consortium.web.pages.invitations import AcceptPages, InvitationPages
from consortium.web.pages.members import OrganisationPages
from consortium.web.pages.membership import MembershipPages
from consortium.web.pages.pledges import PledgePages
from consortium.web.pages.rendering import static_files_router, template_config
from consortium.web.pages.rules import RulePages
from consortium.web.pages.signoffs import SignOffPages
from consortium.web.pages.signup import SignUpPages
from consortium.web.pages.teams import TeamInvitationPages, TeamPages
from consortium.web.pages.tracker import TrackerPages
from consortium.web.pages.versions import VersionPages

PAGE_CONTROLLERS: list[Any] = [
    AuthPages,
    SignUpPages,
    AccountPages,
    ResetPages,
    BidPages,
    TrackerPages,
    RulePages,
    InvitationPages,
    AcceptPages,
    OrganisationPages,
    MembershipPages,
    PledgePages,
    DocumentPages,
    VersionPages,  # two versions of the bid document compared (issue 12)
    SharedPages,
    SignOffPages,
    TeamPages,
    TeamInvitationPages,
]


def page_handlers() -> list[Any]:
    return [*PAGE_CONTROLLERS, static_files_router()]


__all__ = ["PAGE_CONTROLLERS", "page_handlers", "template_config"]
