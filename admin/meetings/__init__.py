"""Meetings: create, the attendance sheet with corrections, and the meeting ledger."""
