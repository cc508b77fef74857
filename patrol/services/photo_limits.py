"""What an uploaded photo may be before its pixels are decoded.

A few kilobytes of PNG or JPEG can declare 13 000 x 13 000 pixels: decoding it takes a
worker to more than a gigabyte. The header gives the size without decoding, so a photo
larger than ``PHOTO_MAX_PIXELS`` is refused before any pixel is read. Pillow's own guard
(``Image.MAX_IMAGE_PIXELS``) only warns below twice its limit and is process-wide; this
check is explicit and configurable (Pillow's error above it gets the same message).
"""

from __future__ import annotations

import struct
import zlib

from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from patrol.services.errors import ValidationError

# What Pillow raises on a truncated, corrupt or hostile file, besides its own errors.
BROKEN_IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)


def too_many_pixels() -> ValidationError:
    """The error for a photo of more pixels than ``PHOTO_MAX_PIXELS``."""
    limit = int(current_app.config["PHOTO_MAX_PIXELS"])
    return ValidationError(
        _(
            "Foto terlalu besar: paling banyak %(mp)d megapiksel. "
            "Kecilkan resolusi kamera, lalu coba lagi.",
            mp=max(1, limit // 1_000_000),
        ),
        "photo",
    )


def refuse_too_many_pixels(image: Image.Image) -> None:
    """Raise a ValidationError when the image's header declares more pixels than allowed."""
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > int(current_app.config["PHOTO_MAX_PIXELS"]):
        raise too_many_pixels()
