"""`make deploy-test`: the files in deploy/ run as production runs them, on this machine.

From deploy/ and nothing else: the units are checked with ``systemd-analyze verify`` and
the nginx site with ``nginx -t``; then two instances start exactly as patroli.service
starts them (its ExecStart, WorkingDirectory, User and Group, UMask, RuntimeDirectory, and
the variables of the env template read the way systemd reads EnvironmentFile=), behind
nginx with the site file (TLS on a non-default port), over one PostgreSQL (a role and a
database made as docs/deploy.md says) and one Redis. Only what must differ on one machine
is changed, by fixed substitutions that fail when a file no longer has them: production
paths map into a temporary folder (/srv/patroli is this checkout), listen ports and
instance addresses are loopback ones, and each instance gets its own BIND, as each host
has. Instance A reaches PostgreSQL through a small TCP relay, the network between host A
and the database, so that the test can take the database away from A alone. Without
systemd the read-only file system is approximated by the service user: it owns nothing of
the checkout.

Then, through nginx: a session across instances, the shared login limit, forged
forwarded headers, the public cache, versioned static files, a photo through either
instance, a killed instance, an instance whose database is down taken out of rotation,
each scheduled job, backup then restore with equal counts, and no query string in any log.

Environment: DEPLOY_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL; databases named
<db>_deploy... are made and dropped), DEPLOY_REDIS_URL (default redis://127.0.0.1:6379/8).
Run as root (it makes the service user, runs nginx and switches users). Prints PASS/FAIL
lines and "deploy-test: N passed, M failed"; exits 1 on any failure.
"""

from __future__ import annotations

import configparser
import contextlib
import http.client
import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVICE_USER = "patroli"
MARKER = "081299990000"  # a phone number in query strings; it must appear in no log
# The service's virtualenv, made by `make deploy-test` from Debian's python3 as docs/deploy.md
# makes /srv/patroli/.venv (a python under /root is out of the service user's reach).
SERVICE_VENV = ROOT / ".venv" / "service"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))


# ProtectSystem=strict, ReadWritePaths= and PrivateTmp= as far as a mount namespace goes
# (run by unshare as root; the unit's user is taken on at the end). This run's folder lives
# under /tmp, and so may the checkout (a CI clone): they are carried over the fresh /tmp
# through a tmpfs on /mnt (nothing is left on disk). Every mount but /proc, /sys and /dev
# is made read-only, then the writable folders are bound writable again.
SANDBOX = """set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /mnt
n=0
for keep in {carry}; do
    mkdir -p "/mnt/$n"
    mount --bind "$keep" "/mnt/$n"
    n=$((n + 1))
done
mount -t tmpfs -o mode=1777 tmpfs /tmp
n=0
for keep in {carry}; do
    mkdir -p "$keep"
    mount --move "/mnt/$n" "$keep"
    n=$((n + 1))
done
awk '{{print $5}}' /proc/self/mountinfo | while read -r point; do
    case "$point" in /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /tmp) continue ;; esac
    mount -o remount,bind,ro "$point" 2>/dev/null || true
done
for path in {writable}; do
    mount --bind "$path" "$path"
    mount -o remount,bind,rw "$path"
done
umask {umask}
exec setpriv --reuid={user} --regid={group} --clear-groups -- "$@"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, check=True, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 180)
    result = subprocess.run(cmd, **kwargs)  # noqa: S603 - fixed programs, our own arguments
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} exited {result.returncode}:\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return result


# The files, mapped onto this machine -----------------------------------------------------


class Layout:
    """Where the production paths of deploy/ live during this run."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.map = [
            ("/etc/letsencrypt/live/patroli.malangkota.go.id", tmp / "tls"),
            ("/var/cache/nginx/patroli", tmp / "nginx-cache"),
            ("/var/backups/patroli", tmp / "var/backups/patroli"),
            ("/etc/nginx/patroli", tmp / "etc/nginx/patroli"),
            ("/var/lib/patroli", tmp / "var/lib/patroli"),
            ("/var/log/nginx", tmp / "log"),
            ("/etc/patroli", tmp / "etc/patroli"),
            ("/srv/patroli/.venv", SERVICE_VENV),
            ("/srv/patroli", ROOT),
        ]

    def local(self, text: str) -> str:
        for production, here in self.map:
            text = text.replace(production, str(here))
        return text

    def path(self, production: str) -> Path:
        return Path(self.local(production))


def read_unit(name: str) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((DEPLOY / name).read_text())
    return {section: dict(parser[section]) for section in parser.sections()}


def read_env_file(path: Path) -> dict[str, str]:
    """EnvironmentFile= as systemd reads the file's format: KEY=VALUE, # or ; comments."""
    env = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path}:{number}: {line!r}"
        env[key] = value
    return env


