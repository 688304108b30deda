"""Every student page keeps its headers, its own CSRF token and nothing of another phone.

The student pages reuse rendered answer fields across phones (see
`student.views._answer_fields`); these tests hold that a page still carries
what belongs to its own session only, with CSRF checks switched on as in
production.
"""

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

# Question order in the sample module: scale, single, multiple, text, scale (post).
SCALE, SINGLE, MULTIPLE, TEXT = range(4)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Phone:
    """A phone that posts what its page offers, with its page's CSRF token."""

    def __init__(self, app, code):
        self.app = app
        self.code = code
        self.client = app.test_client()
        self.responses = []

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        self.responses.append(response)
        return response

    def page(self):
        return self.get(f"/live/{self.code}")

    def answer(self, page, data):
        action = re.search(r'<form method="post" action="([^"]+)" class="answer-form"', page.text)
        token = csrf_of(page)
        response = self.client.post(action[1], data={**data, "csrf_token": token})
        self.responses.append(response)
        return response

    def session(self) -> dict:
        """The phone's session as the server signed it."""
        cookie = self.client.get_cookie("session", domain=self.app.config["SERVER_NAME"]).value
        return self.app.session_interface.get_signing_serializer(self.app).loads(cookie)


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


def raw_csrf(app, token: str) -> str:
    """The session value a signed CSRF token stands for."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return serializer.loads(token)


def checked_values(page) -> list[str]:
    return re.findall(r'<input checked[^>]*value="([^"]+)"', page.text)


@pytest.mark.parametrize("kind", [SINGLE, SCALE, MULTIPLE, TEXT])
def test_every_student_page_carries_its_own_token_and_nothing_of_another(
    app, live_run, kind, csrf_on
):
    teacher, run_id, code, questions = live_run
    first, second = Phone(app, code), Phone(app, code)
    for phone in (first, second):
        joined = phone.get(f"/j/{code}")
        assert joined.status_code == 302
        waiting = phone.get(joined.location)
        assert "Wacht op de volgende vraag" in waiting.text
    app.config["WTF_CSRF_ENABLED"] = False  # the teacher's client posts without tokens
    assert teacher.act(run_id, questions[kind], "open").status_code == 303
    app.config["WTF_CSRF_ENABLED"] = True
    answer_of = {
        SINGLE: ({"answer": "0"}, {"answer": "2"}),
        SCALE: ({"answer": "1"}, {"answer": "5"}),
        MULTIPLE: ({"answer": ["0", "1"]}, {"answer": ["3"]}),
        TEXT: ({"answer": "Mijn eigen zin"}, {"answer": "Iets heel anders"}),
    }[kind]

    first_page = first.page()
    assert first.answer(first_page, answer_of[0]).status_code == 303
    # The second phone loads the question after the first answered: no trace of it.
    second_page = second.page()
    assert checked_values(second_page) == []
    assert "Mijn eigen zin" not in second_page.text
    assert "Je antwoord is opgeslagen" not in second_page.text
    assert "Mijn antwoord veranderen" not in second_page.text
    # A token is its session's own: the first phone's token does not work for the second.
    stolen = second.client.post(
        re.search(r'action="([^"]+)" class="answer-form"', second_page.text)[1],
        data={**answer_of[1], "csrf_token": csrf_of(first_page)},
    )
    assert stolen.status_code == 400
    assert second.answer(second_page, answer_of[1]).status_code == 303

    first_after, second_after = first.page(), second.page()
    # Each sees that its own answer is saved, once, in its own copy of the shared page.
    for after in (first_after, second_after):
        assert after.text.count("Je antwoord is opgeslagen") == 1
        assert "flashes-" not in after.text and "csrf-" not in after.text
    # It says what the phone has stored, so it stays on a reload.
    assert "Je antwoord is opgeslagen" in first.page().text
    # Neither page shows what was answered on it (a phone in another's hand tells nothing).
    for after in (first_after, second_after):
        assert checked_values(after) == []
        assert "Mijn eigen zin" not in after.text and "Iets heel anders" not in after.text

    for phone, other in ((first, second), (second, first)):
        own, others = phone.session(), other.session()
        assert own["csrf_token"] != others["csrf_token"]
        for response in phone.responses:
            for name, value in SECURITY_HEADERS.items():
                assert value in response.headers.get(name, ""), (response.request.path, name)
            text = response.get_data(as_text=True)
            for token in re.findall(r'name="csrf_token" value="([^"]+)"', text):
                assert raw_csrf(app, token) == own["csrf_token"]
            assert others["csrf_token"] not in text
            for device_token in others["runs"].values():
                assert device_token not in text


def test_the_state_poll_and_error_pages_carry_the_security_headers(app, live_run, csrf_on):
    _teacher, _run_id, code, _questions = live_run
    phone = Phone(app, code)
    phone.get(f"/j/{code}")
    state = phone.get(f"/live/{code}/state")
    assert state.status_code == 200
    unchanged = phone.get(f"/live/{code}/state", headers={"If-None-Match": state.headers["ETag"]})
    assert unchanged.status_code == 304
    unknown = phone.get("/j/ZZZZZZ")
    assert unknown.status_code == 404
    for response in phone.responses:
        for name, value in SECURITY_HEADERS.items():
            assert value in response.headers.get(name, ""), (response.request.path, name)
