"""Read-aloud (朗读): Mandarin speech rendered offline to WAV files that are not silence, chunked so pause
and speed work, played under Xvfb with no sound card without crashing, and hidden where no voice exists."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path
from typing import Any

import pytest

from kiosk import speech
from tests.kiosk.test_app import snapshot
from tests.kiosk.test_large_type import open_screen
from tests.kiosk.test_study_screens import seed

pytestmark = pytest.mark.kiosk
needs_voice = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make apt-test)")


@needs_voice
def test_a_sentence_renders_to_audible_mandarin(tmp_path: Path) -> None:
    engine = speech.find_engine()
    assert engine is not None
    path = speech.render_to_file(engine, "学习党章，争做合格党员。", tmp_path / "sentence.wav")
    duration, rms = speech.wav_stats(path)
    assert 0.8 < duration < 10 and rms > 0.02  # speech, not silence
    silence = tmp_path / "silence.wav"
    with wave.open(str(silence), "wb") as out:
        out.setparams((1, 2, 22050, 0, "NONE", "not compressed"))
        out.writeframes(b"\0\0" * 22050)
    assert speech.wav_stats(silence) == (1.0, 0.0)  # the measure tells silence apart


@needs_voice
def test_speed_changes_the_length_of_the_speech(tmp_path: Path) -> None:
    engine = speech.find_engine()
    assert engine is not None
    lengths = []
    for speed in range(len(speech.SPEEDS)):
        (tmp_path / f"{speed}.wav").write_bytes(engine.synthesize("中国共产党是中国工人阶级的先锋队。", speed))
        lengths.append(speech.wav_stats(tmp_path / f"{speed}.wav")[0])
    assert lengths[0] > lengths[1] > lengths[2] > 0


def test_long_text_is_cut_into_sentences() -> None:
    text = "[b]第一章[/b]\n" + "党员必须履行下列义务，认真学习马克思列宁主义、毛泽东思想" * 3 + "。最后一句！"
    chunks = speech.split_chunks(text, limit=40)
    assert chunks[0] == "第一章" and chunks[-1] == "最后一句！"
    assert all(0 < len(c) <= 40 for c in chunks) and "".join(chunks).count("党员") == 3
    assert speech.question_text("预备期为几年？", [{"label": "A", "text": "半年"}, {"label": "B", "text": "一年"}]) \
        == "预备期为几年？\nA，半年。\nB，一年。"


@needs_voice
def test_article_is_read_chunk_by_chunk_with_pause_and_speed(kiosk: Any, tmp_path: Path) -> None:
    from kiosk.narrator import FilePlayer

    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    open_screen(k, "reader")
    narrator = k.app.narrator
    player = narrator.player = FilePlayer(tmp_path / "heard")
    player.held = True  # each chunk "plays" until the test releases it
    bar = k.screen().ids.read_aloud
    assert bar.width > 0 and bar.opacity == 1
    k.tap(bar.ids.read)
    assert narrator.state == "reading" and narrator.chunk_count >= 5
    k.until(lambda: len(player.played) == 1)
    assert bar.ids.read.text == "暂停"
    k.tap(bar.ids.read)  # 暂停
    assert narrator.state == "paused" and bar.ids.read.text == "继续"
    k.tap(bar.ids.speed)  # 语速：中 → 快, from the next sentence on
    assert bar.ids.speed.text == "语速：快"
    k.tap(bar.ids.read)  # 继续: the sentence it stopped in, again
    k.until(lambda: len(player.played) == 2)
    player.held = False
    player.release()
    k.until(lambda: narrator.state == "idle")
    assert len(player.played) == narrator_chunks(k) + 1  # every chunk once, the paused one twice
    first, again = speech.wav_stats(player.played[0]), speech.wav_stats(player.played[1])
    assert again[0] < first[0]  # the repeated sentence was read faster
    assert all(speech.wav_stats(p)[1] > 0.01 for p in player.played)
    k.screenshot("read-aloud-reader")


def narrator_chunks(k: Any) -> int:
    return len(speech.split_chunks(k.screen().speak_text))


@needs_voice
def test_practice_question_and_announcement_are_read_and_leaving_stops(kiosk: Any, tmp_path: Path) -> None:
    from kiosk.narrator import FilePlayer

    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    narrator = k.app.narrator
    player = narrator.player = FilePlayer(tmp_path / "heard")
    open_screen(k, "practice")
    player.held = True
    k.tap(k.screen().ids.read_aloud.ids.read)
    k.until(lambda: len(player.played) == 1)
    assert narrator.source.startswith("党的最高领导机关是什么？") and "D，党的地方各级代表大会。" in narrator.source
    k.screenshot("read-aloud-practice")
    k.app.show("home")  # leaving the screen stops the reading
    assert narrator.state == "idle"
    open_screen(k, "announcement")
    k.tap(k.screen().ids.read_aloud.ids.read)
    assert narrator.source.startswith(k.app.detail_title)
    k.until(lambda: len(player.played) == 2)
    k.screenshot("read-aloud-announcement")
    k.app.study.logout()  # the session ends: silence
    assert narrator.state == "idle"


@needs_voice
def test_real_playback_without_a_sound_card_does_not_crash(kiosk: Any, tmp_path: Path) -> None:
    """SDL's dummy audio driver (as on a terminal without speakers): the sentence plays out into nothing."""
    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    open_screen(k, "announcement")
    narrator = k.app.narrator
    narrator.read("学习党章。")
    k.until(lambda: narrator.state == "idle" or narrator.message, timeout=30)
    assert narrator.state == "idle"  # played out (or refused with a message shown, never a crash)


def test_without_a_voice_the_controls_are_hidden(kiosk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.app.find_engine", lambda: None)
    seed(tmp_path / "state")
    k = kiosk(size=(1280, 800))
    k.receive(snapshot())
    assert not k.app.narrator.available
    for name in ("reader", "practice", "announcement"):
        open_screen(k, name)
        bar = k.screen().ids.read_aloud
        assert bar.width == 0 and bar.opacity == 0 and bar.disabled
    k.app.narrator.toggle("学习党章。")
    assert k.app.narrator.state == "idle" and k.app.narrator.message == "本机未安装朗读语音"
