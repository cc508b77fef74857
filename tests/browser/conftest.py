"""Browser fixtures: the app served on a loopback port, driven by Debian's Chromium.

Playwright's own browser download does not work on this machine, so the tests point
``executable_path`` at the ``chromium`` package. A missing browser fails the run: a
skipped browser test would prove nothing.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

PHONE = {"width": 360, "height": 740}
# Inside Alun-Alun Tugu, Malang.
MALANG = {"latitude": -7.97705, "longitude": 112.63404, "accuracy": 10}
AXE = Path(__file__).parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Debian's chromium is not installed (apt-get install chromium); .ci/run does it"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


AXE_URL = "/__test__/axe.min.js"


def _prepare(context):
    """Serve axe-core from this site (the CSP allows only 'self') and watch for CSP errors."""
    context.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"),
    )
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda msg: (
            page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    return page


def _no_csp_errors(page):
    # A blocked inline script or style means a broken page for real users.
    assert page.csp_errors == [], page.csp_errors


@pytest.fixture
def phone(browser, live_server):
    """A page in a phone-sized context (360x740) with GPS inside Alun-Alun Tugu."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        geolocation=MALANG,
        permissions=["geolocation"],
        base_url=live_server,
    )
    page = _prepare(context)
    yield page
    _no_csp_errors(page)
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        base_url=live_server,
    )
    page = _prepare(context)
    yield page
    _no_csp_errors(page)
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; return the violations of the given impacts."""
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("async () => await axe.run(document)")
    assert result["passes"], "axe-core did not check anything"
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    )
