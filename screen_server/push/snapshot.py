"""Snapshots: everything a screen shows, built from one provider per area.

Each area registers ``provider(session, settings, viewer) -> dict`` whose keys it owns (``announcements``,
``device``, ...). A client is sent a snapshot after every (re)connect, and can fetch one over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from screen_server.config import Settings
from screen_server.push.viewer import Viewer

Provider = Callable[[Session, Settings, Viewer], dict[str, Any]]


class SnapshotBuilder:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._providers: list[tuple[Provider, frozenset[str]]] = []

    def register(self, provider: Provider, kinds: tuple[str, ...] = ("device", "room", "user")) -> None:
        """Add ``provider`` for the viewers of ``kinds`` (a contest player's phone gets only its part)."""
        self._providers.append((provider, frozenset(kinds)))

    def build(self, viewer: Viewer) -> dict[str, Any]:
        state: dict[str, Any] = {}
        with self._session_factory() as session:
            for provider, kinds in self._providers:
                if viewer.kind in kinds:
                    state.update(provider(session, self._settings, viewer))
        return state
