"""The web admin: Flask blueprints and Jinja templates for admins and branch secretaries.

The server finds this package through the ``activity_room.web`` entry point and calls ``register``;
the admin calls services and owns no rules. Importing this package opens nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Add the admin's pages to the server's app."""
    from admin.views import install

    install(app)
