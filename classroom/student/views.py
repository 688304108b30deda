"""The student's journey: join with a code, answer the open poll, see revealed results.

Students have no account: a signed session token scoped to one run is all
that ties a browser to a run. Every step works with plain forms and links.
"""

import secrets
from collections.abc import Callable
from functools import wraps

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import state_cache
from ..errors import render_error
from ..extensions import db, limiter, statements_commit_alone
from ..polls import answers, join_tickets, services
from ..polls.answer_forms import answer_form, form_value, initial_data
from ..polls.models import AnswerableQuestion, LiveRun, Question, Run
from . import tokens
from .forms import JoinForm
from .verdict import own_verdict

bp = Blueprint("student", __name__)


def _run_for_code(code: str) -> LiveRun | tuple[str, int]:
    """Return the open run of a code, or the error page to show instead.

    An unknown or ended code counts as a wrong guess towards the join limits.
    """
    normalised = services.normalise_code(code)
    run = services.live_run(normalised) if normalised else None
    if run is None:
        _wrong_code()
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
        _wrong_code()
        return render_error(410, _("This lesson has ended. The code no longer works."))
    return run


def _wrong_code() -> None:
    """Count this answer as a wrong code; the browser's next ones count for it alone."""
    g.wrong_code = True
    tokens.remember_browser()


def _counts_as_wrong_code(_response) -> bool:
    """Only answers that tell a visitor a code is unknown or ended count."""
    return bool(g.get("wrong_code"))


# A phone that joined keeps its state poll and help page through a pause (`live` its page).
PAUSED_PAGES = ("student.live_state", "student.live_support")


def _joined_any_run() -> bool:
    """A phone with a token: its live pages tell it nothing about other codes."""
    return bool(session.get("runs")) and request.endpoint not in _JOIN_ENDPOINTS


_JOIN_ENDPOINTS = ("student.join", "student.join_link")
# The code routes a joined phone uses; no other limit applies to them.
_LIVE_ENDPOINTS = frozenset(
    ("student.live", "student.live_state", "student.live_support", "student.live_answer")
)


@limiter.request_filter
def _joined_phone_on_live_page() -> bool:
    """Skip the limiter's work for a joined phone on its live pages.

    `code_limit` exempts these requests anyway (`_joined_any_run`); filtering
    them out first spares resolving, keying and testing that limit on every page.
    """
    return request.endpoint in _LIVE_ENDPOINTS and bool(session.get("runs"))


def _brings_ticket() -> bool:
    """The QR code's link: its ticket shows the code was read off the projector."""
    if not request.query_string:
        return False
    code = (request.view_args or {}).get("code")
    given = request.args.get("t")
    return bool(given) and join_tickets.is_valid(services.normalise_code(code or ""), given)


def _exempt_from_code_limits() -> bool:
    """A joined phone on its live pages, or a link with its code's ticket."""
    return _joined_any_run() or _brings_ticket()


def _exempt_from_browser_limit() -> bool:
    """A browser without an id counts by its address alone."""
    return tokens.browser_id() is None or _exempt_from_code_limits()


def code_limit() -> Callable[[Callable], Callable]:
    """Wrong codes count per browser and per address on every route that takes a code.

    A browser stops at its own limit; the address's is high enough for a school
    behind one address and bounds a guesser who drops its cookies (docs/join-codes.md).
    """
    per_browser = limiter.shared_limit(
        lambda: current_app.config["JOIN_BROWSER_LIMIT"],
        scope="join-code-browser",
        key_func=tokens.browser_id,
        deduct_when=_counts_as_wrong_code,
        exempt_when=_exempt_from_browser_limit,
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["JOIN_FAILURE_LIMIT"],
        scope="join-code",
        deduct_when=_counts_as_wrong_code,
        exempt_when=_exempt_from_code_limits,
    )
    return lambda view: per_browser(per_address(view))


@bp.route("/join", methods=["GET", "POST"])
@code_limit()
def join():
    """Ask for the join code; open to everyone."""
    # The page writes the cookie anyway (its CSRF token): the browser's id rides along.
    tokens.remember_browser()
    form = JoinForm()
    if form.validate_on_submit():
        found = _run_for_code(form.code.data)
        if not isinstance(found, LiveRun):
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
    statements_commit_alone()  # a read, and the one update that counts the phone in
    found = _run_for_code(code)
    if not isinstance(found, LiveRun):
        return found
    run_id, join_code, language = found.id, found.join_code, found.language
    if not _counted_in(run_id, found.session_number):
        return render_error(403, _("This lesson is full. Ask your teacher."))
    tokens.join(run_id)
    # A student who has not chosen a language gets the lesson's; the switch stays theirs.
    session.setdefault("language", language)
    # The session's CSRF secret rides along in this cookie, which is written anyway;
    # else the live page would write the cookie again just to add it.
    generate_csrf()
    return redirect(url_for("student.live", code=join_code))


