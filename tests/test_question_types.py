"""One class per kind of question, one vocabulary: the kinds answer for themselves.

Each kind implements every rule (nothing left to the base's NotImplementedError), its
template has every macro the pages call, and an answer goes the whole way: what a
phone posts, the stored value, the figures and the CSV cells; a tally goes from the
tally form to one answer per slip. The vocabularies are defined once, and nothing
outside `classroom.questions` switches on a question's type.
"""

import inspect
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from classroom import vocabulary
from classroom.polls.answer_forms import answer_form
from classroom.polls.answers.figures import results_from, tally
from classroom.polls.models import Question, Run
from classroom.polls.tally_forms import tally_form
from classroom.questions import ALL_TYPES, QuestionType, find_type, question_type

CLASSROOM = Path(__file__).resolve().parent.parent / "classroom"
MACROS = ("phone", "projector", "results", "tally", "slip")
LIMIT = 280


def abstract_methods() -> list[str]:
    """The base's methods that only raise NotImplementedError: every kind must override them."""
    return [
        name
        for name, method in vars(QuestionType).items()
        if inspect.isfunction(method) and "raise NotImplementedError" in inspect.getsource(method)
    ]


def test_the_registry_follows_the_vocabulary():
    assert tuple(kind.name for kind in ALL_TYPES) == vocabulary.QUESTION_TYPES
    assert all(question_type(kind.name) is kind for kind in ALL_TYPES)
    assert find_type("poll") is None and find_type(["single"]) is None
    with pytest.raises(KeyError):
        question_type("poll")


@pytest.mark.parametrize("kind", ALL_TYPES, ids=lambda kind: kind.name)
def test_every_kind_implements_every_rule(app, kind):
    assert set(abstract_methods()) >= {"answer_fields", "figures", "slip_values"}
    for name in abstract_methods():
        assert getattr(type(kind), name) is not getattr(QuestionType, name), name
    assert kind.name and kind.template and str(kind.label) != kind.name
    with app.app_context():
        module = app.jinja_env.get_template(kind.template).module
    assert all(callable(getattr(module, macro, None)) for macro in MACROS), kind.template


