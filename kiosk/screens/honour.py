"""光荣榜 and 考核公示: the honours whose period covers today (photo, title, name, citation) and, while the
admin publishes a year's assessment, its results with names masked. On the wall it is a page of the
loop beside the leaderboard; at a terminal it opens from home. Fetched when the page comes round
(kept from the last time when the server is away); a wall with nothing to show moves on."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.answers import when_done
from kiosk.i18n import _

MAX_ENTRIES = 6  # two rows of three cards at 1920×1080


def honour_cards(answer: Any, base: str) -> list[dict[str, Any]]:
    """The cards a RecycleView shows: one per current honour, photo address made absolute."""
    out = []
    for e in list((answer or {}).get("entries") or [])[:MAX_ENTRIES]:
        photo = str(e.get("photo") or "")
        out.append({"title": str(e.get("title") or ""), "name": str(e.get("name") or ""),
                    "citation": str(e.get("citation") or ""), "photo": base + photo if photo else ""})
    return out


def result_rows(published: Any) -> tuple[str, list[dict[str, Any]]]:
    """The heading and the rows of a running publication (branches, then the top members, masked)."""
    if not published:
        return "", []
    heading = _("{y} 年度考核结果公示（至 {e}）").format(y=published.get("year"), e=published.get("ends_at"))
    rows = [{"rank": str(b.get("rank")), "name": str(b.get("name") or ""), "detail": _("支部"),
             "value": f"{float(b.get('total') or 0):g}", "mine": False} for b in published.get("branches") or []]
    rows += [{"rank": str(m.get("rank")), "name": str(m.get("name") or ""), "detail": str(m.get("branch") or ""),
              "value": f"{float(m.get('total') or 0):g}", "mine": False} for m in published.get("members") or []]
    return heading, rows


class HonourScreen(Screen):
    cards = ListProperty([])
    results = ListProperty([])
    results_title = StringProperty("")
    empty = BooleanProperty(False)

    def on_pre_enter(self, *_args: Any) -> None:
        app = App.get_running_app()
        self._pending = 2
        self._base = str(app.state.settings.get("public_url") or app.options.server).rstrip("/")
        when_done(app.link and app.link.honour(), self._on_honour)
        when_done(app.link and app.link.published_assessment(), self._on_published)

    def _on_honour(self, answer: Any, _error: Any) -> None:
        if answer is not None:
            self.cards = honour_cards(answer, self._base)
        self._settle()

    def _on_published(self, answer: Any, _error: Any) -> None:
        if answer is not None:
            self.results_title, self.results = result_rows(answer.get("published"))
        self._settle()

    def _settle(self) -> None:
        self._pending -= 1
        if self._pending:
            return
        self.empty = not self.cards and not self.results
        app = App.get_running_app()
        if self.empty and app.options.mode == "wall" and self.manager and self.manager.current == self.name:
            app.rotate_wall()  # nothing to show: the loop's next page
