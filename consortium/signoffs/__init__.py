"""Sign-off of exact document versions: a convenor asks, each member organisation signs off or declines."""
