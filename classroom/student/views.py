"""The student's journey: join with a code, answer the open poll, see revealed results.

Students have no account: a signed session token scoped to one run is all
that ties a browser to a run. Every step works with plain forms and links.
"""

from datetime import datetime
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature
from sqlalchemy.orm import contains_eager
from werkzeug.http import parse_cookie, parse_etags

from ..errors import render_error
from ..extensions import db, limiter
from ..polls import answers, services
from ..polls.answer_forms import answer_form, form_value, initial_data
from ..polls.models import Question, Run
from ..security import _set_security_headers
from ..timeutil import as_utc, now_utc
from . import tokens
from .forms import JoinForm
from .verdict import own_verdict

bp = Blueprint("student", __name__)


def _run_for_code(code: str) -> Run | tuple[str, int]:
    """Return the open run of a code, or the error page to show instead.

    An unknown or ended code counts as a wrong guess towards the join limit.
    """
    normalised = services.normalise_code(code)
    run = services.find_run_by_code(normalised) if normalised else None
    if run is None:
        g.wrong_code = True
        return render_error(
            404, _("There is no lesson with this code. Check the code on the screen.")
        )
    if run.is_paused:
        return render_error(
            423,
            _(
                "This lesson is paused until the next lesson. "
                "Your teacher will open it again; then this code works once more."
            ),
        )
    if not run.is_open:
        g.wrong_code = True
        return render_error(410, _("This lesson has ended. The code no longer works."))
    return run


def _counts_as_wrong_code(_response) -> bool:
    """Only answers that tell a visitor a code is unknown or ended count."""
    return bool(g.get("wrong_code"))


# A phone that joined keeps its live page (and its state poll) through a pause.
PAUSED_PAGES = ("student.live", "student.live_state", "student.live_support")


def _joined_any_run() -> bool:
    """A phone with a token: its live pages tell it nothing about other codes."""
    return bool(session.get("runs")) and request.endpoint not in _JOIN_ENDPOINTS


_JOIN_ENDPOINTS = ("student.join", "student.join_link")


def code_limit():
    """One counter per address for every route that takes a join code (README, Security)."""
    return limiter.shared_limit(
        lambda: current_app.config["JOIN_FAILURE_LIMIT"],
        scope="join-code",
        deduct_when=_counts_as_wrong_code,
        exempt_when=_joined_any_run,
    )


