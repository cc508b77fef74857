"""No signal in the park: a visit, three violations and a count wait on the phone, then
arrive exactly once when the network returns."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CrowdCount, Violation, Visit
from tests.browser.conftest import PHONE, axe_violations, describe
from tests.browser.test_field_browser import log_in

# The offline flows race the service worker's install and the phone's storage against a
# loaded CPU; a run that fails three times in a row is a real failure (docs/decisions.md).
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2)]

PENDING_JS = "async () => (await PatroliOutbox.pending({user})).map(i => i.record)"
REPLAY_JS = """async (records) => {
  const token = (await (await fetch('/api/v1/csrf-token')).json()).csrf_token;
  const response = await fetch('/api/v1/sync', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
    body: JSON.stringify({records}),
  });
  return (await response.json()).results.map(r => r.status);
}"""


def counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Visit, Violation, CrowdCount)
    )


def log_violation(page, category, action):
    page.get_by_role("button", name="Pelanggaran").click()
    page.get_by_text(category, exact=True).click()
    page.get_by_text(action, exact=True).click()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("Tersimpan di ponsel, menunggu dikirim.").wait_for()


def test_a_visit_logged_without_signal_arrives_once(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    # The service worker has cached the app before the signal goes.
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()

    log_violation(phone, "Tidak memakai masker", "Teguran lisan")
    log_violation(phone, "Berkerumun", "Pembubaran kerumunan")
    log_violation(phone, "Tidak menjaga jarak", "Teguran tertulis")
    phone.get_by_role("button", name="Hitung pengunjung").click()
    for _ in range(4):
        phone.get_by_role("button", name="Tambah sepuluh").click()
    assert "Sepi" in phone.locator("#crowd-level").inner_text()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pengunjung: 40").wait_for()
    phone.get_by_text("5 menunggu dikirim").wait_for()
    assert counts() == (0, 0, 0)

    # A reload without signal: the screen and the outbox are still there.
    phone.reload()
    phone.get_by_text("5 menunggu dikirim").wait_for()
    items = phone.locator(".timeline-item")
    items.nth(3).wait_for()
    assert items.count() == 4
    assert all("menunggu dikirim" in text for text in items.all_inner_texts())
    assert phone.get_by_role("heading", name="Alun-Alun Tugu").is_visible()
    problems = axe_violations(phone)
    assert not problems, describe(problems)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    batch = phone.evaluate(PENDING_JS.format(user=officer.id))
    assert len(batch) == 5

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert phone.locator(".timeline-item").count() == 0
    assert counts() == (1, 3, 1)
    visit = db.session.scalar(sa.select(Visit))
    assert visit.officer_id == officer.id and visit.start_geofence == "inside"
    sent = {r["uuid"] for r in batch}
    stored = (
        {visit.uuid} | {v.uuid for v in visit.violations} | {c.uuid for c in visit.crowd_counts}
    )
    assert stored == sent
    assert visit.crowd_counts[0].headcount == 40

    # The same batch again: all known, nothing new.
    assert phone.evaluate(REPLAY_JS, batch) == ["duplicate"] * 5
    assert counts() == (1, 3, 1)

    # The visit's own screen takes over now that the server has it.
    phone.get_by_role("link", name="Buka halaman kunjungan").click()
    phone.wait_for_url(f"**/patroli/kunjungan/{visit.uuid}")
    assert phone.locator(".timeline-violation").count() == 3


ADD_JS = "async ([user, record]) => { await PatroliOutbox.add(user, record); }"


def test_expired_token_expired_session_and_rejected_entries(
    phone, create_user, create_zone, create_assignment
):
    import uuid

    from tests.fixtures_offline import HERE, minutes_ago

    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    start = {
        "uuid": str(uuid.uuid4()),
        "kind": "visit_start",
        "recorded_at": minutes_ago(3),
        "zone_id": zone.id,
    } | HERE
    stray = {
        "uuid": str(uuid.uuid4()),
        "kind": "crowd_count",
        "recorded_at": minutes_ago(2),
        "visit_uuid": str(uuid.uuid4()),
        "headcount": 5,
    } | HERE
    phone.evaluate(ADD_JS, [officer.id, start])
    phone.evaluate(ADD_JS, [officer.id, stray])

    # The session ends (logged out elsewhere): the officer is asked to log in, nothing is lost.
    officer.session_token = "ended-elsewhere"
    db.session.commit()
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    phone.get_by_text("Sesi berakhir. Masuk lagi").wait_for()
    assert phone.get_by_text("2 menunggu dikirim").is_visible()
    assert counts() == (0, 0, 0)

    # Logged in again, with a CSRF token that has expired by the time the outbox goes.
    expired = {"done": False}

    def csrf_expired_once(route):
        if expired["done"]:
            route.continue_()
            return
        expired["done"] = True
        route.fulfill(status=400, json={"error": "Formulir sudah kedaluwarsa (token CSRF)."})

    phone.route("**/api/v1/sync", csrf_expired_once)
    with phone.expect_request("**/api/v1/csrf-token"):
        phone.get_by_role("link", name="Masuk lagi").click()
        log_in_form(phone, officer)
    # The visit went in; the count for an unknown visit is set aside with the reason.
    rejected = phone.locator("[data-outbox-rejected]")
    rejected.get_by_text("Kunjungan tidak ditemukan.").wait_for()
    assert expired["done"]
    assert counts() == (1, 0, 0)
    assert phone.evaluate(PENDING_JS.format(user=officer.id)) == []
    assert not phone.get_by_text("menunggu dikirim").is_visible()
    # Not just deleted: described in Bahasa, with the reason and a fix. Today's page now
    # shows the visit the server has; the refused count moves into it and is sent again.
    assert "Hitungan pengunjung: 5" in rejected.inner_text()
    assert "crowd" not in rejected.inner_text()
    phone.reload()
    rejected.get_by_role("button", name="Pindahkan ke kunjungan berjalan dan kirim").click()
    rejected.wait_for(state="hidden")
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 0, 1)


def log_in_form(page, user):
    from tests.conftest import DEFAULT_PASSWORD

    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/patroli/")


def test_a_visit_ended_without_signal_is_continued_and_closed_from_today(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    # Back to today (the phone's copy): the visit is continued, not started twice.
    phone.get_by_role("link", name="Hari ini").click()
    phone.get_by_role("link", name="Lanjutkan kunjungan").wait_for()
    assert not phone.get_by_role("button", name="Mulai kunjungan").is_visible()
    phone.get_by_role("link", name="Lanjutkan kunjungan").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Selesai kunjungan").click()
    phone.wait_for_url("**/patroli/")
    phone.get_by_text("2 menunggu dikirim").wait_for()
    assert phone.get_by_role("button", name="Mulai kunjungan").is_visible()
    phone.get_by_role("button", name="Kirim sekarang").wait_for()
    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    visit = db.session.scalar(sa.select(Visit))
    db.session.refresh(visit)
    assert visit.closed_by == "officer" and visit.end_uuid is not None
    assert visit.ended_at > visit.started_at


def test_signal_lost_in_a_visit_started_online(phone, create_user, create_zone, create_assignment):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    phone.get_by_text("GPS siap").wait_for()

    # The form was open when the signal went: Simpan puts it in the outbox.
    phone.get_by_role("button", name="Pelanggaran").click()
    phone.get_by_text("Tidak memakai masker", exact=True).click()
    phone.get_by_text("Teguran lisan", exact=True).click()
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    pending = phone.locator(".timeline-item.is-pending")
    assert "Tidak memakai masker" in pending.inner_text()
    assert "menunggu dikirim" in pending.inner_text()

    # Without signal, the next entry goes on in the offline screen of the same visit.
    phone.get_by_role("button", name="Hitung pengunjung").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*#offline-crowd")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    phone.get_by_role("button", name="Tambah sepuluh").click()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("2 menunggu dikirim").wait_for()
    assert counts() == (1, 0, 0)

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 1)
    phone.get_by_role("link", name="Buka halaman kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    assert "Tidak memakai masker" in phone.locator(".timeline-violation").inner_text()
    assert "Pengunjung: 10" in phone.locator(".timeline-crowd").inner_text()
    assert phone.locator(".timeline-item.is-pending").count() == 0


# Field reliability (issue 16): every save succeeds, shows what to fix, or waits on the phone.


def photo_count() -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Violation).where(Violation.photo_path.is_not(None))
    )


def open_visit_online(phone, officer):
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    phone.get_by_text("GPS siap").wait_for()


def choose_violation(phone, category="Tidak memakai masker", action="Teguran lisan"):
    phone.get_by_role("button", name="Pelanggaran").click()
    phone.get_by_text(category, exact=True).click()
    phone.get_by_text(action, exact=True).click()


def on_post(handler):
    """A route handler for saves only: opening a form (GET) goes through."""

    def route_it(route):
        if route.request.method == "POST":
            handler(route)
        else:
            route.continue_()

    return route_it


@pytest.fixture
def on_shift(app, create_user, create_zone, create_assignment):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    return officer


def test_a_502_a_500_and_a_stalled_save_each_wait_and_arrive_once(app, phone, on_shift):
    app.config["SAVE_TIMEOUT_SECONDS"] = 2
    open_visit_online(phone, on_shift)
    entry_posts = []
    phone.on(
        "request",
        lambda r: (
            entry_posts.append(r.url) if r.method == "POST" and "/kunjungan/" in r.url else None
        ),
    )

    # 1. The proxy answers 502 although the app saved the entry: it waits on the phone and,
    #    sent again, is known by its UUID (nothing stored twice).
    def saved_then_502(route):
        route.fetch()
        route.fulfill(status=502, body="<html>502 Bad Gateway</html>", content_type="text/html")

    phone.route("**/pelanggaran", on_post(saved_then_502))
    choose_violation(phone)
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Server tidak menjawab: catatan aman di ponsel, menunggu dikirim.").wait_for()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    item = phone.locator(".timeline-item.is-pending")
    assert "Tidak memakai masker" in item.inner_text() and "menunggu dikirim" in item.inner_text()
    assert not phone.get_by_text("Belum ada catatan di kunjungan ini.").is_visible()
    assert counts() == (1, 1, 0)
    phone.unroute("**/pelanggaran")
    # Sent again by itself after a few seconds.
    phone.get_by_text("Semua catatan terkirim.").wait_for(timeout=15_000)
    assert counts() == (1, 1, 0)

    # 2. The app fails (500): the count waits, then arrives.
    phone.route(
        "**/hitung", on_post(lambda route: route.fulfill(status=500, body="Internal Server Error"))
    )
    phone.get_by_role("button", name="Hitung pengunjung").click()
    phone.get_by_label("Jumlah pengunjung sekarang").fill("37")  # typed, not stepped
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Server tidak menjawab: catatan aman di ponsel, menunggu dikirim.").wait_for()
    assert "Pengunjung: 37" in phone.locator(".timeline-item.is-pending").inner_text()
    assert counts() == (1, 1, 0)
    phone.unroute("**/hitung")
    phone.get_by_role("button", name="Kirim sekarang").click()
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 1)

    # 3. No answer at all: Simpan looks busy, a second tap does nothing, and after the
    #    bounded wait the entry is in the outbox.
    phone.route("**/pelanggaran", on_post(lambda route: None))  # held: never answered
    choose_violation(phone, "Berkerumun", "Pembubaran kerumunan")
    before = len(entry_posts)
    save = phone.get_by_role("button", name="Simpan")
    save.click()
    busy = phone.locator("form.htmx-request button[type=submit]")
    busy.wait_for()
    assert busy.is_disabled()
    assert float(busy.evaluate("b => getComputedStyle(b).opacity")) < 1
    busy.evaluate("b => b.click()")
    phone.get_by_text("Server tidak menjawab: catatan aman di ponsel").wait_for(timeout=6_000)
    assert len(entry_posts) == before + 1
    phone.unroute("**/pelanggaran")
    phone.get_by_role("button", name="Kirim sekarang").click()
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 2, 1)
    assert {v.category.code for v in db.session.scalars(sa.select(Violation))} == {
        "no_mask",
        "crowding",
    }


def test_a_12_mp_photo_over_a_slow_uplink_is_shrunk_and_saved(app, phone, on_shift, tmp_path):
    from PIL import Image

    big = tmp_path / "IMG_20261130_101500.jpg"
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    Image.blend(Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), noise, 0.5).save(
        big, "JPEG", quality=90
    )
    assert big.stat().st_size > 3_000_000
    open_visit_online(phone, on_shift)
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1_600_000 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    choose_violation(phone)
    phone.get_by_text("Data pelanggar, catatan, foto (tidak wajib)").click()
    phone.get_by_label("Foto").set_input_files(str(big))
    with phone.expect_request("**/api/v1/entries/*/photo") as upload:
        with phone.expect_response("**/pelanggaran") as saved:
            phone.get_by_role("button", name="Simpan").click()
        assert saved.value.status == 200
        assert len(saved.value.request.post_data_buffer or b"") < 20_000  # no photo inside
        phone.get_by_text("Pelanggaran tersimpan.").wait_for()
        assert counts() == (1, 1, 0)
        # The photo follows on its own, its progress shown on the entry.
        phone.locator(".timeline-violation [data-photo-status] progress").wait_for(timeout=5_000)
    assert len(upload.value.post_data_buffer) < 1_000_000  # shrunk on the phone
    entry = phone.locator(".timeline-violation").first
    entry.locator("img.thumb").wait_for(timeout=60_000)
    assert "/foto/kecil" in entry.locator("img.thumb").get_attribute("src")
    assert photo_count() == 1
    violation = db.session.scalar(sa.select(Violation))
    with Image.open(f"{app.config['UPLOAD_FOLDER']}/{violation.photo_path}") as stored:
        assert max(stored.size) == 1600


def test_a_photo_taken_without_signal_waits_with_its_entry(app, phone, on_shift, make_image):
    open_visit_online(phone, on_shift)
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Pelanggaran").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*#offline-violation")
    phone.get_by_text("Tidak memakai masker", exact=True).click()
    phone.get_by_text("Teguran lisan", exact=True).click()
    phone.get_by_text("Data pelanggar dan catatan").click()
    phone.get_by_label("Foto").set_input_files(
        files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": make_image((3000, 2000))}]
    )
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Tersimpan di ponsel, menunggu dikirim.").wait_for()
    pending = phone.locator(".timeline-item.is-pending")
    assert "Foto menunggu dikirim" in pending.inner_text()
    # Times read like the server's pages.
    assert pending.locator("time").inner_text().endswith(" WIB")
    phone.get_by_text("2 menunggu dikirim").wait_for()  # the entry and its photo
    phone.reload()
    phone.get_by_text("2 menunggu dikirim").wait_for()
    assert counts() == (1, 0, 0)

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 0)
    assert photo_count() == 1
    phone.get_by_role("link", name="Buka halaman kunjungan").click()
    phone.locator(".timeline-violation img.thumb").wait_for()


def test_the_old_home_page_during_an_open_visit_offers_to_continue_it(phone, on_shift):
    open_visit_online(phone, on_shift)
    phone.context.set_offline(True)
    # The phone's copy of Hari ini is from before the visit started.
    phone.get_by_role("link", name="Hari ini").click()
    phone.get_by_role("link", name="Lanjutkan kunjungan").wait_for()
    assert not phone.get_by_role("button", name="Mulai kunjungan").is_visible()
    phone.get_by_role("link", name="Lanjutkan kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    choose_violation(phone)
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    # The zone is drawn without any map tiles: outline, position and the verdict.
    assert phone.locator("[data-zone-sketch] svg circle").count() >= 2
    assert "Di dalam zona" in phone.locator("[data-zone-sketch]").inner_text()

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 0)
    phone.get_by_role("link", name="Hari ini").click()
    phone.get_by_role("link", name="Lanjutkan kunjungan").wait_for()
    assert phone.get_by_role("button", name="Mulai kunjungan").count() == 0


def test_a_refused_entry_is_fixed_and_sent_again(phone, on_shift):
    import uuid

    from tests.fixtures_offline import HERE, minutes_ago

    open_visit_online(phone, on_shift)
    visit_uuid = phone.url.rsplit("/", 1)[1]
    wrong = {
        "uuid": str(uuid.uuid4()),
        "kind": "violation",
        "recorded_at": minutes_ago(1),
        "visit_uuid": visit_uuid,
        "category": "no_mask",
        "action": "verbal_warning",
        "people_count": 0,
    } | HERE
    phone.evaluate(ADD_JS, [on_shift.id, wrong])
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    rejected = phone.locator("[data-outbox-rejected]")
    rejected.get_by_text("Jumlah orang tidak boleh kurang dari 1.").wait_for()
    assert "Pelanggaran" in rejected.inner_text() and " WIB" in rejected.inner_text()
    rejected.get_by_role("link", name="Ubah").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*&ubah=*")
    people = phone.get_by_label("Jumlah orang")
    phone.wait_for_function("() => document.getElementById('off-people_count').value === '0'")
    assert phone.locator('#offline-violation input[value="no_mask"]').is_checked()
    people.fill("2")
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 0)
    violation = db.session.scalar(sa.select(Violation))
    assert violation.uuid == wrong["uuid"] and violation.people_count == 2
    assert not rejected.is_visible()


def test_a_save_after_the_session_ended_waits_and_arrives_after_login(phone, on_shift):
    open_visit_online(phone, on_shift)
    choose_violation(phone)
    # Logged out elsewhere while the form was open.
    on_shift.session_token = "ended-elsewhere"
    db.session.commit()
    phone.get_by_role("button", name="Simpan").click()
    phone.wait_for_url("**/login?next=%2Fpatroli%2Fkunjungan%2F*")
    assert counts() == (1, 0, 0)
    from tests.conftest import DEFAULT_PASSWORD

    phone.get_by_label("Nama pengguna").fill(on_shift.username)
    phone.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()
    phone.wait_for_url("**/patroli/kunjungan/*")  # back to the visit
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 0)


def test_a_photo_the_server_could_not_take_waits_and_arrives_once(phone, on_shift, make_image):
    open_visit_online(phone, on_shift)
    failures = {"left": 1}

    def fail_once(route):
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=503, json={"error": "Layanan sedang tidak dapat dihubungi."})
        else:
            route.continue_()

    phone.route("**/api/v1/entries/*/photo", fail_once)
    choose_violation(phone)
    phone.get_by_text("Data pelanggar, catatan, foto (tidak wajib)").click()
    phone.get_by_label("Foto").set_input_files(
        files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": make_image((2000, 1500))}]
    )
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pelanggaran tersimpan.").wait_for()
    phone.locator(".timeline-violation").get_by_text("Foto menunggu dikirim").wait_for()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    assert counts() == (1, 1, 0) and photo_count() == 0
    # Sent again by itself; the visit screen then shows its thumbnail.
    phone.locator(".timeline-violation img.thumb").wait_for(timeout=20_000)
    assert failures["left"] == 0
    assert counts() == (1, 1, 0) and photo_count() == 1
