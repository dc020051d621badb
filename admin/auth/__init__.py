"""Signing in and out of the admin."""
