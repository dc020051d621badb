"""An emergency message (紧急通知) on a terminal: full screen over whatever is open, the member's session
kept underneath (nothing is closed or logged out), gone when the message is withdrawn. Walls show it as
a screen of their plan (``wallplan``); a terminal is used by a member, so it lays it over them instead.
UI thread only."""

from __future__ import annotations

from typing import Any

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

KV = """
#:import _ kiosk.i18n._
<EmergencyOverlay>:
    auto_dismiss: False
    size_hint: 1, 1
    background_color: AMBER
    overlay_color: 0, 0, 0, 0
    BoxLayout:
        orientation: 'vertical'
        padding: PAD * 2
        spacing: GAP * 1.5
        canvas.before:
            Color:
                rgba: AMBER
            Rectangle:
                pos: self.pos
                size: self.size
        Label:
            size_hint_y: None
            height: self.texture_size[1]
            text: _('紧急通知')
            font_size: TEXT_XL
            bold: True
            color: RED_DARK
        Label:
            id: title
            size_hint_y: None
            height: self.texture_size[1]
            text: root.title
            font_size: TEXT_HUGE * 0.5
            bold: True
            color: RED_DARK
            halign: 'center'
            text_size: self.width, None
        Label:
            id: body
            text: root.body
            font_size: TEXT_L
            color: INK
            halign: 'center'
            valign: 'top'
            text_size: self.size
"""


class EmergencyOverlay(ModalView):
    title = StringProperty("")
    body = StringProperty("")


class EmergencyLayer:
    """Opens the overlay for the newest emergency meant for this terminal, and closes it when none is."""

    _kv_loaded = False

    def __init__(self) -> None:
        self.view: EmergencyOverlay | None = None
        self.shown_id: int | None = None

    def update(self, emergencies: list[dict[str, Any]]) -> None:
        if not emergencies:
            if self.view is not None:
                self.view.dismiss(animation=False)
            self.view, self.shown_id = None, None
            return
        newest = emergencies[0]
        if self.view is None:
            if not EmergencyLayer._kv_loaded:  # once, on first use: importing this module loads nothing
                Builder.load_string(KV)
                EmergencyLayer._kv_loaded = True
            self.view = EmergencyOverlay()
            self.view.open(animation=False)
        self.view.title, self.view.body = str(newest.get("title") or ""), str(newest.get("body") or "")
        self.shown_id = int(newest.get("id") or 0)
