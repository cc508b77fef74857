"""Files on the server: photos that would explode when decoded, files only the app may
read, and an error log without query strings."""

from __future__ import annotations

import io
import logging
import os
import runpy
import stat
import struct
import uuid
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageFile

from patrol import create_app
from patrol.extensions import db
from patrol.models import Violation
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parent.parent


def upload(field_setup, data: bytes, name="foto.png"):
    return field_setup.client.post(
        field_setup.visit_url + "/pelanggaran",
        data={
            "uuid": str(uuid.uuid4()),
            "category": "no_mask",
            "action": "verbal_warning",
            "photo": (io.BytesIO(data), name),
        },
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )


def png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few kilobytes that declares ``width`` x ``height`` black pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = zlib.compress(b"\0" * (((width + 7) // 8 + 1) * height), 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def jpeg_claiming(make_image, width: int, height: int) -> bytes:
    """A small real JPEG whose frame header claims another size."""
    data = bytearray(make_image(size=(64, 48)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def violation_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Violation.id)))


@pytest.fixture
def decoded(monkeypatch):
    """Records every decode of pixels (ImageFile.load) during the test."""
    calls = []
    real = ImageFile.ImageFile.load

    def spy(self):
        calls.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return calls


def test_a_png_bomb_is_refused_before_its_pixels_are_decoded(app, field_setup, decoded):
    bomb = png_bomb(8000, 8000)  # 64 megapixels in about 8 KB
    assert len(bomb) < 64 * 1024
    response = upload(field_setup, bomb)
    assert response.status_code == 422
    assert "Foto terlalu besar: paling banyak 40 megapiksel." in response.get_data(as_text=True)
    assert decoded == []
    assert violation_count() == 0
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*.jpg"))


def test_a_jpeg_claiming_a_huge_size_gets_the_same_message(field_setup, make_image):
    response = upload(field_setup, jpeg_claiming(make_image, 30000, 30000), "foto.jpg")
    assert response.status_code == 422
    assert "paling banyak 40 megapiksel" in response.get_data(as_text=True)
    assert violation_count() == 0


def test_the_pixel_limit_is_configurable(app, field_setup, make_image):
    app.config["PHOTO_MAX_PIXELS"] = 1_000_000
    response = upload(field_setup, make_image(size=(1200, 900)), "foto.jpg")
    assert response.status_code == 422
    assert "paling banyak 1 megapiksel" in response.get_data(as_text=True)
    assert upload(field_setup, make_image(size=(1000, 900)), "foto.jpg").status_code == 200


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_truncated_photo_is_refused_in_bahasa(field_setup, make_image, fmt, keep):
    image = Image.effect_noise((300, 200), 80).convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt)
    data = out.getvalue()
    response = upload(field_setup, data[: int(len(data) * keep)], "foto." + fmt.lower())
    # Pillow reads some cut files to the end with grey padding; what it cannot read is a
    # clear refusal, never a 500.
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert "bukan foto" in response.get_data(as_text=True)
        assert violation_count() == 0


def test_garbage_after_a_png_signature_is_refused(field_setup):
    response = upload(field_setup, b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    assert response.status_code == 422
    assert "bukan foto" in response.get_data(as_text=True)


def test_photos_are_readable_by_the_app_user_only(app, field_setup, make_image):
    assert upload(field_setup, make_image(size=(300, 200)), "foto.jpg").status_code == 200
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # The photo and the timeline's thumbnail of it.
    files = list(folder.glob("*.jpg"))
    assert len(files) == 2 and any(f.name.endswith(".thumb.jpg") for f in files)
    for photo in files:
        assert stat.S_IMODE(photo.stat().st_mode) == 0o600, photo.name


def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "data" / "patroli.db"
    path.parent.mkdir()  # the folder exists (instance/); a missing one must fail, see healthz
    app = create_app(base_config("sqlite:///" + str(path)))
    with app.app_context():
        db.create_all()
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in tmp_path.glob("data/patroli.db-*"):  # -wal, -shm take the file's mode
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


def test_gunicorn_error_log_leaves_query_strings_out(tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    log = settings.get("logger_class", Logger)(cfg)
    try:
        raise SystemExit(1)  # what a worker killed on timeout is handling
    except SystemExit:
        log.exception("Error handling request %s %s", "GET", "/jaga/1?q=0812-3456-7890")
    log.error("Error handling request /c/tiket?nama=Budi+Santoso")
    for handler in logging.getLogger("gunicorn.error").handlers:
        handler.flush()
    text = (tmp_path / "error.log").read_text()
    assert "Error handling request GET /jaga/1" in text
    assert "Error handling request /c/tiket" in text
    assert "0812" not in text and "Budi" not in text and "?" not in text


def test_a_new_secret_key_file_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    from patrol.config import load_secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = load_secret_key(str(tmp_path / "instance"), production=False)
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_secret_key(str(tmp_path / "instance"), production=False) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_a_backup_is_readable_by_its_owner_only(app, tmp_path):
    from patrol.services.backup import backup_database

    target = tmp_path / "backups" / "patroli.backup"
    backup_database(app.config["SQLALCHEMY_DATABASE_URI"], target)
    assert target.stat().st_size > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
