"""What the sign-off API takes and answers. Imports nothing of Consortium's documents, so the documents' own schemas
(the verify answer, the shared document) can carry ``SignedOff``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Reason = Annotated[str, msgspec.Meta(max_length=5_000)]
Message = Annotated[str, msgspec.Meta(max_length=5_000)]
Decision = Literal["signed", "declined"]


class SignOffRequestCreate(msgspec.Struct, forbid_unknown_fields=True):
    message: Message = ""  # a note to the members, put in the message they get


class SignOffDecision(msgspec.Struct, forbid_unknown_fields=True):
    organisation_id: int
    decision: Decision
    reason: Reason = ""  # required to decline: the convenor reads it


class SignedOff(msgspec.Struct):
    """One member organisation that signed off this exact version (what a funder is shown)."""

    organisation_name: str
    person_name: str
    person_role: str  # the role's label, "Signatory"
    signed_at: datetime
    carried_from_version: int | None = None  # signed version N, unchanged for this member since


class MemberSignOff(msgspec.Struct):
    """One member's place in a version's sign-off."""

    organisation_id: int
    organisation_name: str
    # signed | carried_over | declined | waiting | not_in_version (it joined after the version was made)
    status: str
    reason: str = ""
    person_name: str | None = None
    person_email: str | None = None
    person_role: str | None = None
    decided_at: datetime | None = None
    carried_from_version: int | None = None
    pdf_sha256: str | None = None
    row_sha256: str | None = None


class SignOffStatus(msgspec.Struct):
    """A version's sign-off: asked or not, and each member's decision (a member sees its own organisation only)."""

    bid_id: int
    version: int
    document_id: int
    pdf_sha256: str | None
    requested: bool
    requested_at: datetime | None
    requested_by: str | None
    message: str
    latest_requested_version: int | None  # a later version asked for replaces this one
    members: list[MemberSignOff]
    signed: int  # signed or carried over
    declined: int
    waiting: int
    everyone_signed: bool
