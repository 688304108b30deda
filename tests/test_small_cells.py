"""Small cells of sensitive polls stay hidden, even to a reader who knows the total and the rule.

The reader sees the number of answers T (always, also while a poll is open), each
option's exact count or "not shown", and knows `hidden_cells`. From that alone nobody
may conclude that 1 or 2 students (on the school page: 1 to k - 1) chose an option.
So for every hidden option, among all count vectors that read the same, there must be
one where that option's count is 0 or at least the floor.

Why the rule has its first step: on a 5-point scale, 9 answers can be 1, 2, 2, 2, 2
(every option small), and without it nothing else of 9 answers hides every option, so
"only the total shown" would prove every option was chosen by 1 or 2. The same holds
for T = (floor - 1)(options - 1) + 1 with any number of options: 3 answers to a yes/no
question, 5 to three options.
"""

import csv
import io
import re
from collections import defaultdict
from itertools import combinations_with_replacement, permutations, product

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from test_anonymity_over_time import joined, make_sensitive, result_pages

from classroom.extensions import db
from classroom.polls import answers
from classroom.polls.answers.figures import SENSITIVE_FLOOR, hidden_cells
from classroom.polls.models import Question

SCALE = 0  # the sample's first question: a 5-point scale ("home-pre")
EXPLANATION = (
    "A personal question: an answer chosen by only a few students, or by nobody, reads "
    "“not shown”, so that nobody stands out."
)
# A 1 or 2 standing on its own in a page's text (not part of 12, 1,5 or 2%).
SMALL_NUMBER = re.compile(r"(?<![\d,.])[12](?![\d,.%])")


def reading(counts, floor, several):
    """What a reader sees of the counts, besides the total: each count or None (not shown)."""
    hidden = hidden_cells(counts, floor, several=several)
    return tuple(None if i in hidden else count for i, count in enumerate(counts))


def one_cell_each(size, total):
    """Every count vector of `total` answers that each count in one cell (single, scale,
    ranking's first places, estimate bins)."""
    if size == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in one_cell_each(size - 1, total - first):
            yield (first, *rest)


def ticked(size, total):
    """Every count vector of multiple choice: each of `total` ticks one box or more, so
    a vector is possible if and only if no count exceeds the total and they add up to at
    least the total (all zero without answers)."""
    for counts in product(range(total + 1), repeat=size):
        if sum(counts) >= total:
            yield counts


def assert_nothing_small_can_be_concluded(vectors, floor, several):
    """Group the vectors of one total by what a reader sees and check every hidden cell."""
    alike = defaultdict(list)
    for counts in vectors:
        seen = reading(counts, floor, several)
        assert not any(c is not None and 0 < c < floor for c in seen), counts
        alike[seen].append(counts)
    for seen, group in alike.items():
        for i, cell in enumerate(seen):
            if cell is None:
                assert any(not 0 < counts[i] < floor for counts in group), (seen, group[:5])


# (shape, options, largest total, floor, several). The rule looks at the cells below the
# floor (how many, and their sum) and at T only where T = (floor - 1)(options - 1) + 1;
# a cell at or above the floor counts only as "shown", whatever its size. Every total
# here reaches past (floor - 1) * options + floor, so every mix of small cells next to
# big ones has come by; beyond that only big cells grow. The test below this one covers
# every class of up to 40 in every shape, counting each mix of counts once.
SHAPES = [
    ("single or ranking, 2 options", 2, 40, SENSITIVE_FLOOR, False),
    ("single or ranking, 3 options", 3, 40, SENSITIVE_FLOOR, False),
    ("single or ranking, 4 options", 4, 30, SENSITIVE_FLOOR, False),
    ("scale, 5 points", 5, 20, SENSITIVE_FLOOR, False),
    ("estimate, 10 bins", 10, 8, SENSITIVE_FLOOR, False),
    ("multiple, 2 options", 2, 40, SENSITIVE_FLOOR, True),
    ("multiple, 3 options", 3, 20, SENSITIVE_FLOOR, True),
    ("multiple, 4 options", 4, 10, SENSITIVE_FLOOR, True),
    ("school, single of 3, k 10", 3, 40, 10, False),
    ("school, scale, k 5", 5, 24, 5, False),
    ("school, multiple of 3, k 5", 3, 16, 5, True),
]


