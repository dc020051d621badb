from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from content.errors import MediaRejected, MediaTooLarge
from content.media import CHUNK, MediaStore, check_type, sniff

DEMO_MEDIA = Path(__file__).resolve().parents[2] / "content" / "demo_media"


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 20, 20)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, "JPEG")
    return buf.getvalue()


class CountingStream(io.BytesIO):
    """A stream that remembers how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asks: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asks.append(-1 if size is None else size)
        return super().read(size)


def leftovers(store: MediaStore) -> list[Path]:
    incoming = store.root / ".incoming"
    return list(incoming.iterdir()) if incoming.exists() else []


def test_stores_an_image_by_hash_with_its_size(store: MediaStore) -> None:
    stored = store.store(io.BytesIO(png_bytes()), filename="海报.PNG")
    assert stored.mime == "image/png" and stored.family == "image"
    assert (stored.width, stored.height) == (40, 30)
    assert stored.relative_path == f"{stored.sha256[:2]}/{stored.sha256}.png"
    assert store.path_for(stored.relative_path).read_bytes() == png_bytes()
    assert stored.original_filename == "海报.PNG"
    assert leftovers(store) == []


def test_the_same_bytes_are_kept_once(store: MediaStore) -> None:
    a = store.store(io.BytesIO(png_bytes()), filename="a.png")
    b = store.store(io.BytesIO(png_bytes()), filename="b.png")
    assert a.relative_path == b.relative_path
    assert len([p for p in store.root.rglob("*.png")]) == 1
    assert leftovers(store) == []


def test_reads_in_chunks_never_whole(store: MediaStore) -> None:
    data = b"%PDF-1.4\n" + b"x" * (CHUNK * 2 + 10)
    stream = CountingStream(data)
    stored = store.store(stream, filename="big.pdf")
    assert stored.size == len(data)
    assert stream.asks and all(0 < ask <= CHUNK for ask in stream.asks)


def test_refuses_more_than_the_limit_and_leaves_nothing(store: MediaStore) -> None:
    stream = CountingStream(b"%PDF-1.4\n" + b"x" * (CHUNK * 3))
    with pytest.raises(MediaTooLarge) as err:
        store.store(stream, filename="big.pdf", max_bytes=CHUNK + 5)
    assert "文件太大" in err.value.message
    assert len(stream.asks) == 2  # stopped reading as soon as the limit was passed
    assert leftovers(store) == []
    assert not list(store.root.rglob("*.pdf"))


def test_demo_video_is_probed(store: MediaStore) -> None:
    stored = store.store_file(DEMO_MEDIA / "party-flag-lesson.mp4")
    assert stored.mime == "video/mp4"
    assert (stored.width, stored.height) == (320, 180)
    assert stored.duration_seconds == pytest.approx(6.0, abs=0.2)


def test_demo_pdf_is_accepted(store: MediaStore) -> None:
    assert store.store_file(DEMO_MEDIA / "party-constitution-guide.pdf").mime == "application/pdf"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("lesson.mp4", None),  # PNG bytes named .mp4
        ("guide.pdf", b"\x00\x00\x00\x20ftypisom" + b"\x00" * 60),
        ("photo.jpg", None),
        ("song.mp3", b"%PDF-1.4\n" + b"x" * 80),
        ("poster.png", b"MZ\x90\x00" + b"\x00" * 80),  # an executable dressed as a poster
    ],
)
def test_content_must_match_the_extension(store: MediaStore, filename: str, data: bytes | None) -> None:
    with pytest.raises(MediaRejected) as err:
        store.store(io.BytesIO(data if data is not None else png_bytes()), filename=filename)
    assert "内容与扩展名不符" in err.value.message
    assert leftovers(store) == []


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("logo.svgz", b"\x1f\x8b\x08\x00"),
    ],
)
def test_svg_is_refused(store: MediaStore, filename: str, data: bytes) -> None:
    with pytest.raises(MediaRejected) as err:
        store.store(io.BytesIO(data), filename=filename)
    assert "SVG" in err.value.message


@pytest.mark.parametrize("filename", ["run.exe", "page.html", "noextension"])
def test_unknown_types_are_refused(store: MediaStore, filename: str) -> None:
    with pytest.raises(MediaRejected) as err:
        store.store(io.BytesIO(b"hello" * 20), filename=filename)
    assert "不支持的文件类型" in err.value.message


def test_empty_file_is_refused(store: MediaStore) -> None:
    with pytest.raises(MediaRejected):
        store.store(io.BytesIO(b""), filename="a.png")


@pytest.mark.parametrize(
    ("filename", "head", "mime"),
    [
        ("a.jpeg", None, "image/jpeg"),
        ("a.gif", b"GIF89a" + b"\x00" * 10, "image/gif"),
        ("a.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("a.mp3", b"ID3\x04\x00" + b"\x00" * 10, "audio/mpeg"),
        ("a.mp3", b"\xff\xfb\x90\x64" + b"\x00" * 10, "audio/mpeg"),
        ("a.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 8, "audio/mp4"),
        ("a.m4a", b"\x00\x00\x00\x20ftypisom" + b"\x00" * 8, "audio/mp4"),
        ("a.mp4", b"\x00\x00\x00\x20ftypmp42" + b"\x00" * 8, "video/mp4"),
    ],
)
def test_sniffs_accepted_types(filename: str, head: bytes | None, mime: str) -> None:
    assert check_type(filename, head if head is not None else jpeg_bytes()[:64]).mime == mime


def test_sniff_knows_nothing_of_text() -> None:
    assert sniff(b"just some text") is None


@pytest.mark.parametrize("bad", ["../secret", "../../etc/passwd", "/etc/passwd", "", ".", ".incoming/tmp123"])
def test_paths_cannot_leave_the_store(store: MediaStore, bad: str) -> None:
    with pytest.raises(MediaRejected):
        store.path_for(bad)
