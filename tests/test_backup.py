"""flask backup PATH writes a copy that restores with the data intact."""

import shutil
import subprocess

import sqlalchemy as sa

from patrol import create_app
from patrol.extensions import db
from patrol.models import User
from tests.conftest import base_config


def test_backup_and_restore(app, runner, create_user, backend, database_uri, tmp_path):
    create_user("admin", username="kepala")
    target = tmp_path / "backup" / "patroli.bak"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    if backend == "sqlite":
        restored_uri = "sqlite:///" + str(target)
    else:
        name = "patroli_restore_test"
        admin = sa.create_engine(database_uri, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(database_uri).set(database=name)
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            [shutil.which("pg_restore"), "--no-owner", f"--dbname={plain}", str(target)],
            check=True,
        )
        restored_uri = url.render_as_string(hide_password=False)

    restored = create_app(base_config(restored_uri))
    with restored.app_context():
        names = set(db.session.scalars(sa.select(User.username)))
        db.engine.dispose()
    assert names == {"kepala"}
    if backend == "postgresql":
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_to_unwritable_path_fails_clearly(runner):
    result = runner.invoke(args=["backup", "/proc/nope/patroli.bak"])
    assert result.exit_code != 0
    assert "Error" in result.output