@pytest.mark.parametrize(
    ("size", "largest", "floor", "several"),
    [shape[1:] for shape in SHAPES],
    ids=[shape[0] for shape in SHAPES],
)
def test_no_reader_can_conclude_a_small_cell_from_any_count_vector(size, largest, floor, several):
    for total in range(largest + 1):
        vectors = ticked(size, total) if several else one_cell_each(size, total)
        assert_nothing_small_can_be_concluded(vectors, floor, several)


@pytest.mark.parametrize("several", [False, True])
def test_the_rule_looks_at_counts_not_at_which_option_has_them(several):
    for total in range(10):
        for counts in ticked(4, total) if several else one_cell_each(4, total):
            hidden = hidden_cells(counts, SENSITIVE_FLOOR, several=several)
            for order in permutations(range(4)):
                moved = [counts[i] for i in order]
                assert hidden_cells(moved, SENSITIVE_FLOOR, several=several) == {
                    place for place, i in enumerate(order) if i in hidden
                }


def partitions(total, size, largest=None):
    """Each count vector of `total` answers in `size` cells once, largest count first."""
    largest = total if largest is None else largest
    if size == 0:
        if total == 0:
            yield ()
        return
    for first in range(min(total, largest), -1, -1):
        if first * size < total:
            break
        for rest in partitions(total - first, size - 1, first):
            yield (first, *rest)


@pytest.mark.parametrize(
    ("size", "several", "largest"),
    # Single and multiple choice have 2 to 8 options, ranking 2 to 6, estimates 10 bins.
    [(2, False, 40), (3, False, 40), (4, False, 40), (5, False, 40), (6, False, 40),
     (7, False, 40), (8, False, 40), (10, False, 40),
     (2, True, 40), (3, True, 40), (4, True, 24), (5, True, 16), (6, True, 12),
     (7, True, 10), (8, True, 8)],
)  # fmt: skip
def test_every_class_up_to_40_in_every_shape(size, several, largest):
    """As above, each mix of counts once: the rule does not care which option has which
    count (the test above), so a reader's view is the total, the shown counts as a
    multiset and the number of hidden cells, and any hidden count of one vector can be
    moved to any hidden option by swapping options without changing that view."""
    for floor in (SENSITIVE_FLOOR, 5, 10):
        for total in range(largest + 1):
            if several:
                vectors = (
                    tuple(reversed(c))
                    for c in combinations_with_replacement(range(total + 1), size)
                    if sum(c) >= total
                )
            else:
                vectors = partitions(total, size)
            alike = defaultdict(list)
            for counts in vectors:
                hidden = hidden_cells(counts, floor, several=several)
                shown = [c for i, c in enumerate(counts) if i not in hidden]
                assert not any(0 < c < floor for c in shown), counts
                view = (tuple(sorted(shown)), len(hidden))
                alike[view].append([counts[i] for i in hidden])
            for (shown, number_hidden), group in alike.items():
                if number_hidden:
                    assert any(not 0 < c < floor for cells in group for c in cells), (
                        floor, total, shown, group[:5],
                    )  # fmt: skip


def test_seven_answers_1_3_3_3_3_3_5_leave_no_1_to_conclude():
    counts = [1, 0, 5, 0, 1]
    seen = reading(counts, SENSITIVE_FLOOR, several=False)
    # The empty points hide with the ones: four cells share 2 answers, any could be 0.
    assert seen == (None, None, 5, None, None)
    alike = [c for c in one_cell_each(5, 7) if reading(c, SENSITIVE_FLOOR, False) == seen]
    for option in (0, 1, 3, 4):
        assert any(c[option] == 0 for c in alike)
    assert {c[option] for c in alike for option in (0, 1, 3, 4)} == {0, 1, 2}


