"""assessment publication (公示) with objections, and the honour board (光荣榜)

Revision ID: f2asmt001
Revises: f1serv001
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'f2asmt001'
down_revision = 'f1serv001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('starts_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_user_id'], ['users.id'],
                            name=op.f('fk_assessment_publications_published_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_publications'))
    )
    with op.batch_alter_table('assessment_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_publications_year'), ['year'], unique=False)

    op.create_table('assessment_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.String(length=500), nullable=False),
    sa.Column('total_before', sa.Float(), nullable=True),
    sa.Column('total_after', sa.Float(), nullable=True),
    sa.Column('answered_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', content.orm.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['assessment_publications.id'],
                            name=op.f('fk_assessment_objections_publication_id_assessment_publications'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_assessment_objections_member_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['users.id'],
                            name=op.f('fk_assessment_objections_answered_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_objections'))
    )
    with op.batch_alter_table('assessment_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_objections_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_objections_member_id'), ['member_id'], unique=False)

    op.create_table('honour_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('citation', sa.String(length=300), nullable=False),
    sa.Column('photo_path', sa.String(length=200), nullable=False),
    sa.Column('photo_mime', sa.String(length=50), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_honour_entries_member_id_members'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_honour_entries_created_by_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour_entries'))
    )
    with op.batch_alter_table('honour_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_entries_starts_on'), ['starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_honour_entries_ends_on'), ['ends_on'], unique=False)


def downgrade() -> None:
    op.drop_table('honour_entries')
    op.drop_table('assessment_objections')
    op.drop_table('assessment_publications')
