"""Formal tests (测评): papers, their windows and rules, and members' attempts."""
