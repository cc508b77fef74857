"""Uploaded files: a photo read from a form, refused before it is read whole when too big."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from patrol.services.errors import ValidationError


def read_photo(upload: FileStorage | None) -> bytes | None:
    """The uploaded photo's bytes (None when none was chosen), at most PHOTO_MAX_BYTES."""
    if upload is None or not upload.filename:
        return None
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("Foto terlalu besar (paling besar %(mb)d MB).", mb=limit // (1024 * 1024)), "photo"
        )
    return data or None
