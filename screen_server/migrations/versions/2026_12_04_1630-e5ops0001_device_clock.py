"""device clock offset: each heartbeat's clock minus the server's, for the admin and doctor

Revision ID: e5ops0001
Revises: e4access01
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5ops0001'
down_revision = 'e4access01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_offset_s', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('clock_offset_s')
