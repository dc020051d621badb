"""covering indexes for the activity panels

Revision ID: d2d0statsidx
Revises: d2c0contests
Create Date: 2026-11-22 14:50:00
"""

from __future__ import annotations

from alembic import op

revision = "d2d0statsidx"
down_revision = "d2c0contests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attendances_signed_at_member", "attendances", ["signed_at", "member_id"])
    op.create_index("ix_points_entries_day_member_points", "points_entries", ["day", "member_id", "points"])
    op.create_index("ix_study_spans_day_member_seconds", "study_spans", ["day", "member_id", "active_seconds"])


def downgrade() -> None:
    op.drop_index("ix_study_spans_day_member_seconds", table_name="study_spans")
    op.drop_index("ix_points_entries_day_member_points", table_name="points_entries")
    op.drop_index("ix_attendances_signed_at_member", table_name="attendances")
