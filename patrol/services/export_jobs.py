"""Long exports as background jobs: queued, run beside the web workers, fetched when ready.

An export of more than a screenful of rows (``EXPORT_INLINE_ROWS``) is not written inside
the request: an ``ExportJob`` row records who asked for what, a runner writes the file to
``EXPORT_FOLDER`` (storage every app instance reaches) and keeps ``rows_done`` current,
and the admin's job page polls that row. Two runners, one code path (``run_job``):

- ``EXPORT_QUEUE_URL`` unset (``make run``, no Redis): a thread of the web process that
  took the request, one job at a time per process; the request returns at once.
- ``EXPORT_QUEUE_URL=redis://...``: RQ on that Redis, run by ``flask --app patrol
  export-worker`` processes of their own (docs/deploy.md).

A job whose runner died (a worker recycled or killed) stops beating; after
``STALE_AFTER`` its page says so and the admin starts it again. Files and rows are
removed ``EXPORT_KEEP_HOURS`` after they were asked for.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.models import ExportJob
from patrol.rules.timeutil import utcnow
from patrol.services import exports
from patrol.services.reports import parse_filters

log = logging.getLogger(__name__)

QUEUE_NAME = "patroli-exports"
# A running job writes its heartbeat with every progress step (a few seconds apart at
# most); one silent this long was cut off.
STALE_AFTER = timedelta(minutes=5)
# A job nobody ran for this long (its process died before starting it) is given up.
QUEUED_TOO_LONG = timedelta(hours=1)
PROGRESS_EVERY = 5000

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def folder() -> Path:
    """Where export files are written (shared storage in production)."""
    path = Path(current_app.config["EXPORT_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(job: ExportJob) -> Path:
    """The job's file: its random token names it, never the report or the user."""
    return folder() / f"{job.token}.{job.fmt}"


def create_job(user_id: int, name: str, fmt: str, args: dict, download_name: str) -> ExportJob:
    """Record an export to run in the background (add and flush; the caller commits)."""
    now = utcnow()
    job = ExportJob(
        user_id=user_id,
        name=name,
        fmt=fmt,
        params=args,
        download_name=download_name,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"]),
    )
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job_id: int) -> None:
    """Hand a committed job to its runner: RQ when a queue is configured, else a thread."""
    url = current_app.config.get("EXPORT_QUEUE_URL")
    if url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(url))
        try:
            queue.enqueue(
                run_queued,
                job_id,
                job_timeout=current_app.config["EXPORT_JOB_TIMEOUT"],
                result_ttl=0,
            )
        except (RedisError, OSError):
            log.exception("export job %s could not be queued", job_id)
            _update(job_id, status="failed", finished_at=utcnow(), error="queue")
        return
    _thread_submit(current_app._get_current_object(), job_id)


def _thread_submit(app: Flask, job_id: int) -> Future:
    global _executor
    with _executor_lock:
        if _executor is None:
            # One export at a time per web process: it shares the CPU with the requests.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patroli-export")
        return _executor.submit(_run_in_app, app, job_id)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def run_queued(job_id: int) -> None:
    """The RQ entry point: run the job inside the worker's app (or a new one)."""
    if has_app_context():
        # The work horse is a fork of the worker: it must not share the parent's
        # database connections.
        db.engine.dispose(close=False)
        try:
            run_job(job_id)
        finally:
            db.session.remove()
        return
    from patrol import create_app

    _run_in_app(create_app(), job_id)


def _update(job_id: int, **values) -> None:
    """Write a job's state on a connection of its own, committed at once.

    The export's rows are read through a cursor in the session's transaction; committing
    the session would end that transaction (and PostgreSQL's server-side cursor with it).
    """
    with db.engine.begin() as connection:
        connection.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(**values))


def run_job(job_id: int) -> None:
    """Write one job's file, keeping its progress current; any failure is recorded on it."""
    now = utcnow()
    with db.engine.begin() as connection:
        taken = connection.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == "queued")
            .values(status="running", started_at=now, heartbeat_at=now)
        ).rowcount
    job = db.session.get(ExportJob, job_id)
    if not taken or job is None:
        return  # gone, or another runner has it
    path = file_path(job)
    partial = path.with_suffix(path.suffix + ".part")
    try:
        filters = parse_filters(job.params)
        table = exports.table_for(job.name, job.fmt, filters)
        if table is None:
            raise ValueError(f"no export {job.name}.{job.fmt}")
        _update(job_id, rows_expected=table.count(), heartbeat_at=utcnow())

        def progress(n: int) -> None:
            _update(job_id, rows_done=n, heartbeat_at=utcnow())

        if job.fmt == "xlsx":
            exports.write_xlsx(str(partial), job.name, table, progress, PROGRESS_EVERY)
        else:
            with open(partial, "w", encoding="utf-8", newline="") as out:
                for chunk in exports.chunks(table, job.fmt, progress):
                    out.write(chunk)
        # Readable by the app's own user only: the file names officers and offices.
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        db.session.rollback()  # end the read transaction before the final write
        _update(job_id, status="done", finished_at=utcnow(), size_bytes=path.stat().st_size)
    except Exception:
        log.exception("export job %s failed", job_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        _update(job_id, status="failed", finished_at=utcnow(), error="error")


def refresh_state(job: ExportJob, now: datetime | None = None) -> ExportJob:
    """Mark a job whose runner died as failed (flush; the caller commits)."""
    now = now or utcnow()
    silent_since = job.heartbeat_at or job.created_at
    stalled = (job.status == "running" and silent_since < now - STALE_AFTER) or (
        job.status == "queued" and job.created_at < now - QUEUED_TOO_LONG
    )
    if stalled:
        job.status, job.error, job.finished_at = "failed", "stalled", now
    db.session.flush()
    return job


def error_message(job: ExportJob) -> str:
    """What the admin reads when a job failed."""
    if job.error == "queue":
        return _("Antrean ekspor sedang tidak tersedia. Silakan coba lagi sebentar lagi.")
    if job.error == "stalled":
        return _("Ekspor terhenti sebelum selesai (server dimulai ulang). Silakan ulangi.")
    return _("Ekspor gagal. Silakan ulangi; bila terulang, hubungi pengelola sistem.")


def user_job(user_id: int, job_id: int, now: datetime | None = None) -> ExportJob | None:
    """One of the user's own jobs that has not expired yet, or None."""
    now = now or utcnow()
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != user_id or job.expires_at <= now:
        return None
    return job


def recent_jobs(user_id: int, now: datetime | None = None, limit: int = 20) -> list[ExportJob]:
    """The user's exports that have not expired, newest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(ExportJob)
            .where(ExportJob.user_id == user_id, ExportJob.expires_at > now)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .limit(limit)
        )
    )


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files and rows of expired jobs; return how many went (flush only)."""
    now = now or utcnow()
    expired = list(db.session.scalars(sa.select(ExportJob).where(ExportJob.expires_at <= now)))
    for job in expired:
        path = file_path(job)
        path.unlink(missing_ok=True)
        path.with_suffix(path.suffix + ".part").unlink(missing_ok=True)
        db.session.delete(job)
    db.session.flush()
    return len(expired)


def work(burst: bool = False) -> None:
    """Run RQ's worker on the export queue, inside the current app (the CLI command)."""
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(current_app.config["EXPORT_QUEUE_URL"])
    queue = Queue(QUEUE_NAME, connection=connection)
    Worker([queue], connection=connection).work(burst=burst, with_scheduler=False)
