"""The flask CLI: create-user and seed-demo."""

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Assignment, Entrance, GuardPost, Office, User, Zone


def test_create_user_with_password(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "rina",
            "--role",
            "guard",
            "--password",
            "kuat-sekali",
            "--name",
            "Rina Wati",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "rina"))
    assert user.role == "guard" and user.full_name == "Rina Wati"
    assert user.check_password("kuat-sekali")
    assert "kuat-sekali" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_create_user_prompts_for_missing_password(runner):
    result = runner.invoke(
        args=["create-user", "agus", "--role", "officer"], input="kuat-sekali\nkuat-sekali\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.username == "agus")) is not None


def test_create_user_refuses_taken_username(runner, create_user):
    create_user("officer", username="budi")
    result = runner.invoke(
        args=["create-user", "budi", "--role", "officer", "--password", "kuat-sekali"]
    )
    assert result.exit_code != 0
    assert "sudah dipakai" in result.output


def test_create_user_refuses_unknown_role(runner):
    result = runner.invoke(
        args=["create-user", "x", "--role", "superhero", "--password", "kuat-sekali"]
    )
    assert result.exit_code != 0
    assert "unknown role" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_create_user_refuses_short_password(runner):
    result = runner.invoke(args=["create-user", "x", "--role", "admin", "--password", "pendek"])
    assert result.exit_code != 0
    assert "minimal 8" in result.output


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_adds_malang_and_prints_passwords_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert count(Zone) >= 8 and count(Office) >= 5
    assert count(User) == 3 and count(GuardPost) == 1 and count(Assignment) == 1
    names = set(db.session.scalars(sa.select(Zone.name)))
    assert {"Alun-Alun Tugu", "Alun-Alun Merdeka", "Taman Merbabu"} <= names
    assert "Balai Kota Malang" in set(db.session.scalars(sa.select(Office.name)))
    assert "demo logins" in first.output
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    password = next(
        line.split()[1] for line in first.output.splitlines() if line.strip().startswith("admin ")
    )
    assert admin.check_password(password)

    before = {m: count(m) for m in (Zone, Office, Entrance, User, GuardPost, Assignment)}
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert {m: count(m) for m in before} == before
    assert "demo logins" not in second.output


def test_seed_demo_if_empty_leaves_existing_data_alone(runner, create_user):
    create_user("admin")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "skipped" in result.output
    assert count(Zone) == 0


def test_entrance_tokens_are_unguessable(runner):
    runner.invoke(args=["seed-demo"])
    tokens = list(db.session.scalars(sa.select(Entrance.token)))
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, base64url
