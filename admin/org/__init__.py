"""The organisation tree pages: the Party committee, its branches and their party groups."""
