"""The first-start setup page, opened through the one-time link an empty installation prints."""
