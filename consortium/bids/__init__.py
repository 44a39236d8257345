"""Bids for a funding call: terms, eligibility rules, members and invitations."""
