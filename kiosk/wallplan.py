"""What a wall shows now, as plain Python: an emergency message first, then the meeting console's step
(the host runs the meeting: agenda, a learning item, a ballot, the contest, the message wall, a photo),
then an admin's manual switch, then a live contest and an open meeting's sign-in (when the plan allows),
then an open poll, then an open message-wall topic, then a timed panel, else its idle loop. The
automatic order applies only while no console step is active.

The plan (``state.screen``) arrives in the snapshot and in ``screen.updated``; it is kept on disk with
the snapshot, so a wall that loses the server goes on playing the last plan it had. No Kivy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SCREENS = {"announcements": "wall", "stats": "wall_stats", "leaderboard": "wall_board", "item": "wall_media",
           "honour": "honour"}
LONG_AGO = dt.datetime.min.replace(tzinfo=dt.UTC)
DEFAULT_LOOP = ({"show": "announcements", "seconds": 20}, {"show": "stats", "seconds": 30},
                {"show": "leaderboard", "seconds": 20}, {"show": "honour", "seconds": 20})


@dataclass(frozen=True, slots=True)
class Choice:
    screen: str
    entry: dict[str, Any] = field(default_factory=dict)  # the loop entry or emergency behind it
    reason: str = "loop"  # emergency | console | override | contest | signin | poll | messages | slot | loop


# The console's steps and the wall screens that show them (screen_server.meetings.console.STEPS).
CONSOLE_SCREENS = {"agenda": "wall_agenda", "quorum": "wall_agenda", "photo": "wall_agenda", "poll": "wall_poll",
                   "contest": "wall_contest", "messages": "wall_messages", "item": "wall_media"}


def console_choice(state: Any) -> Choice | None:
    """The screen for the console's current step, or None when no step is active (or it cannot show:
    the contest or the message wall the step names is not running)."""
    console = state.console or {}
    step = console.get("step")
    if step not in CONSOLE_SCREENS:
        return None
    if step == "contest" and not state.contest:
        return Choice("wall_agenda", console, "console")
    if step == "messages" and not state.message_wall:
        return Choice("wall_agenda", console, "console")
    if step == "item":
        return Choice("wall_media", dict(console.get("item") or {}), "console")
    return Choice(CONSOLE_SCREENS[step], console, "console")


def emergencies_for(state: Any) -> list[dict[str, Any]]:
    """The active emergencies for this screen: for every screen when none is chosen, else for the chosen
    rooms' screens and the chosen devices (walls and terminals)."""
    room_id, device_id = (state.room or {}).get("id"), (state.device or {}).get("id")
    return [e for e in state.emergencies
            if (not e.get("room_ids") and not e.get("device_ids")) or room_id in (e.get("room_ids") or ())
            or device_id in (e.get("device_ids") or ())]


def schedule_of(state: Any) -> dict[str, Any]:
    return dict((state.screen or {}).get("schedule") or {"loop": list(DEFAULT_LOOP), "slots": [],
                                                           "auto_signin": True, "auto_contest": True})


def loop_of(state: Any) -> list[dict[str, Any]]:
    """The loop entries this wall can show now (the panels need their data: no stats, no stats page)."""
    entries = [e for e in schedule_of(state).get("loop") or DEFAULT_LOOP if e.get("show") in SCREENS]
    usable = [e for e in entries if e.get("show") != "stats" or state.stats]
    return usable or [{"show": "announcements", "seconds": 20}]


def local_now(state: Any, now_utc: dt.datetime) -> dt.datetime:
    minutes = int((state.screen or {}).get("utc_offset_minutes") or 480)
    return now_utc.astimezone(dt.timezone(dt.timedelta(minutes=minutes)))


def choose(state: Any, now_utc: dt.datetime, loop_index: int,
           podium_until: dt.datetime = LONG_AGO) -> Choice:
    urgent = emergencies_for(state)
    if urgent:
        return Choice("wall_emergency", urgent[0], "emergency")
    stepped = console_choice(state)
    if stepped is not None:
        return stepped
    override = (state.screen or {}).get("override")
    if override:
        show = override.get("show")
        if show == "signin":
            return Choice("signin_wall" if state.signin else "wall", {}, "override")
        if show in SCREENS:
            return Choice(SCREENS[show], {}, "override")
    plan = schedule_of(state)
    contest = state.contest or {}
    if contest and contest.get("status") != "finished" and plan.get("auto_contest", True):
        return Choice("wall_contest", {}, "contest")
    if contest.get("status") == "finished" and plan.get("auto_contest", True) and podium_until > now_utc:
        return Choice("wall_contest", {}, "contest")
    if state.signin and plan.get("auto_signin", True):
        return Choice("signin_wall", {}, "signin")
    if state.poll:
        return Choice("wall_poll", {}, "poll")
    if state.message_wall:
        return Choice("wall_messages", {}, "messages")
    local = local_now(state, now_utc)
    hm = local.strftime("%H:%M")
    for slot in plan.get("slots") or []:
        if local.weekday() in slot.get("days", range(7)) and slot.get("start", "") <= hm < slot.get("end", ""):
            return Choice(SCREENS.get(slot.get("show"), "wall"), slot, "slot")
    loop = loop_of(state)
    entry = loop[loop_index % len(loop)]
    return Choice(SCREENS[entry["show"]], entry, "loop")
