"""CSRF: every form and htmx request needs the token."""


def test_form_post_without_token_is_refused_with_a_message(client, create_user):
    user = create_user("officer")
    response = client.post("/login", data={"username": user.username, "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert "token CSRF" in response.get_data(as_text=True)


def test_logout_without_token_is_refused(client, create_user, login):
    login(client, create_user("officer"))
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/patroli/").status_code == 200


def test_htmx_header_token_is_accepted(client, create_user, login):
    login(client, create_user("officer"))
    token = client.csrf_token()
    response = client.post(
        "/logout", headers={"HX-Request": "true", "X-CSRFToken": token}, csrf=False
    )
    assert response.status_code == 302


def test_pages_carry_the_token_for_htmx(client, create_user, login):
    text = client.get("/login").get_data(as_text=True)
    assert 'name="csrf-token"' in text
    # The login page uses no htmx; a page that does sends the token with every request.
    assert "hx-headers" not in text
    login(client, create_user("officer"))
    text = client.get("/patroli/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken"' in text


def test_api_rejects_missing_token_as_json(client, create_user, login):
    login(client, create_user("officer"))
    response = client.post("/logout-everywhere", csrf=False)
    assert response.status_code == 400
