"""meeting console, quorum, minutes and photos, templates, supervision, emergencies to chosen devices; ballots of a meeting (hidden totals, appraisal)
with who voted kept as one sorted set per poll (the poll_voters table kept arrival order)

Revision ID: e7meet001
Revises: e5ops0001
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'e7meet001'
down_revision = 'e5ops0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quorum_rule', sa.String(length=20), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('console', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('minutes', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decisions', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('held_at', content.orm.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quorum_reached', sa.Boolean(), nullable=True))
    op.execute("UPDATE meetings SET quorum_rule = 'half' WHERE type = 'branch_general'")

    op.create_table('meeting_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('relative_path', sa.String(length=200), nullable=False),
    sa.Column('original_filename', sa.String(length=200), nullable=False),
    sa.Column('mime', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_photos_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_meeting_photos_uploaded_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_photos'))
    )
    with op.batch_alter_table('meeting_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_photos_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_templates',
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('attendees', sa.String(length=20), nullable=False),
    sa.Column('quorum_rule', sa.String(length=20), nullable=False),
    sa.Column('cadence_days', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('type', name=op.f('pk_meeting_templates'))
    )

    op.create_table('meeting_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_meeting_comments_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_comments_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_comments'))
    )
    with op.batch_alter_table('meeting_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_comments_meeting_id'), ['meeting_id'], unique=False)
    op.create_table('rectifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_rectifications_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['users.id'], name=op.f('fk_rectifications_issued_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_rectifications_meeting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications'))
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectifications_branch_id'), ['branch_id'], unique=False)

    op.create_table('emergency_devices',
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_emergency_devices_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['emergency_id'], ['emergency_messages.id'], name=op.f('fk_emergency_devices_emergency_id_emergency_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('emergency_id', 'device_id', name=op.f('pk_emergency_devices'))
    )

    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('requires_vote', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hide_results', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('revealed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('form', sa.String(length=20), nullable=False, server_default='question'))
        batch_op.add_column(sa.Column('subjects', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_polls_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_polls_meeting_id_meetings'), 'meetings', ['meeting_id'], ['id'],
                                    ondelete='CASCADE')
    op.execute("UPDATE polls SET subjects = '[]'")

    with op.batch_alter_table('poll_tallies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_constraint('uq_poll_tallies_poll_id_option', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_poll_tallies_poll_id_subject_option'),
                                          ['poll_id', 'subject', 'option'])

    # The voters table goes: its rows kept the order the ballots came in (a sequential id; on PostgreSQL the
    # heap order too). Each poll keeps who voted as one sorted set instead.
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voted', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('voters', sa.Integer(), nullable=False, server_default='0'))
    conn = op.get_bind()
    by_poll: dict[int, list[int]] = {}
    for poll_id, member_id in conn.execute(sa.text("SELECT poll_id, member_id FROM poll_voters")):
        by_poll.setdefault(int(poll_id), []).append(int(member_id))
    polls = sa.table('polls', sa.column('id', sa.Integer()), sa.column('voted', sa.JSON()),
                     sa.column('voters', sa.Integer()))
    conn.execute(sa.update(polls).values(voted=[]))
    for poll_id, members in by_poll.items():
        conn.execute(sa.update(polls).where(polls.c.id == poll_id).values(voted=sorted(members), voters=len(members)))
    with op.batch_alter_table('poll_voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_voters_poll_id'))
    op.drop_table('poll_voters')


def downgrade() -> None:
    op.create_table('poll_voters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_poll_voters_member_id_members', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name='fk_poll_voters_poll_id_polls', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_poll_voters'),
    sa.UniqueConstraint('poll_id', 'member_id', name='uq_poll_voters_poll_id_member_id')
    )
    with op.batch_alter_table('poll_voters', schema=None) as batch_op:
        batch_op.create_index('ix_poll_voters_poll_id', ['poll_id'], unique=False)
    conn = op.get_bind()
    for poll_id, voted in conn.execute(sa.text("SELECT id, voted FROM polls")):
        members = voted if isinstance(voted, list) else json.loads(voted or '[]')
        for member_id in members:
            conn.execute(sa.text("INSERT INTO poll_voters (poll_id, member_id) VALUES (:p, :m)"),
                         {"p": poll_id, "m": member_id})
    op.execute("DELETE FROM poll_tallies WHERE subject <> 0")
    with op.batch_alter_table('poll_tallies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_poll_tallies_poll_id_subject_option', type_='unique')
        batch_op.create_unique_constraint('uq_poll_tallies_poll_id_option', ['poll_id', 'option'])
        batch_op.drop_column('subject')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint('fk_polls_meeting_id_meetings', type_='foreignkey')
        batch_op.drop_index('ix_polls_meeting_id')
        for column in ('voters', 'voted', 'subjects', 'form', 'revealed', 'hide_results', 'requires_vote',
                       'meeting_id'):
            batch_op.drop_column(column)
    op.drop_table('meeting_templates')
    op.drop_table('emergency_devices')
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index('ix_rectifications_branch_id')
    op.drop_table('rectifications')
    with op.batch_alter_table('meeting_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_comments_meeting_id')
    op.drop_table('meeting_comments')
    with op.batch_alter_table('meeting_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_photos_meeting_id')
    op.drop_table('meeting_photos')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        for column in ('quorum_reached', 'held_at', 'decisions', 'minutes', 'console', 'quorum_rule'):
            batch_op.drop_column(column)
