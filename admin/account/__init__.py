"""The signed-in user's own account: their sessions and their two-factor sign-in."""
