"""The HTTP edge: request identity, error rendering and the application factory's pieces."""
