"""attendance counts index: (meeting_id, guest) covers the wall's counts read after every sign-in batch;
it replaces the index on meeting_id alone (same prefix)

Revision ID: d3d0attidx
Revises: d3c0assess
Create Date: 2026-12-02 10:51:37.368657
"""

from __future__ import annotations

from alembic import op

revision = 'd3d0attidx'
down_revision = 'd3c0assess'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_meeting_id'))
        batch_op.create_index('ix_attendances_meeting_guest', ['meeting_id', 'guest'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_meeting_guest')
        batch_op.create_index(batch_op.f('ix_attendances_meeting_id'), ['meeting_id'], unique=False)
