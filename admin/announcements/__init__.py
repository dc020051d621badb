"""Announcements: write, schedule and withdraw what the rooms' screens show."""
