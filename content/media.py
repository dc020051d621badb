"""The media store: uploaded files kept by content hash under ``data_dir/media``, and type sniffing.

A file is streamed to a temporary file in chunks (never held whole in memory) while it is hashed and
counted; it is refused when it grows past the size limit, when its first bytes say it is something other
than its extension claims, or when it is SVG. SVG is refused outright rather than sanitised: an SVG can
carry script and external references, the kiosk cannot show it anyway, and a poster is as good as PNG.
Stored files are named ``ab/abcdef….ext`` by their SHA-256, so the same file uploaded twice is kept once.
No database here: recording a MediaAsset row is ``services.add_media``'s job.

``PdfPages`` counts a stored PDF's pages and renders a page as a PNG of one of a few widths, each worked
out once and kept in a cache directory by the file's hash (a PDF's pages never change).
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from content.errors import ContentNotFound, MediaRejected, MediaTooLarge
from content.i18n import _

CHUNK = 1024 * 1024
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
SNIFF_BYTES = 64


@dataclass(frozen=True)
class MediaType:
    mime: str
    family: str  # image / video / audio / pdf
    label: str  # what people call it, for messages


PNG = MediaType("image/png", "image", "PNG 图片")
JPEG = MediaType("image/jpeg", "image", "JPEG 图片")
GIF = MediaType("image/gif", "image", "GIF 图片")
WEBP = MediaType("image/webp", "image", "WebP 图片")
MP4 = MediaType("video/mp4", "video", "MP4 视频")
M4A = MediaType("audio/mp4", "audio", "M4A 音频")
MP3 = MediaType("audio/mpeg", "audio", "MP3 音频")
PDF = MediaType("application/pdf", "pdf", "PDF 文档")

BY_EXTENSION: dict[str, MediaType] = {
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
    ".mp4": MP4,
    ".m4v": MP4,
    ".m4a": M4A,
    ".mp3": MP3,
    ".pdf": PDF,
}


@dataclass(frozen=True)
class StoredMedia:
    """What the store knows about a file it holds."""

    sha256: str
    size: int
    mime: str
    family: str
    relative_path: str
    original_filename: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def sniff(head: bytes) -> MediaType | None:
    """Return the type the first bytes of a file reveal, or None when they match nothing we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp":
        return M4A if head[8:12] == b"M4A " else MP4
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    return None


def looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<svg", b"<?xml", b"<!doctype svg"))


def check_type(filename: str, head: bytes) -> MediaType:
    """Return the file's type when its content matches its extension; raise MediaRejected otherwise."""
    ext = Path(filename).suffix.lower()
    if ext in {".svg", ".svgz"} or looks_like_svg(head):
        raise MediaRejected(_("暂不支持 SVG 图片，请转换为 PNG 或 JPEG 后再上传。"))
    claimed = BY_EXTENSION.get(ext)
    if claimed is None:
        raise MediaRejected(
            _(
                "不支持的文件类型“{ext}”。可上传图片（PNG、JPEG、GIF、WebP）、MP4 视频、MP3/M4A 音频和 PDF 文档。"
            ).format(ext=ext or _("无扩展名"))
        )
    actual = sniff(head)
    # MP4 and M4A share the ftyp container: the extension decides which one people meant.
    if actual is not None and {actual, claimed} <= {MP4, M4A}:
        return claimed
    if actual != claimed:
        raise MediaRejected(
            _("文件“{name}”的内容与扩展名不符：扩展名是{claimed}，内容却是{actual}。").format(
                name=filename, claimed=claimed.label, actual=actual.label if actual else _("无法识别的格式")
            )
        )
    return claimed


