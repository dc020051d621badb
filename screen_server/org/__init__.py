"""The organisation: party committee → branches → party groups, the members they keep, and the
people who run the system (admins, branch secretaries, editors, reviewers)."""
