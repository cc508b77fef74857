"""Benchmark plumbing: start servers, drive them with wrk, read the figures.

Only loopback addresses are ever targeted; every run is bounded in time.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def start_gunicorn(name: str, app: str, env: dict, workers: int, log: Path) -> Server:
    """Start gunicorn for ``app`` on a free loopback port and wait until it answers."""
    port = free_port()
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "/dev/null",
        "--error-logfile",
        str(log),
        "--chdir",
        str(ROOT),
        app,
    ]
    process = subprocess.Popen(cmd, env=os.environ | env, start_new_session=True, cwd=ROOT)
    server = Server(name, port, process)
    probe = f"{server.base}/healthz" if app.startswith("wsgi") else f"{server.base}/ok"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=1)
            return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} did not start; see {log}")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    p90_ms: float = 0.0


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, seconds: int, connections: int, lua: str | None = None) -> WrkResult:
    """Drive ``url`` with wrk; a Lua script sets method, body and headers when given."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    assert url.startswith("http://127.0.0.1:"), "benchmarks target loopback only"
    # A 10 s timeout: slow answers count in the latency figures instead of as errors.
    cmd = [wrk, "--latency", "--timeout", "10s", "-t", "2", "-c", str(connections)]
    cmd += ["-d", f"{seconds}s"]
    with tempfile.TemporaryDirectory() as tmp:
        if lua:
            script = Path(tmp) / "scenario.lua"
            script.write_text(lua)
            cmd += ["-s", str(script)]
        cmd.append(url)
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + 30, check=True
        ).stdout
    if not re.search(r"^\s+50%\s+[\d.]+\w", out, re.M):
        raise RuntimeError(f"wrk gave no latency figures for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    p90 = _ms(re.search(r"^\s+90%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return WrkResult(rps, p50, p99, total, errors, p90)


def gzip_size(data: bytes) -> int:
    """Bytes on the wire with gzip level 6, as nginx sends them (docs/deploy.md)."""
    return len(gzip.compress(data, compresslevel=6))


# src and href themselves: a data-...-src (jsQR, loaded on a camera scan) is not loaded.
ASSET = re.compile(r'(?<![\w-])(?:src|href)="(/static/[^"]+)"')


def page_weight(base: str, path: str, cookie: str | None = None) -> tuple[int, int, int]:
    """Gzip bytes of a cold load: the page and every static asset it links; and the count."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + path, headers=headers)
    html = urllib.request.urlopen(request, timeout=10).read()
    total = gzip_size(html)
    assets = sorted(set(ASSET.findall(html.decode("utf-8", "replace"))))
    for asset in assets:
        body = urllib.request.urlopen(base + asset, timeout=10).read()
        total += body and gzip_size(body)
    return total, gzip_size(html), len(assets)


# A small HTTP client for setting up scenarios -------------------------------------------


def violation_fields(zone: dict) -> dict[str, str]:
    """An officer's violation form as the benchmarks send it (the client UUID apart), at
    the centre of the scenario's zone (bench/fixtures.py)."""
    return {
        "category": "no_mask",
        "action": "verbal_warning",
        "people_count": "1",
        "lat": str(zone["lat"]),
        "lon": str(zone["lon"]),
        "accuracy": "8",
    }


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    # Body bytes as they crossed the wire (compressed when the server compressed them).
    wire: int = 0

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """Cookies kept by hand (Secure cookies too: the bench talks plain HTTP on loopback)."""

    def __init__(self, base: str, forwarded_for: str | None = None):
        assert base.startswith("http://127.0.0.1:"), "loopback only"
        self.base = base
        self.cookies: dict[str, str] = {}
        self.forwarded_for = forwarded_for
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, data=None, headers=None, base=None) -> Reply:
        """Send one request (form dict, JSON bytes or None), keep its cookies, never follow."""
        headers = dict(headers or {})
        # As a browser does: the page weights count what the server really sends.
        headers.setdefault("Accept-Encoding", "gzip")
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, bytes):
            body = data
        url = (base or self.base) + path
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            response = self._opener.open(request, timeout=30)
            status, hdrs, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, hdrs, payload = error.code, error.headers, error.read()
        for value in hdrs.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if cookie_value:
                self.cookies[name.strip()] = cookie_value
            else:
                self.cookies.pop(name.strip(), None)
        wire = len(payload)
        if (hdrs.get("Content-Encoding") or "").lower() == "gzip":
            payload = gzip.decompress(payload)
        return Reply(status, dict(hdrs.items()), payload, wire)

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> Reply:
        return self.request("POST", path, data=data, **kwargs)

    def csrf(self, path: str, base=None) -> str:
        """The CSRF token of the form on ``path`` (the session cookie comes with it)."""
        page = self.get(path, base=base)
        match = CSRF_INPUT.search(page.text) or CSRF_META.search(page.text)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path} (status {page.status})")
        return match.group(1)

    def login(self, username: str, password: str, base=None) -> Reply:
        """Log in through the real form; returns the reply (302 on success)."""
        token = self.csrf("/login", base=base)
        return self.post(
            "/login",
            {"csrf_token": token, "username": username, "password": password},
            base=base,
        )


# Databases ------------------------------------------------------------------------------


def postgres_admin_url(url: str) -> str:
    """The same server's maintenance database (to create and drop databases)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def fresh_postgres(url: str, suffix: str) -> str:
    """Create an empty database beside ``url`` named <db>_<suffix>; return its URL."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'patroli'}_{suffix}"
    assert re.fullmatch(r"[a-z0-9_]+", name), name
    with psycopg.connect(postgres_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def drop_postgres(url: str) -> None:
    """Drop a database made by fresh_postgres."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(postgres_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
