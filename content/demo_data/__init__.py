"""Data of the demo library (our own writing): articles and other items, and the question bank."""
