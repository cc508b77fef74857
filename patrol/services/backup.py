"""Backups: SQLite's online backup API, or pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


def backup_database(uri: str, target: Path) -> str:
    """Write a consistent copy of the database to ``target``; return what was done."""
    url = sa.engine.make_url(uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A backup holds all the personal data: readable by its owner only, from the start.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(target, 0o600)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            dest = sqlite3.connect(target)
            with dest:
                # The online backup copies page by page while the app keeps writing.
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        return f"SQLite backup written to {target}"
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise RuntimeError("pg_dump is not installed; see README (Backups)")
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(  # noqa: S603 - fixed program, arguments from our own config
            [pg_dump, "--format=custom", "--no-owner", f"--file={target}", plain], check=True
        )
        return f"PostgreSQL dump (custom format) written to {target}; restore with pg_restore"
    raise RuntimeError(f"no backup method for {url.get_backend_name()}")