@pytest.mark.parametrize(
    ("counts", "seen"),
    [
        ([1, 2, 2, 2, 2], (None,) * 5),  # 9 answers, every point small: only the total
        ([3, 0, 2, 2, 2], (None,) * 5),  # ... so this one, also 9, reads the same
        ([3, 1, 1, 2, 2], (None,) * 5),
        ([4, 0, 1, 2, 2], (4, None, None, None, None)),  # 9, but not one cell of just 3
        ([0, 2, 2, 2, 2], (None,) * 5),  # 8 answers: hidden cells that could all be 0
        ([3, 0], (None, None)),  # 3 answers to yes or no: 2 and 1 are possible too
        ([4, 0], (4, 0)),  # nothing small, and 4 is not a total of small cells only
        ([3, 1], (None, None)),  # 3 + 1, 2 + 2 and 1 + 3 all read the same
        ([1, 2, 5], (None, None, None)),  # 8 - 5 = 3 over two cells: both small
        ([1, 0, 5], (None, None, 5)),
        ([0, 0, 5, 3, 20], (0, 0, 5, 3, 20)),
    ],
)
def test_what_the_reader_sees(counts, seen):
    assert reading(counts, SENSITIVE_FLOOR, several=False) == seen


def test_multiple_choice_hides_small_cells_and_the_empty_ones():
    # 6 students; ticks need not add up to 6, so hiding the 1 with the 0 is enough.
    assert reading([6, 1, 0, 4], SENSITIVE_FLOOR, several=True) == (6, None, None, 4)
    assert reading([6, 1, 5, 4], SENSITIVE_FLOOR, several=True) == (None,) * 4


def test_a_sensitive_scale_with_1_3_3_3_3_3_5_shows_no_small_or_empty_cell(app, live_run, student):
    teacher, run_id, code, questions = live_run
    question = questions[SCALE]
    make_sensitive(app, question)
    phones = joined(student, code, 7)
    teacher.act(run_id, question, "open")
    for phone, value in zip(phones, ["1", "3", "3", "3", "3", "3", "5"], strict=True):
        assert phone.answer(code, question, value).status_code == 303
    teacher.act(run_id, question, "reveal")
    with app.app_context():
        result = answers.results(db.session.get(Question, question), "nl")
    assert [o.count for o in result.options] == [None, None, 5, None, None]
    assert result.total == 7 and result.mean is None
    with app.test_request_context(), force_locale("nl"):
        explanation = str(escape(gettext(EXPLANATION)))
    pages = result_pages(teacher, run_id, phones[0], code)
    for name, page in pages.items():
        bars = re.search(r'<ul class="bars".*?</ul>', page, re.S)[0]
        values = re.findall(r'<span class="bar-value">(.*?)</span>\s*</li>', bars, re.S)
        values = [" ".join(re.sub(r"<[^>]+>", " ", v).split()) for v in values]
        assert values == ["niet getoond", "niet getoond", "71% (5)", "niet getoond",
                          "niet getoond"], name  # fmt: skip
        figures = re.sub(r'<span class="bar-label">.*?</span>', " ", bars, flags=re.S)
        assert not SMALL_NUMBER.search(re.sub(r"<[^>]+>", " ", figures)), name
        assert "Op basis van 7 antwoorden." in page, name
        assert explanation in page, name
        for old in ("minder dan 3", "fewer than 3"):
            assert old not in page, name
    text = teacher.client.get(f"/runs/{run_id}/summary.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert all(len(row) == 10 for row in rows)
    figures = [[*row[3:5], row[-1]] for row in rows if row[0] == "home-pre"]
    hidden = ["", "", "niet getoond"]
    assert figures == [hidden, hidden, ["5", "71", ""], hidden, hidden]
    assert "minder dan 3" not in text and "fewer than 3" not in text
