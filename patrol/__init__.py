"""Patroli: park patrol logging and office QR check-in for Kota Malang."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    # The instance folder holds the database, the secret key and the photos: owner only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)

    from patrol.config import from_env

    app.config.from_mapping(from_env(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)

    register_proxy(app)
    register_compression(app)
    register_extensions(app)
    register_blueprints(app)
    register_http_cache(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from this many reverse proxies (TRUSTED_PROXIES, 0 = none)."""
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_compression(app: Flask) -> None:
    """gzip on the wire when no reverse proxy does it (COMPRESS_RESPONSES; patrol/compress.py)."""
    if app.config.get("COMPRESS_RESPONSES"):
        from patrol.web.compress import GzipMiddleware

        app.wsgi_app = GzipMiddleware(app.wsgi_app)


def limit_only_where_declared(app: Flask, limiter) -> None:
    """Flask-Limiter checks, before every request, the limits that apply to every route
    (application, default, blueprint and meta limits). Patroli declares none: its limits
    sit on the views they guard (login, the door, the complaint form), and those decorators
    check themselves when the view is called. So, without such limits configured, the
    before-request check is dropped: it cost the cheapest answers a fifth of their time
    (docs/decisions.md). Configuring any of them keeps it."""
    wide = (
        app.config.get("RATELIMIT_APPLICATION")
        or app.config.get("RATELIMIT_DEFAULT")
        or app.config.get("RATELIMIT_META")
        or limiter.limit_manager.application_limits
        or limiter.limit_manager.default_limits
    )
    if not wide:
        hooks = app.before_request_funcs.get(None, [])
        hooks[:] = [hook for hook in hooks if hook != limiter._check_request_limit]


def register_extensions(app: Flask) -> None:
    """Bind the extension instances, and tune SQLite for concurrent use."""
    from patrol.extensions import babel, csrf, db, limiter, login_manager, migrate
    from patrol.web import i18n

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    limit_only_where_declared(app, limiter)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.keep_translations(babel, app)

    from patrol.web import auth_setup

    auth_setup.init_login(app, login_manager)

    from patrol.services import crowd_hours

    crowd_hours.listen()  # the forecast's hourly summary follows every crowd count

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        create_private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "begin", _sqlite_begin)


def create_private_sqlite_file(uri: str) -> None:
    """Create the SQLite file readable by its owner only, before SQLite creates it 0644.

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    import contextlib
    import os

    from sqlalchemy.engine import make_url

    name = make_url(uri).database
    if not name or name == ":memory:" or name.startswith("file:") or os.path.exists(name):
        return
    if not Path(name).parent.is_dir():
        return  # as SQLite itself, make no folders: a wrong path must fail (/healthz 503)
    with contextlib.suppress(FileExistsError):  # another worker made it a moment ago
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the writer; the busy timeout waits for a lock instead of
    # failing with "database is locked"; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """BEGIN IMMEDIATE for the views marked ``begin_immediate``; pysqlite's own BEGIN else.

    Under pysqlite's own handling a transaction begins (deferred) at the first write. That
    suits the form posts, whose savepoints hold only the insert. A sync batch, though, reads
    inside each record's savepoint (is this UUID known? whose visit is it?) before it
    writes, and when another connection commits in between, SQLite refuses the lock
    upgrade at once (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not cover): several
    phones syncing at once got 503s. A marked view takes the write lock at the start of
    its first transaction and waits for it under the busy timeout instead (SQLAlchemy's
    documented pysqlite recipe). Not every write request: holding the lock from the first
    statement made concurrent check-ins queue behind each other's whole request (the
    check-in POST fell from 0.64 to 0.25 of its twin in `make bench`). Later transactions
    of the request (reads that render the answer after the commit) begin as usual.
    See docs/decisions.md.
    """
    from flask import current_app, g, has_request_context, request

    raw = connection.connection.dbapi_connection
    view = None
    if has_request_context() and request.endpoint:
        view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "sqlite_begin_immediate", False) and not g.get("sqlite_write_begun"):
        g.sqlite_write_begun = True
        raw.isolation_level = None  # pysqlite must not BEGIN on its own ...
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # ... we do, taking the write lock
    else:
        raw.isolation_level = ""  # pysqlite's default: a deferred BEGIN before a write


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per module in patrol/routes."""
    from patrol.routes import (
        admin,
        api,
        auth,
        checkin,
        complaints,
        patrol,
        public,
        reports,
        rounds,
    )
    from patrol.web.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes that use it are added
    for module in (auth, patrol, checkin, admin, reports, rounds, public, api, complaints):
        app.register_blueprint(module.bp)


def register_http_cache(app: Flask) -> None:
    """Versioned static URLs, and shared pages without session (patrol/http_cache.py)."""
    from patrol.web.http_cache import init_http_cache

    init_http_cache(app)


def register_request_hooks(app: Flask) -> None:
    """Access rules for every request, security headers, and Vary for htmx partials."""
    from patrol.access import enforce_declared_access
    from patrol.web.htmx import init_htmx
    from patrol.web.security import init_security_headers, reject_nul_bytes

    app.before_request(enforce_declared_access)
    app.before_request(reject_nul_bytes)
    init_security_headers(app)
    init_htmx(app)


def register_errorhandlers(app: Flask) -> None:
    from patrol.web.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from patrol.web import i18n, templating

    app.jinja_env.add_extension("jinja2.ext.do")

    i18n.register_template_helpers(app)
    templating.register_template_helpers(app)

    from patrol.services import late_entries

    late_entries.register_template_helpers(app)


def register_commands(app: Flask) -> None:
    from patrol import cli

    cli.register(app)
