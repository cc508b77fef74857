"""The minimal twin: the same work as Patroli by the shortest path Flask allows.

No extensions, no ORM sessions, no access rules: one insert and a tiny template for a
check-in, one select of 20 rows and a tiny template for a page, and a bare "ok". The
benchmark compares each Patroli scenario with its twin here, on the same database.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, render_template_string, request

engine = sa.create_engine(os.environ["BENCH_TWIN_DATABASE_URL"], pool_pre_ping=True)
app = Flask(__name__)

ROW = "<li>{{ r.name }} {{ r.at }}</li>"
PAGE = "<!doctype html><title>t</title><ul>{% for r in rows %}" + ROW + "{% endfor %}</ul>"
TICKET = "<!doctype html><title>ok</title><h1>{{ name }}</h1><p>{{ at }}</p>"


def setup() -> None:
    """Create and fill the twin's table once, before its workers start (bench/run.py)."""
    key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE IF NOT EXISTS twin_rows (id {key}, uuid VARCHAR(36) "
                "UNIQUE NOT NULL, name VARCHAR(120) NOT NULL, at VARCHAR(40) NOT NULL)"
            )
        )
        if conn.execute(sa.text("SELECT COUNT(*) FROM twin_rows")).scalar() < 20:
            for n in range(20):
                conn.execute(
                    sa.text("INSERT INTO twin_rows (uuid, name, at) VALUES (:u, :n, :a)"),
                    {"u": str(uuid.uuid4()), "n": f"Pengunjung {n}", "a": "2026-01-01"},
                )


@app.get("/ok")
def ok():
    return "ok"


@app.get("/json")
def json_rows():
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, at FROM twin_rows ORDER BY id LIMIT 20"))
        return {"rows": [dict(r._mapping) for r in rows]}


@app.get("/page")
def page():
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, at FROM twin_rows ORDER BY id LIMIT 20")).all()
    return render_template_string(PAGE, rows=rows)


@app.post("/insert")
def insert():
    at = datetime.now(UTC).isoformat()
    name = request.form.get("name", "x")
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO twin_rows (uuid, name, at) VALUES (:u, :n, :a)"),
            {"u": request.form.get("uuid") or str(uuid.uuid4()), "n": name, "a": at},
        )
    return render_template_string(TICKET, name=name, at=at)


if __name__ == "__main__":
    setup()
