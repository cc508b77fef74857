"""A long export in the admin's browser: the job page updates itself until the file is ready."""

from __future__ import annotations

import threading

import pytest

from patrol.services import export_jobs
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_dashboard_browser import log_in
from tests.test_reports import WEEK, violation_week  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_a_long_export_shows_its_progress_then_the_download_without_a_reload(
    app,
    desktop,
    create_user,
    violation_week,  # noqa: F811 - the fixture imported above
    monkeypatch,
    tmp_path,
):
    app.config["EXPORT_INLINE_ROWS"] = 3
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    gate = threading.Event()
    run = export_jobs.run_job

    def held(job_id: int) -> None:
        gate.wait(timeout=20)  # the job waits until the page has been seen waiting
        run(job_id)

    monkeypatch.setattr(export_jobs, "run_job", held)
    log_in(desktop, create_user("admin"))
    desktop.goto(f"/admin/laporan/pelanggaran?start={WEEK['start']}&end={WEEK['end']}")
    desktop.get_by_role("link", name="Unduh CSV").click()
    desktop.wait_for_url("**/admin/laporan/ekspor/*")
    desktop.get_by_text("Menunggu giliran").wait_for()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
    url = desktop.url
    gate.set()
    link = desktop.get_by_role("link", name="Unduh pelanggaran_2026-11-02_2026-11-08.csv")
    link.wait_for(timeout=15_000)
    assert desktop.url == url  # updated in place by htmx, not reloaded
    assert desktop.get_by_text("Selesai: 6 baris.").is_visible()
    with desktop.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "pelanggaran_2026-11-02_2026-11-08.csv"
