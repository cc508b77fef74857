"""gunicorn settings; every value can be overridden from the environment."""

import logging
import multiprocessing
import os
import re

from gunicorn.glogging import Logger

# Loopback by default; production binds where the reverse proxy expects (BIND).
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Workers from cores (2 x cores + 1), capped so a small box is not overrun.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take a worker down at peak. Not
# often: a new worker costs about 1.9 s of CPU (1.5 s importing the app, the rest its first
# pages), and a worker's memory stayed at 120 MB over 100 000 requests of every benchmark
# scenario, so recycling every 2 000 requests (as before) spent about 0.9 ms of CPU per
# request on restarts for nothing (docs/decisions.md, docs/benchmarks.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
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
# The error log must not carry them either: a worker killed on timeout logs "Error handling
# request GET /path?query" with the full URI.
_QUERY_STRING = re.compile(r"(/[^\s?]*)\?\S*")


def _without_query(value):
    return _QUERY_STRING.sub(r"\1", value) if isinstance(value, str) else value


class _NoQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _without_query(arg) for key, arg in record.args.items()}
        return True


class ErrorLogWithoutQueryStrings(Logger):
    """gunicorn's logger, with query strings cut from every error-log message."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_NoQueryStrings())


logger_class = ErrorLogWithoutQueryStrings
