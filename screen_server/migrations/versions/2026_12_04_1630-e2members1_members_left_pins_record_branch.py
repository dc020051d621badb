"""members: left (reason, date, note), initial PINs that must be changed; attendance and expected
attendance keep the branch they were made in

Revision ID: e2members1
Revises: e1setup01
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e2members1'
down_revision = 'e1setup01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_must_change', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('left_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_note', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attendances_branch_id_branches'), 'branches', ['branch_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('meeting_expected', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_expected_branch_id_branches'), 'branches', ['branch_id'],
                                    ['id'], ondelete='SET NULL')
    # Until now the branch was read from the member; that is the best guess for the rows already there.
    op.execute("UPDATE attendances SET branch_id = (SELECT branch_id FROM members WHERE members.id = attendances.member_id)")
    op.execute("UPDATE meeting_expected SET branch_id = "
               "(SELECT branch_id FROM members WHERE members.id = meeting_expected.member_id)")


def downgrade() -> None:
    with op.batch_alter_table('meeting_expected', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_expected_branch_id_branches'), type_='foreignkey')
        batch_op.drop_column('branch_id')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendances_branch_id_branches'), type_='foreignkey')
        batch_op.drop_column('branch_id')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('left_note')
        batch_op.drop_column('left_on')
        batch_op.drop_column('left_reason')
        batch_op.drop_column('pin_must_change')