class MediaStore:
    """Files kept by SHA-256 under ``root``; paths handed out are relative to it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def store(self, stream: IO[bytes], *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredMedia:
        """Copy ``stream`` into the store and return what was stored.

        Raises:
            MediaRejected: SVG, an unknown type, or content that does not match the extension.
            MediaTooLarge: the stream is longer than ``max_bytes``.
        """
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            head = b""
            kind: MediaType | None = None
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaTooLarge(
                            _("文件太大：最多 {mb} MB。").format(mb=max(1, max_bytes // (1024 * 1024)))
                        )
                    if kind is None:
                        head += chunk[: SNIFF_BYTES - len(head)]
                        if len(head) >= SNIFF_BYTES:
                            kind = check_type(filename, head)
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise MediaRejected(_("文件是空的。"))
            if kind is None:
                kind = check_type(filename, head)
            sha = digest.hexdigest()
            ext = Path(filename).suffix.lower()
            relative = f"{sha[:2]}/{sha}{ext}"
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                tmp.unlink()
            else:
                os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        width, height, duration = probe(target, kind)
        return StoredMedia(
            sha256=sha,
            size=size,
            mime=kind.mime,
            family=kind.family,
            relative_path=relative,
            original_filename=Path(filename).name,
            width=width,
            height=height,
            duration_seconds=duration,
        )

    def store_file(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredMedia:
        """Store a file from disk under its own name (demo data, content packs)."""
        with path.open("rb") as f:
            return self.store(f, filename=path.name, max_bytes=max_bytes)

    def path_for(self, relative_path: str) -> Path:
        """Return the absolute path of a stored file; refuse anything that would leave the store."""
        root = self.root.resolve()
        path = (root / relative_path).resolve()
        if not path.is_relative_to(root) or path == root or path.relative_to(root).parts[0] == ".incoming":
            raise MediaRejected(_("无效的媒体路径。"))
        return path


def probe(path: Path, kind: MediaType) -> tuple[int | None, int | None, float | None]:
    """Return (width, height, duration in seconds) where the format tells them cheaply."""
    if kind.family == "image":
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                return im.width, im.height, None
        except (UnidentifiedImageError, OSError):
            return None, None, None
    if kind in (MP4, M4A):
        with path.open("rb") as f:
            return _probe_mp4(f, path.stat().st_size)
    return None, None, None


def _boxes(f: IO[bytes], start: int, end: int) -> list[tuple[bytes, int, int]]:
    """List the (type, payload start, payload end) of the ISO-BMFF boxes between start and end."""
    found = []
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, box = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", f.read(8))
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        found.append((box, pos + header, min(pos + size, end)))
        pos += size
    return found


def _probe_mp4(f: IO[bytes], file_size: int) -> tuple[int | None, int | None, float | None]:
    width = height = None
    duration = None
    for box, start, end in _boxes(f, 0, file_size):
        if box != b"moov":
            continue
        for sub, s_start, s_end in _boxes(f, start, end):
            if sub == b"mvhd":
                f.seek(s_start)
                version = f.read(1)[0]
                f.seek(s_start + (20 if version == 1 else 12))
                if version == 1:
                    scale, length = struct.unpack(">IQ", f.read(12))
                else:
                    scale, length = struct.unpack(">II", f.read(8))
                duration = round(length / scale, 3) if scale else None
            elif sub == b"trak" and width is None:
                for t_box, t_start, t_end in _boxes(f, s_start, s_end):
                    if t_box == b"tkhd" and t_end - t_start >= 8:
                        f.seek(t_end - 8)
                        w, h = struct.unpack(">II", f.read(8))
                        if w and h:
                            width, height = w >> 16, h >> 16
    return width, height, duration


PAGE_WIDTHS = (600, 900, 1200, 1400, 1800)
_pdfium = threading.Lock()  # PDFium is not thread-safe: one call into it at a time, process-wide


class PdfPages:
    """Page counts and page images of the PDFs in ``store``, cached under ``cache_dir`` by file hash."""

    def __init__(self, store: MediaStore, cache_dir: Path | str) -> None:
        self.store = store
        self.cache_dir = Path(cache_dir)

    def count(self, relative_path: str, sha256: str) -> int | None:
        """How many pages the PDF has; None when it cannot be read as a PDF."""
        cache = self.cache_dir / f"{sha256}.pages"
        if cache.exists():
            return int(cache.read_text() or 0) or None
        try:
            import pypdfium2 as pdfium

            with _pdfium:
                pdf = pdfium.PdfDocument(str(self.store.path_for(relative_path)))
                count = len(pdf)
                pdf.close()
        except Exception:
            return None
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(str(count))
        return count

    @staticmethod
    def nearest_width(wanted: int) -> int:
        return min(PAGE_WIDTHS, key=lambda w: abs(w - wanted))

    def page(self, relative_path: str, sha256: str, number: int, wanted_width: int = 1200) -> Path:
        """The PNG of page ``number`` (1-based) at the kept width nearest ``wanted_width``, rendered once.

        Raises:
            ContentNotFound: the PDF has no such page.
        """
        count = self.count(relative_path, sha256) or 0
        if not 1 <= number <= count:
            raise ContentNotFound(_("没有第 {n} 页（共 {c} 页）。").format(n=number, c=count))
        width = self.nearest_width(wanted_width)
        out = self.cache_dir / f"{sha256}-{number}-{width}.png"
        if not out.exists():
            import pypdfium2 as pdfium

            with _pdfium:
                pdf = pdfium.PdfDocument(str(self.store.path_for(relative_path)))
                page = pdf[number - 1]
                image = page.render(scale=width / page.get_width()).to_pil()
                page.close()
                pdf.close()
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            image.save(tmp, format="PNG", optimize=True)
            tmp.replace(out)
        return out
