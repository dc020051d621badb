"""Read-aloud (朗读) at the terminal: one narrator for the whole kiosk, driven by the ReadAloudBar widget
(widgets.kv) that any screen places next to the text it wants read.

The text is cut into chunks of about a sentence (kiosk.speech.split_chunks). A worker thread synthesizes
the chunk being read and the one after it into WAV files; the UI thread plays them one after another.
So synthesis never blocks the UI, 暂停 stops at once and 继续 starts again from the sentence it stopped
in, and a new 语速 applies from the next sentence on (chunks already made at the old speed are made again).

Playback goes through a player (``SoundPlayer``: Kivy's SoundLoader, SDL2 audio). Where there is no sound
device SDL's dummy driver plays into nothing and the reading still advances; where a chunk cannot be
loaded at all the narrator stops with a message instead of failing. ``FilePlayer`` writes the chunks to
a directory instead of playing them (for tests and for checking a voice on a machine without speakers).
"""

from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk import speech
from kiosk.i18n import _

log = logging.getLogger(__name__)
PREFETCH = 1  # chunks made ahead of the one being read
STALL_SECONDS = 5  # past a chunk's length: its playback is taken as stuck


class Player(Protocol):
    def play(self, path: Path, on_end: Callable[[], None]) -> bool:
        """Start playing ``path``; call ``on_end`` on the UI thread when it has played out. False: cannot."""
        ...

    def stop(self) -> None:
        """Stop at once; ``on_end`` is not called."""
        ...


class SoundPlayer:
    """Plays through Kivy's audio (SDL2; SDL_AUDIODRIVER=dummy where there is no sound card)."""

    def __init__(self) -> None:
        self._sound: Any = None

    def play(self, path: Path, on_end: Callable[[], None]) -> bool:
        self.stop()
        try:
            sound = _load_sound(path)
        except Exception:  # a broken audio stack must not take the kiosk down
            log.exception("read-aloud: cannot load %s", path)
            sound = None
        if sound is None:
            return False
        self._sound = sound
        sound.bind(on_stop=lambda *_a: self._ended(sound, on_end))
        sound.play()
        # an audio stack that accepts a sound and never plays it must not leave the reading stuck
        Clock.schedule_once(lambda _dt: self._overdue(sound), float(sound.length or 0) + STALL_SECONDS)
        return True

    def _overdue(self, sound: Any) -> None:
        if sound is self._sound:
            log.warning("read-aloud: a chunk did not finish playing; going on")
            sound.stop()  # dispatches on_stop: _ended goes on to the next chunk

    def _ended(self, sound: Any, on_end: Callable[[], None]) -> None:
        if sound is self._sound:  # played out, not stopped by us
            self._sound = None
            sound.unload()
            on_end()

    def stop(self) -> None:
        sound, self._sound = self._sound, None
        if sound is not None:
            sound.stop()
            sound.unload()


def _load_sound(path: Path) -> Any:
    # SDL2 audio first: Kivy's default provider here is ffpyplayer, whose audio thread stalls on eSpeak's
    # 22 kHz mono WAV ("Channel layout change is not supported") and never reaches the end.
    try:
        from kivy.core.audio.audio_sdl2 import SoundSDL2
    except ImportError:
        SoundSDL2 = None
    if SoundSDL2 is not None:
        sound = SoundSDL2(source=str(path))
        sound.load()
        if sound.length > 0:
            return sound
    from kivy.core.audio import SoundLoader

    return SoundLoader.load(str(path))


