"""reviews: a re-inspection's verdict on earlier findings (整改复查)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A review says, in a later inspection, whether a finding of an earlier signed record was rectified.
It is what closes a hazard, on the device and on the county server. Frozen with its inspection.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_SIGNED = "(SELECT status FROM inspections WHERE id = {ref}.inspection_id) = 'signed'"


def upgrade() -> None:
    op.create_table(
        'reviews',
        sa.Column('inspection_id', sa.String(), sa.ForeignKey('inspections.id'), nullable=False),
        sa.Column('finding_id', sa.String(), nullable=False),
        sa.Column('record_hash', sa.String(length=64), nullable=False),
        sa.Column('result', sa.String(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('inspection_id', 'finding_id'),
    )
    for event in ("INSERT", "UPDATE", "DELETE"):
        ref = "NEW" if event == "INSERT" else "OLD"
        op.execute(
            f"CREATE TRIGGER reviews_no_{event.lower()} BEFORE {event} ON reviews WHEN {_SIGNED.format(ref=ref)} "
            "BEGIN SELECT RAISE(ABORT, 'signed inspection is immutable'); END"
        )


def downgrade() -> None:
    op.drop_table('reviews')
