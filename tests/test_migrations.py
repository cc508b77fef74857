"""Migrations: upgrade from empty, match the models exactly, downgrade to base."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from patrol import create_app
from patrol.extensions import db
from patrol.services.partitions import is_partition_name
from tests.conftest import base_config


def include_name(name, type_, parent_names):
    return type_ != "table" or not is_partition_name(name)


def test_upgrade_matches_models_and_downgrade_empties(empty_database_uri):
    app = create_app(base_config(empty_database_uri))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            # The monthly partitions of check-ins (PostgreSQL) are tables without a model
            # of their own; migrations/env.py leaves them out of autogenerate the same way.
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_name": include_name,
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        if db.engine.dialect.name == "postgresql":
            # Autogenerate does not compare primary keys: the model keeps id as the mapper's
            # key, the partitioned table's key holds the partition column too.
            inspector = sa.inspect(db.engine)
            key = inspector.get_pk_constraint("checkins")["constrained_columns"]
            assert key == ["id", "checked_in_at"]
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
