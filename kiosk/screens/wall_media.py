"""A poster or a video of the wall's idle loop, full screen. The file comes from the wall's local
library (downloaded once, kept within the cache limit), so the loop goes on without the server. Videos
play muted and from the start each time they come round."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen


class WallMediaScreen(Screen):
    source = StringProperty("")
    kind = StringProperty("")
    title = StringProperty("")

    def on_kv_post(self, _base: Any) -> None:
        App.get_running_app().bind(wall_entry=self._load)

    def on_pre_enter(self, *_args: Any) -> None:
        self._load(App.get_running_app(), App.get_running_app().wall_entry)

    def on_leave(self, *_args: Any) -> None:
        video = self.ids.get("video")
        if video is not None:
            video.state = "stop"

    def _load(self, app: Any, entry: dict[str, Any]) -> None:
        if entry.get("show") != "item":
            return
        item = app.library.summary(int(entry.get("item_id") or 0)) or {}
        self.kind, self.title = str(entry.get("kind") or item.get("kind") or ""), str(entry.get("title") or "")
        url = str(item.get("media_url") or entry.get("media_url") or "")
        cached = app.library.cached_media(url) if url else None
        if cached is not None:
            self._show(str(cached))
        elif url and app.link is not None:
            future = app.link.media(url)
            if future is not None:
                from functools import partial

                from kivy.clock import Clock

                future.add_done_callback(lambda f: Clock.schedule_once(partial(self._loaded, f), 0))

    def _loaded(self, future: Any, _dt: float) -> None:
        try:
            self._show(str(future.result()))
        except Exception:  # the server is away and the file was never fetched: the loop moves on
            self.source = ""

    def _show(self, path: str) -> None:
        self.source = path
        if self.kind == "video" and self.manager is not None and self.manager.current == self.name:
            self.ids.video.state = "play"
