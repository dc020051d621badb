"""Widgets shared by the screens: tiles, big buttons, the header, the offline banner, list rows, the
QR code and the notice dialog. Their look lives in widgets.kv; what a tap does is one call to the app."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.widget import Widget

from kiosk import signin as si

LEVEL_COLOURS = {
    "urgent": ((0.99, 0.82, 0.36, 1), (0.33, 0.02, 0.03, 1)),  # gold on dark red text
    "important": ((1, 0.97, 0.9, 1), (0.66, 0.06, 0.08, 1)),
    "normal": ((0.33, 0.02, 0.03, 1), (1, 0.97, 0.9, 1)),
}


class Panel(BoxLayout):
    """A box with a rounded, coloured background."""

    bg_color = ListProperty([0, 0, 0, 0])
    border_color = ListProperty([0, 0, 0, 0])


class BigButton(ButtonBehavior, Label):
    """A button at least TOUCH high, gold-edged."""


class Tile(ButtonBehavior, BoxLayout):
    key = StringProperty("")
    title = StringProperty("")
    glyph = StringProperty("")
    note = StringProperty("")
    ready = BooleanProperty(True)

    def on_release(self) -> None:
        App.get_running_app().open_tile(self.key)


class LevelBadge(Label):
    level = StringProperty("normal")
    bg_color = ListProperty(LEVEL_COLOURS["normal"][0])

    def on_level(self, _instance: object, level: str) -> None:
        self.bg_color, self.color = LEVEL_COLOURS.get(level, LEVEL_COLOURS["normal"])


class AnnouncementRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    announcement_id = NumericProperty(0)
    title = StringProperty("")
    level = StringProperty("normal")
    level_text = StringProperty("")
    date_text = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().open_announcement(self.announcement_id)


class Header(BoxLayout):
    """Room name, date and time, and the connection state: the top of the home screens."""


class ConnectionPill(Label):
    pass


class OfflineBanner(BoxLayout):
    """Says plainly that the server is away; the screen below keeps showing what it has."""


class KioskRoot(BoxLayout):
    """The banner above the screen manager: every screen gets the offline notice."""


class NoticeView(ModalView):
    """A plain message with one big button, e.g. "coming soon"."""

    title = StringProperty("")
    message = StringProperty("")


class QrCode(Widget):
    """A QR texture (one pixel per module, quiet zone included) drawn as large as fits, scaled by a whole
    number so that every module is the same crisp square; ``side`` is the drawn size in pixels."""

    texture = ObjectProperty(None, allownone=True)
    side = NumericProperty(0)

    def on_size(self, *_args: object) -> None:
        self._fit()

    def on_texture(self, *_args: object) -> None:
        self._fit()

    def _fit(self) -> None:
        modules = self.texture.width if self.texture is not None else 0
        room = min(self.width, self.height)
        self.side = (room // modules) * modules if modules and room >= modules else room


class ItemRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """One learning item in a list: kind badge, title, what it is, and why (or a summary)."""

    item_id = NumericProperty(0)
    title = StringProperty("")
    meta = StringProperty("")
    note = StringProperty("")
    badge = StringProperty("")
    done = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().study.open_item(self.item_id)


class ShelfButton(RecycleDataViewBehavior, ButtonBehavior, Label):
    """A shelf (category) of the library, in the left column."""

    key = NumericProperty(0)
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().study.pick_shelf(self.key)


class KeyButton(ButtonBehavior, Label):
    """A key of a big on-screen keypad; ``target`` names the desk method that takes the key."""

    key = StringProperty("")
    target = StringProperty("press_letter")
    strong = BooleanProperty(False)

    def on_release(self) -> None:
        getattr(App.get_running_app().study, self.target)(self.key)


class PinKey(ButtonBehavior, Label):
    """A key of the big digit keypad (PINs, host codes): ``key`` is a digit or ``signin.CLEAR`` /
    ``signin.BACKSPACE``; a tap is one call, ``press(key)``, to the app's desk named by ``desk``."""

    key = StringProperty("")
    digit = BooleanProperty(False)
    desk = StringProperty("desk")

    def on_key(self, _instance: object, key: str) -> None:
        self.text, self.digit = si.key_label(key), key.isdigit()

    def on_release(self) -> None:
        getattr(App.get_running_app(), self.desk).press(self.key)


class QrView(ModalView):
    """A dialog with a QR code to scan with a phone (e.g. "continue on your phone")."""

    title = StringProperty("")
    message = StringProperty("")
    url = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_url(self, _instance: object, url: str) -> None:
        from kiosk.qr import qr_texture

        self.texture = qr_texture(url) if url else None


class AnswerKey(RecycleDataViewBehavior, ButtonBehavior, Label):
    label = StringProperty("")
    mode = StringProperty("live")  # live: the room's contest; practice: on one's own; exam: a formal test

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> Any:
        self.label = str(data.get("label") or "")
        self.text = data["text"] if data.get("label") == data.get("text") else f"{data['label']}.  {data['text']}"
        self.picked = bool(data.get("picked"))
        self.mode = str(data.get("mode") or "live")
        return super().refresh_view_attrs(rv, index, {k: v for k, v in data.items() if k in ("label",)})

    def on_release(self) -> None:
        arena = App.get_running_app().arena
        if self.mode == "exam":
            App.get_running_app().exams.choose(self.label)
        elif self.mode == "practice":
            arena.choose(self.label)
        else:
            arena.pick(self.label)
