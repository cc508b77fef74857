"""The English catalogue covers every source string and keeps its placeholders.

The msgids are Bahasa Indonesia (docs/decisions.md); a msgid without English falls back to
Indonesian, so a forgotten translation shows up here rather than in front of an officer who
chose English.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "patrol" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords as `make extract-messages` (pybabel's defaults plus -k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# %(name)s / %(n)d for gettext, {m} for the data-* texts that the browser scripts fill in.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*\}")


@cache
def extracted_msgids() -> frozenset[str]:
    """Every msgid in the current source, extracted with babel.cfg's mapping."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return frozenset(ids)


@cache
def english():
    with open(EN_PO, "rb") as po:
        return read_po(po, locale="en")


def forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_extraction_finds_the_source_strings():
    ids = extracted_msgids()
    assert "Masuk ke Patroli" in ids  # a template string
    assert "Kata sandi wajib diisi." in ids  # a Python string
    assert len(ids) > 500


def test_every_source_string_has_english():
    catalogue = english()
    missing = sorted(
        msgid
        for msgid in extracted_msgids()
        if (message := catalogue.get(msgid)) is None
        or not all(form.strip() for form in forms(message.string))
    )
    assert not missing, (
        f"{len(missing)} msgid(s) have no English translation. Run `make extract-messages`, "
        f"then translate them in {EN_PO.relative_to(ROOT)}:\n" + "\n".join(missing)
    )


def test_no_fuzzy_translations():
    fuzzy = sorted(forms(m.id)[0] for m in english() if m.id and m.fuzzy)
    assert not fuzzy, "Fuzzy entries are not used at run time; check them:\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders():
    wrong = []
    for message in english():
        if not message.id:
            continue
        ids = forms(message.id)
        for index, text in enumerate(forms(message.string)):
            if not text:
                continue
            source = ids[min(index, len(ids) - 1)]
            want, got = sorted(PLACEHOLDER.findall(source)), sorted(PLACEHOLDER.findall(text))
            if want != got:
                wrong.append(f"{source!r} -> {text!r}: {want} != {got}")
    assert not wrong, "Placeholders differ between msgid and translation:\n" + "\n".join(wrong)


@pytest.fixture
def in_english(client):
    client.post("/language", data={"lang": "en"})
    return client


def test_login_page_in_english(in_english):
    text = in_english.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "Log in to Patroli" in text
    assert "Password" in text
    assert "Kata sandi" not in text


def test_public_park_page_in_english(in_english, create_zone):
    create_zone(name="Taman Merbabu")
    # The park page is cached for everyone, so its language comes from the URL.
    text = in_english.get("/taman?lang=en").get_data(as_text=True)
    assert "How busy are the parks right now?" in text
    assert "Taman Merbabu" in text  # place names stay as they are
    assert "Seberapa ramai" not in text


def test_officer_pages_in_english(
    in_english, create_user, create_zone, create_assignment, create_visit, login
):
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu")
    create_assignment(officer, zone)
    login(in_english, officer)

    home = in_english.get("/patroli/").get_data(as_text=True)
    assert '<html lang="en">' in home
    for phrase in ("Current shift", "Start visit", "Map of the current zone", "Hold for 2 seconds"):
        assert phrase in home
    assert "Mulai kunjungan" not in home
    assert 'data-gps-accuracy="GPS found, accuracy ±{m} m"' in home

    visit = create_visit(officer, zone)
    page = in_english.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)
    for phrase in ("Violation", "Crowd count", "End visit"):
        assert phrase in page
    assert "Selesai kunjungan" not in page
