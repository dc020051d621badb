"""Announcements (通知公告): written in the admin, shown on the screens of chosen rooms."""