WORDINGS = {
    "single": {"question": "Welke?", "options": ["rood", "groen", "blauw"]},
    "multiple": {"question": "Welke?", "options": ["rood", "groen", "blauw"]},
    "scale": {"question": "Hoe?", "scale": ["nooit", "altijd"]},
    "text": {"question": "Waarom?"},
    "ranking": {"question": "Volgorde?", "options": ["rood", "groen", "blauw"]},
    "estimate": {"question": "Hoeveel?", "range": [0, 100], "unit": "%", "answer": 42},
}
# What a phone posts, the value stored, and the first CSV row of one such answer.
ANSWERS = {
    "single": ({"answer": "1"}, (1, None), ["rood", 0, 0, None, None]),
    "multiple": ({"answer": ["0", "2"]}, (0b101, None), ["rood", 1, 100, None, None]),
    "scale": ({"answer": "4"}, (4, None), ["1", 0, 0, None, None]),
    "text": ({"answer": " samen "}, (None, " samen "), ["samen", None, None, None, None]),
    # blauw first, rood second, groen third: 2 | 0 << 3 | 1 << 6.
    "ranking": (
        {"place_0": "2", "place_1": "3", "place_2": "1"},
        (2 | 1 << 6, None),
        ["rood", 0, 0, 2.0, None],
    ),
    "estimate": ({"answer": "42"}, (42, None), ["0\u20139%", 0, 0, None, 42]),
}
# What a teacher types on the tally page of one question, for two slips.
TALLIES = {
    "single": {"count_0": "1", "count_1": "1", "count_2": "0"},
    "multiple": {"count_0": "2", "count_1": "0", "count_2": "1"},
    "scale": {"count_0": "0", "count_1": "0", "count_2": "0", "count_3": "1", "count_4": "1"},
    "text": {"texts_text": "samen\neerlijk\n"},
    # Per option (row) and place (column): rood and groen share the first two places.
    "ranking": {
        f"place_{option}_{place}": str(count)
        for option, row in enumerate([[1, 1, 0], [1, 1, 0], [0, 0, 2]])
        for place, count in enumerate(row)
    },
    "estimate": {"numbers_text": "10, 95"},
}
COUNTS = {
    "single": [1, 1, 0],
    "multiple": [2, 0, 1],
    "scale": [0, 0, 0, 1, 1],
    "ranking": [1, 1, 0],  # how often each came first
    "estimate": [0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
}


def a_question(kind: str) -> Question:
    """A question as a run holds it, not stored: the kinds need no database."""
    run = Run(language="nl", answer_mode="paper")
    return Question(
        id=7, type=kind, content={"nl": WORDINGS[kind]}, run=run, correct=None, sensitive=False
    )


@pytest.mark.parametrize("kind", vocabulary.QUESTION_TYPES)
def test_an_answer_goes_from_the_phone_to_the_csv(app, kind):
    posted, stored, first_row = ANSWERS[kind]
    question = a_question(kind)
    with app.test_request_context():
        form = answer_form(question, "nl", formdata=MultiDict(posted), meta={"csrf": False})
        assert form.validate(), form.errors
        assert question.kind.form_value(form) == stored
        value, text = stored
        assert question.kind.accepts(value, text, WORDINGS[kind], LIMIT)
        if question.kind.is_text:
            figures = {"texts": [text.strip()]}  # a text release keeps the approved texts
        else:
            figures = tally(question, [(value, 1)], 1)
        result = results_from(question, 1, figures, "nl")
        rows = question.kind.csv_cells(result)
    assert rows[0] == (first_row, False)
    assert question.kind.verdict(value, None) is None


@pytest.mark.parametrize("kind", vocabulary.QUESTION_TYPES)
def test_a_wrong_answer_does_not_fit(app, kind):
    wording = WORDINGS[kind]
    wrong = {
        "single": (3, None),
        "multiple": (0, None),
        "scale": (6, None),
        "text": (None, "x" * (LIMIT + 1)),
        "ranking": (0, None),  # rood at every place
        "estimate": (101, None),
    }[kind]
    assert not question_type(kind).accepts(*wrong, wording, LIMIT)
    assert not question_type(kind).accepts(None, None, wording, LIMIT)


@pytest.mark.parametrize("kind", vocabulary.QUESTION_TYPES)
def test_a_tally_becomes_one_answer_per_slip(app, kind):
    question = a_question(kind)
    with app.test_request_context():
        data = MultiDict({"slips": "2", **TALLIES[kind]})
        form = tally_form(question, "nl", "hand", formdata=data, meta={"csrf": False})
        assert form.validate(), form.errors
        values = question.kind.slip_values(2, question.kind.tally_data(form), WORDINGS[kind], LIMIT)
        assert len(values) == 2
        assert all(question.kind.accepts(*value, WORDINGS[kind], LIMIT) for value in values)
        if question.kind.is_text:
            assert [text for _value, text in values] == ["samen", "eerlijk"]
        else:
            figures = tally(question, [(value, 1) for value, _text in values], 2)
            assert figures["counts"] == COUNTS[kind]


def test_the_quiz_verdict_is_the_kinds_own():
    assert question_type("single").verdict(1, 1) == "right"
    assert question_type("single").verdict(2, 1) == "wrong"
    assert question_type("multiple").verdict(0b10, 1) == "right"
    assert question_type("multiple").verdict(0b11, 1) == "wrong"  # every box is not right
    assert [kind.name for kind in ALL_TYPES if kind.has_correct] == ["single", "multiple"]


# --- one vocabulary, and no switch on a question's type outside its class ----------------

VOCABULARY = (
    "LANGUAGES", "QUESTION_TYPES", "ANSWER_MODES", "TALLY_MODES", "SCREEN_MODES",
    "QUESTION_STATUSES", "COUNTED_BY", "MODERATION_STATUSES", "ASSIGNMENT_STATUSES",
    # names the duplicates went by
    "CHOICE_TYPES", "SCHOOL_TYPES", "GRID_TYPES", "OWN_QUESTION_TYPES", "MAX_OPTIONS",
)  # fmt: skip
DEFINED = re.compile(rf"^\s*({'|'.join(VOCABULARY)})\s*(:[^=]*)?=\s*[(\[{{\"]", re.MULTILINE)
# A question's type compared with a name, or a list of type names written out (a form
# field's or an input's type is no question's).
SWITCH = re.compile(
    r"(?<!field)(?<!input)\.type\s*(==|!=|\bin\b|\bnot in\b)|\"single\", \"multiple\""
)


def sources(*suffixes: str) -> list[Path]:
    return [path for path in CLASSROOM.rglob("*") if path.suffix in suffixes]


def test_each_vocabulary_is_defined_once():
    defined = {
        f"{path.relative_to(CLASSROOM)}: {match.group(1)}"
        for path in sources(".py")
        if path.name != "vocabulary.py"
        for match in DEFINED.finditer(path.read_text(encoding="utf-8"))
    }
    assert defined == set()


def test_nothing_outside_the_kinds_switches_on_a_questions_type():
    switches = [
        f"{path.relative_to(CLASSROOM)}:{number}: {line.strip()}"
        for path in sources(".py", ".html", ".js")
        if "questions" not in path.relative_to(CLASSROOM).parts and path.name != "vocabulary.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SWITCH.search(line)
    ]
    assert switches == []
