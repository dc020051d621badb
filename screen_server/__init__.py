"""The room server: the room's domain (organisation, members, devices, announcements, audit, ...),
its HTTP API (Flask, under ``http/``) and its live push (websockets, under ``push/``).

Importing this package opens nothing: no database, no socket, no thread.
"""

__version__ = "0.1.0"
