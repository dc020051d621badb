from __future__ import annotations

from html.parser import HTMLParser

import pytest

from content.markdown import is_local_url, render_markdown, to_plain_text


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag in ``html`` with its attributes, as a browser's tokenizer sees them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)" onclick="alert(2)">点我</a>',
        "[点我](javascript:alert(1))",
        "[点我](JaVaScRiPt:alert(1))",
        "[点我](&#106;avascript:alert(1))",
        "[点我](java\tscript:alert(1))",
        "[点我](vbscript:msgbox(1))",
        "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "[a](<javascript:alert(1)>)",
        '<a href="&#x6A;avascript:alert(1)">x</a>',
    ],
)
def test_nothing_can_run(source: str) -> None:
    elements = _elements(render_markdown(source))
    for tag, attrs in elements:
        assert tag not in {"script", "iframe", "svg", "style", "object", "embed"}, source
        for name, value in attrs:
            assert not name.startswith("on"), source
            assert name != "style" or "url(" not in (value or ""), source
            if name in {"href", "src"}:
                assert not (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:")), (
                    source
                )


@pytest.mark.parametrize(
    "src",
    [
        "http://evil.example/x.png",
        "https://evil.example/x.png",
        "//evil.example/x.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "\\\\evil\\share\\x.png",
        "%2F%2Fevil.example/x.png",
    ],
)
def test_images_only_from_the_room(src: str) -> None:
    assert all(dict(attrs).get("src") is None for tag, attrs in _elements(render_markdown(f"![图]({src})")))


def test_local_images_are_kept_and_can_be_rewritten() -> None:
    assert '<img src="/media/ab/abc.png" alt="党徽">' in render_markdown("![党徽](/media/ab/abc.png)")
    assert 'src="images/a.png"' in render_markdown("![图](images/a.png)")
    html = render_markdown("![图](images/a.png)", rewrite_image=lambda s: "/media/xy/" + s.rsplit("/", 1)[-1])
    assert 'src="/media/xy/a.png"' in html
    assert "src=" not in render_markdown("![图](images/a.png)", rewrite_image=lambda s: None)


def test_ordinary_markdown_renders() -> None:
    html = render_markdown(
        "## 学习党章\n\n**加粗** *强调* ~~删除~~\n\n1. 一\n2. 二\n\n> 引用\n\n[人民网](https://www.people.com.cn)\n\n"
        "| 项目 | 次数 |\n|:--|--:|\n| 党课 | 4 |\n"
    )
    assert "<h2>学习党章</h2>" in html
    assert "<strong>加粗</strong>" in html and "<em>强调</em>" in html and "<s>删除</s>" in html
    assert "<ol>" in html and "<blockquote>" in html
    assert '<a href="https://www.people.com.cn" rel="noopener noreferrer">人民网</a>' in html
    assert '<td style="text-align:right">4</td>' in html


def test_raw_html_is_shown_as_text() -> None:
    assert "&lt;b&gt;粗&lt;/b&gt;" in render_markdown("<b>粗</b>")


def test_plain_text() -> None:
    assert to_plain_text("# 标题\n\n学习**党章**，<b>x</b> & 更多") == "标题 学习党章，<b>x</b> & 更多"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("/media/a.png", True),
        ("a/b.png", True),
        ("a.png?x=1", True),
        ("http://x/a.png", False),
        ("//x/a.png", False),
        ("mailto:a@b", False),
        ("", False),
    ],
)
def test_is_local_url(url: str, local: bool) -> None:
    assert is_local_url(url) is local


def test_a_plain_image_keeps_its_alt_text() -> None:
    assert _elements(render_markdown("![图](https://evil.example/x.png)")) == [
        ("p", []),
        ("img", [("alt", "图")]),
    ]
