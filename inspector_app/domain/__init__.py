"""Plain-Python core: no Qt, no SQLAlchemy. The app, the CLI and the server all use it."""
