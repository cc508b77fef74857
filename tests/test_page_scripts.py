"""No page loads a script it does not use: htmx only where the page has hx- attributes.

Every page of the app is rendered (each GET route, with the arguments of one of
everything, for an anonymous visitor, an officer, a guard and an admin, plus the pages a
form's POST answers with), and its HTML is read for what it loads and what it uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patrol.extensions import db
from patrol.rules.timeutil import utcnow
from patrol.services import export_jobs

HX_ATTRIBUTE = re.compile(r"\shx-[a-z-]+=")
SCRIPT_SRC = re.compile(r'<script[^>]*\ssrc="([^"]+)"')
ROLES = (None, "officer", "guard", "admin")


def _arguments(world, complaint, job) -> dict:
    return {
        "checkpoint_id": world.checkpoint.id,
        "code": complaint.code,
        "entrance_id": world.entrance.id,
        "entry_id": world.violation.id,
        "job_id": job.id,
        "office_id": world.office.id,
        "token": world.entrance.token,
        "user_id": world.officer.id,
        "visit_uuid": world.visit.uuid,
        "zone_id": world.zone.id,
    }


def _urls(app, arguments) -> list[str]:
    urls = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if "name" in rule.arguments:  # the reports, by name
                names = ("pelanggaran", "keramaian", "kunjungan-kantor", "cakupan", "aduan")
                urls |= {f"/admin/laporan/{name}" for name in names if "fmt" not in rule.arguments}
                continue
            if not set(rule.arguments) <= set(arguments):
                continue
            values = {key: arguments[key] for key in rule.arguments}
            urls.add(app.url_for(rule.endpoint, **values))
    return sorted(urls)


@pytest.fixture
def pages(world, create_complaint, visitor_form):
    """(who, url, html) of every full page the app answers with."""
    complaint = create_complaint()
    job = export_jobs.create_job(
        world.admin.id, "pelanggaran", "csv", {"since": "2026-11-02"}, "x.csv"
    )
    job.status, job.rows_done, job.rows_expected, job.heartbeat_at = "running", 5, 20, utcnow()
    db.session.commit()
    found = []
    for url in _urls(world.app, _arguments(world, complaint, job)):
        for who in ROLES:
            response = world.client(who).get(url)
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            if "<html" in html:
                found.append((who, url, html))
    # Pages that answer a form: the visitor's pass, and a page that is not there.
    response = world.client(None).post(f"/c/{world.entrance.token}", data=visitor_form())
    found.append((None, "POST /c/<token>", response.get_data(as_text=True)))
    found.append((None, "/tidak-ada", world.client(None).get("/tidak-ada").get_data(as_text=True)))
    return found


def _scripts(html: str) -> list[str]:
    return SCRIPT_SRC.findall(html)


def test_htmx_is_loaded_exactly_on_the_pages_that_use_it(pages):
    assert len(pages) > 40, [url for _who, url, _html in pages]
    wrong = []
    for who, url, html in pages:
        scripts = _scripts(html)
        has_htmx = any("/htmx" in src for src in scripts)
        uses_htmx = bool(HX_ATTRIBUTE.search(html))
        if has_htmx != uses_htmx:
            wrong.append((who, url, "loads htmx" if has_htmx else "needs htmx"))
        # app.js only listens to htmx's events: it comes with htmx, never alone.
        if any(src.split("?")[0].endswith("/js/app.js") for src in scripts) != has_htmx:
            wrong.append((who, url, "app.js without htmx or htmx without app.js"))
    assert not wrong
    # Both kinds are among the pages (the check above is not vacuous).
    assert {bool(HX_ATTRIBUTE.search(html)) for _who, _url, html in pages} == {True, False}


def test_vendored_scripts_load_only_with_what_uses_them(app, pages):
    """Leaflet only beside a script that draws a map; jsQR never with a page (a camera
    scan loads it when it starts)."""
    static = app.static_folder
    wrong = []
    for who, url, html in pages:
        scripts = [src.split("?")[0] for src in _scripts(html)]
        if any("jsqr" in src.lower() for src in scripts):
            wrong.append((who, url, "jsQR"))
        if any("/leaflet" in src for src in scripts):
            own = [src.split("/static/", 1)[1] for src in scripts if "/static/js/" in src]
            sources = [Path(static, name).read_text(encoding="utf-8") for name in own]
            if not any("L.map(" in text for text in sources):
                wrong.append((who, url, "Leaflet without a map"))
    assert not wrong