class FilePlayer:
    """Writes each chunk to ``directory`` and reports it played at once (a null sink that keeps the audio)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.played: list[Path] = []
        self.held = False  # True: chunks "play" until release() (a test pauses mid-chunk)
        self._pending: Callable[[], None] | None = None

    def play(self, path: Path, on_end: Callable[[], None]) -> bool:
        self.directory.mkdir(parents=True, exist_ok=True)
        kept = self.directory / f"{len(self.played):04d}.wav"
        shutil.copyfile(path, kept)
        self.played.append(kept)
        if self.held:
            self._pending = on_end
        else:
            Clock.schedule_once(lambda _dt: on_end(), 0)
        return True

    def release(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending()

    def stop(self) -> None:
        self._pending = None


class Narrator(EventDispatcher):
    """Reads one text at a time, chunk by chunk. ``state`` is idle, reading or paused."""

    available = BooleanProperty(False)
    state = StringProperty("idle")
    speed = NumericProperty(speech.DEFAULT_SPEED)
    button_text = StringProperty("")
    speed_text = StringProperty("")
    status_text = StringProperty("")
    message = StringProperty("")  # a refusal or a failure, in Chinese, for the kiosk to show
    chunk_index = NumericProperty(0)
    chunk_count = NumericProperty(0)

    def __init__(self, engine: speech.Engine | None, player: Player | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.available = engine is not None
        self.player: Player = player or SoundPlayer()
        self.source = ""
        self.chunks: list[str] = []
        self._made: dict[tuple[int, int], Path] = {}  # (chunk, speed) → WAV of the current text
        self._asked: set[tuple[int, int]] = set()
        self._generation = 0  # bumped per text: the worker's late answers for an old text are dropped
        self._jobs: queue.Queue[tuple[int, int, str, int] | None] = queue.Queue()
        self._dir = Path(tempfile.mkdtemp(prefix="kiosk-read-"))
        self._thread: threading.Thread | None = None
        self._labels()

    # --- what the bar's buttons call -------------------------------------------------------------------

    def toggle(self, text: str) -> None:
        """朗读 / 暂停 / 继续 on one button; a different text starts from its beginning."""
        if not self.available:
            self._fail(_("本机未安装朗读语音"))
            return
        if text != self.source or self.state == "idle":
            self.read(text)
        elif self.state == "reading":
            self.pause()
        else:
            self.resume()

    def read(self, text: str) -> None:
        self.stop()
        self.source = text
        self.chunks = speech.split_chunks(text)
        self.chunk_count = len(self.chunks)
        if not self.chunks:
            self._fail(_("没有可朗读的文字"))
            return
        self._generation += 1
        self._made, self._asked = {}, set()
        self.chunk_index = 0
        self.state = "reading"
        self._want()

    def pause(self) -> None:
        if self.state == "reading":
            self.player.stop()
            self.state = "paused"

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "reading"
            self._want()

    def stop(self) -> None:
        self.player.stop()
        self.state = "idle"
        self.source, self.chunks = "", []
        self.chunk_index = self.chunk_count = 0
        self._generation += 1

    def cycle_speed(self) -> None:
        """慢 → 中 → 快 → 慢; the next sentence is read at the new speed."""
        self.speed = (self.speed + 1) % len(speech.SPEEDS)
        if self.state == "reading":
            self._want(play=False)

    def _fail(self, message: str) -> None:
        self.message = ""  # the same message twice is shown twice
        self.message = message

    def close(self) -> None:
        self.stop()
        self._jobs.put(None)
        shutil.rmtree(self._dir, ignore_errors=True)

    # --- chunks -------------------------------------------------------------------------------------------

    def on_state(self, *_args: Any) -> None:
        self._labels()

    def on_speed(self, *_args: Any) -> None:
        self._labels()

    def on_chunk_index(self, *_args: Any) -> None:
        self._labels()

    def _labels(self) -> None:
        self.button_text = {"reading": _("暂停"), "paused": _("继续")}.get(self.state, _("朗读"))
        self.speed_text = _("语速：{speed}").format(speed=_(speech.SPEED_NAMES[int(self.speed)]))
        if self.state == "reading":
            self.status_text = _("正在朗读 {n}/{total}").format(n=self.chunk_index + 1, total=self.chunk_count)
        elif self.state == "paused":
            self.status_text = _("已暂停")
        else:
            self.status_text = ""

    def _want(self, *, play: bool = True) -> None:
        """Ask for the current chunk (and the next) at the current speed; play the current one if made."""
        speed = int(self.speed)
        for index in range(self.chunk_index, min(self.chunk_index + 1 + PREFETCH, len(self.chunks))):
            key = (index, speed)
            if key not in self._made and key not in self._asked:
                self._asked.add(key)
                self._start_worker()
                self._jobs.put((self._generation, index, self.chunks[index], speed))
        if play:
            self._play_current()

    def _play_current(self) -> None:
        path = self._made.get((self.chunk_index, int(self.speed)))
        if self.state != "reading" or path is None:
            return  # its chunk arrives through _made_chunk
        if not self.player.play(path, self._chunk_done):
            self.stop()
            self._fail(_("本机无法播放声音，请检查扬声器"))

    def _chunk_done(self) -> None:
        if self.state != "reading":
            return
        if self.chunk_index + 1 >= len(self.chunks):
            self.stop()
            return
        self.chunk_index += 1
        self._want()

    def _made_chunk(self, generation: int, index: int, speed: int, path: Path | None, _dt: float = 0) -> None:
        if generation != self._generation:
            return
        if path is None:
            self.stop()
            self._fail(_("朗读出错，请稍后再试"))
            return
        self._made[(index, speed)] = path
        if index == self.chunk_index and speed == int(self.speed) and self.state == "reading":
            self._play_current()

    # --- the worker thread (no widgets here) --------------------------------------------------------------

    def _start_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="kiosk-read-aloud", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        engine = self.engine
        while True:
            job = self._jobs.get()
            if job is None or engine is None:
                return
            generation, index, text, speed = job
            if generation != self._generation:
                continue  # a text nobody is reading any more
            made: Path | None = self._dir / f"{generation}-{index}-{speed}.wav"
            try:
                (self._dir / f"{generation}-{index}-{speed}.wav").write_bytes(engine.synthesize(text, speed))
            except Exception:  # the engine failing says so on screen; the kiosk goes on
                log.exception("read-aloud: synthesis failed")
                made = None
            Clock.schedule_once(partial(self._made_chunk, generation, index, speed, made), -1)
