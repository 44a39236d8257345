"""Who may see a bid, and in which role. Anything a person may not see answers 404, never 403, so the
existence of other networks' bids and other members' data is not revealed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from consortium.accounts.principal import Principal
from consortium.bids.tables import Bid, BidMember
from consortium.errors import Forbidden, NotFound

# "withdrawn": every membership the caller's organisations had in the bid is withdrawn. Only callers that ask for it
# (reading the organisation's own pledges and their history) ever see this role; to everyone else such a caller is a
# stranger (404). A membership waiting for the convenor's approval ("pending") grants nothing at all.
Role = Literal["convenor", "member", "viewer", "withdrawn"]

NOT_FOUND = "There is no bid with that number that you can see."


@dataclass(frozen=True)
class BidAccess:
    bid: dict[str, Any]
    role: Role
    organisation_ids: frozenset[int]  # the caller's organisations that are members of this bid

    @property
    def bid_id(self) -> int:
        return int(self.bid["id"])

    def require_convenor(self) -> None:
        if self.role != "convenor":
            raise Forbidden("Only the network's convenors can do this.")


async def bid_access(principal: Principal, bid_id: int, *, include_withdrawn: bool = False) -> BidAccess:
    """The caller's role in the bid, or 404. Only a joined membership makes a member; with ``include_withdrawn``,
    an organisation that has withdrawn is let in as "withdrawn" (to read what it itself wrote, nothing of the
    bid's figures or other members)."""
    bid = (
        await Bid.select(*Bid.all_columns(), Bid.network.name.as_alias("network_name"))
        .where(Bid.id == bid_id)
        .first()
        .output(load_json=True)
    )
    if bid is None:
        raise NotFound(NOT_FOUND)
    if principal.convenes(int(bid["network"])):
        return BidAccess(bid, "convenor", frozenset())
    if principal.organisation_ids:
        rows = await BidMember.select(BidMember.organisation, BidMember.status).where(
            (BidMember.bid == bid_id) & BidMember.organisation.is_in(list(principal.organisation_ids))
        )
        joined = frozenset(int(r["organisation"]) for r in rows if r["status"] == "joined")
        withdrawn = frozenset(int(r["organisation"]) for r in rows if r["status"] == "withdrawn")
        if joined:
            # A reader of its own writing also reaches those of its organisations that have withdrawn.
            return BidAccess(bid, "member", joined | withdrawn if include_withdrawn else joined)
        if withdrawn and include_withdrawn:
            return BidAccess(bid, "withdrawn", withdrawn)
    if bid_id in principal.viewer_bid_ids:
        return BidAccess(bid, "viewer", frozenset())
    raise NotFound(NOT_FOUND)
