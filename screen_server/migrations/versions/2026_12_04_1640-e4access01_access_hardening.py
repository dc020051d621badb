"""access hardening: members logged in at terminals (device_logins) and refused study (study_refusals)

Revision ID: e4access01
Revises: e3ident01
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from content.orm import UTCDateTime

revision = 'e4access01'
down_revision = 'e3ident01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'device_logins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_logins_device_id_devices'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_device_logins_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_device_logins')),
    )
    op.create_index(op.f('ix_device_logins_device_id'), 'device_logins', ['device_id'], unique=False)
    op.create_index(op.f('ix_device_logins_member_id'), 'device_logins', ['member_id'], unique=False)
    op.create_table(
        'study_refusals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('span_id', sa.String(length=40), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('message', sa.String(length=200), nullable=False),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_seconds', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_study_refusals_device_id_devices'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_study_refusals_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_study_refusals')),
    )
    op.create_index(op.f('ix_study_refusals_at'), 'study_refusals', ['at'], unique=False)
    op.create_index(op.f('ix_study_refusals_member_id'), 'study_refusals', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_table('study_refusals')
    op.drop_table('device_logins')
