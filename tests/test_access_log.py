"""gunicorn's access log, as the project ships it (gunicorn.conf.py), holds no code or token.

Join codes travel in paths (/j/CODE, /live/CODE/…), invitation and password reset
tokens too, and a QR code's ticket and a sign-on's state in queries. The logger in
gunicorn.conf.py hides them in every atom that can hold them, whatever the format;
the shipped format has no address and no user agent either.
"""

import datetime
import re
import runpy
import secrets
import urllib.parse
from types import SimpleNamespace

import pytest
from conftest import PASSWORD_HASH, SAMPLE_LESSONS_DIR, make_test_app
from servers import ROOT, server_env, start_gunicorn, stop_all
from test_faults import http_request as request

from classroom.accounts.models import School, User
from classroom.coordination.models import SchoolClass
from classroom.extensions import db
from classroom.lessons.content import get_library
from classroom.polls import join_tickets, services

CONFIG = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
masked_url = CONFIG["masked_url"]

# Path arguments that are no secret: lesson slugs and fixed words. Ids are integers.
PUBLIC_ARGUMENTS = {
    "slug",  # a library lesson's name, the same for every school
    "own_slug",  # a school's own module: reachable by its staff only
    "phase_key",  # a phase of a lesson file
    "action",  # open, close, reveal…: a teacher's action on a question
    "filename",  # static files
}
# A join code, an invitation or reset token, a stored answer's random key (moderation).
SECRET_ARGUMENTS = {"code", "token", "answer_id"}
ARGUMENT = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _arguments(rule) -> list[tuple[str, str, str]]:
    """(converter, its arguments, name) of each variable part of the rule."""
    return [
        (kind or "default", options or "", name) for kind, options, name in ARGUMENT.findall(rule)
    ]


def test_every_route_with_a_code_or_token_in_its_path_is_masked():
    app = make_test_app()
    adapter = app.url_map.bind("klas.test")
    masked_rules = []
    for rule in app.url_map.iter_rules():
        arguments = _arguments(rule.rule)
        strings = {name for kind, _options, name in arguments if kind in ("default", "path")}
        unknown = strings - PUBLIC_ARGUMENTS - SECRET_ARGUMENTS
        assert not unknown, f"{rule.rule}: is {unknown} a secret? Add it to a set above"
        if not strings & SECRET_ARGUMENTS:
            continue
        secret = "Q7RT2X9ZK"
        values = {}
        for kind, options, name in arguments:
            if kind == "any":  # one of its words
                values[name] = options.split(",")[0].strip()
            else:
                values[name] = 12 if kind == "int" else secret
        path = adapter.build(rule.endpoint, values, method=sorted(rule.methods)[0])
        assert secret in path
        assert secret not in masked_url(path), rule.rule
        assert secret not in masked_url(f"POST {path}?t=1 HTTP/1.1"), rule.rule
        masked_rules.append(rule.rule)
    # The join link, the live page, its state, answer and help, invitations, resets, moderation.
    assert len(masked_rules) >= 8, masked_rules


def test_queries_keep_their_names_and_lose_their_values():
    assert masked_url("/signon/callback?code=abc&state=def") == (
        "/signon/callback?code=[hidden]&state=[hidden]"
    )
    assert masked_url("/j/ABCD23?t=ticket") == "/j/[code]?t=[hidden]"
    assert masked_url("/live/%41BCD23/state") == "/live/[code]/state"
    assert masked_url("//j/ABCD23") == "//j/[code]"
    assert masked_url("https://klas.test/live/ABCD23?x") == "https://klas.test/live/[code]?[hidden]"
    assert masked_url("/auth/reset/abc.def-ghi") == "/auth/reset/[token]"
    assert masked_url("/runs/12/state") == "/runs/12/state"


