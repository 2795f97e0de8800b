"""Keys, canonical JSON, signatures and encryption at rest. No Qt, no SQLAlchemy."""
