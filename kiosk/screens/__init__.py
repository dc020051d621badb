"""The screens: one module and one KV file per screen, and the registry that maps names to classes.

``create(name)`` imports a screen's module and loads its KV file the first time it is needed, so a
kiosk starting on its home screen does not pay for screens nobody has opened yet.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REGISTRY: dict[str, str] = {
    "pairing": "PairingScreen",
    "home": "HomeScreen",
    "announcements": "AnnouncementsScreen",
    "announcement": "AnnouncementScreen",
    "attract": "AttractScreen",
    "wall": "WallScreen",
    "signin_wall": "SignInWallScreen",
    "signin_pick": "SignInPickScreen",
    "signin_pin": "SignInPinScreen",
    "signin_result": "SignInResultScreen",
    "library": "LibraryScreen",
    "search": "SearchScreen",
    "reader": "ReaderScreen",
    "study_login": "StudyLoginScreen",
    "my_study": "MyStudyScreen",
    "plans": "PlansScreen",
    "ranking": "RankingScreen",
    "wall_stats": "WallStatsScreen",
    "wall_board": "WallBoardScreen",
    "honour": "HonourScreen",
    "wall_media": "WallMediaScreen",
    "wall_emergency": "WallEmergencyScreen",
    "wall_contest": "WallContestScreen",
    "wall_poll": "WallPollScreen",
    "wall_messages": "WallMessagesScreen",
    "wall_agenda": "WallAgendaScreen",
    "contests": "ContestsScreen",
    "contest_play": "ContestPlayScreen",
    "contest_host_code": "ContestHostCodeScreen",
    "contest_host": "ContestHostScreen",
    "meeting_host_code": "MeetingHostCodeScreen",
    "meeting_host": "MeetingHostScreen",
    "practice": "PracticeScreen",
    "services": "ServicesScreen",
    "my_record": "MyRecordScreen",
    "exams": "ExamsScreen",
    "exam": "ExamScreen",
}
_loaded: set[str] = set()


def create(name: str) -> Any:
    """Return a new instance of the screen registered as ``name`` (its KV loaded once per process)."""
    module = import_module(f"kiosk.screens.{name}")
    if name not in _loaded:
        from kivy.lang import Builder

        Builder.load_file(str(HERE / f"{name}.kv"))
        _loaded.add(name)
    return getattr(module, REGISTRY[name])(name=name)