def _counted_in(run_id: int, session_number: int) -> bool:
    """Count this browser in the run's session, once; False when the session is full.

    Each session counts its own phones: a phone of an earlier session is counted again
    when it comes back, and never twice in one session.
    """
    if tokens.counted_session(run_id) == session_number:
        return True
    if not services.admit(run_id):
        return False
    db.session.commit()
    tokens.count_in(run_id, session_number)
    return True


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
    if not _counted_in(run.id, run.session_number):
        return render_error(403, _("This lesson is full. Ask your teacher."))
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
def live(code: str):
    """The student's screen: the open question, a waiting screen, or revealed results.

    The same answers as `joined_only` gives: a browser that did not join goes to the
    join link, an ended lesson shows its page; a paused one keeps its live page.
    """
    normalised = services.normalise_code(code)
    state = _live_run(normalised) if normalised else None
    g.token = tokens.device_token(state.id) if state is not None else None
    if g.token is None:
        return redirect(url_for("student.join_link", code=code))
    if not (state.is_open or state.is_paused):
        statements_commit_alone()
        return _run_for_code(code)
    if state.is_open and tokens.counted_session(state.id) != state.session_number:
        return redirect(url_for("student.join_link", code=code))  # back in a next session
    page = _shared_live_page_of(state)
    if page is not None:
        return page
    statements_commit_alone()
    g.run = db.session.get(Run, state.id)
    return _render_live()


def _live_run(code: str) -> LiveRun | None:
    """`services.live_run`, as this worker keeps it on PostgreSQL until the run changes.

    Every phone loads its live page at every change; between two changes they all
    read the same row. On PostgreSQL each worker keeps that row until a notification
    says the run or one of its questions changed (`classroom.state_cache`, which the
    state polls use too, so a page is never older than the poll that asked for it).
    Only the page reads it so: joining and answering read the run themselves.
    """
    cache = state_cache.of_app(current_app)
    if cache is None:
        return services.live_run(code)
    kept = cache.get(("live", code))
    if kept is not None:
        return kept[0]
    ticket = cache.ticket()
    statements_commit_alone()
    state = services.live_run(code)
    if state is not None:
        cache.keep(("live", code), (state,), ticket, [state_cache.run_tag(state.id)])
    return state


def _shared_live_page_of(state: LiveRun) -> str | None:
    """The waiting or question page from the one read of `live_run`, when it is shared.

    None when the page holds something of this phone alone or shows results: then
    `_render_live` builds it from the run itself.
    """
    if state.support_shown:
        return None
    language = str(get_locale())
    context = {"run": state, "language": language, "question": None, "results": None}
    question = None if state.is_paused else state.question
    if question is None:
        if state.shown_revealed:
            return None
        return _shared_live_page(context, (None, None, False))
    statements_commit_alone()
    answered = answers.answer_of(question, g.token) is not None
    fields = _answer_fields(question, language, None)
    context.update(question=question, fields=fields, answered=answered)
    return _shared_live_page(context, (question.id, fields, answered))


def _render_live(question_form=None, status: int = 200):
    """The live page built from the Run itself, for this request alone.

    For what `_shared_live_page_of` leaves: results, the support block (the school's
    own text), this phone's own open text, a form with errors, a refused answer.
    """
    run: Run = g.run
    language = str(get_locale())
    question = None if run.is_paused else services.open_question_of(run)
    context = {"run": run, "language": language, "question": question, "results": None}
    if question is not None:
        fields = _answer_fields(question, language, question_form)
        context.update(fields=fields, answered=answers.answer_of(question, g.token) is not None)
    else:
        shown = services.current_question(run)
        if shown is not None and shown.revealed:
            released = answers.results(shown, language)
            context.update(shown=shown, results=released)
            if released is not None and shown.correct is not None:
                # Compared on this phone's own request; nothing is stored per student.
                context.update(own_verdict=own_verdict(shown, answers.answer_of(shown, g.token)))
            if shown.kind.is_text:
                context.update(cloud=answers.word_cloud(released, shown))
    return render_template("student/live.html", **context), status


def _shared_live_page(context: dict, shown: tuple) -> str:
    """The waiting or question page, rendered once for every phone that sees the same.

    The key holds everything the page shows that is not this session's own: the
    run's title, code, version and flags, the question with its fields (cached per
    earlier choice, see `_answer_fields`), the language and the page's own path.
    This session's CSRF token and flashed messages are put into the copy per request;
    nothing else of a session is on the page.
    """
    run: Run = context["run"]
    language = context["language"]
    key = (
        run.id,
        run.join_code,
        run.version,
        run.is_paused,
        run.support_offered,
        repr(run.title(language)),
        language,
        request.script_root,
        request.full_path,
        current_app.config["POLL_INTERVAL_MS"],
        *shown,
    )
    cache = current_app.extensions.setdefault("student.live_pages", {})
    page = cache.get(key)
    if page is None:
        page = render_template(
            "student/live.html",
            **context,
            csrf_token=lambda: _PAGE_CSRF,
            flashes_placeholder=_PAGE_FLASHES,
        )
        if len(cache) >= LIVE_PAGES_CACHED:
            cache.clear()
        cache[key] = page
    messages = get_flashed_messages(with_categories=True)
    flashes = ""
    if messages:
        flashes = current_app.jinja_env.get_template("_flashes.html").render(messages=messages)
    return page.replace(_PAGE_CSRF, generate_csrf()).replace(_PAGE_FLASHES, flashes)


