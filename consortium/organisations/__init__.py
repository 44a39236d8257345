"""Organisations in a network: their profiles, org-id.guide identifiers, coverage (districts and homes) and the
people who act for them."""
