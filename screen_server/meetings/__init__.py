"""Meetings (三会一课, 主题党日) and their sign-in: the rotating QR, sign-ins from phones and terminals,
leave requests, corrections by the secretary, and the attendance ledger (台账)."""
