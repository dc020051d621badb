"""device clock offset (each heartbeat's clock minus the server's, for the admin and doctor); offline
conflicts (records a terminal queued while the server was down and the server then refused)

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
    op.create_table(
        'offline_conflicts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('device_clock', sa.DateTime(timezone=True), nullable=True),
        sa.Column('clock_offset_s', sa.Float(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_offline_conflicts_device_id_devices'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_offline_conflicts_member_id_members'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_conflicts')),
        sa.UniqueConstraint('device_id', 'client_id', name=op.f('uq_offline_conflicts_device_id_client_id')),
    )
    with op.batch_alter_table('offline_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_conflicts_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_conflicts_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_table('offline_conflicts')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('clock_offset_s')
