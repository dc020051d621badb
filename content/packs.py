"""Content packs: material a headquarters prepares once and many rooms import.

A pack is a .zip holding::

    pack.yaml            name, version, description
    items/<slug>.md      one item each: YAML front matter between "---" lines, then the Markdown body
    media/...            the files the items name (cover, media, images in the body)
    questions.yaml       optional: a list of questions (kind, stem, options, answer, explanation,
                         category, difficulty)

Front matter keys: ``kind`` (article, video, pdf, poster, audio), ``title``, and optionally
``category``, ``tags``, ``summary``, ``source``, ``author``, ``cover``, ``media`` (paths inside the
zip). ``check_pack`` reads everything first and reports every problem with its file and line, in
Chinese; ``import_pack`` imports all or nothing. Imported items and questions wait for the local
reviewer (status "submitted"): a pack never publishes by itself. An item or question already in the
library (same kind and title, or same stem) is skipped, so importing a pack twice adds nothing.

The zip is untrusted: names with ``..``, absolute paths, backslashes or drive letters, symlinks, too
many entries, entries or a whole that would unpack too large, and suspicious compression ratios (a zip
bomb) are refused — checked on the directory, and enforced again while reading, since declared sizes
can lie.
"""

from __future__ import annotations

import dataclasses
import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from content import services as cs
from content.categories import create_category, list_categories
from content.errors import ContentError, InvalidContent, MediaRejected
from content.i18n import _
from content.media import MediaStore, check_type
from content.models import Category, Item, ItemKind, MediaAsset, Question, QuestionKind, ReviewStatus
from content.questions import create_question

MAX_ENTRIES = 2000
MAX_ENTRY_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100  # uncompressed ÷ compressed, for entries over 1 MiB
MAX_TEXT_BYTES = 2 * 1024 * 1024
FRONT_KEYS = {"kind", "title", "category", "tags", "summary", "source", "author", "cover", "media"}
QUESTION_KEYS = {"kind", "stem", "options", "answer", "explanation", "category", "difficulty", "source"}
Progress = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}  {self.message}"


@dataclasses.dataclass
class PackItem:
    file: str
    kind: ItemKind
    title: str
    body: str
    front: dict[str, Any]


@dataclasses.dataclass
class PackReport:
    name: str = ""
    items: list[PackItem] = dataclasses.field(default_factory=list)
    questions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, file: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file, line, message))


class PackRejected(ContentError):
    status = 400
    code = "pack_rejected"

    def __init__(self, report: PackReport) -> None:
        super().__init__(_("内容包有 {n} 处问题，未导入任何内容。").format(n=len(report.problems)),
                         details=[str(p) for p in report.problems])
        self.report = report


def _unsafe_name(name: str) -> str | None:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return _("文件名“{n}”不安全（绝对路径或反斜杠）。").format(n=name)
    if any(part in ("..", "") for part in PurePosixPath(name).parts) or ".." in name.split("/"):
        return _("文件名“{n}”含有“..”，不允许跳出内容包。").format(n=name)
    return None


