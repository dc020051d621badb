"""first-day setup: one-time setup links, active branches and party groups, temporary passwords

Revision ID: e1setup01
Revises: e0status01
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'e1setup01'
down_revision = 'e0status01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('setup_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_setup_tokens_digest'))
    )
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('party_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('party_groups', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('active')
    op.drop_table('setup_tokens')
