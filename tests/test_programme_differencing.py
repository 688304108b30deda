"""The differencing harness at programme level: no two views of a lead tell one school apart.

Lessons of several schools end one at a time in a random (seeded) order, with lessons of a
declined school and lessons given outside the programme in between; one school leaves and a
late one joins. After each event the lead's view is taken: the results part of the lead's
page, the lead's CSV, and the figures and comparisons as `programme_results` and
`programme_comparisons` give them. Every two successive views are identical, or the
questions that changed did so because lessons holding at least the programme's k answers,
from at least two schools, were added to their release.
"""

import random
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from conftest import Staff
from test_programme_results import World

from classroom.extensions import db
from classroom.polls.models import Run
from classroom.programmes.models import MIN_NEW_SCHOOLS, Programme, ProgrammeRelease
from classroom.programmes.results import programme_comparisons, programme_results

LESSON_SIZES = (3, 8, 12, 17, 24, 28)  # 3: below the class k, never released


@pytest.fixture
def lessons_dir():
    from test_lessons import REAL_LESSONS_DIR

    return REAL_LESSONS_DIR


def random_answers(rng: random.Random) -> dict[str, list[int]]:
    """One class's answers to jihad's polls; the post polls lean more towards agreeing."""
    size = rng.choice(LESSON_SIZES)
    return {
        "home-pre": rng.choices(range(1, 6), weights=(1, 2, 3, 4, 3), k=size),
        "excluded-pre": rng.choices(range(1, 6), weights=(2, 3, 3, 2, 1), k=size),
        "home-post": rng.choices(range(1, 6), weights=(1, 2, 3, 4, 4), k=size),
        "excluded-post": rng.choices(range(1, 6), weights=(1, 2, 3, 4, 3), k=size),
        "belong": [rng.randrange(1, 128) for _ in range(size)],
        "feeling": ["kwispelstaart"] * size,
    }


class ResultsSection(HTMLParser):
    """The text of the page's results section (participation beside it may change)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth or (tag == "section" and ("aria-labelledby", "results-title") in attrs):
            self.depth += tag == "section"

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.words += data.split()


def page_and_csv(world: World, lead: Staff) -> tuple[str, str]:
    """What the lead's page (its results) and CSV say now; each brings the release up to date."""
    page = lead.client.get(f"/programmes/{world.programme_id}")
    assert page.status_code == 200
    section = ResultsSection()
    section.feed(page.text)
    assert section.words, "the page has no results section"
    download = lead.client.get(f"/programmes/{world.programme_id}/results.csv")
    assert download.status_code == 200
    return " ".join(section.words), download.text


def lead_view(world: World, lead: Staff):
    """The lead's view now, and per key the released lessons as {run id: answers}."""
    seen = page_and_csv(world, lead)
    world.refresh()
    with world.app.app_context():
        programme = db.session.get(Programme, world.programme_id)
        found = programme_results(programme, "nl")
        view = (found, programme_comparisons(programme, found), seen)
        kept = db.session.get(ProgrammeRelease, world.programme_id)
        entries = kept.questions if kept else {}
        released = {
            key: {int(run_id): run["total"] for run_id, run in entry["runs"].items()}
            for key, entry in entries.items()
        }
    return view, released


def school_of_runs(world: World) -> dict[int, int]:
    """Every lesson's school, from the lessons themselves (not from the release)."""
    with world.app.app_context():
        return dict(db.session.execute(db.select(Run.id, Run.school_id)).all())


def plan(rng: random.Random, first: list[int], late: int, leaver: int, noise: list[tuple]):
    """The events in a random order: lessons, the leaver leaving, the late school joining."""
    events = [("lesson", school) for school in first for _ in range(4)]
    events += [("noise", *given) for given in noise]
    rng.shuffle(events)
    events.insert(rng.randrange(4, len(events)), ("leave", leaver))
    join = rng.randrange(2, len(events))
    events.insert(join, ("join", late))
    late_lessons = [("lesson", late)] * 4
    for lesson in late_lessons:
        events.insert(rng.randrange(join + 1, len(events) + 1), lesson)
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_two_successive_views_are_identical_or_differ_by_k_from_two_schools(
    app, make_user, seed
):
    rng = random.Random(seed)
    world = World(app, min_answers=30)
    lead = Staff(app.test_client(), make_user("lead", municipality_id=world.municipality_id))
    assert lead.login().status_code == 302
    k = 30
    first = [world.school() for _ in range(4)]
    leaver = first[rng.randrange(4)]
    late = world.school(status="invited")
    declined = world.school(status="declined")
    noise = [(declined, -1), (first[0], None), (first[1], None)]
    views = [lead_view(world, lead)]
    left_at = left_view = None
    for event in plan(rng, first, late, leaver, noise):
        kind = event[0]
        if kind == "leave":
            world.set_status(leaver, "left")
            left_at, left_view = max(school_of_runs(world), default=0), len(views)
        elif kind == "join":
            world.set_status(late, "accepted")
        elif kind == "lesson":
            world.lesson(event[1], random_answers(rng))
        else:
            school, programme_id = event[1], event[2]
            world.lesson(school, random_answers(rng), programme_id=programme_id)
        view = lead_view(world, lead)
        if kind == "noise":
            assert view == views[-1], "a lesson outside the programme changed the lead's view"
        views.append(view)

    schools = school_of_runs(world)
    changes = 0
    for index, ((before, before_runs), (after, after_runs)) in enumerate(pairwise(views), 1):
        if after == before:
            assert after_runs == before_runs
            continue
        changes += 1
        changed = {
            key
            for key in before_runs.keys() | after_runs.keys()
            if before_runs.get(key) != after_runs.get(key)
        }
        assert changed, "the view changed without a new release"
        for key in changed:
            added = after_runs[key].keys() - before_runs.get(key, {}).keys()
            assert sum(after_runs[key][run] for run in added) >= k, key
            assert len({schools[run] for run in added}) >= MIN_NEW_SCHOOLS, key
            if index >= left_view:  # a release after the leaving drops the school
                assert leaver not in {schools[run] for run in after_runs[key]}, key
        for was, now in zip(before[0], after[0], strict=True):
            if now.key not in changed:
                assert now == was, now.key

    final, final_runs = views[-1]
    assert changes >= 2 and any(result.shown for result in final[0])
    page, csv_text = final[2]
    assert "kwispelstaart" not in page + csv_text  # the open answers
    for key, runs in final_runs.items():
        assert all(run <= left_at or schools[run] != leaver for run in runs), key
        assert all(schools[run] in (*first, late) for run in runs), key
