"""service window: members' requests (routed, with deadlines) and corrections of their own record

Revision ID: f1serv001
Revises: e8wallkey
Create Date: 2026-12-04 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'f1serv001'
down_revision = 'e8wallkey'  # the brief said e7meet001; main already has e8wallkey on it (one head)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_category_settings',
    sa.Column('category', sa.Enum('SUGGESTION', 'HARDSHIP', 'VOLUNTEER', 'ORG_LIFE', 'OTHER', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('deadline_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_service_category_settings_owner_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('category', name=op.f('pk_service_category_settings'))
    )
    op.create_table('record_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('proposed', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'ACCEPTED', 'DECLINED', name='correctionstatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_record_corrections_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_record_corrections_decided_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_record_corrections_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_corrections')),
    sa.UniqueConstraint('member_id', 'client_id', name=op.f('uq_record_corrections_member_id_client_id'))
    )
    with op.batch_alter_table('record_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_corrections_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_corrections_member_id'), ['member_id'], unique=False)

    op.create_table('service_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('category', sa.Enum('SUGGESTION', 'HARDSHIP', 'VOLUNTEER', 'ORG_LIFE', 'OTHER', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'DONE', name='requeststatus', native_enum=False, length=10), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=500), nullable=False),
    sa.Column('answered_by_user_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('assessment_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['users.id'], name=op.f('fk_service_requests_answered_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assessment_record_id'], ['assessment_records.id'], name=op.f('fk_service_requests_assessment_record_id_assessment_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_service_requests_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_service_requests_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_service_requests_owner_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests')),
    sa.UniqueConstraint('assessment_record_id', name=op.f('uq_service_requests_assessment_record_id')),
    sa.UniqueConstraint('member_id', 'client_id', name=op.f('uq_service_requests_member_id_client_id'))
    )
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_service_requests_branch_status', ['branch_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_requests_member_id'))
        batch_op.drop_index('ix_service_requests_branch_status')

    op.drop_table('service_requests')
    with op.batch_alter_table('record_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_corrections_member_id'))
        batch_op.drop_index(batch_op.f('ix_record_corrections_branch_id'))

    op.drop_table('record_corrections')
    op.drop_table('service_category_settings')
