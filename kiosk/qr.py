"""QR codes as Kivy textures (the wall's sign-in panel). Build textures only once the window exists."""

from __future__ import annotations

import io
from typing import Any


def qr_png(text: str, *, box_size: int = 10, border: int = 2) -> bytes:
    import qrcode

    qr = qrcode.QRCode(box_size=box_size, border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out)
    return out.getvalue()


def qr_texture(text: str) -> Any:
    """Return a texture of ``text``'s QR code that stays crisp when scaled up."""
    from kivy.core.image import Image as CoreImage

    texture = CoreImage(io.BytesIO(qr_png(text)), ext="png").texture
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture
