"""study plans (学习计划): required items per branch or for all, with a deadline

Revision ID: f3plan001
Revises: f4exam001
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import content.orm

revision = 'f3plan001'
down_revision = 'f4exam001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('study_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', content.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_study_plans_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_study_plans_created_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_plans'))
    )
    with op.batch_alter_table('study_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_plans_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_plans_due_on'), ['due_on'], unique=False)

    op.create_table('study_plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], name=op.f('fk_study_plan_items_item_id_content_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['study_plans.id'], name=op.f('fk_study_plan_items_plan_id_study_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_plan_items')),
    sa.UniqueConstraint('plan_id', 'item_id', name=op.f('uq_study_plan_items_plan_id_item_id'))
    )
    with op.batch_alter_table('study_plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_plan_items_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_plan_items_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('study_plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_plan_items_plan_id'))
        batch_op.drop_index(batch_op.f('ix_study_plan_items_item_id'))
    op.drop_table('study_plan_items')
    with op.batch_alter_table('study_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_plans_due_on'))
        batch_op.drop_index(batch_op.f('ix_study_plans_branch_id'))
    op.drop_table('study_plans')
