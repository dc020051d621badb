"""An open message-wall topic (留言墙) on the wall: its title, the QR to write from a phone, and the
newest approved messages as cards (masked name and plain text), newest first; a message that has just
been approved fades in. Bound to ``app.message_wall`` (the server's ``message_wall`` snapshot part,
replaced by each ``messages.updated``). The server sends approved messages only."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.i18n import _

CARDS = 4  # two by two beside the QR: the most that stays readable from five metres at 1920×1080
# Type size by length, so that 140 characters still fit a card at 1920×1080 and a short message is big:
# up to 24 characters in TEXT_XL, 48 in TEXT_L, 85 in TEXT_M, longer in TEXT_S (the theme's smallest).
LENGTHS = (24, 48, 85)


class MessageCard(BoxLayout):
    """One approved message. ``length_class`` picks the type size in the KV (0 largest … 3 smallest)."""

    name = StringProperty("")
    message = StringProperty("")
    newest = BooleanProperty(False)
    length_class = NumericProperty(0)


class WallMessagesScreen(Screen):
    qr_texture = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    note = StringProperty("")
    scope = StringProperty("")
    empty = BooleanProperty(True)

    def on_kv_post(self, _base: Any) -> None:
        app = App.get_running_app()
        self._url = ""
        self._shown: tuple[Any, ...] = ()
        app.bind(message_wall=self.show)
        self.show(app, app.message_wall)

    def show(self, app: Any, wall: dict[str, Any]) -> None:
        if not wall:
            return
        from kiosk.qr import qr_texture

        base = str(app.options.server).rstrip("/")
        url = str(wall.get("url") or f"{base}{wall.get('path') or ''}")
        if url != self._url:
            self._url, self.qr_texture = url, qr_texture(url)
        self.title = str(wall.get("title") or "")
        approved = int(wall.get("approved") or 0)
        self.note = _("已上墙 {n} 条 · 最新留言在前").format(n=approved) if approved else _("等待第一条留言")
        branch = str(wall.get("branch") or "")
        self.scope = _("仅限{b}党员").format(b=branch) if branch else _("全体党员均可留言")
        self._show_cards(list(wall.get("messages") or [])[:CARDS])

    def _show_cards(self, messages: list[dict[str, Any]]) -> None:
        shown = tuple((m.get("id"), m.get("text")) for m in messages)
        if shown == self._shown:
            return
        arrived = bool(self._shown) and bool(shown) and shown[0] not in self._shown
        self._shown = shown
        self.empty = not messages
        grid = self.ids.cards
        grid.clear_widgets()
        for i, m in enumerate(messages):
            text = str(m.get("text") or "")
            who = str(m.get("name") or "")
            if m.get("branch"):
                who += " · " + str(m["branch"])
            card = MessageCard(name=who, message=text, newest=i == 0,
                               length_class=sum(len(text) > n for n in LENGTHS))
            grid.add_widget(card)
            if i == 0 and arrived:
                card.opacity = 0
                Animation(opacity=1, duration=0.8, t="out_quad").start(card)
        for _slot in range(CARDS - len(messages)):  # empty slots keep every card the same size
            grid.add_widget(Widget())

    def cards(self) -> list[MessageCard]:
        """The cards shown, newest first."""
        return [c for c in reversed(self.ids.cards.children) if isinstance(c, MessageCard)]