@bp.route("/join", methods=["GET", "POST"])
@code_limit()
def join():
    """Ask for the join code; open to everyone."""
    form = JoinForm()
    if form.validate_on_submit():
        found = _run_for_code(form.code.data)
        if not isinstance(found, Run):
            status = found[1]
            if status == 423:
                form.code.errors.append(_("This lesson is paused until the next lesson."))
            else:
                form.code.errors.append(_("There is no open lesson with this code."))
            return render_template("student/join.html", form=form), status
        return redirect(url_for("student.join_link", code=found.join_code), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("student/join.html", form=form), status


@bp.get("/j/<code>")
@code_limit()
def join_link(code: str):
    """The short link and QR target: join the run and go to its live page."""
    found = _run_for_code(code)
    if not isinstance(found, Run):
        return found
    if tokens.device_token(found.id) is None:
        if not services.admit(found):
            return render_error(403, _("This lesson is full. Ask your teacher."))
        db.session.commit()
    tokens.join(found.id)
    # A student who has not chosen a language gets the lesson's; the switch stays theirs.
    session.setdefault("language", found.language)
    return redirect(url_for("student.live", code=found.join_code))


def _joined_run(code: str) -> Run | ResponseReturnValue:
    """The run of a code this browser joined; a visitor who did not join any run of
    this code goes to the join link, the same answer for every code."""
    normalised = services.normalise_code(code)
    run = services.find_run_by_code(normalised) if normalised else None
    if run is None or tokens.device_token(run.id) is None:
        return redirect(url_for("student.join_link", code=code))
    if run.is_paused and request.endpoint in PAUSED_PAGES:
        return run
    if not run.is_open:
        return _run_for_code(code)  # the paused or the ended page
    return run


def joined_only(view):
    """Live pages need an open run and this browser's token for it (sets g.run, g.token)."""

    @wraps(view)
    def guarded(code: str, **values):
        found = _joined_run(code)
        if not isinstance(found, Run):
            return found
        g.run = found
        g.token = tokens.device_token(found.id)
        return view(code, **values)

    return guarded


@bp.get("/live/<code>")
@code_limit()
@joined_only
def live(code: str):
    """The student's screen: the open question, a waiting screen, or revealed results."""
    return _render_live()


def _render_live(question_form=None, status: int = 200):
    run: Run = g.run
    language = str(get_locale())
    question = None if run.is_paused else services.open_question_of(run)
    context = {"run": run, "language": language, "question": question, "results": None}
    if question is not None:
        own = answers.answer_of(question, g.token)
        if question_form is None:
            data = initial_data(question, own)
            question_form = answer_form(question, language, formdata=None, data=data)
        context.update(form=question_form, answered=own is not None)
    else:
        shown = services.current_question(run)
        if shown is not None and shown.revealed:
            released = answers.results(shown, language)
            context.update(shown=shown, results=released)
            if released is not None and shown.correct is not None:
                # Compared on this phone's own request; nothing is stored per student.
                context.update(own_verdict=own_verdict(shown, answers.answer_of(shown, g.token)))
            if shown.type == "text":
                context.update(cloud=answers.word_cloud(released))
    return render_template("student/live.html", **context), status


@bp.get("/live/<code>/help")
@code_limit()
@joined_only
def live_support(code: str):
    """Where to find help; linked on every live page once the teacher has shown it."""
    return render_template("student/support.html", run=g.run)


@bp.get("/live/<code>/state")
@code_limit()
@joined_only
def live_state(code: str):
    """What a waiting phone asks: the run's version, answered with 304 when unchanged.

    A joined phone of an open run is answered by `StatePoll` below, before Flask;
    this view answers what that leaves over (a fallback with the same result).
    """
    etag = str(g.run.version)
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    response = Response(f'{{"version": {etag}}}', mimetype="application/json")
    response.set_etag(etag)
    return response


class StatePoll:
    """WSGI middleware that answers a joined phone's state poll without the rest of Flask.

    Every waiting phone asks every few seconds whether something changed; at a
    municipal event that is most of all requests. Through Flask each one would
    also pass the rate limiter, the login hooks, the CSRF hook and an ORM
    session, which together cost several times the query. Here it is: read the
    signed session cookie as Flask does, one indexed query for the run's id,
    version and end, and a 304 (or the version) with the app's security headers.

    Everything else (another path, a method other than GET, an unknown or ended
    code, a phone without a token for the run, a session Flask would not read
    this way) goes to Flask unchanged, so every error looks as it always did.
    Nothing is written: no session change, no log line, no cookie.
    """

    PREFIX, SUFFIX = "/live/", "/state"

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._ready = False

    def __call__(self, environ: dict, start_response):
        """Answer the poll here when possible; hand everything else to Flask."""
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(self.PREFIX)
            and path.endswith(self.SUFFIX)
            and environ.get("REQUEST_METHOD") == "GET"
        ):
            code = services.normalise_code(path[len(self.PREFIX) : -len(self.SUFFIX)])
            version = self._version_for_joined_phone(environ, code) if code else None
            if version is not None:
                return self._respond(environ, start_response, str(version))
        return self.wsgi_app(environ, start_response)

    def _setup(self) -> None:
        # On first use, when the app is complete: its engine, its cookie
        # serializer and the headers its after_request hook sets.
        app = self.app
        interface = app.session_interface
        self._serializer = None
        if type(interface) is SecureCookieSessionInterface:
            self._serializer = interface.get_signing_serializer(app)
        self._cookie_name = interface.get_cookie_name(app)
        self._max_age = int(app.permanent_session_lifetime.total_seconds())
        with app.app_context():
            self._engine = db.engine
        compiled = _RUN_STATE.compile(dialect=self._engine.dialect)
        self._sql = compiled.string
        self._positional = compiled.positional
        self._headers = {}
        for scheme in ("http", "https"):
            base_url = f"{scheme}://{app.config.get('SERVER_NAME') or 'localhost'}"
            with app.test_request_context("/live/CODE/state", base_url=base_url):
                headers = _set_security_headers(Response()).headers
            self._headers[scheme] = [
                (name, value) for name, value in headers.items() if name != "Content-Type"
            ]
        self._ready = True

    def _version_for_joined_phone(self, environ: dict, code: str) -> int | None:
        if not self._ready:
            self._setup()
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self._cookie_name)
        if not cookie or self._serializer is None:
            return None
        try:
            session_data = self._serializer.loads(cookie, max_age=self._max_age)
        except BadSignature:
            return None
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, (code,) if self._positional else {"code": code})
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        if row is None or row[2] is not None or _passed(row[3]):
            return None
        run_id, version = row[0], row[1]
        if not session_data.get("runs", {}).get(str(run_id)):
            return None
        return version

    def _respond(self, environ: dict, start_response, etag: str):
        scheme = environ.get("wsgi.url_scheme", "http")
        security = self._headers.get(scheme, self._headers["http"])
        headers = [("ETag", f'"{etag}"'), ("Vary", "Cookie"), *security]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(etag):
            start_response("304 NOT MODIFIED", headers)
            return []
        body = f'{{"version": {etag}}}'.encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                *headers,
            ],
        )
        return [body]