# Stand-ins for what is each session's own, unguessable so no other text matches them.
_PAGE_CSRF = f"csrf-{secrets.token_hex(16)}"
_PAGE_FLASHES = f"flashes-{secrets.token_hex(16)}"
# Per worker: a municipal event shows a few pages at a time, a school a few hundred.
LIVE_PAGES_CACHED = 1024


@bp.get("/live/<code>/help")
@code_limit()
@joined_only
def live_support(code: str):
    """Where to find help; linked on every live page once the teacher has shown it."""
    return render_template("student/support.html", run=g.run)


def _answer_fields(question: Question, language: str, submitted) -> Markup:
    """The answer fields of the question page, rendered once per question and language.

    Never filled in with the phone's earlier answer (`initial_data`), so every phone
    gets the same fields and nothing of its own. A submitted form (with its errors)
    is rendered for its request alone.
    """
    wording = question.text(language)
    key = (question.id, question.type, language, repr(wording))
    cache = current_app.extensions.setdefault("student.answer_fields", {})
    if submitted is None and (fields := cache.get(key)) is not None:
        return fields
    form = submitted
    if form is None:
        form = answer_form(question, language, formdata=None, data=initial_data(question))
    template = current_app.jinja_env.get_template("student/_answer_fields.html")
    # The template escapes everything it is given; its output is safe as it stands.
    html = template.render(question=question, form=form, language=language)
    fields = Markup(html)  # noqa: S704  # nosec B704
    if submitted is None:
        if len(cache) >= ANSWER_FIELDS_CACHED:
            cache.clear()
        cache[key] = fields
    return fields


# Per worker: a municipal event has one question open, a school a few hundred.
ANSWER_FIELDS_CACHED = 2048


@bp.get("/live/<code>/state")
@code_limit()
@joined_only
def live_state(code: str):
    """What a waiting phone asks: the run's version, answered with 304 when unchanged.

    A joined phone of an open run is answered by `classroom.fastpath.StatePoll`, before Flask;
    this view answers what that leaves over (a fallback with the same result).
    """
    etag = str(g.run.version)
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    response = Response(f'{{"version": {etag}}}', mimetype="application/json")
    response.set_etag(etag)
    return response


@bp.post("/live/<code>/questions/<int:question_id>")
@code_limit()
def live_answer(code: str, question_id: int):
    """Store the student's answer to the open question (a resubmit replaces it)."""
    statements_commit_alone()  # reads, and the one upsert of an answer with options
    found = _question_of_code(code, question_id)
    if not isinstance(found, AnswerableQuestion):
        return found
    question = found
    g.token = tokens.device_token(question.run_id)
    if g.token is None:
        return redirect(url_for("student.join_link", code=code))
    if not _counted_in(question.run_id, question.run_session_number):
        return render_error(403, _("This lesson is full. Ask your teacher."))
    if not question.takes_answers_from("devices"):
        # Back on the live page (not an error page), so the phone keeps following.
        flash(_("This poll is closed. Your answer was not saved."), "error")
        return _render_live_of(question.run_id, status=409)
    # CSRFProtect has checked this POST's token before the view; the form need not again.
    form = answer_form(question, str(get_locale()), meta={"csrf": False})
    if not form.validate_on_submit():
        return _render_live_of(question.run_id, question_form=form, status=400)
    value, text = form_value(question, form)
    stored = question
    if question.kind.is_text:
        # An open text is moderated in batches and checked against the school's words: its
        # writes hold together in one transaction, and they take the model.
        db.session.commit()
        stored = db.session.get(Question, question.id)
    try:
        answers.store_answer(stored, g.token, value=value, text=text)
    except answers.InvalidAnswer:
        flash(_("That answer does not fit this question."), "error")
        return _render_live_of(question.run_id, status=400)
    db.session.commit()
    # The live page says the answer is saved while it is (no flash: the cookie stays as it is).
    return redirect(url_for("student.live", code=question.join_code), 303)


def _render_live_of(run_id: int, **options):
    """The live page of the run an answer was sent to, with what went wrong."""
    g.run = db.session.get(Run, run_id)
    return _render_live(**options)


def _question_of_code(code: str, question_id: int) -> AnswerableQuestion | ResponseReturnValue:
    """The question of an open run, in one read; else what `joined_only` would show.

    A browser that did not join this code goes to the join link whatever the code,
    an ended run it joined is a 410, and a question of another run is a 404.
    """
    normalised = services.normalise_code(code)
    if normalised and (question := services.answerable_question(normalised, question_id)):
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
