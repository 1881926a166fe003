"""Todo backend HTTP API."""
