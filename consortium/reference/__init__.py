"""Reference data: UK local authority districts, their regions and nations, and a hexagonal map layout."""
