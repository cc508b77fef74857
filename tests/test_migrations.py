"""Migrations: upgrade from empty, match the models exactly, downgrade to base."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from patrol import create_app
from patrol.extensions import db
from tests.conftest import base_config


@pytest.fixture
def empty_database_uri(backend, database_uri, tmp_path):
    """A database of its own, empty, so that the migrations start from nothing."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrations.db")
        return
    name = f"patroli_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_uri, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(database_uri).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_database_uri):
    app = create_app(base_config(empty_database_uri))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "zones", "visits", "violations", "checkins", "audit_events"} <= tables

        downgrade(revision="base")
        db.engine.dispose()
        left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        # And back up again: a downgrade leaves nothing behind that blocks the upgrade.
        upgrade()
        db.engine.dispose()


def test_there_is_one_head(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
