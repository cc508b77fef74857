"""Checkpoints without a camera: a short code under the QR that the officer can type."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import SHORT_CODE_ALPHABET, CheckpointScan, new_short_code
from patrol.services import checkpoints
from tests.fixtures_checkpoints import TUGU

HTMX = {"HX-Request": "true"}


def post_scan(field_setup, token):
    data = {"uuid": str(uuid.uuid4()), "token": token, "lat": TUGU[0], "lon": TUGU[1]}
    return field_setup.client.post(
        field_setup.visit_url + "/titik", data=data | {"accuracy": 5}, headers=HTMX
    )


def test_short_codes_have_six_characters_without_look_alikes():
    codes = {new_short_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{6}", code)
        assert not set(code) & set("0O1IL2Z5S8BUVDQG")
    assert set("".join(codes)) <= set(SHORT_CODE_ALPHABET)


def test_every_checkpoint_gets_its_own_code(field_setup, create_checkpoint):
    first = create_checkpoint(field_setup.zone, name="Gerbang utara")
    second = create_checkpoint(field_setup.zone, name="Air mancur", lat=TUGU[0] + 0.0002)
    assert first.short_code and second.short_code and first.short_code != second.short_code


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {spaced} ", "{dashed}"])
def test_officer_types_the_short_code_in_any_case(field_setup, create_checkpoint, typed):
    checkpoint = create_checkpoint(field_setup.zone, name="Air mancur")
    code = checkpoint.short_code
    text = typed.format(
        code=code,
        lower=code.lower(),
        spaced=f"{code[:3]} {code[3:]}",
        dashed=f"{code[:3]}-{code[3:]}",
    )
    response = post_scan(field_setup, text)
    assert response.status_code == 200
    assert "Air mancur dipindai." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(CheckpointScan.checkpoint_id)) == checkpoint.id


def test_a_wrong_short_code_is_refused_in_bahasa(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    wrong = "".join(c for c in SHORT_CODE_ALPHABET if c not in checkpoint.short_code)[:6]
    response = post_scan(field_setup, wrong)
    assert response.status_code == 422
    assert "Kode titik tidak dikenal." in response.get_data(as_text=True)


def test_reissuing_the_token_also_replaces_the_short_code(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    old_code = checkpoint.short_code
    checkpoints.reissue_token(field_setup.officer.id, checkpoint)
    db.session.commit()
    assert checkpoint.short_code != old_code
    assert post_scan(field_setup, old_code).status_code == 422


def test_the_sticker_prints_the_short_code(
    client, create_user, login, create_zone, create_checkpoint
):
    zone = create_zone(name="Alun-Alun Tugu")
    checkpoint = create_checkpoint(zone)
    login(client, create_user("admin"))
    page = client.get(f"/admin/titik/{checkpoint.id}/stiker").get_data(as_text=True)
    assert checkpoint.short_code in page
