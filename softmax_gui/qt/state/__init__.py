"""The window's state (the session) and its background tasks."""
