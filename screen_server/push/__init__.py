"""Live push: the websockets server that carries events from the bus to the screens and browsers."""
