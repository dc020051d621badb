"""Running a room for years: backup and restore, the doctor's checks, the systemd watchdog.

Nothing here is imported by the request path except the watchdog and the backup status the admin shows.
"""
