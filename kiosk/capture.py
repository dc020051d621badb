"""Capturing the kiosk's window as a PNG: for ``--screenshot`` and for the live preview in the admin.

``grab_rgb`` reads the frame buffer and must run on the UI thread (it is quick: one glReadPixels);
``encode_png`` is plain Pillow and runs anywhere, so the preview upload encodes off the UI thread.
"""

from __future__ import annotations

import io


def grab_rgb() -> tuple[bytes, tuple[int, int]]:
    """Return the window's pixels (RGB, bottom row first, as OpenGL gives them) and its size."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_PACK_ALIGNMENT, GL_RGB, GL_UNSIGNED_BYTE, glPixelStorei, glReadPixels

    width, height = (int(v) for v in Window.size)
    glPixelStorei(GL_PACK_ALIGNMENT, 1)  # rows are not padded to 4 bytes for odd widths
    return bytes(glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)), (width, height)


def encode_png(rgb: bytes, size: tuple[int, int], max_width: int | None = None) -> bytes:
    """Encode pixels from ``grab_rgb`` as PNG, scaled down to ``max_width`` if given."""
    from PIL import Image

    image = Image.frombytes("RGB", size, rgb).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if max_width and image.width > max_width:
        image = image.resize(
            (max_width, round(image.height * max_width / image.width)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
