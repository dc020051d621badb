"""The moderated message wall (留言墙): members post short messages on a topic from their phone; a
message reaches the room's wall only after a moderator (an admin, or the topic's branch secretary)
approves it."""
