"""What live.js needs from the pages it follows: a status line and the mark of a saved answer.

live.js says on that line when the connection is lost and whether an answer is being
saved or is saved; its texts come from the page, in the page's language. It sends an
answer again until the server takes it, so a retried answer must count once. The
browser side is in tests/browser/test_riding_out_faults.py.
"""

import re

from test_student import SINGLE, joined, stored

STATUS = re.compile(r"<p [^>]*data-live-status[^>]*>")


def status_line(html: str) -> dict[str, str]:
    """The attributes of the page's status line, which must be there once and empty."""
    found = STATUS.findall(html)
    assert len(found) == 1, found
    assert found[0] + "</p>" in html, "the status line says nothing until live.js speaks"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', found[0]))


def in_english(phone) -> None:
    with phone.client.session_transaction() as session:
        session["language"] = "en"


def test_every_page_that_follows_a_lesson_has_the_status_line(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    in_english(phone)
    teacher.act(run_id, questions[SINGLE], "open")
    pages = {"phone": phone.page(code).text}
    for name in ("", "/present", "/companion"):
        pages[f"teacher{name}"] = teacher.client.get(f"/runs/{run_id}{name}").text
    for name, html in pages.items():
        assert "data-state-url" in html, name
        line = status_line(html)
        assert line["role"] == "status", name
        assert line["aria-live"] == "polite", name
    line = status_line(pages["phone"])
    assert line["data-lost"] == "Connection lost — trying again…"
    assert (line["data-saving"], line["data-saved"]) == ("Saving…", "Saved")
    assert line["class"] == "live-status"


def test_an_answer_sent_again_after_a_lost_reply_counts_once(app, live_run, student):
    teacher, run_id, code, questions = live_run
    phone = joined(student, code)
    teacher.act(run_id, questions[SINGLE], "open")
    assert "data-answer-saved" not in phone.page(code).text
    # live.js sends the same form again when no reply came: the server keeps one answer.
    for _ in range(3):
        response = phone.answer(code, questions[SINGLE], "1")
        assert response.status_code == 303
        assert response.location.endswith(f"/live/{code}")
    assert stored(app, questions[SINGLE]) == [(1, None)]
    # The page the 303 leads to marks the saved answer; live.js says "Saved" only then.
    assert "data-answer-saved" in phone.page(code).text
    teacher.act(run_id, questions[SINGLE], "close")
    refused = phone.answer(code, questions[SINGLE], "2")
    assert refused.status_code == 409
    assert "data-live-region" in refused.text  # live.js swaps it in, with its message
    assert "data-answer-saved" not in refused.text
    assert stored(app, questions[SINGLE]) == [(1, None)]
