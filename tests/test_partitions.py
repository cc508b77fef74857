"""checkin_keys keeps check-ins unique; monthly partitions on PostgreSQL (create-partitions)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from patrol import create_app
from patrol.extensions import db
from patrol.models import CheckIn, CheckinKey, Entrance, Office
from patrol.routes.checkin import PASS_COOKIE
from patrol.services import checkins, partitions
from tests.conftest import base_config


def rows():
    db.session.expire_all()
    found = db.session.execute(
        sa.select(CheckIn.id, CheckIn.uuid, CheckinKey.checkin_id, CheckinKey.checkout_secret)
        .outerjoin(CheckinKey, CheckinKey.uuid == CheckIn.uuid)
        .order_by(CheckIn.id)
    )
    return [tuple(row) for row in found]


def details(name="Siti Aminah"):
    return checkins.VisitorDetails(name, "081234567890", "Rapat", False, 3)


def test_a_retried_form_keeps_the_first_check_in_and_its_key(client, create_office, served_form):
    office = create_office()
    form = served_form(client, f"/c/{office.entrances[0].token}")  # as the page gave it
    first = client.post(f"/c/{office.entrances[0].token}", data=form)
    secret = client.get_cookie(PASS_COOKIE, path="/c/").value
    second = client.post(f"/c/{office.entrances[0].token}", data=form | {"name": "Lain"})
    assert first.status_code == second.status_code == 302
    [(checkin_id, client_uuid, key_checkin_id, key_secret)] = rows()
    assert client_uuid == form["client_uuid"] and key_checkin_id == checkin_id
    assert key_secret == secret
    # The phone's secret finds the row through checkin_keys; the pass shows the first name.
    page = client.get("/c/tiket").get_data(as_text=True)
    assert "Siti Aminah" in page and "Lain" not in page


def test_a_retry_that_races_past_the_first_look_up_is_rolled_back(app, create_office):
    """Two requests with one UUID, the second not yet seeing the first: the key decides."""
    office = create_office()
    client_uuid = str(uuid.uuid4())
    first = checkins.check_in(office, office.entrances[0], client_uuid, details())
    db.session.commit()
    first_id = first.id
    looked = []
    real = checkins._by_uuid

    def blind_once(value):
        looked.append(value)
        return None if len(looked) == 1 else real(value)

    checkins._by_uuid = blind_once
    try:
        again = checkins.check_in(office, None, client_uuid, details("Budi"))
    finally:
        checkins._by_uuid = real
    db.session.commit()
    assert again.id == first_id and len(looked) == 2
    # The second row went in, its key did not, and the savepoint took the row back out.
    assert [(r[0], r[2]) for r in rows()] == [(first_id, first_id)]


def test_every_check_in_path_writes_its_key(app, create_office, create_user):
    office = create_office()
    guard = create_user("guard")
    visitor = checkins.check_in(office, office.entrances[0], str(uuid.uuid4()), details())
    walk_in = checkins.turn_away(office, guard.id, str(uuid.uuid4()), "Tanpa masker", name="Ali")
    db.session.commit()
    assert {(r[0], r[2]) for r in rows()} == {(visitor.id, visitor.id), (walk_in.id, walk_in.id)}
    assert checkins.checkin_by_secret(walk_in.checkout_secret).id == walk_in.id
    assert checkins.open_checkin_by_secret(visitor.checkout_secret).id == visitor.id
    assert checkins.open_checkin_by_secret(walk_in.checkout_secret) is None  # turned away


def _office() -> Office:
    office = Office(
        name="Kantor Partisi",
        address="Jl. Tugu 1",
        lat=-7.9769,
        lon=112.6334,
        radius_m=100,
        capacity=50,
        opens_at=time(7, 30),
        closes_at=time(16, 0),
    )
    office.entrances.append(Entrance(name="Pintu Utama"))
    db.session.add(office)
    db.session.commit()
    return office


def _table_of(checkin_id: int) -> str:
    return db.session.scalar(
        sa.text("SELECT tableoid::regclass::text FROM checkins WHERE id = :id"), {"id": checkin_id}
    )


def test_create_partitions_on_the_migrated_database(backend, empty_database_uri):
    app = create_app(base_config(empty_database_uri))
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        if backend == "sqlite":
            result = runner.invoke(args=["create-partitions", "--months", "3"])
            assert result.exit_code == 0, result.output
            assert "not partitioned" in result.output and "sqlite" in result.output
            assert not partitions.is_partitioned()
            db.engine.dispose()
            return

        now = datetime.now(timezone.utc)
        this_month = partitions.month_of(now)
        ahead = [partitions.partition_name(partitions.add_months(this_month, n)) for n in range(6)]
        # The migration made this month and three ahead, plus the default partition.
        assert partitions.is_partitioned()
        assert set(ahead[:4]) | {"checkins_default"} == set(partitions.partitions())

        result = runner.invoke(args=["create-partitions", "--months", "5"])
        assert result.exit_code == 0, result.output
        assert "partitions created: 2" in result.output
        assert ahead[4] in result.output and ahead[5] in result.output
        again = runner.invoke(args=["create-partitions", "--months", "5"])
        assert again.exit_code == 0 and "partitions created: 0" in again.output

        # A check-in lands in its month's partition; a retry returns it from there.
        office = _office()
        client_uuid = str(uuid.uuid4())
        first = checkins.check_in(office, None, client_uuid, details(), now=now)
        db.session.commit()
        retry = checkins.check_in(office, None, client_uuid, details("Budi"), now=now)
        db.session.commit()
        assert retry.id == first.id and _table_of(first.id) == ahead[0]
        assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1

        # The timer was late: a check-in eight months ahead waits in the default partition,
        # is reported, and moves to its own month when the command runs.
        late = now + timedelta(days=250)
        waiting = checkins.check_in(office, None, str(uuid.uuid4()), details(), now=late)
        db.session.commit()
        assert _table_of(waiting.id) == "checkins_default"
        assert partitions.default_rows() == 1
        health = app.test_client().get("/healthz")
        assert health.status_code == 200
        assert health.get_json()["warning"] == "checkins_default has rows: run create-partitions"
        result = runner.invoke(args=["create-partitions", "--months", "3"])
        assert result.exit_code == 0, result.output
        late_name = partitions.partition_name(partitions.month_of(late))
        assert "partitions created: 1" in result.output and late_name in result.output
        assert "1 check-ins were waiting in checkins_default" in result.output
        db.session.expire_all()
        assert _table_of(waiting.id) == late_name and partitions.default_rows() == 0
        assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
        # Its indexes came with the attach, and the secret still finds it.
        indexes = db.session.scalar(
            sa.text("SELECT count(*) FROM pg_indexes WHERE tablename = :t"), {"t": late_name}
        )
        assert indexes == 5  # primary key and the four of the parent
        assert checkins.checkin_by_secret(waiting.checkout_secret).id == waiting.id
        db.session.remove()
        db.engine.dispose()


def test_migration_0012_backfills_keys_and_keeps_every_check_in(backend, empty_database_uri):
    from flask_migrate import downgrade

    from patrol.demo.seed_load import seed_load

    app = create_app(base_config(empty_database_uri))
    with app.app_context():
        upgrade(revision="0011")
        seed_load(scale=0.0002, days=70, at_0011=True)  # 200 check-ins over 3 months
        db.session.commit()
        listing = sa.select(
            CheckIn.id, CheckIn.uuid, CheckIn.checkout_secret, CheckIn.checked_in_at
        ).order_by(CheckIn.id)
        before = db.session.execute(listing).all()
        db.session.remove()

        upgrade()
        assert db.session.execute(listing).all() == before and len(before) == 200
        keys = db.session.execute(
            sa.select(
                CheckinKey.checkin_id,
                CheckinKey.uuid,
                CheckinKey.checkout_secret,
                CheckinKey.checked_in_at,
            ).order_by(CheckinKey.checkin_id)
        ).all()
        assert keys == before
        assert partitions.is_partitioned() == (backend == "postgresql")
        if backend == "postgresql":
            months = {
                partitions.partition_name(partitions.month_of(r.checked_in_at)) for r in before
            }
            homes = set(
                db.session.scalars(
                    sa.text("SELECT DISTINCT tableoid::regclass::text FROM checkins")
                )
            )
            assert homes == months and len(months) >= 3
        # A seeded check-in's UUID sent again returns that row.
        office = db.session.get(Office, db.session.scalar(sa.select(CheckIn.office_id)))
        again = checkins.check_in(office, None, before[7].uuid, details())
        assert again.id == before[7].id
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0011")
        assert db.session.execute(listing).all() == before
        assert sa.inspect(db.engine).has_table("checkin_keys") is False
        db.session.remove()
        db.engine.dispose()


def test_seed_load_on_the_migrated_database_fills_months_and_keys(backend, empty_database_uri):
    from patrol.demo.seed_load import seed_load

    app = create_app(base_config(empty_database_uri))
    with app.app_context():
        upgrade()
        seed_load(scale=0.0002, days=100)  # 200 check-ins, four months back from today
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count(CheckIn.id)))
        keyed = db.session.scalar(
            sa.select(sa.func.count(CheckinKey.uuid)).join(CheckIn, checkins._KEYED)
        )
        assert total == keyed == 200
        if backend == "postgresql":
            # The months before the migration's partitions got theirs: none in the default.
            assert partitions.default_rows() == 0
            homes = set(
                db.session.scalars(
                    sa.text("SELECT DISTINCT tableoid::regclass::text FROM checkins")
                )
            )
            starts = db.session.scalars(sa.select(CheckIn.checked_in_at))
            assert homes == {partitions.partition_name(partitions.month_of(t)) for t in starts}
            assert len(homes) >= 4
        db.session.remove()
        db.engine.dispose()
