"""Practice on one's own: daily practice (每日答题), challenge levels (答题闯关) and the streak mode."""
