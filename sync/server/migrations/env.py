"""Alembic environment of the county server's database (separate from the device store's).
Migrations run from ``Database.migrate()`` on the connection it hands over, in one transaction."""
from alembic import context

from sync.server.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
