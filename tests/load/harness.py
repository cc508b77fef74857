"""A small harness for load and fault tests: gunicorn on a loopback port, and plain HTTP clients.

Only the standard library (urllib) talks to the server, so the figures measure the app and
not a client library. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
# Generous limits: the load comes from one address, which the real limits would throttle.
SERVER_ENV = {
    "SECRET_KEY": "load-test-secret",
    "PATROLI_ENV": "development",
    "CHECKIN_LIMIT_PER_IP": "100000 per minute",
    "CHECKIN_LIMIT_PER_ENTRANCE": "100000 per minute",
    "LOGIN_LIMIT_PER_IP": "100000 per minute",
    "LOGIN_LIMIT_PER_USER": "100000 per minute",
    "LOGIN_LIMIT_PER_USER_IP": "100000 per minute",
    "LOGIN_LIMIT_SUCCESS_PER_IP": "100000 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "ACCESS_LOG": "/dev/null",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_cli(database_url: str, *args: str) -> None:
    """Run ``flask --app patrol ARGS`` against a database (for ``db upgrade``)."""
    env = os.environ | SERVER_ENV | {"DATABASE_URL": database_url}
    subprocess.run(
        [str(BIN / "flask"), "--app", "patrol", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@dataclass
class Server:
    """A running gunicorn: its address, master process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        """Pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(database_url: str, tmp_path: Path, workers: int = 4, env: dict | None = None):
    """Serve wsgi:app with several workers on a free loopback port; stop it afterwards."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    full_env = os.environ | SERVER_ENV | (env or {}) | {"DATABASE_URL": database_url}
    full_env["WEB_CONCURRENCY"] = str(workers)
    full_env["BIND"] = f"127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(server.url + "/login", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start:\n" + server.log_text()) from None
                time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    body: str
    headers: dict = field(default_factory=dict)


class Browser:
    """One phone or officer: its own cookies; redirects are reported, not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, timeout: float = 30) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=timeout) as response:
                return Reply(response.status, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(errors="replace"), dict(error.headers))

    def send_json(self, path: str, payload, csrf_token: str, timeout: float = 60) -> Reply:
        """POST a JSON body with the CSRF header, as the offline outbox does."""
        request = urllib.request.Request(  # noqa: S310 (loopback test server)
            self.base + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token},
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(errors="replace"), dict(error.headers))

    def csrf(self, path: str) -> str:
        """GET a page and return the CSRF token it carries."""
        reply = self.request(path)
        match = CSRF.search(reply.body)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}: {reply.status}")
        return match.group(1)

    def log_in(self, username: str, password: str) -> None:
        token = self.csrf("/login")
        reply = self.request(
            "/login", {"username": username, "password": password, "csrf_token": token}
        )
        if reply.status != 302:
            raise RuntimeError(f"login failed: {reply.status}")
