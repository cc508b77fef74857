"""GET /healthz answers for monitoring: 200 with the database, 503 without it."""

from patrol import create_app
from tests.conftest import CsrfClient, base_config


def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_database_is_down(tmp_path):
    unreachable = "sqlite:///" + str(tmp_path / "no-such-dir" / "gone.db")
    app = create_app(base_config(unreachable))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_healthz_503_when_postgresql_is_unreachable():
    app = create_app(base_config("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"))
    assert app.test_client().get("/healthz").status_code == 503


def test_pages_give_a_clear_503_page_when_database_is_down(tmp_path):
    unreachable = "sqlite:///" + str(tmp_path / "no-such-dir" / "gone.db")
    app = create_app(base_config(unreachable))
    app.test_client_class = CsrfClient
    response = app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Layanan sedang tidak dapat dihubungi" in text
    assert "Traceback" not in text
