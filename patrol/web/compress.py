"""gzip on the wire when no reverse proxy does it (``make run``: gunicorn alone).

Production sits behind nginx, which compresses (docs/deploy.md), so the middleware is on
by default only outside production (``COMPRESS_RESPONSES``). Text answers of 512 bytes
or more are compressed when the client accepts gzip: pages and htmx fragments at level 6
as nginx does, static files at level 9 once per file version (kept in memory by path and
ETag, so a static file costs its compression once per worker), streamed answers and files
over 1 MB (export downloads) chunk by chunk, so that a stream still streams and a large
file never sits in memory.

ETags are left as they are: a compressed and a plain answer share one, which the
conditional requests of the guard board and of static files rely on; nothing here serves
byte ranges of a compressed answer.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator

COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/geo+json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
)
MIN_SIZE = 512
# Answers larger than this are compressed chunk by chunk rather than read whole.
WHOLE_MAX = 1024 * 1024
STATIC_PREFIX = "/static/"


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def _accepts_gzip(environ) -> bool:
    for part in environ.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class GzipMiddleware:
    """WSGI middleware: gzip the text answers of the wrapped app for clients that accept it."""

    def __init__(self, app, level: int = 6, static_level: int = 9, cache_entries: int = 256):
        self.app = app
        self.level = level
        self.static_level = static_level
        self.cache_entries = cache_entries
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "HEAD" or not _accepts_gzip(environ):
            return self.app(environ, start_response)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"], captured["exc_info"] = (
                status,
                headers,
                exc_info,
            )
            return self._no_write

        body = self.app(environ, capture)
        status, headers = captured["status"], captured["headers"]
        if not self._compressible(status, headers):
            start_response(status, headers, captured["exc_info"])
            return body
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "vary")] + [
            ("Content-Encoding", "gzip"),
            ("Vary", self._vary(captured["headers"])),
        ]
        length = _header(captured["headers"], "Content-Length")
        if length is None or int(length) > WHOLE_MAX:
            # Streamed answers, and large files (a year's export), compressed as they go:
            # the memory held stays a chunk, whatever the size.
            start_response(status, headers, captured["exc_info"])
            return self._stream(body)
        data = self._whole(environ, captured["headers"], body)
        start_response(status, [*headers, ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _no_write(_data):
        raise RuntimeError("the write() callable is not supported under GzipMiddleware")

    @staticmethod
    def _compressible(status: str, headers) -> bool:
        if not status.startswith("200"):
            return False
        if _header(headers, "Content-Encoding") or _header(headers, "Content-Range"):
            return False
        kind = (_header(headers, "Content-Type") or "").lower()
        if not kind.startswith(COMPRESSIBLE):
            return False
        length = _header(headers, "Content-Length")
        return length is None or int(length) >= MIN_SIZE

    @staticmethod
    def _vary(headers) -> str:
        values = [v.strip() for v in (_header(headers, "Vary") or "").split(",") if v.strip()]
        if "accept-encoding" not in (v.lower() for v in values):
            values.append("Accept-Encoding")
        return ", ".join(values)

    def _whole(self, environ, headers, body: Iterable[bytes]) -> bytes:
        path = environ.get("PATH_INFO", "")
        key = None
        etag = _header(headers, "ETag")
        if path.startswith(STATIC_PREFIX) and etag:
            key = (path, etag)
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
            if cached is not None:
                _close(body)
                return cached
        try:
            raw = b"".join(body)
        finally:
            _close(body)
        data = gzip.compress(raw, compresslevel=self.static_level if key else self.level)
        if key is not None:
            with self._lock:
                self._cache[key] = data
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
        return data

    def _stream(self, body: Iterable[bytes]) -> Iterator[bytes]:
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        try:
            for chunk in body:
                if chunk:
                    out = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
                    if out:
                        yield out
            yield compressor.flush()
        finally:
            _close(body)


def _close(body) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()
