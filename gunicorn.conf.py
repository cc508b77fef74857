"""gunicorn settings; every value can be overridden from the environment."""

import multiprocessing
import os

# Loopback by default; production binds where the reverse proxy expects (BIND).
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Workers from cores (2 x cores + 1), capped so a small box is not overrun.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take a worker down at peak.
max_requests = 2000
max_requests_jitter = 200
# The access log keeps method, path, status, size and time; query strings can carry
# personal data (phone numbers in a search), so the path is logged without them.
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"

# gunicorn 25+ opens a control socket (for gunicornc) in $XDG_RUNTIME_DIR or ~/.gunicorn;
# under systemd's ProtectSystem=strict neither is writable and gunicorn logs an error.
# patroli.service has RuntimeDirectory=patroli, which systemd passes as RUNTIME_DIRECTORY:
# the socket goes there (gunicornc -s /run/patroli/gunicorn.ctl). Elsewhere (make run,
# the benchmarks, several instances on one machine) there is none.
_runtime_dir = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime_dir:
    control_socket = os.path.join(_runtime_dir, "gunicorn.ctl")
else:
    control_socket_disable = True
