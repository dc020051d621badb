"""Indexes the activity panels need, kept with the queries that use them (the tables belong to other
areas). Covering indexes: a day-range aggregate reads the index alone, not 30,000 table rows."""

from __future__ import annotations

from sqlalchemy import Index

from screen_server.meetings.models import Attendance
from screen_server.points.models import PointsEntry
from screen_server.study.models import StudySpan

STATS_INDEXES = (
    Index("ix_study_spans_day_member_seconds", StudySpan.day, StudySpan.member_id, StudySpan.active_seconds),
    Index("ix_points_entries_day_member_points", PointsEntry.day, PointsEntry.member_id, PointsEntry.points),
    Index("ix_attendances_signed_at_member", Attendance.signed_at, Attendance.member_id),
)
