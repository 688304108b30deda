import os
import subprocess
import sys

from conftest import make_test_app
from servers import ROOT


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_answers_503_when_the_database_cannot_be_reached(tmp_path):
    unreachable = f"sqlite:///{tmp_path}/no-such-folder/db.sqlite"
    app = make_test_app(SQLALCHEMY_DATABASE_URI=unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}


def test_web_server_workers_load_neither_migrations_nor_sign_on_libraries(tmp_path):
    # Each of 4 workers would hold about 26 MiB more (README, Performance: memory).
    heavy = ("alembic", "authlib", "requests", "cryptography")
    script = f"import sys, wsgi; print(','.join(name for name in {heavy!r} if name in sys.modules))"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite"}
    env["FLASK_SECRET_KEY"] = "test"
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
