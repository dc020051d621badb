"""Polls and votes (投票), including anonymous ballots (民主评议): who voted and what was chosen are
kept apart, and choices are kept only as running totals, so nothing stored links a member to a choice."""
