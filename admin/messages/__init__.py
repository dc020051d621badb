"""留言墙: open a topic on a room's wall, moderate what members post, close it."""
