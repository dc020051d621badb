"""What terminals did while the server was down: the records the server later refused (offline conflicts)
and the PIN hashes a terminal may keep to let members log in meanwhile."""
