"""The fictional demo network: its data (``network``), built without a database, and loading it."""
