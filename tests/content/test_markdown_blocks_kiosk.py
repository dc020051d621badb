"""Markdown as blocks for the kiosk: the same parse as the HTML, nothing executable gets through."""

from __future__ import annotations

from content.markdown import to_blocks


def test_blocks_keep_structure_and_drop_danger() -> None:
    blocks = to_blocks("# 标题\n\n正文**加粗**和*斜体* [链接](javascript:alert(1)) <script>alert(1)</script>\n\n"
                       "- 一\n- 二\n\n> 引用\n\n![图](/media/1/a.png) ![外](http://evil.example/x.png)\n\n---\n")
    assert blocks[0] == {"type": "heading", "level": 1, "text": "标题"}
    paragraph = blocks[1]["text"]
    assert "[b]加粗[/b]" in paragraph and "[i]斜体[/i]" in paragraph
    assert "&bl;链接&br;" in paragraph  # not a link: Kivy shows the brackets as text, nothing to follow
    assert "<script>" in paragraph and "[ref" not in paragraph  # shown as text, never run
    assert {"type": "list", "ordered": False, "items": ["一", "二"]} in blocks
    assert {"type": "quote", "text": "引用"} in blocks
    images = [b for b in blocks if b["type"] == "image"]
    assert images == [{"type": "image", "url": "/media/1/a.png", "alt": "图"}]  # other hosts dropped
    assert blocks[-1] == {"type": "rule"}


def test_markup_brackets_in_text_cannot_inject_kivy_markup() -> None:
    [block] = to_blocks("[color=ff0000]红字[/color] 和 [ref=x]点我[/ref]")
    assert "[color" not in block["text"] and "&bl;color=ff0000&br;" in block["text"]
