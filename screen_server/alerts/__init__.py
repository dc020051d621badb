"""Health indicators of each branch and the alerts raised when one crosses its threshold."""
