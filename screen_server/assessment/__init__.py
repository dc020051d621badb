"""量化考核: the yearly assessment of members and branches on four weighted dimensions."""
