"""The web admin: Flask blueprints and Jinja templates for the committee's admins and branch secretaries.

The server finds this package through the ``activity_room.web`` entry point and calls ``register``; it
never imports the admin. The admin calls services and owns no rules. One area, one sub-package
(``members``, ``meetings``, ``content``, …: every folder here with a ``views.py``), each with its ``bp``
and its templates under ``templates/admin/<area>/``. ``site`` nests them under /admin; ``web`` holds
what the views share (forms, HTML error pages, …). Importing this package opens nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Add the admin's pages to the server's app."""
    from admin.site import install

    install(app)
