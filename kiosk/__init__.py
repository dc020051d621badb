"""The kiosk: the Kivy client for touch terminals and big wall screens.

Importing this package opens no window and no socket; ``kiosk.cli.run`` is the entry point.
From the server it imports only ``screen_server.protocol``.
"""

from __future__ import annotations

__version__ = "0.1.0"
