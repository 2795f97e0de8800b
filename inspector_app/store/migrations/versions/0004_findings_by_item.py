"""findings by item: the wordings library and repeat-offence checks look findings up by item

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_findings_item_id", "findings", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_findings_item_id", "findings")