def test_every_atom_that_can_hold_a_url_or_a_cookie_is_masked_in_any_format():
    from gunicorn.config import Config

    logger = CONFIG["MaskingLogger"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/live/ABCD23/state?t=x",
        "PATH_INFO": "/live/ABCD23/state",
        "QUERY_STRING": "t=x",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://klas.test/j/ABCD23",
        "HTTP_COOKIE": "session=abc",
    }
    request = SimpleNamespace(
        headers=[("REFERER", environ["HTTP_REFERER"]), ("COOKIE", "session=abc")]
    )
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=3))
    assert atoms["r"] == "GET /live/[code]/state?t=[hidden] HTTP/1.1"
    assert atoms["U"] == "/live/[code]/state"
    assert atoms["q"] == "t=[hidden]"
    assert atoms["f"] == atoms["{referer}i"] == "https://klas.test/j/[code]"
    assert "ABCD23" not in repr(atoms)
    assert "session=abc" not in repr(atoms)


def _seed(database: str, secret: str) -> dict:
    app = make_test_app(
        SQLALCHEMY_DATABASE_URI=database, SECRET_KEY=secret, LESSONS_DIR=str(SAMPLE_LESSONS_DIR)
    )
    with app.app_context():
        db.create_all()
        school = School(name="Logboek College")
        teacher = User(
            school=school,
            email="docent@logboek.test",
            name="Docent",
            role="teacher",
            password_hash=PASSWORD_HASH,
        )
        school_class = SchoolClass(
            school=school, name="2 HAVO A", level="havo", year=2, teachers=[teacher]
        )
        db.session.add_all([school, teacher, school_class])
        db.session.flush()
        run = services.start_run(get_library().get("sample"), school_class, teacher, "nl", 30)
        question = next(q for q in run.questions if q.type == "single")
        services.open_question(question)
        db.session.commit()
        seeded = {
            "code": run.join_code,
            "ticket": join_tickets.ticket(run.join_code),
            "question_id": question.id,
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


@pytest.mark.server
def test_the_access_log_shows_routes_and_statuses_without_codes_or_tokens(tmp_path):
    database = f"sqlite:///{tmp_path / 'log.sqlite'}"
    secret = secrets.token_hex(32)
    seeded = _seed(database, secret)
    code, ticket, question_id = seeded["code"], seeded["ticket"], seeded["question_id"]
    tokens = [secrets.token_urlsafe(24) for _ in range(2)]
    env = server_env(
        DATABASE_URL=database, FLASK_SECRET_KEY=secret, FLASK_LESSONS_DIR=str(SAMPLE_LESSONS_DIR)
    )
    access_log = tmp_path / "access.log"
    options = ("--access-logfile", str(access_log), "--log-level", "warning")
    server = start_gunicorn(env, tmp_path / "gunicorn.log", workers=1, options=options)
    try:
        server.wait_until_up()
        port = server.port
        status, headers, _body = request(port, "GET", f"/j/{code}?t={ticket}")
        assert status == 302
        cookie = {"Cookie": re.search(r"session=[^;]*", headers["Set-Cookie"])[0]}
        referer = {**cookie, "Referer": f"http://127.0.0.1:{port}/live/{code}?t={ticket}"}
        status, _headers, page = request(port, "GET", f"/live/{code}", referer)
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        assert request(port, "GET", f"/live/{code}/state", cookie)[0] == 200
        body = urllib.parse.urlencode({"csrf_token": token, "answer": "0"})
        answer = f"/live/{code}/questions/{question_id}"
        assert request(port, "POST", answer, cookie, body)[0] == 303
        assert request(port, "GET", f"/auth/reset/{tokens[0]}")[0] < 500
        assert request(port, "GET", f"/auth/invite/{tokens[1]}")[0] < 500
        assert request(port, "GET", f"/signon/callback?code={tokens[0]}&state=x")[0] < 500
    finally:
        stop_all([server], timeout=10)
    log = access_log.read_text()
    for secret_text in (code, ticket, *tokens, "session="):
        assert secret_text not in log, secret_text
    assert "127.0.0.1" not in log  # no address (the referer's host is masked out of the format)
    for line in (
        '"GET /j/[code]?t=[hidden] HTTP/1.1" 302',
        '"GET /live/[code] HTTP/1.1" 200',
        '"GET /live/[code]/state HTTP/1.1" 200',
        f'"POST /live/[code]/questions/{question_id} HTTP/1.1" 303',
        '"GET /auth/reset/[token] HTTP/1.1"',
        '"GET /auth/invite/[token] HTTP/1.1"',
        '"GET /signon/callback?code=[hidden]&state=[hidden] HTTP/1.1"',
    ):
        assert line in log, (line, log)
