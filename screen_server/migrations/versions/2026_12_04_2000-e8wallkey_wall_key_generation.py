"""rooms.wall_key_generation: the web wall's display key and cookie can be replaced (old ones stop working)

Revision ID: e8wallkey
Revises: e7meet001
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e8wallkey'
down_revision = 'e7meet001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wall_key_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.drop_column('wall_key_generation')
