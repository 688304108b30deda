"""Access at the door: every staff route refuses students, and every POST needs a CSRF token."""

from classroom.extensions import db

# Routes anyone may use: the start page, joining, the student's live pages, login.
PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.healthz",
    "main.readyz",
    "main.privacy",
    "main.set_language",
    "accounts.login",
    "accounts.logout",
    "accounts.accept_invitation",
    "accounts.forgot_password",
    "accounts.reset_password",
    "student.join",
    "student.join_link",
    "student.live",
    "student.live_state",
    "student.live_answer",
    "student.live_support",
    "signon.start",
    "signon.callback",
    "signon.logged_out",
    # The booth's pages: open to a device with a booth session only, else 410 (test_no_phones).
    "booth.index",
    "booth.answer",
    "booth.turn",
    "booth.ready",
}


def concrete_url(rule, values):
    """A URL of the rule, with the given values or, for an `any(...)` part, its first choice."""
    arguments = {}
    for name in rule.arguments:
        choices = getattr(rule._converters[name], "items", None)
        value = values.get(name, 1)
        arguments[name] = value if not choices or value in choices else sorted(choices)[0]
    return rule.build(arguments)[1]


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS]


def test_the_public_list_names_only_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_ENDPOINTS


def test_a_student_is_refused_on_every_staff_route(app, live_run, student):
    _teacher, run_id, code, questions = live_run
    phone = student()
    phone.join(code)
    values = {"run_id": run_id, "question_id": questions[0], "action": "open", "slug": "sample"}
    checked = 0
    for rule in staff_rules(app):
        url = concrete_url(rule, values)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = phone.client.open(url, method=method)
            assert response.status_code in (302, 401, 403), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" in response.location
            checked += 1
    assert checked >= 10
    from classroom.polls.models import Question

    with app.app_context():
        assert db.session.get(Question, questions[0]).status == "ready"


def test_every_post_route_refuses_a_request_without_csrf_token(app, live_run):
    teacher, run_id, code, questions = live_run
    app.config["WTF_CSRF_ENABLED"] = True
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 6
    values = {"run_id": run_id, "question_id": questions[0], "action": "open", "code": code}
    for rule in posts:
        response = teacher.client.post(concrete_url(rule, values), data={"module": "sample"})
        assert response.status_code == 400, rule.rule
    from classroom.polls.models import Question, Run

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == 1
        assert db.session.get(Question, questions[0]).status == "ready"
        assert db.session.get(Run, run_id).is_open
    assert teacher.client.get("/lessons/").status_code == 200  # still logged in
