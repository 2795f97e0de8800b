"""Alembic environment for the device store. Migrations run from Store.open() on the connection
the store hands over, inside one transaction, so a failed upgrade leaves the old schema intact."""
from alembic import context

from inspector_app.store.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
