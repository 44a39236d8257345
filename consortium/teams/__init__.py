"""Teams: a network's convenors, an organisation's colleagues and their roles, and invitations to a person."""
