"""Camera and recorder (QtMultimedia), the one-action quick record, and bringing what they capture
into the evidence vault. ingest.py has no Qt (tests and the CLI can use it); the rest does."""
