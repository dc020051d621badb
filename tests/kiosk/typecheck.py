"""What large type is checked by (not a test module): the size each label is drawn at, and labels whose
text no longer fits their box. Other kiosk tests may use ``overflowing`` on their own screens."""

from __future__ import annotations

from typing import Any


def drawn_labels(root: Any) -> list[Any]:
    """The labels under ``root`` that show text on screen now (visible, sized, not empty)."""
    from kivy.uix.label import Label

    shown = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip() or widget._label is None:
            continue
        if widget.width < 2 or widget.height < 2 or not _visible(widget):
            continue
        shown.append(widget)
    return shown


def _visible(widget: Any) -> bool:
    while widget is not None:
        if getattr(widget, "opacity", 1) == 0:
            return False
        widget = widget.parent if widget.parent is not widget else None
    return True


def drawn_size(label: Any) -> float:
    """The font size the label's text is rendered at (its font_size × the session's type scale)."""
    return float(label._label.options["font_size"])


def overflowing(root: Any, slack: float = 2.0) -> list[str]:
    """Labels whose text does not fit their box: wider or taller than it, or cut off below it."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel

    problems = []
    for label in drawn_labels(root):
        if getattr(label, "fixed_type", False):
            continue  # sized to its box by design
        tw, th = label.texture_size
        text_w, text_h = label.text_size
        if text_w is None and tw > label.width + slack:
            problems.append(f"{label.text[:20]!r}: {tw:.0f} wide in a box {label.width:.0f} wide")
        if text_h is None and th > label.height + slack:
            problems.append(f"{label.text[:20]!r}: {th:.0f} tall in a box {label.height:.0f} tall")
        if text_w is not None and text_h is not None:
            core_cls = MarkupLabel if label.markup else CoreLabel
            options = {k: v for k, v in label._label.options.items() if k not in ("text_size", "usersize")}
            core = core_cls(**{**options, "text_size": (text_w, None)})
            core.text = label.text
            core.refresh()
            needed = core.texture.size[1] if core.texture else 0
            lines = len(getattr(core, "_cached_lines", []) or [])
            if label.max_lines and lines > label.max_lines:  # the layout keeps max_lines lines in a box
                needed = needed * label.max_lines / lines
            if needed > text_h + slack:
                problems.append(f"{label.text[:20]!r}: needs {needed:.0f} tall, has {text_h:.0f} (max_lines {label.max_lines}, {label.font_size:.0f})")
    return problems + overlapping(root, slack) + outside_parent(root, slack)


def outside_parent(root: Any, slack: float = 2.0) -> list[str]:
    """Labels (and buttons) that stick out of the layout box that places them."""
    from kivy.uix.anchorlayout import AnchorLayout
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.gridlayout import GridLayout

    problems = []
    for label in drawn_labels(root):
        parent = label.parent
        if not isinstance(parent, BoxLayout | GridLayout | AnchorLayout) or getattr(label, "fixed_type", False):
            continue
        lx0, ly0 = label.to_window(label.x, label.y)
        px0, py0 = parent.to_window(parent.x, parent.y)
        if (lx0 < px0 - slack or ly0 < py0 - slack or lx0 + label.width > px0 + parent.width + slack
                or ly0 + label.height > py0 + parent.height + slack):
            problems.append(f"{label.text[:20]!r} sticks out of its {type(parent).__name__}")
    return problems


def overlapping(root: Any, slack: float = 2.0) -> list[str]:
    """Pairs of labels drawn over one another (a label inside another's widget, like a button's, aside)."""
    boxes = [(label, _window_box(label)) for label in drawn_labels(root)]
    problems = []
    for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(boxes):
        for b, (bx0, by0, bx1, by1) in boxes[i + 1:]:
            w, h = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
            if w > slack and h > slack and not _related(a, b):
                problems.append(f"{a.text[:20]!r} and {b.text[:20]!r} overlap ({w:.0f}×{h:.0f})")
    return problems


def _window_box(widget: Any) -> tuple[float, float, float, float]:
    """The widget's rectangle in window coordinates, cut to what the scroll views around it show."""
    from kivy.uix.scrollview import ScrollView

    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = x0 + widget.width, y0 + widget.height
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            px0, py0 = parent.to_window(parent.x, parent.y)
            x0, y0 = max(x0, px0), max(y0, py0)
            x1, y1 = min(x1, px0 + parent.width), min(y1, py0 + parent.height)
        parent = parent.parent
    return x0, y0, x1, y1


def _related(a: Any, b: Any) -> bool:
    def ancestors(w: Any) -> set[int]:
        seen = set()
        while w is not None and id(w) not in seen:
            seen.add(id(w))
            w = w.parent
        return seen

    return id(a) in ancestors(b) or id(b) in ancestors(a)
