"""exams and exam_attempts: formal tests (测评) with their windows, rules and members' attempts

Revision ID: f4exam001
Revises: f2asmt001
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from content.orm import UTCDateTime

revision = 'f4exam001'
down_revision = 'f2asmt001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('question_ids', sa.JSON(), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('opens_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('closes_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
        sa.Column('pass_percent', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('all_branches', sa.Boolean(), nullable=False),
        sa.Column('branch_ids', sa.JSON(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_exams_created_by_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exams')),
    )
    op.create_index(op.f('ix_exams_published'), 'exams', ['published'], unique=False)
    op.create_table(
        'exam_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exam_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('question_ids', sa.JSON(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('deadline', UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.String(length=10), nullable=False),
        sa.Column('correct', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_attempts_exam_id_exams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_exam_attempts_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempts')),
        sa.UniqueConstraint('exam_id', 'member_id', 'number', name=op.f('uq_exam_attempts_exam_id_member_id_number')),
    )
    op.create_index(op.f('ix_exam_attempts_exam_id'), 'exam_attempts', ['exam_id'], unique=False)
    op.create_index(op.f('ix_exam_attempts_member_id'), 'exam_attempts', ['member_id'], unique=False)
    op.create_index('ix_exam_attempts_open_deadline', 'exam_attempts', ['closed_at', 'deadline'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_exam_attempts_open_deadline', table_name='exam_attempts')
    op.drop_index(op.f('ix_exam_attempts_member_id'), table_name='exam_attempts')
    op.drop_index(op.f('ix_exam_attempts_exam_id'), table_name='exam_attempts')
    op.drop_table('exam_attempts')
    op.drop_index(op.f('ix_exams_published'), table_name='exams')
    op.drop_table('exams')
