"""gzip on the wire for make run: pages, fragments, static files and streams."""

from __future__ import annotations

import gzip

from patrol import create_app

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_a_page_goes_out_compressed_to_a_browser_that_accepts_gzip(client):
    plain = client.get("/taman")
    packed = client.get("/taman", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "HX-Request" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert gzip.decompress(packed.data) == plain.data
    assert "Content-Encoding" not in plain.headers


def test_a_static_script_is_compressed_once_and_revalidates(client):
    url = "/static/vendor/htmx-2.0.11/htmx.min.js"
    first = client.get(url, headers=GZIP)
    again = client.get(url, headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.data == again.data
    assert gzip.decompress(first.data) == client.get(url).data
    etag = first.headers["ETag"]
    unchanged = client.get(url, headers=GZIP | {"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""


def test_images_and_tiny_answers_go_out_as_they_are(client):
    icon = client.get("/static/icons/icon-192.png", headers=GZIP)
    assert icon.status_code == 200 and "Content-Encoding" not in icon.headers
    health = client.get("/healthz", headers=GZIP)
    assert health.json == {"status": "ok"} and "Content-Encoding" not in health.headers


def test_a_client_that_refuses_gzip_gets_plain_bytes(client):
    reply = client.get("/taman", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in reply.headers


def test_a_streamed_export_stays_a_valid_gzip_stream(client, create_user, login):
    login(client, create_user("admin"))
    plain = client.get("/admin/laporan/kunjungan.csv", buffered=True)
    packed = client.get("/admin/laporan/kunjungan.csv", headers=GZIP, buffered=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed.headers
    assert gzip.decompress(packed.data) == plain.data


def test_production_leaves_compression_to_nginx(monkeypatch, tmp_path):
    monkeypatch.setenv("PATROLI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("NIK_HMAC_KEY", "y" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "p.db"))
    app = create_app()
    assert app.config["COMPRESS_RESPONSES"] is False
    assert type(app.wsgi_app).__name__ != "GzipMiddleware"


def test_a_large_file_is_compressed_as_it_goes_not_read_whole(app, client, monkeypatch):
    from patrol.web import compress

    monkeypatch.setattr(compress, "WHOLE_MAX", 10_000)
    url = "/static/vendor/htmx-2.0.11/htmx.min.js"  # 52 KB
    packed = client.get(url, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed.headers  # chunked: never held whole
    assert gzip.decompress(packed.data) == client.get(url).data
