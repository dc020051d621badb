"""Content packs: a round trip (export the demo's published items and questions, import into an empty
room: everything waits for review; again: nothing added); every problem of a broken pack reported
with its file and line, nothing imported; unsafe zips refused (../, absolute paths, a zip bomb, too
many entries, a file named .mp4 that is not a video)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content import packs
from content.demo import DEMO_MEDIA
from content.media import MediaStore
from content.models import Item, Question, ReviewStatus
from screen_server.config import Settings
from tests.helpers.factories import make_user

GOOD_ITEM = "---\nkind: article\ntitle: 学习党章\ncategory: 党章党规\ntags: [党章]\n---\n## 总纲\n\n正文。\n"


def zip_of(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


@pytest.mark.usefixtures("demo_db")
def test_round_trip_into_an_empty_room(session: Session, settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "pack.zip"
    count = packs.export_pack(session, MediaStore(settings.media_dir), out, name="示范包")
    assert count >= 20
    report = packs.check_pack(out)
    assert report.ok and len(report.items) == count and len(report.questions) >= 100
    # into a room that has none of it: a fresh schema
    from screen_server.db import Base, make_engine

    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as other:
        editor = make_user(other)
        first = packs.import_pack(other, MediaStore(tmp_path / "media2"), out, actor_user_id=editor.id)
        other.commit()
        assert other.scalar(select(func.count()).select_from(Item)) == count
        assert {i.status for i in other.scalars(select(Item))} == {ReviewStatus.SUBMITTED}  # waits for review
        assert other.scalar(select(func.count()).select_from(Question)) == len(first.questions)
        videos = other.scalars(select(Item).where(Item.main_media_id.is_not(None))).all()
        assert videos and all((tmp_path / "media2" / v.main_media.path).exists() for v in videos)  # type: ignore[union-attr]
        again = packs.import_pack(other, MediaStore(tmp_path / "media2"), out, actor_user_id=editor.id)
        other.commit()
        assert other.scalar(select(func.count()).select_from(Item)) == count and len(again.skipped) >= count
    engine.dispose()


def test_every_problem_reported_with_file_and_line_and_nothing_imported(session: Session, tmp_path: Path) -> None:
    pack = zip_of(tmp_path / "bad.zip", {
        "pack.yaml": "name: 坏包\n",
        "items/a.md": GOOD_ITEM,
        "items/b.md": "---\nkind: article\ntitle: [未闭合\n---\n正文\n",
        "items/c.md": "---\nkind: lecture\ntitle: 讲座\n---\n正文\n",
        "items/d.md": "---\nkind: video\ntitle: 视频\ncolour: red\nmedia: media/missing.mp4\n---\n",
        "questions.yaml": "- stem: 党的宗旨\n  options: {A: 为人民服务, B: 其他}\n  answer: C\n- stem: 无答案\n",
    })
    report = packs.check_pack(pack)
    text = "\n".join(str(p) for p in report.problems)
    assert "items/b.md:3" in text and "YAML" in text
    assert "items/c.md:2" in text and "kind" in text
    assert "items/d.md:4" in text and "colour" in text and "missing.mp4" in text
    assert "questions.yaml:1" in text and "不存在的选项" in text and "questions.yaml:4" in text
    before = session.scalar(select(func.count()).select_from(Item))
    with pytest.raises(packs.PackRejected) as refused:
        packs.import_pack(session, MediaStore(tmp_path / "m"), pack, actor_user_id=None)
    assert "未导入任何内容" in refused.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Item)) == before


@pytest.mark.parametrize("name", ["../evil.md", "/etc/passwd", "items\\..\\x.md", "C:/x.md"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    report = packs.check_pack(zip_of(tmp_path / "unsafe.zip", {"pack.yaml": "name: x\n", "items/a.md": GOOD_ITEM,
                                                                 name: "x"}))
    assert not report.ok and any("不安全" in p.message or ".." in p.message for p in report.problems)


def test_a_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = zip_of(tmp_path / "bomb.zip", {"pack.yaml": "name: x\n", "items/a.md": GOOD_ITEM,
                                          "media/zeros.mp4": b"\0" * (8 * 1024 * 1024)})
    report = packs.check_pack(bomb)
    assert any("压缩炸弹" in p.message for p in report.problems)
    monkeypatch.setattr(packs, "MAX_ENTRIES", 3)
    crowded = zip_of(tmp_path / "many.zip", {"pack.yaml": "name: x\n", **{f"items/{n}.md": GOOD_ITEM for n in range(5)}})
    assert any("文件太多" in p.message for p in packs.check_pack(crowded).problems)


def test_a_lying_entry_is_caught_while_reading(tmp_path: Path) -> None:
    from content.errors import InvalidContent

    path = zip_of(tmp_path / "liar.zip", {"media/a.png": (DEMO_MEDIA / "poster-integrity.png").read_bytes()})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("media/a.png")
        info.file_size = 100  # the directory claims 100 bytes; the data holds far more
        with pytest.raises(InvalidContent, match="比声明的更大|与声明的大小不符"):
            packs._Reader(archive).read(info)


def test_a_fake_video_is_refused(tmp_path: Path) -> None:
    pack = zip_of(tmp_path / "fake.zip", {"pack.yaml": "name: x\n",
                                          "items/v.md": "---\nkind: video\ntitle: 微课\nmedia: media/v.mp4\n---\n",
                                          "media/v.mp4": b"not a video at all" * 20})
    report = packs.check_pack(pack)
    assert not report.ok and "items/v.md:4" in "\n".join(str(p) for p in report.problems)


def test_command_line_export_check_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from screen_server.cli import main

    data = tmp_path / "data"
    pack = zip_of(tmp_path / "one.zip", {"pack.yaml": "name: 单篇\n", "items/a.md": GOOD_ITEM})
    assert main(["content-pack", "import", str(pack), "--data", str(data), "--dry-run"]) == 0
    assert "检查通过" in capsys.readouterr().out
    assert main(["content-pack", "import", str(pack), "--data", str(data)]) == 0
    assert "已导入 1 条" in capsys.readouterr().out
    bad = zip_of(tmp_path / "bad.zip", {"pack.yaml": "name: 坏\n", "../x.md": "x", "items/a.md": GOOD_ITEM})
    assert main(["content-pack", "import", str(bad), "--data", str(data)]) == 1
    assert "未导入任何内容" in capsys.readouterr().out
    out = tmp_path / "out.zip"
    assert main(["content-pack", "export", str(out), "--data", str(data)]) == 0 and out.exists()
