"""member party status (党员类别): 正式党员 or 预备党员; only full members vote in ballots

Revision ID: e0status01
Revises: d3d0attidx
Create Date: 2026-12-04 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e0status01'
down_revision = 'd3d0attidx'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_status', sa.String(length=20), nullable=False, server_default='full'))


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('party_status')
