"""Two app processes share their rate-limit counts through Redis (RATELIMIT_STORAGE_URI)."""

import http.cookiejar
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import make_test_app
from servers import server_env, start_gunicorn, stop_all

from classroom.accounts.models import School, User
from classroom.extensions import db

REDIS = ("127.0.0.1", 6379)

pytestmark = pytest.mark.server


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


class Browser:
    """A cookie jar and a CSRF token, like one browser."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def login(self, port: int, email: str, password: str) -> int:
        page = self.opener.open(f"http://127.0.0.1:{port}/auth/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        data = urllib.parse.urlencode(
            {"csrf_token": token[1], "email": email, "password": password}
        ).encode()
        try:
            with self.opener.open(
                f"http://127.0.0.1:{port}/auth/login", data=data, timeout=10
            ) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379"
)
def test_login_failures_are_counted_across_instances(tmp_path):
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    app = make_test_app(SQLALCHEMY_DATABASE_URI=database)
    email = f"shared-{uuid.uuid4().hex[:8]}@voorbeeldschool.nl"
    with app.app_context():
        db.create_all()
        school = School(name="Gedeeld College")
        user = User(school=school, email=email, name="Docent", role="teacher")
        user.set_password("een goed wachtwoord")
        db.session.add(user)
        db.session.commit()
    env = server_env(
        DATABASE_URL=database,
        FLASK_SECRET_KEY="shared-test-key",
        FLASK_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
    )
    instances = []
    try:
        for number in range(2):
            instances.append(start_gunicorn(env, tmp_path / f"instance-{number}.log", workers=2))
        for instance in instances:
            instance.wait_until_up()
        ports = [instance.port for instance in instances]
        browser = Browser()
        statuses = [browser.login(ports[i % 2], email, "fout wachtwoord") for i in range(10)]
        assert statuses == [401] * 10  # five failures on each instance
        for port in ports:
            assert browser.login(port, email, "een goed wachtwoord") == 429
    finally:
        stop_all(instances, timeout=15)
