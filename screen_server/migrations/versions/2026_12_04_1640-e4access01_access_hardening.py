"""access hardening: members logged in at terminals (device_logins), refused study (study_refusals),
members' phone and birth date encrypted at rest (text columns holding Fernet tokens)

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
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=20), type_=sa.String(length=255),
                              existing_nullable=False)
        batch_op.alter_column('birth_date', existing_type=sa.Date(), type_=sa.String(length=255),
                              existing_nullable=True, postgresql_using='birth_date::text')
    _encrypt_existing()


def _encrypt_existing() -> None:
    """Encrypt the phones and birth dates already stored, when the server migrates with its data key
    loaded (``activity-room serve``); a bare migration leaves them for their next write (privacy.py
    reads plain values too)."""
    from screen_server import privacy

    if privacy._cipher is None:
        return
    conn = op.get_bind()
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('phone', sa.String),
                       sa.column('birth_date', sa.String))
    for row in conn.execute(sa.select(members.c.id, members.c.phone, members.c.birth_date)).all():
        phone = privacy.encrypt(row.phone) if row.phone and not row.phone.startswith(privacy.PREFIX) else row.phone
        birth = row.birth_date
        if birth and not str(birth).startswith(privacy.PREFIX):
            birth = privacy.encrypt(str(birth)[:10])
        conn.execute(sa.update(members).where(members.c.id == row.id).values(phone=phone, birth_date=birth))


def downgrade() -> None:
    # The columns keep their text type: encrypted values cannot become dates again without the key.
    op.drop_table('study_refusals')
    op.drop_table('device_logins')