# Four columns by the unique join code: no ORM object, no lesson titles to decode.
_RUN_STATE = db.select(Run.id, Run.version, Run.ended_at, Run.expires_at).where(
    Run.join_code == db.bindparam("code")
)


def _passed(expires_at: datetime | str | None) -> bool:
    """Whether a run's time limit, as the database driver returns it, has passed."""
    if expires_at is None:
        return False
    if isinstance(expires_at, str):  # SQLite's driver returns the stored text
        expires_at = datetime.fromisoformat(expires_at)
    return as_utc(expires_at) <= now_utc()


@bp.record_once
def _install_state_poll(state) -> None:
    """Put StatePoll in front of the app this blueprint is registered on."""
    state.app.wsgi_app = StatePoll(state.app, state.app.wsgi_app)


@bp.post("/live/<code>/questions/<int:question_id>")
@code_limit()
def live_answer(code: str, question_id: int):
    """Store the student's answer to the open question (a resubmit replaces it)."""
    found = _question_of_code(code, question_id)
    if not isinstance(found, Question):
        return found
    question = found
    run = g.run = question.run
    g.token = tokens.device_token(run.id)
    if g.token is None:
        return redirect(url_for("student.join_link", code=code))
    if question.status != "open":
        # Back on the live page (not an error page), so the phone keeps following.
        flash(_("This poll is closed. Your answer was not saved."), "error")
        return _render_live(status=409)
    # CSRFProtect has checked this POST's token before the view; the form need not again.
    form = answer_form(question, str(get_locale()), meta={"csrf": False})
    if not form.validate_on_submit():
        return _render_live(question_form=form, status=400)
    value, text = form_value(question, form)
    try:
        answers.store_answer(question, g.token, value=value, text=text)
    except answers.InvalidAnswer:
        flash(_("That answer does not fit this question."), "error")
        return _render_live(status=400)
    live_url = url_for("student.live", code=run.join_code)  # the commit expires `run`
    db.session.commit()
    flash(_("Your answer has been saved. You can change it while the poll is open."), "success")
    return redirect(live_url, 303)


def _question_of_code(code: str, question_id: int) -> Question | ResponseReturnValue:
    """The question with its open run, in one query; else what `joined_only` would show.

    A browser that did not join this code goes to the join link whatever the code,
    an ended run it joined is a 410, and a question of another run is a 404.
    """
    normalised = services.normalise_code(code)
    question = None
    if normalised:
        parameters = {"question_id": question_id, "code": normalised}
        question = db.session.scalar(_QUESTION_OF_CODE, parameters)
    if question is not None and question.run.is_open:
        return question
    run = services.find_run_by_code(normalised) if normalised else None
    if run is not None and run.is_paused and tokens.device_token(run.id) is not None:
        # Paused while this phone was answering: back on the live page, which says so.
        g.run, g.token = run, tokens.device_token(run.id)
        flash(_("The lesson is paused. Your answer was not saved."), "error")
        return _render_live(status=423)
    found = _joined_run(code)
    if not isinstance(found, Run):
        return found
    return render_error(404, _("This question is not part of this lesson."))


# Built once: building this statement cost about as much as running it.
_QUESTION_OF_CODE = (
    db.select(Question)
    .join(Question.run)
    .options(contains_eager(Question.run))
    .where(Question.id == db.bindparam("question_id"), Run.join_code == db.bindparam("code"))
)
