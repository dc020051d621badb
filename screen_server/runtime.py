"""The process's shared parts, built once from the settings: database, bus, snapshots, tickets.

``Runtime`` is what the Flask app, the push server, the jobs and the CLI share. Building it opens the
database and applies migrations; it starts no thread (``runner.RoomServer`` does that).

The state several processes must share comes from one place here: with ``REDIS_URL`` the live contests,
the leases and the watchers' shared map are in Redis; without it (SQLite, one process) the same
interfaces are kept in this process's memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from screen_server.bus import Bus, bind_bus, make_bus
from screen_server.config import Settings
from screen_server.contests.engine import ContestEngine
from screen_server.contests.hosting import HostGate
from screen_server.contests.live import LiveStore, MemoryLiveStore, RedisLiveStore
from screen_server.db import make_engine, make_session_factory, migrate, utcnow
from screen_server.identity.lockouts import Lockouts
from screen_server.leases import Leases, MemoryLeases, MemoryMap, RedisLeases, RedisMap, SharedMap, new_owner
from screen_server.meetings.console import MeetingHostGate
from screen_server.meetings.services import AttendedHook
from screen_server.meetings.writer import SignInWriter
from screen_server.points.signin import award_attendance
from screen_server.push.snapshot import SnapshotBuilder
from screen_server.security import Tickets

if TYPE_CHECKING:
    from screen_server.push.server import PushServer


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: Bus
    snapshots: SnapshotBuilder
    ws_tickets: Tickets
    # Run in the transaction that records attendance (sign-in writer, make-ups): points for now.
    attendance_hooks: list[AttendedHook] = field(init=False)
    signin_writer: SignInWriter = field(init=False)
    contests: ContestEngine = field(init=False)
    contest_hosts: HostGate = field(init=False)  # host codes typed at terminals, and their lockouts
    # Wrong passwords, PINs and codes, counted in the database for every process (``identity.lockouts``).
    lockouts: Lockouts = field(init=False)
    meeting_hosts: MeetingHostGate = field(init=False)  # the same for meetings' host codes (meetings.console)
    push: PushServer | None = None
    ws_port: int = 0  # the port actually bound (differs from settings when 0 was asked)
    # The clock of lockouts and admin sessions; tests replace it to move time without sleeping.
    clock: Callable[[], dt.datetime] = utcnow
    # Shared between processes (Redis) or kept here (one process): see the module docstring.
    redis: Any = None
    leases: Leases = field(init=False)
    shared: SharedMap = field(init=False)
    live_store: LiveStore = field(init=False)
    owner: str = field(init=False)  # this process's name in leases

    def __post_init__(self) -> None:
        self.owner = new_owner("proc")
        if self.settings.redis_url:
            import redis

            self.redis = redis.Redis.from_url(self.settings.redis_url, socket_timeout=5, health_check_interval=30)
            ns = self.settings.redis_namespace
            self.leases, self.shared = RedisLeases(self.redis, ns), RedisMap(self.redis, ns)
            self.live_store = RedisLiveStore(self.redis, ns)
        else:
            self.leases, self.shared, self.live_store = MemoryLeases(), MemoryMap(), MemoryLiveStore()
        self.attendance_hooks = [award_attendance]
        self.signin_writer = SignInWriter(self.settings, self.session_factory, self.attendance_hooks)
        self.contests = ContestEngine(self.session_factory, self.bus, self.live_store, self.leases,
                                      mask_names=self.settings.mask_names, owner=self.owner)
        s = self.settings
        self.lockouts = Lockouts(self.engine, self.session_factory, lambda: self.clock(),
                                 failures=s.lockout_failures, minutes=s.lockout_minutes)
        self.contest_hosts = HostGate(s.secret_key, self.lockouts)
        self.meeting_hosts = MeetingHostGate(s.secret_key, self.lockouts)

    def contest_part(self, _session: Session, _settings: Settings, viewer: Any) -> dict[str, Any]:
        """The room's running contest, if any, as its wall and its players' phones show it."""
        live = self.contests.running_in_room(viewer.room_id) if viewer.room_id is not None else None
        if live is not None and viewer.kind == "player" and live.id != viewer.contest_id:
            live = None  # a player's phone follows its own contest, not the next one in that room
        return {"contest": self.contests.public_state(live) if live is not None else None}

    def close(self) -> None:
        if self.push is not None:
            self.push.stop()
        self.signin_writer.close()
        self.contests.close()
        self.bus.close()
        if self.redis is not None:
            self.redis.close()
        self.engine.dispose()


def build_runtime(settings: Settings, *, apply_migrations: bool = True) -> Runtime:
    """Open the database (migrating it), make the bus, and register every area's snapshot part."""
    from screen_server import privacy
    from screen_server.announcements import services as announcements
    from screen_server.devices import services as devices
    from screen_server.i18n import set_language
    from screen_server.meetings import console
    from screen_server.meetings import services as meetings
    from screen_server.messages import services as messages
    from screen_server.polls import services as polls
    from screen_server.screens import services as screens
    from screen_server.stats import services as stats

    set_language(settings.language)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    privacy.install(privacy.load_key(settings.data_dir, settings.data_key))
    engine = make_engine(settings.db_url, synchronous=settings.sqlite_synchronous)
    if apply_migrations:
        migrate(engine)
    session_factory = make_session_factory(engine)
    bus = make_bus(settings.redis_url, settings.redis_namespace)
    bind_bus(session_factory, bus)
    snapshots = SnapshotBuilder(settings, session_factory)
    snapshots.register(devices.snapshot_part)
    snapshots.register(announcements.snapshot_part)
    snapshots.register(meetings.snapshot_part)
    snapshots.register(stats.snapshot_part)
    snapshots.register(screens.snapshot_part)
    snapshots.register(polls.snapshot_part)
    snapshots.register(messages.snapshot_part)
    snapshots.register(console.snapshot_part)
    tickets = Tickets(settings.secret_key, "ws-ticket", settings.ws_ticket_seconds)
    runtime = Runtime(settings, engine, session_factory, bus, snapshots, tickets, ws_port=settings.ws_port)
    snapshots.register(runtime.contest_part, ("device", "room", "user", "player"))
    return runtime
