"""message wall: topics on a room's wall and members' moderated messages

Revision ID: d3a0msgwall
Revises: d2f0polls
Create Date: 2026-11-22 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm  # noqa: F401

revision = "d3a0msgwall"
down_revision = "d2f0polls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_message_topics_branch_id_branches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_message_topics_created_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_message_topics_room_id_rooms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_topics'))
    )
    with op.batch_alter_table('message_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_topics_open'), ['open'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_topics_room_id'), ['room_id'], unique=False)

    op.create_table('wall_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=40), nullable=False),
    sa.Column('text', sa.String(length=140), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'APPROVED', 'REJECTED', name='messagestatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('moderated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_wall_messages_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_user_id'], ['users.id'], name=op.f('fk_wall_messages_moderated_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['message_topics.id'], name=op.f('fk_wall_messages_topic_id_message_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wall_messages')),
    sa.UniqueConstraint('topic_id', 'member_id', 'client_id', name=op.f('uq_wall_messages_topic_id_member_id_client_id'))
    )
    with op.batch_alter_table('wall_messages', schema=None) as batch_op:
        batch_op.create_index('ix_wall_messages_topic_id_status', ['topic_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_wall_messages_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wall_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wall_messages_member_id'))
        batch_op.drop_index('ix_wall_messages_topic_id_status')

    op.drop_table('wall_messages')
    with op.batch_alter_table('message_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_topics_room_id'))
        batch_op.drop_index(batch_op.f('ix_message_topics_open'))

    op.drop_table('message_topics')
