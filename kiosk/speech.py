"""Offline Mandarin speech for read-aloud (朗读): text → WAV, with no window and no network.

The engine is eSpeak NG (Debian's ``espeak-ng``, voice ``cmn-latn-pinyin``), run as a process per chunk: 13 MB,
~0.1 s for a sentence on these 2 cores, no model to download. The Python packages that ship a Chinese
neural voice with their model were tried and compared in docs/architecture.md (「朗读」); none installs
within reason. ``find_engine()`` answers None when no engine is installed, and the kiosk then hides the
read-aloud controls.

Nothing here imports Kivy: the narrator (kiosk.narrator) calls ``synthesize`` on its own thread.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import struct
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# 语速: 慢 / 中 / 快 in eSpeak NG's words per minute (its Mandarin counts a syllable as a word)
SPEEDS = (110, 150, 200)
SPEED_NAMES = ("慢", "中", "快")
DEFAULT_SPEED = 1
CHUNK_CHARS = 60  # one chunk ≈ a sentence: pause and a speed change take effect within a few seconds
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
_MARKUP = re.compile(r"\[/?[a-z]+(?:=[^\]]*)?\]")


class Engine(Protocol):
    name: str

    def synthesize(self, text: str, speed: int) -> bytes:
        """Return a WAV file's bytes speaking ``text`` at ``speed`` (an index into SPEEDS)."""
        ...


@dataclass
class EspeakEngine:
    """eSpeak NG's Mandarin voice, one process per chunk (it starts in ~20 ms)."""

    binary: str
    # "cmn" (Debian's default Mandarin voice) hands many characters' pinyin to its English voice ("xue2" is
    # read "zju: two"); "cmn-latn-pinyin" reads them all as Mandarin syllables with their tones.
    voice: str = "cmn-latn-pinyin"
    name: str = "espeak-ng"

    def synthesize(self, text: str, speed: int) -> bytes:
        wpm = SPEEDS[max(0, min(len(SPEEDS) - 1, speed))]
        result = subprocess.run(
            [self.binary, "-v", self.voice, "-s", str(wpm), "--stdout", "-b", "1", text],
            capture_output=True, timeout=60, check=True,
        )
        return _fix_wav_sizes(result.stdout)


def find_engine() -> Engine | None:
    """The installed engine, or None (the kiosk then offers no read-aloud)."""
    binary = shutil.which("espeak-ng")
    return EspeakEngine(binary) if binary else None


def speakable(text: str) -> str:
    """Text as it is read: Kivy markup removed, list bullets and runs of space folded."""
    text = _MARKUP.sub("", text).replace("•", "").replace("/", "，")
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def question_text(stem: str, options: list[dict[str, Any]]) -> str:
    """A question as it is read aloud: its stem, then each option with its letter (A，……。B，……。)."""
    parts = [stem.strip()] + [f"{o.get('label', '')}，{o.get('text', '')}" for o in options]
    return "\n".join(p if p.endswith(("。", "？", "！")) else p + "。" for p in parts if p.strip())


def titled_text(title: str, body: str) -> str:
    """An announcement as it is read aloud: its title as a sentence of its own, then its body."""
    title = title.strip()
    return (title + ("" if title.endswith(("。", "！", "？")) else "。") + "\n" if title else "") + body


def split_chunks(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Cut text into chunks of about a sentence (at most ``limit`` characters where punctuation allows)."""
    chunks: list[str] = []
    for sentence in _SENTENCE_END.split(speakable(text)):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= limit:
            chunks.append(sentence)
            continue
        current = ""
        for clause in _CLAUSE_END.split(sentence):
            if current and len(current) + len(clause) > limit:
                chunks.append(current)
                current = ""
            current += clause
            while len(current) > limit:  # a clause with no punctuation at all
                chunks.append(current[:limit])
                current = current[limit:]
        if current.strip():
            chunks.append(current.strip())
    return chunks


def render_to_file(engine: Engine, text: str, path: Path, speed: int = DEFAULT_SPEED) -> Path:
    """Speak ``text`` into one WAV file (chunk by chunk, as the kiosk reads it)."""
    frames, params = [], None
    for chunk in split_chunks(text):
        with wave.open(io.BytesIO(engine.synthesize(chunk, speed))) as part:
            params = params or part.getparams()
            frames.append(part.readframes(part.getnframes()))
    if params is None:
        raise ValueError("nothing to read")
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(b"".join(frames))
    return path


def wav_stats(path: Path) -> tuple[float, float]:
    """(duration in seconds, RMS of the samples on a 0–1 scale) of a 16-bit mono or stereo WAV."""
    with wave.open(str(path)) as wav:
        n, rate, width = wav.getnframes(), wav.getframerate(), wav.getsampwidth()
        data = wav.readframes(n)
    if width != 2 or not data:
        return (n / rate if rate else 0.0), 0.0
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    return n / rate, rms


def _fix_wav_sizes(data: bytes) -> bytes:
    # espeak-ng writing to a pipe cannot seek back, so the RIFF and data sizes say 0x7fffffff: set them
    # from what was really written, or strict readers (SDL's) refuse the file.
    if len(data) < 44 or data[:4] != b"RIFF":
        return data
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if tag == b"data":
            real = len(data) - pos - 8
            return data[:4] + struct.pack("<I", len(data) - 8) + data[8:pos + 4] + struct.pack("<I", real) + data[pos + 8:]
        pos += 8 + size
    return data