class _Reader:
    """Reads entries of a checked zip, never more bytes than the limits allow."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.total = 0

    def read(self, info: zipfile.ZipInfo, limit: int = MAX_ENTRY_BYTES) -> bytes:
        out = io.BytesIO()
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(1024 * 1024):
                    out.write(chunk)
                    self.total += len(chunk)
                    if out.tell() > min(limit, info.file_size) or self.total > MAX_TOTAL_BYTES:
                        raise InvalidContent(
                            _("“{n}”解压后比声明的更大，疑似压缩炸弹，已停止。").format(n=info.filename))
        except (zipfile.BadZipFile, EOFError, OSError) as exc:  # sizes or checksum that do not add up
            raise InvalidContent(_("“{n}”已损坏或与声明的大小不符，已停止。").format(n=info.filename)) from exc
        return out.getvalue()


def _directory(archive: zipfile.ZipFile, report: PackReport) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        report.add("(zip)", _("内容包的文件太多（{n} 个，上限 {m} 个）。").format(n=len(infos), m=MAX_ENTRIES))
        return {}
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        problem = _unsafe_name(info.filename)
        if problem:
            report.add(info.filename, problem)
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            report.add(info.filename, _("内容包里不能有符号链接。"))
            continue
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES:
            report.add(info.filename, _("文件太大（上限 {m} MB）。").format(m=MAX_ENTRY_BYTES // 2**20))
        elif info.file_size > 2**20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            report.add(info.filename, _("压缩比异常（{r:.0f} 倍），疑似压缩炸弹。").format(r=info.file_size / info.compress_size))
        else:
            entries[info.filename] = info
    if total > MAX_TOTAL_BYTES:
        report.add("(zip)", _("内容包解压后太大（上限 {m} GB）。").format(m=MAX_TOTAL_BYTES // 2**30))
    return entries


def _yaml(text: str, file: str, report: PackReport, first_line: int = 1) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = first_line + (mark.line if mark else 0)
        report.add(file, _("YAML 格式错误：{m}").format(m=exc.problem or exc), line)
    except yaml.YAMLError as exc:
        report.add(file, _("YAML 格式错误：{m}").format(m=exc), first_line)
    return None


def _item(file: str, text: str, report: PackReport, entries: dict[str, zipfile.ZipInfo],
          reader: _Reader) -> PackItem | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.add(file, _("文件开头缺少“---”开始的前言（front matter）。"), 1)
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report.add(file, _("前言没有以“---”结束。"), 1)
        return None
    front = _yaml("\n".join(lines[1:end]), file, report, first_line=2)
    if front is None:
        return None
    if not isinstance(front, dict):
        report.add(file, _("前言应是“键: 值”的形式。"), 2)
        return None
    ok = True
    for key in front:
        if key not in FRONT_KEYS:
            line = next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 2)
            report.add(file, _("不认识的字段“{k}”（可用：{ks}）。").format(k=key, ks="、".join(sorted(FRONT_KEYS))), line)
            ok = False

    def line_of(key: str) -> int:
        return next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 2)

    try:
        kind = ItemKind(str(front.get("kind") or ""))
    except ValueError:
        report.add(file, _("类型 kind 应是 article、video、pdf、poster 或 audio。"), line_of("kind"))
        return None
    title = str(front.get("title") or "").strip()
    if not title or len(title) > 200:
        report.add(file, _("标题 title 不能为空，且不超过 200 个字。"), line_of("title"))
        ok = False
    families = {"cover": "image", "media": {ItemKind.VIDEO: "video", ItemKind.PDF: "pdf", ItemKind.POSTER: "image",
                                            ItemKind.AUDIO: "audio"}.get(kind)}
    for key, family in families.items():
        ref = front.get(key)
        if ref is None:
            continue
        name = str(ref).lstrip("./")
        info = entries.get(name)
        if info is None:
            report.add(file, _("{k} 指向的文件“{n}”不在内容包里。").format(k=key, n=ref), line_of(key))
            ok = False
            continue
        try:
            with reader.archive.open(info) as stream:
                head = stream.read(64)
            found = check_type(name, head)
            if family is None or found.family != family:
                raise MediaRejected(_("“{n}”与内容类型不符。").format(n=name))
        except MediaRejected as exc:
            report.add(file, exc.message, line_of(key))
            ok = False
    if kind == ItemKind.ARTICLE and not "\n".join(lines[end + 1:]).strip():
        report.add(file, _("文章没有正文。"), end + 2)
        ok = False
    return PackItem(file, kind, title, "\n".join(lines[end + 1:]).strip() + "\n", front) if ok else None


def _questions(text: str, report: PackReport) -> list[dict[str, Any]]:
    data = _yaml(text, "questions.yaml", report)
    if data is None:
        return []
    if not isinstance(data, list):
        report.add("questions.yaml", _("题库应是一个列表（每道题以“- ”开始）。"), 1)
        return []
    lines = text.split("\n")
    starts = [i + 1 for i, line in enumerate(lines) if line.startswith("- ")]
    out, seen = [], set()
    for n, q in enumerate(data):
        line = starts[n] if n < len(starts) else None
        if not isinstance(q, dict) or not q.get("stem") or not q.get("answer"):
            report.add("questions.yaml", _("第 {n} 题缺少题干 stem 或答案 answer。").format(n=n + 1), line)
            continue
        unknown = set(q) - QUESTION_KEYS
        if unknown:
            report.add("questions.yaml", _("第 {n} 题有不认识的字段：{k}。").format(n=n + 1, k="、".join(sorted(unknown))), line)
            continue
        stem = str(q["stem"]).strip()
        if stem in seen:
            report.add("questions.yaml", _("第 {n} 题与前面的题目重复。").format(n=n + 1), line)
            continue
        seen.add(stem)
        options = q.get("options") or {}
        if options and not isinstance(options, dict):
            report.add("questions.yaml", _("第 {n} 题的选项应写成 A: 文字 的形式。").format(n=n + 1), line)
            continue
        answer = str(q["answer"]).strip().upper().replace(",", "")
        if options and all(c.isalpha() for c in answer) and any(c not in options for c in answer):
            report.add("questions.yaml", _("第 {n} 题的答案“{a}”里有不存在的选项。").format(n=n + 1, a=answer), line)
            continue
        out.append({**q, "stem": stem, "line": line})
    return out


def check_pack(path: Path | str) -> PackReport:
    """Read and check the whole pack; nothing is written. The report lists every problem."""
    report = PackReport()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        report.add(Path(path).name, _("不是有效的 zip 文件。"))
        return report
    with archive:
        entries = _directory(archive, report)
        reader = _Reader(archive)
        try:
            if "pack.yaml" not in entries:
                report.add("pack.yaml", _("内容包缺少 pack.yaml（名称、版本）。"))
            else:
                meta = _yaml(reader.read(entries["pack.yaml"], MAX_TEXT_BYTES).decode("utf-8", "replace"),
                             "pack.yaml", report)
                report.name = str((meta or {}).get("name") or "") if isinstance(meta, dict) else ""
                if not report.name:
                    report.add("pack.yaml", _("pack.yaml 缺少名称 name。"), 1)
            for name in sorted(n for n in entries if n.startswith("items/") and n.endswith(".md")):
                try:
                    text = reader.read(entries[name], MAX_TEXT_BYTES).decode("utf-8")
                except UnicodeDecodeError:
                    report.add(name, _("文件不是 UTF-8 编码。"))
                    continue
                item = _item(name, text, report, entries, reader)
                if item is not None:
                    report.items.append(item)
            if "questions.yaml" in entries:
                report.questions = _questions(reader.read(entries["questions.yaml"], MAX_TEXT_BYTES)
                                              .decode("utf-8", "replace"), report)
            for name, info in entries.items():  # read every byte once: a lying entry is caught here
                if name.startswith("media/"):
                    reader.read(info)
        except InvalidContent as exc:
            report.add("(zip)", exc.message)
    if not report.items and not report.questions and report.ok:
        report.add("items/", _("内容包里没有任何内容。"))
    return report


def import_pack(session: Session, store: MediaStore, path: Path | str, *, actor_user_id: int | None,
                progress: Progress | None = None) -> PackReport:
    """Check, then import everything in one transaction (the caller commits); raise PackRejected
    with the full report when anything is wrong, having written nothing to the database."""
    report = check_pack(path)
    if not report.ok:
        raise PackRejected(report)
    names = {c.name: c for c in list_categories(session)}
    total = len(report.items) + len(report.questions)
    done = 0
    with zipfile.ZipFile(path) as archive:
        reader = _Reader(archive)
        for item in report.items:
            exists = session.scalar(select(Item.id).where(Item.kind == item.kind, Item.title == item.title))
            if exists is not None:
                report.skipped.append(item.title)
            else:
                front = item.front
                category = _category(session, names, front.get("category"))
                media_ids = {}
                for key in ("cover", "media"):
                    if front.get(key):
                        name = str(front[key]).lstrip("./")
                        data = reader.read(archive.getinfo(name))
                        media_ids[key] = cs.add_media(session, store, io.BytesIO(data), filename=name).id
                tags = front.get("tags") or []
                created = cs.create_item(
                    session, kind=item.kind, title=item.title, author_user_id=actor_user_id, body_markdown=item.body,
                    summary=str(front.get("summary") or ""), category_id=category.id if category else None,
                    tags=[str(t) for t in (tags if isinstance(tags, list) else str(tags).split(","))],
                    source=str(front.get("source") or report.name), author_name=str(front.get("author") or ""),
                    cover_media_id=media_ids.get("cover"), main_media_id=media_ids.get("media"))
                cs.submit(session, created, actor_user_id=actor_user_id)
            done += 1
            if progress:
                progress(item.title, done, total)
        for q in report.questions:
            if session.scalar(select(Question.id).where(Question.stem == q["stem"])) is not None:
                report.skipped.append(q["stem"])
            else:
                category = _category(session, names, q.get("category"))
                try:
                    question = create_question(
                        session, kind=QuestionKind(str(q.get("kind") or "single")), stem=q["stem"],
                        options={str(k): str(v) for k, v in (q.get("options") or {}).items()},
                        answer=str(q["answer"]), explanation=str(q.get("explanation") or ""),
                        category_id=category.id if category else None, difficulty=int(q.get("difficulty") or 2),
                        source=str(q.get("source") or report.name), author_user_id=actor_user_id)
                except (ContentError, ValueError) as exc:
                    report.add("questions.yaml", getattr(exc, "message", str(exc)), q.get("line"))
                    raise PackRejected(report) from None
                cs.submit(session, question, actor_user_id=actor_user_id)
            done += 1
            if progress:
                progress(q["stem"][:20], done, total)
    session.flush()
    return report


def _category(session: Session, names: dict[str, Category], name: Any) -> Category | None:
    if not name:
        return None
    name = str(name).strip()
    if name not in names:
        names[name] = create_category(session, name)
    return names[name]


def export_pack(session: Session, store: MediaStore, out: Path | str, *, name: str = "活动室内容包",
                item_ids: list[int] | None = None) -> int:
    """Write the published items (or the given ones) and the published questions as a pack."""
    query = select(Item).where(Item.status == ReviewStatus.PUBLISHED).order_by(Item.id)
    if item_ids:
        query = query.where(Item.id.in_(item_ids))
    items = session.scalars(query).all()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pack.yaml", yaml.safe_dump({"name": name, "version": 1, "items": len(items)},
                                                     allow_unicode=True, sort_keys=False))
        written: set[str] = set()
        for n, item in enumerate(items, 1):
            front: dict[str, Any] = {"kind": str(item.kind), "title": item.title}
            if item.category:
                front["category"] = item.category.name
            if item.tags:
                front["tags"] = [t.name for t in item.tags]
            for key, value in (("summary", item.summary), ("source", item.source), ("author", item.author_name)):
                if value:
                    front[key] = value
            for key, asset in (("cover", item.cover_media), ("media", item.main_media)):
                if asset is not None:
                    front[key] = _media_name(asset)
                    if front[key] not in written:
                        archive.write(store.path_for(asset.path), front[key])
                        written.add(front[key])
            text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + item.body_markdown
            archive.writestr(f"items/{n:04d}.md", text)
        questions = session.scalars(select(Question).where(Question.status == ReviewStatus.PUBLISHED)
                                    .order_by(Question.id)).all()
        if questions:
            archive.writestr("questions.yaml", yaml.safe_dump([{
                "kind": str(q.kind), "stem": q.stem, **({"options": {o.label: o.text for o in q.options}} if q.options else {}),
                "answer": q.answer, "explanation": q.explanation, "difficulty": q.difficulty,
                **({"category": q.category.name} if q.category else {})} for q in questions],
                allow_unicode=True, sort_keys=False))
    return len(items)


def _media_name(asset: MediaAsset) -> str:
    suffix = Path(asset.original_filename or "").suffix.lower() or ".bin"
    return f"media/{asset.sha256[:16]}{suffix}"
