"""The supervisors' dashboard: a read model filled when records are stored, and its queries."""
