"""Admin pages of study plans."""
