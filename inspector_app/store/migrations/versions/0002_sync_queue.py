"""sync queue: the device's durable sync state (owned by sync/client)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

sync_config   enrolment (server URL, token, pinned server key, device id) and pull cursors
sync_items    one row per record or evidence original to push, with its state and last error code
sync_receipts the server's signed receipts, append-only (triggers refuse changes)
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_config',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'sync_items',
        sa.Column('kind', sa.String(), nullable=False),          # record | evidence
        sa.Column('key', sa.String(length=64), nullable=False),  # record hash | evidence sha256
        sa.Column('state', sa.String(), nullable=False),         # pending | uploading | synced | failed
        sa.Column('reason', sa.String(), nullable=True),         # a sync.* (or other) message code
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('order_seq', sa.Integer(), nullable=False),    # records: their audit head seq
        sa.Column('size', sa.Integer(), nullable=True),          # evidence: bytes
        sa.Column('sent', sa.Integer(), nullable=False),         # evidence: bytes the server acknowledged
        sa.Column('upload_url', sa.Text(), nullable=True),       # evidence: the tus upload to resume
        sa.Column('server_status', sa.String(), nullable=True),  # records: pending | complete on the server
        sa.Column('missing', sa.JSON(), nullable=True),          # records: evidence the server lacks
        sa.Column('created_at', sa.String(), nullable=False),
        sa.Column('updated_at', sa.String(), nullable=False),
        sa.Column('synced_at', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('kind', 'key'),
    )
    with op.batch_alter_table('sync_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_items_state'), ['state'], unique=False)
    op.create_table(
        'sync_receipts',
        sa.Column('record_hash', sa.String(length=64), nullable=False),
        sa.Column('receipt', sa.JSON(), nullable=False),
        sa.Column('signature', sa.String(), nullable=False),
        sa.Column('server_key', sa.String(), nullable=False),
        sa.Column('received_at', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('record_hash'),
    )
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER sync_receipts_no_{event.lower()} BEFORE {event} ON sync_receipts "
                   f"BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS sync_receipts_no_update")
    op.execute("DROP TRIGGER IF EXISTS sync_receipts_no_delete")
    op.drop_table('sync_receipts')
    with op.batch_alter_table('sync_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_items_state'))
    op.drop_table('sync_items')
    op.drop_table('sync_config')
