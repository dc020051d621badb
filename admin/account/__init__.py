"""The signed-in user's own account: changing their password (forced after a temporary one)."""
