"""The notice before an idle timeout (a member's logout, the host screen's return to the attract loop):
shown once, its countdown updated every second, gone on its button, a touch or ``dismiss``.

UI thread only; the view (``kiosk.widgets.NoticeView``) is imported when first shown.
"""

from __future__ import annotations

from typing import Any


class IdleNotice:
    def __init__(self) -> None:
        self.view: Any = None  # the open NoticeView, or None

    def show(self, title: str, message: str) -> None:
        """Open the notice, or, if it is open, update its message (the countdown)."""
        if self.view is not None:
            self.view.message = message
            return
        from kiosk.widgets import NoticeView

        self.view = NoticeView(title=title, message=message)
        self.view.bind(on_dismiss=lambda *_a: setattr(self, "view", None))
        self.view.open(animation=False)

    def dismiss(self) -> None:
        if self.view is not None:
            view, self.view = self.view, None
            view.dismiss(animation=False)
