"""Pledges: what each member organisation puts into a bid."""
