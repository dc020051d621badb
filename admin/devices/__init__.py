"""Screens and rooms: pairing by code, the device list with live previews, rooms."""
