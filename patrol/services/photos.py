"""Violation photos: re-encoded without metadata, stored under a random name."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from patrol.models import Violation
from patrol.services import photo_limits
from patrol.services.errors import ValidationError

PHOTO_MAX_SIDE = 1600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def save_photo(data: bytes) -> str:
    """Re-encode a photo as JPEG (longest side 1600 px, no EXIF); return its random name."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationError(
            _("Foto terlalu besar (paling besar %(mb)d MB).", mb=limit // (1024 * 1024)), "photo"
        )
    message = _("Berkas ini bukan foto (JPEG, PNG atau WebP).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in PHOTO_FORMATS:
                raise ValidationError(message, "photo")
            # The size comes from the header: a decompression bomb is refused undecoded.
            photo_limits.refuse_too_many_pixels(image)
            image.load()
            # Turn the pixels upright before the orientation tag goes with the rest of EXIF.
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError:
        raise photo_limits.too_many_pixels() from None
    except (UnidentifiedImageError, *photo_limits.BROKEN_IMAGE_ERRORS):
        raise ValidationError(message, "photo") from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    folder = upload_folder()
    # Photos of people: readable by the app's user only (folder 0700, files 0600).
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".jpg"
    # A fresh image carries no metadata: EXIF, GPS tags and comments stay behind.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        clean.save(out, "JPEG", quality=82, optimize=True)
    return name


def photo_file(violation: Violation) -> Path | None:
    """Where a violation's photo lies on disk, or None when it has none."""
    if not violation.photo_path:
        return None
    return upload_folder() / Path(violation.photo_path).name
