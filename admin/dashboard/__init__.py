"""The landing page: the figures each role looks after."""
