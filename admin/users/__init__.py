"""The admin's users page: accounts of every role, temporary passwords."""
