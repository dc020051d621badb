"""meeting console, quorum, minutes and photos, templates; ballots of a meeting (hidden totals, appraisal)
with a voters table keyed by (poll, member): no sequential id, no time, no rowid on SQLite

Revision ID: e7meet001
Revises: e0status01
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'e7meet001'
down_revision = 'e0status01'
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

    # The voters table loses its sequential id (it ordered the ballots): a new table keyed by (poll, member),
    # filled in key order, replaces it.
    op.create_table('poll_voters_new',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_poll_voters_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_voters_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'member_id', name=op.f('pk_poll_voters')),
    sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO poll_voters_new (poll_id, member_id) "
               "SELECT poll_id, member_id FROM poll_voters ORDER BY poll_id, member_id")
    with op.batch_alter_table('poll_voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_voters_poll_id'))
    op.drop_table('poll_voters')
    op.rename_table('poll_voters_new', 'poll_voters')


def downgrade() -> None:
    op.create_table('poll_voters_old',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name='fk_poll_voters_member_id_members_old', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name='fk_poll_voters_poll_id_polls_old', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_poll_voters_old'),
    sa.UniqueConstraint('poll_id', 'member_id', name='uq_poll_voters_poll_id_member_id')
    )
    op.execute("INSERT INTO poll_voters_old (poll_id, member_id) SELECT poll_id, member_id FROM poll_voters")
    op.drop_table('poll_voters')
    op.rename_table('poll_voters_old', 'poll_voters')
    with op.batch_alter_table('poll_voters', schema=None) as batch_op:
        batch_op.create_index('ix_poll_voters_poll_id', ['poll_id'], unique=False)
    op.execute("DELETE FROM poll_tallies WHERE subject <> 0")
    with op.batch_alter_table('poll_tallies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_poll_tallies_poll_id_subject_option', type_='unique')
        batch_op.create_unique_constraint('uq_poll_tallies_poll_id_option', ['poll_id', 'option'])
        batch_op.drop_column('subject')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint('fk_polls_meeting_id_meetings', type_='foreignkey')
        batch_op.drop_index('ix_polls_meeting_id')
        for column in ('subjects', 'form', 'revealed', 'hide_results', 'requires_vote', 'meeting_id'):
            batch_op.drop_column(column)
    op.drop_table('meeting_templates')
    with op.batch_alter_table('meeting_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_photos_meeting_id')
    op.drop_table('meeting_photos')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        for column in ('quorum_reached', 'held_at', 'decisions', 'minutes', 'console', 'quorum_rule'):
            batch_op.drop_column(column)
