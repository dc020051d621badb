"""Large type for older members (大字): one scale for the type of every label on every screen.

The theme's sizes (TEXT_S … TEXT_HUGE in theme.kv) are constants that each KV file copies when it is
loaded, and screens also set sizes of their own (the reader's article blocks, a keypad's digits). Making
every one of those bind to a property would mean editing every screen, and every screen written later
would have to remember it. Instead the scale is applied where all text is drawn: ``install()`` wraps
Kivy's ``Label`` (Buttons are Labels) so the size handed to the text renderer is ``font_size × factor``,
and muted colours are drawn at full strength while the factor is above 1. A screen's own ``font_size``
property is left as its KV says, so bindings that change it (the reader's A-/A+) keep working and
multiply with the session's scale. A widget can opt out with ``fixed_type = True`` (glyph discs sized to
their circle).

The factor lives in ``SCALE`` (one per process: the kiosk is one window) and is reset when the member's
session ends (logout, idle). Widgets whose box follows ``texture_size`` grow by themselves; the test
``tests/kiosk/test_large_type.py`` walks the terminal's screens at the large size and fails on a label
whose text no longer fits its box.
"""

from __future__ import annotations

import weakref
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

LARGE = 1.25  # 28sp → 35sp: measured to fit every terminal screen at 1280×800 (the smallest supported)
# muted → full strength while large type is on (contrast); RGB of theme.kv's names
_CONTRAST: dict[tuple[float, ...], tuple[float, ...]] = {
    (0.98, 0.87, 0.78): (1.0, 0.97, 0.9),  # CREAM_MUTED → CREAM
    (0.4, 0.25, 0.22): (0.16, 0.07, 0.06),  # INK_MUTED → INK
    (0.85, 0.8, 0.78): (1.0, 0.97, 0.9),  # GREY → CREAM
}


class TypeScale(EventDispatcher):
    """The session's type scale. ``large`` is what the toggle shows; ``factor`` what labels read."""

    factor = NumericProperty(1.0)
    large = BooleanProperty(False)

    def on_large(self, _instance: Any, value: bool) -> None:
        self.factor = LARGE if value else 1.0

    def toggle(self) -> None:
        self.large = not self.large

    def reset(self) -> None:
        """End of a member's session: back to the standard size."""
        self.large = False


SCALE = TypeScale()
_labels: weakref.WeakSet[Any] = weakref.WeakSet()
_installed = False


def scaled_size(label: Any, size: float) -> float:
    return size if getattr(label, "fixed_type", False) else size * SCALE.factor


def contrast(label: Any, color: Any) -> Any:
    """The colour a label is drawn in: a muted theme colour at full strength while type is large."""
    if SCALE.factor <= 1.0 or getattr(label, "fixed_type", False) or color is None or len(color) < 3:
        return color
    key = tuple(round(float(c), 2) for c in color[:3])
    strong = _CONTRAST.get(key)
    return [*strong, *list(color[3:])] if strong else color


def _apply(label: Any) -> None:
    core = getattr(label, "_label", None)
    if core is None:
        return
    core.options["font_size"] = scaled_size(label, label.font_size)
    if not label.disabled:
        core.options["color"] = contrast(label, label.color)
    label._trigger_texture()


def _on_factor(*_args: Any) -> None:
    for label in list(_labels):
        _apply(label)


def install() -> None:
    """Wrap Kivy's Label once per process so every label reads ``SCALE``."""
    global _installed
    if _installed:
        return
    from kivy.uix.label import Label

    original_create = Label._create_label
    original_update = Label._trigger_texture_update

    def _create_label(self: Any) -> None:
        original_create(self)
        _labels.add(self)
        _apply_options(self)

    def _trigger_texture_update(self: Any, name: Any = None, source: Any = None, value: Any = None) -> None:
        original_update(self, name, source, value)
        if source and name in ("font_size", "color", "disabled") and self._label is not None:
            _apply_options(self)

    def _apply_options(self: Any) -> None:
        if self._label is None:
            return
        self._label.options["font_size"] = scaled_size(self, self.font_size)
        if not self.disabled:
            self._label.options["color"] = contrast(self, self.color)

    Label._create_label = _create_label
    Label._trigger_texture_update = _trigger_texture_update
    SCALE.bind(factor=_on_factor)
    _installed = True
