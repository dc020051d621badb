"""The wall (big screen) home: a big clock, the date, the room's name, rotating announcements and a
slot for live panels (the sign-in panel while a meeting's sign-in is open in this room)."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen


class SignInPanel(BoxLayout):
    pass


class WallScreen(Screen):
    def on_kv_post(self, _base_widget: object) -> None:
        app = App.get_running_app()
        app.bind(wall_panel=self._show_panel)
        self._panel = SignInPanel()
        self._show_panel(app, app.wall_panel)

    def _show_panel(self, _app: object, panel: str) -> None:
        slot = self.ids.panel_slot
        slot.clear_widgets()
        if panel == "signin":
            slot.add_widget(self._panel)
        slot.size_hint_x, slot.width = (0.75, slot.width) if panel else (None, 0)
