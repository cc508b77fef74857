"""Bahasa Indonesia first, English on request; times in WIB."""

from datetime import datetime, timezone

from patrol.web.i18n import wib


def test_indonesian_is_the_default(client):
    text = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in text
    assert "Masuk ke Patroli" in text


def test_english_can_be_chosen_and_is_remembered(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    text = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "Log in to Patroli" in text
    assert "Username" in text


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert '<html lang="id">' in client.get("/login").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_times_show_in_wib(app):
    with app.test_request_context():
        # 03:15 UTC is 10:15 in Jakarta (UTC+7).
        assert wib(datetime(2026, 11, 27, 3, 15, tzinfo=timezone.utc)) == "27 Nov 2026 10:15 WIB"


def test_english_error_page(client, create_user, login):
    login(client, create_user("officer"))
    client.post("/language", data={"lang": "en"})
    text = client.get("/admin/").get_data(as_text=True)
    assert "You may not open this page." in text


def test_counts_take_the_english_plural(client, create_office):
    entrance = create_office().entrances[0]
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/c/{entrance.token}").get_data(as_text=True)
    assert ">1 dose<" in page and ">2 doses<" in page


def test_the_catalogue_is_looked_up_once_and_a_changed_language_is_followed(app, monkeypatch):
    """Strings in templates and in Python come from a catalogue kept while the locale stays
    (patrol/web/i18n.py KeptDomain); force_locale and refresh still switch the language."""
    import flask_babel

    looked_up = []
    real = flask_babel.Domain.get_translations
    monkeypatch.setattr(
        flask_babel.Domain, "get_translations", lambda self: looked_up.append(1) or real(self)
    )
    page = app.jinja_env.from_string("{{ _('Masuk') }} {{ _('Keluar') }} {{ _('Simpan') }}")
    with app.test_request_context("/"):
        assert page.render() == "Masuk Keluar Simpan"
        assert flask_babel.gettext("Simpan") == "Simpan"
        assert len(looked_up) == 1
        with flask_babel.force_locale("en"):
            assert page.render() == "Log in Log out Save"
            assert flask_babel.gettext("Simpan") == "Save"
        assert page.render() == "Masuk Keluar Simpan"
        flask_babel.refresh()
        assert flask_babel.gettext("Simpan") == "Simpan"
    assert len(looked_up) == 4