def env_template_problems() -> list[str]:
    """Lines of the env template that systemd would read differently from a human."""
    problems = []
    for number, line in enumerate((DEPLOY / "patroli.env").read_text().splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
            problems.append(f"line {number}: not KEY=VALUE")
        if "#" in value or value != value.strip() or value[:1] in "\"'":
            problems.append(f"line {number}: comment, spaces or quotes in the value of {key}")
    return problems


def tmpfiles_entries() -> list[tuple[str, int, str, str]]:
    entries = []
    for line in (DEPLOY / "patroli.tmpfiles").read_text().splitlines():
        if line.startswith("d "):
            _, path, mode, user, group, _age = line.split()
            entries.append((path, int(mode, 8), user, group))
    return entries


# A small HTTPS/HTTP client with cookies and its own loopback source address --------------

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One visitor. Each client talks from its own 127.x.y.z address, so that rate limits
    of earlier runs (kept in Redis) never meet this one."""

    def __init__(self, port: int, tls: bool = True):
        self.port, self.tls = port, tls
        self.source = (
            f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
        )
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, port=None, tls=None) -> Reply:
        port = port or self.port
        tls = self.tls if tls is None else tls
        if tls:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", port, context=self.context, timeout=30, source_address=(self.source, 0)
            )
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30, source_address=(self.source, 0)
            )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for value in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie = rest.split(";", 1)[0]
            if cookie:
                self.cookies[name.strip()] = cookie
            else:
                self.cookies.pop(name.strip(), None)
        return reply

    def get(self, path, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path, body, csrf_from: str, headers=None, **kwargs) -> Reply:
        headers = {"Referer": self.base + csrf_from} | dict(headers or {})
        return self.request("POST", path, body=body, headers=headers, **kwargs)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_INPUT.search(page.text) or re.search(
            r'name="csrf-token" content="([^"]+)"', page.text
        )
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)

    def login(self, username: str, password: str) -> Reply:
        token = self.csrf("/login")
        form = {"csrf_token": token, "username": username, "password": password}
        return self.post("/login", form, csrf_from="/login")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
    boundary = secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, data, mimetype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {mimetype}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# The network between host A and PostgreSQL -----------------------------------------------


class Relay:
    """A TCP relay to PostgreSQL that can be cut (all connections dropped) and restored."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.up = False
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = None
        self.restore()

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.up = True
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        self.up = False
        # shutdown() wakes the thread blocked in accept(); close() alone leaves it listening.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.conns.clear()

    def _accept(self, listener):
        while self.up:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


# The deployment --------------------------------------------------------------------------


class Deployment:
    def __init__(self, tmp: Path, pg_url: str, redis_url: str):
        self.tmp = tmp
        self.layout = Layout(tmp)
        self.redis_url = redis_url
        parts = urllib.parse.urlsplit(pg_url)
        self.pg_admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        self.pg_host, self.pg_port = parts.hostname or "127.0.0.1", parts.port or 5432
        base = (parts.path.lstrip("/") or "patroli").replace("-", "_")
        suffix = f"deploy{os.getpid()}"
        self.db_name = f"{base}_{suffix}"
        self.restore_name = f"{base}_{suffix}_restore"
        self.role = f"patroli_{suffix}"
        self.role_password = secrets.token_hex(12)
        self.instances: dict[str, dict] = {}
        self.relay: Relay | None = None
        self.nginx_pid: int | None = None
        self.tls_port, self.http_port = free_port(), free_port()
        self.data: dict = {}
        self.service = read_unit("patroli.service")["Service"]
        self.logs: list[Path] = []
        self.sandbox = False

    # PostgreSQL, the way docs/deploy.md makes the role and database.
    def psql(self, sql: str, database: str = "postgres") -> str:
        url = urllib.parse.urlsplit(self.pg_admin)._replace(path="/" + database).geturl()
        return run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).stdout

    def database_url(self, name: str, port: int | None = None) -> str:
        return (
            f"postgresql://{self.role}:{self.role_password}@{self.pg_host}:"
            f"{port or self.pg_port}/{name}"
        )

    def create_database(self, name: str):
        admin = urllib.parse.urlsplit(self.pg_admin)
        env = os.environ | {"PGHOST": self.pg_host, "PGPORT": str(self.pg_port)}
        env["PGUSER"] = admin.username or "postgres"
        run(["createdb", "-O", self.role, name], env=env)

    def make_database(self):
        self.psql(f"CREATE ROLE {self.role} LOGIN PASSWORD '{self.role_password}'")
        self.create_database(self.db_name)

    def drop_databases(self):
        for name in (self.db_name, self.restore_name):
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f"DROP ROLE IF EXISTS {self.role}")

    def counts(self, database: str) -> dict[str, int]:
        tables = self.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database
        ).split()
        # Table names from the catalogue of a database this run made.
        union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)  # noqa: S608
        rows = self.psql(union, database).splitlines()
        return {name: int(n) for name, n in (row.split("|") for row in rows)}

    def sql(self, query: str) -> str:
        return self.psql(query, self.db_name).strip()

    # The host: service user, folders (tmpfiles), env file.
    def prepare_host(self):
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            run(
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    SERVICE_USER,
                ]
            )
        self.user = pwd.getpwnam(SERVICE_USER)
        probe = run(["unshare", "--mount", "--", "true"], check=False)
        self.sandbox = probe.returncode == 0
        # Each host's own BIND (the one line that differs between hosts' env files).
        self.binds = {"A": f"127.0.0.1:{free_port()}", "B": f"127.0.0.1:{free_port()}"}
        self.tmp.chmod(0o755)
        for production, mode, user, group in tmpfiles_entries():
            here = self.layout.path(production)
            existed = here.exists()
            here.mkdir(parents=True, exist_ok=True)
            if existed and str(here).startswith(str(ROOT)):
                continue  # a developer's instance folder: left as it is
            shutil.chown(here, user, group)
            here.chmod(mode)
        for parent in (self.tmp / "var", self.tmp / "var/lib", self.tmp / "var/backups"):
            parent.chmod(0o755)
        etc = self.layout.path("/etc/patroli")
        etc.mkdir(parents=True)
        text = (DEPLOY / "patroli.env").read_text()
        values = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "NIK_HMAC_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": self.database_url(self.db_name),
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "BIND": self.binds["A"],
            "CHECKIN_BASE_URL": f"https://127.0.0.1:{self.tls_port}",
            # Two workers an instance: CI machines are small.
            "WEB_CONCURRENCY": "2",
        }
        for key, value in values.items():
            text, n = re.subn(rf"^{key}=.*$", f"{key}={value}", text, flags=re.M)
            assert n == 1, f"deploy/patroli.env has no single {key}= line"
        env_file = self.layout.path("/etc/patroli/env")
        env_file.write_text(self.layout.local(text))
        shutil.chown(env_file, "root", SERVICE_USER)
        env_file.chmod(0o640)
        self.env_file = env_file
        self.env = read_env_file(env_file)

    def unit_env(self, extra: dict | None = None) -> dict:
        """What systemd gives a unit's process: a fixed PATH, the user, the env file."""
        return (
            {
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG": "C.UTF-8",
                "HOME": self.user.pw_dir,
                "USER": SERVICE_USER,
                "LOGNAME": SERVICE_USER,
            }
            | self.env
            | (extra or {})
        )

    def unit_command(
        self, service: dict, argv: list[str], runtime: Path | None = None
    ) -> tuple[list[str], dict]:
        """Popen arguments for a unit's process: its user, group and umask, and, where a
        mount namespace can be had, ProtectSystem=strict with its ReadWritePaths= (and the
        runtime directory) writable and PrivateTmp= (a fresh /tmp, this run's folder kept)."""
        user, group = service["User"], service["Group"]
        umask = service.get("UMask", "0022")
        if not self.sandbox:
            return argv, {"user": user, "group": group, "extra_groups": [], "umask": int(umask, 8)}
        writable = [self.layout.local(p) for p in service.get("ReadWritePaths", "").split()]
        if runtime:
            writable.append(str(runtime))
        # The checkout too when it lies under /tmp (the fresh /tmp would hide it).
        carry = [self.tmp] + ([ROOT] if ROOT.is_relative_to(tempfile.gettempdir()) else [])
        script = SANDBOX.format(
            carry=" ".join(f"'{p}'" for p in carry),
            writable=" ".join(f"'{p}'" for p in writable),
            umask=umask,
            user=user,
            group=group,
        )
        return ["unshare", "--mount", "--", "sh", "-c", script, "unit", *argv], {}

    def run_as_unit(self, unit: str, extra_env: dict | None = None, timeout=300):
        """A oneshot unit's ExecStart, as systemd would run it."""
        service = read_unit(unit)["Service"]
        assert service.get("EnvironmentFile") == "/etc/patroli/env", unit
        argv, how = self.unit_command(service, self.layout.local(service["ExecStart"]).split())
        return subprocess.run(  # noqa: S603 - the unit's own command
            argv,
            cwd=self.layout.local(service.get("WorkingDirectory", "/")),
            env=self.unit_env(extra_env),
            **how,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def wrapper(self, *args, check=True) -> subprocess.CompletedProcess:
        """deploy/patroli-flask, run by root as a human would."""
        env = {
            "PATH": os.environ["PATH"],
            "PATROLI_HOME": str(ROOT),
            "PATROLI_VENV": str(SERVICE_VENV),
            "PATROLI_ENV_FILE": str(self.env_file),
        }
        return run([str(DEPLOY / "patroli-flask"), *args], env=env, check=check)

    # Instances, as patroli.service runs them.
    def start_instance(self, name: str, db_port: int | None = None):
        service = self.service
        bind = self.binds[name]
        runtime = self.tmp / "run" / name
        shutil.rmtree(runtime, ignore_errors=True)
        runtime.mkdir(parents=True)
        shutil.chown(runtime, service["User"], service["Group"])
        runtime.chmod(int(service["RuntimeDirectoryMode"], 8))
        overrides = {"BIND": bind, "RUNTIME_DIRECTORY": str(runtime)}
        if db_port:
            overrides["DATABASE_URL"] = self.database_url(self.db_name, db_port)
        log = self.tmp / f"gunicorn-{name}.log"
        self.logs.append(log)
        argv, how = self.unit_command(
            service, self.layout.local(service["ExecStart"]).split(), runtime
        )
        process = subprocess.Popen(  # noqa: S603 - the unit's own command
            argv,
            cwd=self.layout.local(service["WorkingDirectory"]),
            env=self.unit_env(overrides),
            **how,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        port = int(bind.rsplit(":", 1)[1])
        self.instances[name] = {
            "process": process,
            "bind": bind,
            "port": port,
            "runtime": runtime,
            "db_port": db_port,
        }
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(
                    f"instance {name} exited; see {log}:\n{log.read_text()[-3000:]}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"instance {name} did not answer /healthz; see {log}")

    def kill_instance(self, name: str):
        process = self.instances[name]["process"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_instances(self):
        for instance in self.instances.values():
            process = instance["process"]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)

    # nginx with the site file.
    def nginx_files(self) -> Path:
        prefix = self.tmp / "nginx"
        for folder in ("tmp", "log", "tls", "nginx-cache"):
            (self.tmp / folder).mkdir(exist_ok=True)
        (prefix / "tmp").mkdir(parents=True, exist_ok=True)
        shutil.chown(prefix / "tmp", "www-data", "www-data")
        shutil.chown(self.tmp / "nginx-cache", "www-data", "www-data")
        tls = self.layout.path("/etc/letsencrypt/live/patroli.malangkota.go.id")
        run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(tls / "privkey.pem"),
                "-out",
                str(tls / "fullchain.pem"),
            ]
        )
        site = (DEPLOY / "nginx-patroli.conf").read_text()
        for pattern, replacement in (
            (r"listen 443 ssl http2;", f"listen 127.0.0.1:{self.tls_port} ssl http2;"),
            (r"\n\s*listen \[::\]:443 ssl http2;", ""),
            (r"listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            (r"\n\s*listen \[::\]:80;", ""),
        ):
            site, n = re.subn(pattern, replacement, site)
            assert n == 1, f"nginx-patroli.conf: {pattern!r} found {n} times"
        (prefix / "site.conf").write_text(self.layout.local(site))
        upstream_file = self.layout.path("/etc/nginx/patroli/upstream.conf")
        upstream_file.parent.mkdir(parents=True, exist_ok=True)
        upstream_file.write_text(self.upstream_text((DEPLOY / "patroli-upstream.conf").read_text()))
        upstreams = self.layout.path("/etc/patroli/upstreams")
        upstreams.write_text(self.upstream_text((DEPLOY / "upstreams").read_text()))
        tmp = prefix / "tmp"
        (prefix / "nginx.conf").write_text(
            f"""user www-data;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {self.tmp}/log/nginx-main-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.tmp}/log/nginx-default-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {prefix}/site.conf;
}}
"""
        )
        return prefix

    def upstream_text(self, text: str) -> str:
        addresses = [self.binds["A"], self.binds["B"]]
        for production, here in zip(("10.0.0.11:8000", "10.0.0.12:8000"), addresses, strict=True):
            assert production in text
            text = text.replace(production, here)
        return text

    @property
    def nginx(self) -> list[str]:
        prefix = self.tmp / "nginx"
        return ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")]

    def start_nginx(self):
        run(self.nginx)
        pid_file = self.tmp / "nginx" / "nginx.pid"
        for _ in range(50):
            if pid_file.exists() and pid_file.read_text().strip():
                self.nginx_pid = int(pid_file.read_text())
                return
            time.sleep(0.1)
        raise AssertionError("nginx wrote no pid file")

    def stop_nginx(self):
        if self.nginx_pid:
            try:
                os.kill(self.nginx_pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            for _ in range(50):
                try:
                    os.kill(self.nginx_pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)

    def upstream_check(self) -> subprocess.CompletedProcess:
        """deploy/patroli-upstream-check, as its timer runs it (then nginx has reloaded)."""
        nginx = " ".join(self.nginx)
        env = {
            "PATH": os.environ["PATH"],
            "PATROLI_UPSTREAMS": str(self.layout.path("/etc/patroli/upstreams")),
            "PATROLI_UPSTREAM_CONF": str(self.layout.path("/etc/nginx/patroli/upstream.conf")),
            "PATROLI_NGINX": nginx,
            "PATROLI_NGINX_RELOAD": f"{nginx} -s reload",
        }
        result = run([str(DEPLOY / "patroli-upstream-check")], env=env, check=False)
        (self.tmp / "log" / "upstream-check.log").open("a").write(result.stdout + result.stderr)
        time.sleep(1.5)  # the reload replaces the workers
        return result

    def access_log(self) -> list[str]:
        path = self.tmp / "log" / "patroli-access.log"
        return path.read_text().splitlines() if path.exists() else []


# Checks on the files alone ---------------------------------------------------------------


def units_pass_systemd_analyze_verify(d: Deployment) -> str:
    folder = d.tmp / "units"
    folder.mkdir()
    for unit in UNITS:
        (folder / unit.name).write_text(d.layout.local(unit.read_text()))
    result = run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in folder.iterdir())],
        check=False,
        cwd=folder,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not output, f"systemd-analyze verify:\n{output}"
    problems = []
    for timer in DEPLOY.glob("*.timer"):
        sections = read_unit(timer.name)
        if sections.get("Install", {}).get("WantedBy") != "timers.target":
            problems.append(f"{timer.name}: no [Install] WantedBy=timers.target")
        if not (DEPLOY / timer.name.replace(".timer", ".service")).exists():
            problems.append(f"{timer.name}: no service of its name")
        calendar = sections["Timer"].get("OnCalendar")
        if calendar:
            run(["systemd-analyze", "calendar", calendar])
    made = {path for path, *_ in tmpfiles_entries()}
    for unit in DEPLOY.glob("*.service"):
        for path in read_unit(unit.name)["Service"].get("ReadWritePaths", "").split():
            if path not in made:
                problems.append(f"{unit.name}: ReadWritePaths {path} is made by no tmpfiles line")
    modes = {path: mode for path, mode, *_ in tmpfiles_entries()}
    if modes.get("/var/backups/patroli") != 0o700:
        problems.append("patroli.tmpfiles: /var/backups/patroli is not 0700")
    problems += [f"patroli.env {p}" for p in env_template_problems()]
    assert not problems, "; ".join(problems)
    return (
        f"{len(UNITS)} units verified (paths mapped to this checkout); every timer has "
        "[Install] and its service; every ReadWritePaths folder is made by patroli.tmpfiles; "
        "the env template has comments on their own lines only"
    )


def nginx_site_passes_nginx_t(d: Deployment) -> str:
    d.nginx_files()
    result = run([*d.nginx, "-t"], check=False)
    assert result.returncode == 0, result.stderr
    return f"nginx -t on deploy/nginx-patroli.conf (TLS on 127.0.0.1:{d.tls_port}): ok"


def docs_agree_on_job_names_and_times(d: Deployment) -> str:
    readme, guide = (ROOT / "README.md").read_text(), (ROOT / "docs/deploy.md").read_text()
    missing = []
    for timer in DEPLOY.glob("*.timer"):
        calendar = read_unit(timer.name)["Timer"].get("OnCalendar")
        for name, text in (("README.md", readme), ("docs/deploy.md", guide)):
            if timer.name not in text:
                missing.append(f"{name} does not name {timer.name}")
            if calendar and calendar not in text:
                missing.append(f"{name} does not give {timer.name}'s time {calendar}")
    assert not missing, "; ".join(missing)
    return "README.md and docs/deploy.md name every timer with its OnCalendar time"


# Checks on the running deployment ----------------------------------------------------------


def officer_client(d: Deployment, index: int = 0) -> tuple[Client, dict]:
    client = Client(d.tls_port)
    officer = d.data["officers"][index]
    reply = client.login(officer["username"], d.data["password"])
    assert reply.status == 302, f"login through nginx answered {reply.status}: {reply.text[:300]}"
    return client, officer


def session_works_across_instances(d: Deployment) -> str:
    client, officer = officer_client(d)
    assert any(v for v in client.cookies.values()), "no session cookie"
    for name, instance in d.instances.items():
        home = client.get("/patroli/", port=instance["port"], tls=False)
        assert home.status == 200 and "Petugas 00" in home.text, f"{name}: {home.status}"
    visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
    zone = d.data["zone"]
    token = client.csrf(visit)
    for _ in range(2):  # round robin: one on each instance
        form = {
            "uuid": str(uuid.uuid4()),
            "headcount": "12",
            "lat": zone["lat"],
            "lon": zone["lon"],
            "accuracy": "8",
        }
        reply = client.post(
            visit + "/hitung",
            form,
            csrf_from=visit,
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )
        assert reply.status == 200, f"crowd count through nginx: {reply.status}"
    return (
        f"logged in through nginx (https on port {d.tls_port}: CSRF and Referer checks pass); "
        "both instances serve the officer's home with that cookie; posts through nginx saved"
    )


def login_limit_is_shared_and_forwarded_headers_are_not_believed(d: Deployment) -> str:
    client = Client(d.tls_port)
    username = f"tamu_{secrets.token_hex(4)}"
    token = client.csrf("/login")  # once: the posts then alternate between the instances
    form = {"csrf_token": token, "username": username, "password": "salah"}
    statuses = [client.post("/login", form, csrf_from="/login").status for _ in range(6)]
    assert statuses == [401] * 5 + [429], f"per-user limit: {statuses}"
    upstreams = {
        line.split("upstream=")[1].split()[0]
        for line in d.access_log()
        if '"POST /login ' in line and "upstream=127" in line
    }
    assert len(upstreams) == 2, f"the login posts reached only {upstreams}"
    # Forged client addresses: nginx replaces X-Forwarded-For, so every attempt counts
    # against this client's one address, and the per-address limit (20) is reached.
    forger = Client(d.tls_port)
    attempts = 0
    for _ in range(22):
        attempts += 1
        forged = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        token = forger.csrf("/login")
        form = {"csrf_token": token, "username": f"x{secrets.token_hex(4)}", "password": "salah"}
        status = forger.post(
            "/login", form, csrf_from="/login", headers={"X-Forwarded-For": forged}
        ).status
        if status == 429:
            break
    assert status == 429, f"22 logins with forged X-Forwarded-For and no 429 ({status})"
    return (
        f"5 failures over both instances ({', '.join(sorted(upstreams))}), then 429; forged "
        f"X-Forwarded-For ignored: 429 after {attempts} attempts from one address"
    )


def public_pages_are_cached_for_everyone(d: Deployment) -> str:
    client, _ = officer_client(d, 1)
    seen = []
    for path in ("/taman", "/taman", "/api/v1/parks", "/api/v1/parks"):
        reply = client.get(path)
        assert reply.status == 200, f"{path}: {reply.status}"
        assert not reply.headers.get_all("Set-Cookie"), f"{path} sets a cookie"
        assert "cookie" not in (reply.headers.get("Vary") or "").lower(), f"{path} varies on Cookie"
        assert reply.headers["Cache-Control"].startswith("public"), reply.headers["Cache-Control"]
        assert "Petugas 01" not in reply.text, f"{path} shows the logged-in officer"
        seen.append(reply.headers.get("X-Cache-Status"))
    assert seen[1] == "HIT" and seen[3] == "HIT", f"cache status {seen}"
    english = Client(d.tls_port).get(f"/taman?lang=en&q={MARKER}")
    assert english.status == 200 and '<html lang="en">' in english.text
    redirect = Client(d.http_port, tls=False).get(f"/taman?q={MARKER}")
    assert redirect.status == 301 and redirect.headers["Location"].startswith("https://")
    return (
        f"a logged-in officer gets the anonymous pages, no Set-Cookie, no Vary: Cookie, "
        f"nginx cache {seen}; ?lang=en gives English; http redirects to https"
    )


def static_files_are_cached_long_only_when_versioned(d: Deployment) -> str:
    page = Client(d.tls_port).get("/login").text
    match = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert match, "app.css is linked without ?v="
    versioned = Client(d.tls_port).get(match.group(1))
    plain = Client(d.tls_port).get("/static/css/app.css")
    assert versioned.status == plain.status == 200
    assert "immutable" in versioned.headers["Cache-Control"], versioned.headers["Cache-Control"]
    assert plain.headers["Cache-Control"] == "no-cache", plain.headers["Cache-Control"]
    return f"{match.group(1)}: a year, immutable; /static/css/app.css: no-cache"


def photo_is_seen_through_either_instance(d: Deployment) -> str:
    from io import BytesIO

    from PIL import Image

    client, officer = officer_client(d, 0)
    visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
    token = client.csrf(visit + "/pelanggaran")
    image = BytesIO()
    Image.new("RGB", (320, 240), (200, 40, 40)).save(image, "JPEG")
    zone = d.data["zone"]
    record = str(uuid.uuid4())
    body, content_type = multipart(
        {
            "csrf_token": token,
            "uuid": record,
            "category": "no_mask",
            "action": "verbal_warning",
            "people_count": "1",
            "lat": str(zone["lat"]),
            "lon": str(zone["lon"]),
            "accuracy": "8",
        },
        {"photo": ("foto.jpg", image.getvalue(), "image/jpeg")},
    )
    reply = client.post(
        visit + "/pelanggaran", body, csrf_from=visit, headers={"Content-Type": content_type}
    )
    assert reply.status == 200, f"violation with photo: {reply.status} {reply.text[:300]}"
    entry_id, photo_path = d.sql(
        f"SELECT id, photo_path FROM violations WHERE uuid = '{uuid.UUID(record)}'"  # noqa: S608
    ).split("|")
    stored = d.layout.path("/var/lib/patroli/uploads") / photo_path
    info = stored.stat()
    assert pwd.getpwuid(info.st_uid).pw_name == SERVICE_USER, "photo not owned by patroli"
    assert info.st_mode & 0o007 == 0, f"photo readable by others ({oct(info.st_mode)})"
    bodies = set()
    for name, instance in d.instances.items():
        photo = client.get(
            f"/patroli/pelanggaran/{entry_id}/foto", port=instance["port"], tls=False
        )
        assert photo.status == 200, f"photo on {name}: {photo.status}"
        bodies.add(photo.body)
    through_nginx = client.get(f"/patroli/pelanggaran/{entry_id}/foto")
    assert through_nginx.status == 200 and {through_nginx.body} == bodies and len(bodies) == 1
    return (
        f"uploaded through nginx into UPLOAD_FOLDER (owner {SERVICE_USER}, mode "
        f"{oct(info.st_mode & 0o777)}); the same bytes from A, B and nginx"
    )


def killed_instance_is_passed_over(d: Deployment) -> str:
    client, officer = officer_client(d, 1)
    d.kill_instance("A")
    time.sleep(0.5)  # nginx drops its kept-alive connections to A as they close
    try:
        statuses = [client.get(f"/patroli/?q={MARKER}").status for _ in range(10)]
        visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
        token = client.csrf(visit)
        zone = d.data["zone"]
        posts = []
        for _ in range(4):
            form = {
                "uuid": str(uuid.uuid4()),
                "headcount": "7",
                "lat": zone["lat"],
                "lon": zone["lon"],
                "accuracy": "8",
            }
            posts.append(
                client.post(
                    visit + "/hitung",
                    form,
                    csrf_from=visit,
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                ).status
            )
    finally:
        d.start_instance("A", d.instances["A"]["db_port"])
    assert set(statuses) == {200}, f"GETs with A killed: {statuses}"
    assert set(posts) == {200}, f"POSTs with A killed: {posts}"
    return "A killed (SIGKILL): 10 GETs and 4 POSTs through nginx all answered by B; A restarted"


def database_down_instance_is_taken_out(d: Deployment) -> str:
    client, officer = officer_client(d, 0)
    a = d.instances["A"]
    d.relay.cut()
    try:
        for _ in range(30):
            conn = http.client.HTTPConnection("127.0.0.1", a["port"], timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 503:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("A's /healthz did not turn 503 with its database cut off")
        # Before the health check has run: nginx retries idempotent requests elsewhere.
        retried = [client.get("/patroli/").status for _ in range(8)]
        assert set(retried) == {200}, f"GETs before the health check: {retried}"
        check = d.upstream_check()
        assert check.returncode == 0, check.stderr
        upstream = d.layout.path("/etc/nginx/patroli/upstream.conf").read_text()
        assert f"server {a['bind']} max_fails=2 fail_timeout=10s down;" in upstream, upstream
        start = len(d.access_log())
        visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
        token = client.csrf(visit)
        zone = d.data["zone"]
        statuses = [client.get("/patroli/").status for _ in range(6)]
        for _ in range(4):
            form = {
                "uuid": str(uuid.uuid4()),
                "headcount": "9",
                "lat": zone["lat"],
                "lon": zone["lon"],
                "accuracy": "8",
            }
            statuses.append(
                client.post(
                    visit + "/hitung",
                    form,
                    csrf_from=visit,
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                ).status
            )
        assert set(statuses) == {200}, f"with A out of the upstream: {statuses}"
        reached = {line.split("upstream=")[1].split()[0] for line in d.access_log()[start:]}
        assert a["bind"] not in " ".join(reached), f"A still received requests: {reached}"
    finally:
        d.relay.restore()
    for _ in range(30):
        conn = http.client.HTTPConnection("127.0.0.1", a["port"], timeout=5)
        conn.request("GET", "/healthz")
        if conn.getresponse().status == 200:
            break
        time.sleep(0.5)
    back = d.upstream_check()
    upstream = d.layout.path("/etc/nginx/patroli/upstream.conf").read_text()
    assert back.returncode == 0 and " down;" not in upstream, upstream
    return (
        "A's database cut off: GETs retried on B (all 200) before the check; "
        "patroli-upstream-check marked A down and reloaded nginx; 10 requests then all on B; "
        "A back in after its database returned"
    )


def each_scheduled_job_runs(d: Deployment) -> str:
    # The board office's three visitors came in five minutes before a closing time that
    # has just passed (WIB), so close-offices has them to check out.
    office = d.data["board_office_id"]
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    closing = (now - timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    expect_closed = now.time() >= dt_time(0, 10)  # not across midnight
    # Values of this run only (an id and a time), through psql as everywhere here.
    earlier = "UPDATE checkins SET checked_in_at = checked_in_at - interval '5 minutes'"
    d.sql(f"{earlier} WHERE office_id = {int(office)}")  # noqa: S608
    hours = f"opens_at = '00:00', closes_at = '{closing:%H:%M}'"
    d.sql(f"UPDATE offices SET {hours} WHERE id = {int(office)}")  # noqa: S608
    done = []
    for timer in sorted(DEPLOY.glob("patroli-*.timer")):
        unit = timer.name.replace(".timer", ".service")
        if unit in ("patroli-backup.service", "patroli-upstream-check.service"):
            continue  # checked on their own
        result = d.run_as_unit(unit)
        assert result.returncode == 0, f"{unit}: {result.stdout}{result.stderr}"
        done.append(f"{unit} ({result.stdout.strip().splitlines()[0]})")
        if unit == "patroli-close-offices.service" and expect_closed:
            assert "checked out at closing time: 3" in result.stdout, result.stdout
    partitions = int(
        d.sql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'checkins'::regclass")
    )
    assert partitions >= 4, f"{partitions} check-in partitions"
    wrapped = d.wrapper("close-offices")
    assert "checked out at closing time" in wrapped.stdout, wrapped.stdout
    return "; ".join(done) + f"; {partitions} partitions; patroli-flask close-offices as root: ok"


def units_see_a_read_only_system(d: Deployment) -> str:
    uploads = d.layout.path("/var/lib/patroli/uploads")
    temporary = Path(tempfile.gettempdir()) / f"patroli-deploy-probe-{os.getpid()}"
    targets = {
        "the code": ROOT / "deploy-probe",
        "/etc": Path("/etc/patroli-deploy-probe"),
        "/etc/patroli": d.env_file.parent / "probe",
        "UPLOAD_FOLDER": uploads / "probe",
        "the temporary folder": temporary,
    }
    script = "; ".join(
        f"touch '{path}' 2>/dev/null && echo '{name}'" for name, path in targets.items()
    )
    argv, how = d.unit_command(d.service, ["sh", "-c", script + "; true"])
    result = subprocess.run(  # noqa: S603 - a probe under the unit's sandbox
        argv, env=d.unit_env(), capture_output=True, text=True, timeout=60, **how
    )
    wrote = set(result.stdout.split("\n")) - {""}
    leaked = temporary.exists()
    for path in (uploads / "probe", temporary):
        path.unlink(missing_ok=True)
    expected = {"UPLOAD_FOLDER", "the temporary folder"}
    assert wrote == expected, (
        f"the web unit wrote to {sorted(wrote)}, expected {sorted(expected)} {result.stderr}"
    )
    if not d.sandbox:
        return "writes only UPLOAD_FOLDER and /tmp (the service user's rights; no mount namespace)"
    assert not leaked, "the unit's temporary folder is not private"
    return (
        "in a mount namespace (ProtectSystem=strict, ReadWritePaths=, PrivateTmp=) the web "
        "unit writes only UPLOAD_FOLDER and its private /tmp"
    )


def gunicorn_control_socket_is_in_the_runtime_directory(d: Deployment) -> str:
    for name, instance in d.instances.items():
        socket_path = instance["runtime"] / "gunicorn.ctl"
        assert socket_path.is_socket(), f"{name}: no {socket_path}"
    text = "".join(log.read_text() for log in d.logs if log.exists())
    # What gunicorn 27 logs when it cannot make its socket ("Control server error: ...").
    assert "Control server error" not in text, "gunicorn logged a control socket error"
    return "gunicorn.ctl in each instance's RUNTIME_DIRECTORY, no control-socket error"


def backup_then_restore_gives_equal_counts(d: Deployment) -> str:
    backups = d.layout.path("/var/backups/patroli")
    for kind, count in (("daily", 16), ("weekly", 9)):
        (backups / kind).mkdir(exist_ok=True)
        for n in range(count):
            old = backups / kind / f"2020-01-{n + 1:02d}T030000Z"
            old.mkdir()
            shutil.chown(old, SERVICE_USER, SERVICE_USER)
        shutil.chown(backups / kind, SERVICE_USER, SERVICE_USER)
    weekday = str(datetime.now(UTC).isoweekday())
    # The backup folder's place (mapped) and today as the weekly day, so both kinds rotate.
    extra = {"BACKUP_DIR": str(backups), "BACKUP_WEEKLY_DAY": weekday}
    extra["PATROLI_VENV"] = str(SERVICE_VENV)
    result = d.run_as_unit("patroli-backup.service", extra)
    assert result.returncode == 0, f"backup: {result.stdout}{result.stderr}"
    daily = sorted((backups / "daily").iterdir())
    weekly = sorted((backups / "weekly").iterdir())
    assert len(daily) == 14 and len(weekly) == 8, f"kept {len(daily)} daily, {len(weekly)} weekly"
    newest = daily[-1]
    dump = newest / "patroli.dump"
    modes = {
        "backups": backups.stat().st_mode & 0o777,
        "copy": newest.stat().st_mode & 0o777,
        "dump": dump.stat().st_mode & 0o777,
    }
    assert modes == {"backups": 0o700, "copy": 0o700, "dump": 0o600}, modes
    assert pwd.getpwuid(dump.stat().st_uid).pw_name == SERVICE_USER
    photos = sorted(p.name for p in (newest / "uploads").rglob("*.jpg"))
    shared = sorted(p.name for p in d.layout.path("/var/lib/patroli/uploads").rglob("*.jpg"))
    assert photos and photos == shared, f"photos {photos} vs {shared}"
    # Restore into a fresh database, as docs/deploy.md says.
    d.create_database(d.restore_name)
    run(
        [
            "pg_restore",
            "--no-owner",
            f"--role={d.role}",
            "--exit-on-error",
            f"--dbname={d.database_url(d.restore_name)}",
            str(dump),
        ]
    )
    source, restored = d.counts(d.db_name), d.counts(d.restore_name)
    assert source == restored, f"counts differ: {source} vs {restored}"
    rows = sum(source.values())
    return (
        f"{newest.name}: dump 0600, folders 0700, {len(photos)} photo(s) copied; kept 14 daily "
        f"and 8 weekly; restored into a fresh database: {len(source)} tables, {rows} rows, equal"
    )


def no_query_string_in_any_log(d: Deployment) -> str:
    logs = [p for p in (d.tmp / "log").iterdir() if p.is_file()] + d.logs
    lines = 0
    for log in logs:
        text = log.read_text()
        lines += text.count("\n")
        assert MARKER not in text, f"{log.name} holds a query string value"
    access = d.access_log()
    assert access and any('"GET /taman ' in line for line in access), "nginx logged nothing"
    with_query = [line for line in access if "?" in line.split('"')[1]]
    assert not with_query, with_query[:2]
    gunicorn = "".join(log.read_text() for log in d.logs)
    assert '"GET /patroli/"' in gunicorn, "gunicorn's access log is empty"
    return (
        f"{len(logs)} logs ({lines} lines: nginx access and error, gunicorn A and B, health check)"
    )


STATIC_CHECKS = [
    units_pass_systemd_analyze_verify,
    nginx_site_passes_nginx_t,
    docs_agree_on_job_names_and_times,
]
LIVE_CHECKS = [
    units_see_a_read_only_system,
    session_works_across_instances,
    login_limit_is_shared_and_forwarded_headers_are_not_believed,
    public_pages_are_cached_for_everyone,
    static_files_are_cached_long_only_when_versioned,
    photo_is_seen_through_either_instance,
    gunicorn_control_socket_is_in_the_runtime_directory,
    killed_instance_is_passed_over,
    database_down_instance_is_taken_out,
    each_scheduled_job_runs,
    backup_then_restore_gives_equal_counts,
    no_query_string_in_any_log,
]


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, function, d: Deployment) -> bool:
        name = function.__name__.replace("_", " ")
        started = time.monotonic()
        try:
            detail = function(d)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            self.failed += 1
            print(f"FAIL {name}: {error}", flush=True)
            if not isinstance(error, AssertionError):
                traceback.print_exc()
            return False
        self.passed += 1
        print(f"PASS {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
        return True


def set_up(d: Deployment) -> None:
    """Service user, folders, env file, role and database, migrations, first admin, data."""
    d.make_database()
    d.wrapper("db", "upgrade")
    d.wrapper("seed-reference")
    d.wrapper(
        "create-user",
        "kepala",
        "--role",
        "admin",
        "--password",
        secrets.token_urlsafe(12),
        "--name",
        "Kepala Satpol PP",
    )
    fixtures = subprocess.run(  # noqa: S603 - our own fixture script, as the service user
        [str(SERVICE_VENV / "bin/python"), str(ROOT / "bench/fixtures.py"), "2", "3"],
        cwd=ROOT,
        env=d.unit_env(),
        user=SERVICE_USER,
        group=SERVICE_USER,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fixtures.returncode == 0, fixtures.stderr[-2000:]
    d.data = json.loads(fixtures.stdout.strip().splitlines()[-1])
    d.relay = Relay(d.pg_port)
    d.start_instance("A", d.relay.port)
    d.start_instance("B")
    d.nginx_files()  # again: the upstream file now has the instances' addresses
    d.start_nginx()


def main() -> int:
    pg_url = os.environ.get("DEPLOY_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/8")
    tally = Tally()
    if os.geteuid() != 0:
        print("FAIL deploy-test runs as root (it makes the service user and runs nginx)")
        return 1
    if not pg_url or not pg_url.startswith(("postgresql://", "postgres://")):
        print("FAIL deploy-test needs DEPLOY_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL)")
        return 1
    for tool in (
        "systemd-analyze",
        "nginx",
        "openssl",
        "pg_dump",
        "pg_restore",
        "psql",
        "createdb",
        "rsync",
        "curl",
        "runuser",
    ):
        if shutil.which(tool) is None:
            print(f"FAIL deploy-test needs {tool}")
            return 1
    if not (SERVICE_VENV / "bin/flask").exists():
        print(f"FAIL deploy-test needs the service virtualenv {SERVICE_VENV} (make deploy-test)")
        return 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="patroli-deploy-") as tmpdir:
        d = Deployment(Path(tmpdir), pg_url, redis_url)
        try:
            d.prepare_host()
            for check in STATIC_CHECKS:
                tally.check(check, d)
            try:
                set_up(d)
            except Exception as error:  # noqa: BLE001
                tally.failed += 1
                print(f"FAIL set-up (role, database, migrations, instances, nginx): {error}")
                traceback.print_exc()
            else:
                print(
                    f"set up: instances A {d.instances['A']['bind']} and B "
                    f"{d.instances['B']['bind']} as {SERVICE_USER}, nginx "
                    f"https://127.0.0.1:{d.tls_port}, database {d.db_name} owned by {d.role}, "
                    f"{redis_url}",
                    flush=True,
                )
                for check in LIVE_CHECKS:
                    tally.check(check, d)
        finally:
            d.stop_nginx()
            d.stop_instances()
            if d.relay:
                d.relay.cut()
            try:
                d.drop_databases()
            except AssertionError as error:
                print(f"warning: could not drop the test databases: {error}")
    print(
        f"deploy-test: {tally.passed} passed, {tally.failed} failed "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
