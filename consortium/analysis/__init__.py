"""Pure, vectorised analysis of a bid: money allocation, totals and eligibility (Polars, no I/O)."""
