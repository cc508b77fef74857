"""Violation photos: re-encoded without metadata, stored under a random name."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from patrol.models import Violation
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
            image.load()
            # Turn the pixels upright before the orientation tag goes with the rest of EXIF.
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationError(message, "photo") from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".jpg"
    # A fresh image carries no metadata: EXIF, GPS tags and comments stay behind.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    clean.save(folder / name, "JPEG", quality=82, optimize=True)
    return name


def photo_file(violation: Violation) -> Path | None:
    """Where a violation's photo lies on disk, or None when it has none."""
    if not violation.photo_path:
        return None
    return upload_folder() / Path(violation.photo_path).name
