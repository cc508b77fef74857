"""A violation's photo, sent on its own after the entry: by the entry's UUID, exactly once.

The phone shrinks a photo before sending it and sends it separately from its entry, so a
slow uplink delays only the photo, never the record. The server re-encodes it (no EXIF,
longest side 1600 px) and keeps a small thumbnail beside it for the timeline.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from PIL import Image

from patrol.extensions import db
from patrol.models import Violation
from patrol.services import photos
from patrol.services.errors import ValidationError

THUMB_SIDE = 320


class EntryNotFound(LookupError):
    """No violation has this UUID (or it is not a UUID at all)."""


class NotYours(PermissionError):
    """The violation belongs to another officer's visit."""


@dataclass(frozen=True)
class AttachedPhoto:
    violation: Violation
    created: bool  # False: the entry had its photo already (a retry); nothing changed


def thumbnail_name(photo_name: str) -> str:
    """The thumbnail's file name beside a photo (abcd.jpg → abcd.thumb.jpg)."""
    return Path(photo_name).stem + ".thumb.jpg"


def make_thumbnail(photo_name: str) -> Path:
    """Write (or find) the small copy of a stored photo that the timeline shows."""
    folder = photos.upload_folder()
    target = folder / thumbnail_name(Path(photo_name).name)
    if not target.is_file():
        with Image.open(folder / Path(photo_name).name) as image:
            small = image.convert("RGB")
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            # A photo of people, however small: readable by the app's user only.
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                small.save(out, "JPEG", quality=75, optimize=True)
    return target


def thumbnail_file(violation: Violation) -> Path | None:
    """The thumbnail of a violation's photo (made now for photos older than thumbnails)."""
    photo = photos.photo_file(violation)
    if photo is None or not photo.is_file():
        return None
    return make_thumbnail(photo.name)


def violation_by_uuid(officer_id: int, entry_uuid: str) -> Violation:
    """The officer's own violation with this client UUID (EntryNotFound, NotYours)."""
    try:
        canonical = str(uuid.UUID(entry_uuid.strip()))
    except (ValueError, AttributeError):
        canonical = None
    violation = (
        db.session.scalar(sa.select(Violation).where(Violation.uuid == canonical))
        if canonical
        else None
    )
    if violation is None:
        raise EntryNotFound(entry_uuid)
    if violation.visit.officer_id != officer_id:
        raise NotYours(entry_uuid)
    return violation


def attach_photo(officer_id: int, entry_uuid: str, data: bytes | None) -> AttachedPhoto:
    """Give a violation its photo once; a second photo for it changes nothing.

    The row is claimed with a conditional UPDATE (photo still empty), so two uploads
    racing for one entry store one photo: the loser's files are removed again.
    """
    violation = violation_by_uuid(officer_id, entry_uuid)
    if violation.photo_path:
        return AttachedPhoto(violation, created=False)
    if not data:
        raise ValidationError(_("Pilih foto untuk dikirim."), "photo")
    name = photos.save_photo(data)
    folder = photos.upload_folder()
    try:
        make_thumbnail(name)
        claimed = db.session.execute(
            sa.update(Violation)
            .where(Violation.id == violation.id, Violation.photo_path.is_(None))
            .values(photo_path=name)
            .execution_options(synchronize_session=False)
        ).rowcount
    except Exception:
        _remove(folder, name)
        raise
    if not claimed:
        _remove(folder, name)
        db.session.refresh(violation)
        return AttachedPhoto(violation, created=False)
    db.session.refresh(violation)
    return AttachedPhoto(violation, created=True)


def _remove(folder: Path, name: str) -> None:
    for path in (folder / name, folder / thumbnail_name(name)):
        path.unlink(missing_ok=True)
