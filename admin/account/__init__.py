"""The signed-in user's own account: their password (forced after a temporary one), the sessions they
are signed in with, and their two-factor sign-in."""
