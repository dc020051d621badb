"""QR codes as Kivy textures (the wall's sign-in screen). Build textures only once the window exists.

The texture holds one pixel per module, quiet zone included; ``widgets.QrCode`` scales it by a whole
number with nearest-neighbour filtering, so every module is a crisp square of equal size.
"""

from __future__ import annotations

import io
from typing import Any

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def qr_png(text: str, *, box_size: int = 1, border: int = QUIET_ZONE) -> bytes:
    import qrcode

    qr = qrcode.QRCode(box_size=box_size, border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out)
    return out.getvalue()


def qr_texture(text: str) -> Any:
    """Return a texture of ``text``'s QR code (one pixel per module) that stays crisp when scaled up."""
    from kivy.core.image import Image as CoreImage

    texture = CoreImage(io.BytesIO(qr_png(text)), ext="png").texture
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture
