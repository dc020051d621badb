"""The first day of an installation: the one-time setup link that creates the first system admin and
names the Party committee, and the checklist the admin dashboard shows until the room is set up."""
