"""Rooms and the devices in them (terminals and walls): pairing, tokens, heartbeats, previews."""
