"""A programme's releases and figures: thresholds, what never counts, small groups, the shift.

Lessons of the library's `jihad` module are started, answered and ended through the
polls services (`services.start_run`, `answers.store_answer`, `services.end_run`), the
calls the app's own routes make, with `Run.programme_id` set as `polls.views.create`
sets it; one test starts a lesson through the teacher's page for an assignment.
"""

import dataclasses
import itertools
from datetime import date

import pytest
from test_lessons import REAL_LESSONS_DIR

from classroom.accounts.models import School, User
from classroom.catalogue.store import keep_version, module_of_version
from classroom.coordination.models import Assignment, SchoolClass
from classroom.extensions import db
from classroom.lessons.content import get_library
from classroom.polls import answers, services
from classroom.polls.models import Question, ResultRelease, Run
from classroom.polls.signals import lesson_started
from classroom.programmes.models import (
    Municipality,
    Programme,
    ProgrammeRelease,
    ProgrammeSchool,
)
from classroom.programmes.releases import refresh_programme_release
from classroom.programmes.results import (
    programme_comparisons,
    programme_results,
    release_summary,
)

SCALE_KEYS = ("home-pre", "excluded-pre", "home-post", "excluded-post")


@pytest.fixture
def lessons_dir():
    return REAL_LESSONS_DIR


def spread(counts) -> list[int]:
    """Scale answers 1..5 from counts per point: [1, 0, 2] → [1, 3, 3]."""
    return [point + 1 for point, count in enumerate(counts) for _ in range(count)]


class World:
    """Schools, their classes and lessons of one programme, written through the services."""

    # Shared by every world of a test: names stay unique.
    counter = itertools.count(1)

    def __init__(self, app, min_answers=30):
        self.app = app
        with app.app_context():
            municipality = Municipality(name=f"Gemeente {next(self.counter)}")
            db.session.add(municipality)
            db.session.flush()
            self.programme_id = self._programme(municipality.id, min_answers)
            self.municipality_id = municipality.id
            db.session.commit()

    def _programme(self, municipality_id, min_answers) -> int:
        module = get_library().get("jihad")
        programme = Programme(
            municipality_id=municipality_id,
            name=f"Jihad {next(self.counter)}",
            module_slug="jihad",
            module_version=keep_version(module, None),
            titles={language: text.title for language, text in module.texts.items()},
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 6, 30),
            min_answers=min_answers,
        )
        db.session.add(programme)
        db.session.flush()
        return programme.id

    def other_programme(self, min_answers=30) -> int:
        """A second programme of the same municipality and module."""
        with self.app.app_context():
            programme_id = self._programme(self.municipality_id, min_answers)
            db.session.commit()
            return programme_id

    def school(self, status="accepted", programme_id=None) -> int:
        """A school with a teacher, invited with this status (None: never invited)."""
        with self.app.app_context():
            number = next(self.counter)
            school = School(name=f"School {number}", min_answers=5)
            db.session.add(school)
            db.session.flush()
            db.session.add(
                User(
                    school_id=school.id, email=f"docent{number}@school.test", name="Docent",
                    role="teacher", password_hash="x",
                )
            )  # fmt: skip
            if status is not None:
                self._invite(school.id, status, programme_id or self.programme_id)
            db.session.commit()
            return school.id

    def _invite(self, school_id, status, programme_id):
        db.session.add(
            ProgrammeSchool(programme_id=programme_id, school_id=school_id, status=status)
        )

    def set_status(self, school_id, status, programme_id=None):
        """Accept, leave or join (a school not invited yet is invited with this status)."""
        with self.app.app_context():
            programme_id = programme_id or self.programme_id
            invitation = db.session.get(ProgrammeSchool, (programme_id, school_id))
            if invitation is None:
                self._invite(school_id, status, programme_id)
            else:
                invitation.status = status
            db.session.commit()

    def lesson(
        self, school_id, answers_by_key, programme_id=-1, module=None, hands=(), own=False
    ) -> int:
        """Give jihad to a new class of the school, answered, and end it; return the run id.

        `programme_id` -1 is this world's programme, None no programme; `module` another
        version of the module; `hands` the keys counted by raised hands; `own` adds the
        teacher's own scale question "own-1".
        """
        with self.app.app_context():
            programme = db.session.get(Programme, self.programme_id)
            teacher = db.session.scalar(db.select(User).where(User.school_id == school_id))
            school_class = SchoolClass(
                school_id=school_id, name=f"Klas {next(self.counter)}", level="havo", year=4
            )
            db.session.add(school_class)
            db.session.flush()
            module = module or module_of_version(programme.module_version)
            run = services.start_run(module, school_class, teacher, "nl", 30)
            run.programme_id = self.programme_id if programme_id == -1 else programme_id
            lesson_started.send(run)  # as the teacher's start does: a follow-up, if any
            if hands:
                run.answer_mode = "hands"
            if own:
                wording = {"question": "Eigen vraag", "options": [], "scale": ["nee", "ja"]}
                services.add_question(run, "post", "scale", wording)
                db.session.flush()
            for question in run.questions:
                values = answers_by_key.get(question.key, [])
                if question.key in hands:
                    counts = [values.count(point) for point in range(1, 6)]
                    answers.store_tally(question, "hands", len(values), counts=counts)
                    question.status = "closed"  # as the tally page does
                    continue
                if not values:
                    continue
                services.open_question(question)
                for device, value in enumerate(values):
                    text = value if question.type == "text" else None
                    answers.store_answer(
                        question, f"d{run.id}-{device}", value=None if text else value, text=text
                    )
            services.end_run(run)
            db.session.commit()
            return run.id

    def refresh(self) -> bool:
        with self.app.app_context():
            programme = db.session.get(Programme, self.programme_id)
            changed = refresh_programme_release(programme)
            if changed:
                db.session.commit()
            return changed

    def results(self, language="nl"):
        """Refresh, then the lead's figures and comparisons."""
        self.refresh()
        with self.app.app_context():
            programme = db.session.get(Programme, self.programme_id)
            found = programme_results(programme, language)
            return found, programme_comparisons(programme, found)

    def result(self, key, language="nl"):
        found, _comparisons = self.results(language)
        return next(result for result in found if result.key == key)

    def released_runs(self, key) -> set[int]:
        with self.app.app_context():
            kept = db.session.get(ProgrammeRelease, self.programme_id)
            if kept is None or key not in kept.questions:
                return set()
            return {int(run_id) for run_id in kept.questions[key]["runs"]}

    def release_number(self) -> int:
        with self.app.app_context():
            kept = db.session.get(ProgrammeRelease, self.programme_id)
            return kept.number if kept else 0


def scale_answers(counts, keys=SCALE_KEYS) -> dict[str, list[int]]:
    """The same scale answers (counts per point) to every scale poll of jihad."""
    return {key: spread(counts) for key in keys}


@pytest.fixture
def world(app):
    return World(app)


def two_lessons_each(world, schools, counts=(0, 4, 4, 4, 4), **given) -> list[int]:
    """Two classes of each school give the lesson, every scale poll answered with `counts`."""
    given_counts = scale_answers(counts)
    return [world.lesson(school, given_counts, **given) for school in schools for _ in "ab"]


def test_the_k_of_a_programme_is_never_below_30(app):
    with app.app_context():
        assert Programme(min_answers=10).k == 30
        assert Programme(min_answers=50).k == 50


def test_two_schools_show_nothing_however_many_answers(world):
    schools = [world.school() for _ in range(2)]
    two_lessons_each(world, schools, counts=(0, 10, 10, 10, 10))  # 160 answers per poll
    found, comparisons = world.results()
    assert found and not any(result.shown for result in found)
    assert all(figure.count is None for result in found for figure in result.figures)
    assert all(comparison.shift is None for comparison in comparisons)
    assert world.release_number() == 0


def test_three_schools_below_k_show_nothing(app):
    world = World(app, min_answers=50)
    schools = [world.school() for _ in range(3)]
    two_lessons_each(world, schools, counts=(0, 2, 2, 2, 2))  # 48 answers < 50
    assert not world.result("excluded-pre").shown
    assert world.release_number() == 0
    # Two more classes in each of two schools (a school releases two classes at a time).
    two_lessons_each(world, schools[:2], counts=(0, 2, 2, 2, 2))
    result = world.result("excluded-pre")
    assert result.shown and result.total == 80


def test_the_floor_of_30_holds_for_a_lower_setting(app):
    world = World(app, min_answers=5)
    schools = [world.school() for _ in range(3)]
    two_lessons_each(world, schools, counts=(0, 1, 1, 2, 1))
    # 6 lessons of 5 answers (the class k): 30 answers, the programme's k (not 5).
    result = world.result("excluded-pre")
    assert result.shown and result.total == 30
    assert [figure.count for figure in result.figures] == [None, None, None]  # each < 30


def test_below_the_floor_of_30_nothing_shows(app):
    world = World(app, min_answers=5)
    schools = [world.school() for _ in range(3)]
    # 6 lessons of 6 answers would be 36; of 4 (below the class k of 5) nothing is released.
    two_lessons_each(world, schools, counts=(0, 1, 1, 1, 1))  # 24 answers
    assert not world.result("excluded-pre").shown


def test_figures_in_three_groups_with_exact_numbers_and_the_mean(world):
    schools = [world.school() for _ in range(3)]
    two_lessons_each(world, schools, counts=(0, 5, 5, 5, 5))  # per point 0, 30, 30, 30, 30
    result = world.result("excluded-pre")
    assert result.shown and result.total == 120
    assert (result.schools, result.classes) == (3, 6)
    assert [(f.count, f.percent) for f in result.figures] == [(30, 25), (30, 25), (60, 50)]
    assert "Helemaal oneens" in result.figures[0].label
    assert "Helemaal eens" in result.figures[2].label
    assert result.mean == 3.5
    english = world.result("excluded-pre", "en")
    assert [figure.label for figure in english.figures] == [
        "1–2: towards “Strongly disagree”",
        "3: in the middle",
        "4–5: towards “Strongly agree”",
    ]
    assert english.question == "I understand why young people can feel left out."


def test_small_groups_are_hidden_and_the_mean_with_them(world):
    schools = [world.school() for _ in range(3)]
    # Per poll: 12 disagree, 18 in the middle (both below 30, together 30 > 29), 90 agree.
    two_lessons_each(world, schools, counts=(0, 2, 3, 10, 5))
    result = world.result("excluded-pre")
    assert result.shown and result.total == 120
    assert [f.count for f in result.figures] == [None, None, None]  # one would give the other
    assert result.mean is None
    # 12 and 12: hidden together, the agree group shows.
    world2 = World(world.app)
    schools = [world2.school() for _ in range(3)]
    two_lessons_each(world2, schools, counts=(0, 2, 2, 11, 5))
    result = world2.result("excluded-pre")
    assert [f.count for f in result.figures] == [None, None, 96]
    assert result.mean is None  # points 2 and 3 are below k


def test_no_open_text_no_teacher_question_and_no_hands(world):
    schools = [world.school() for _ in range(3)]
    given = {
        **scale_answers((0, 5, 5, 5, 5)), "feeling": ["geheimwoord"] * 20, "own-1": [5] * 20,
    }  # fmt: skip
    runs = [world.lesson(school, given, own=True) for school in schools for _ in "ab"]
    with world.app.app_context():
        owns = db.session.scalars(db.select(Question).where(Question.added_by_teacher)).all()
        assert len(owns) == 6 and all(db.session.get(ResultRelease, q.id) for q in owns)
    hands = [
        world.lesson(school, scale_answers((0, 5, 5, 5, 5)), hands=("excluded-pre",))
        for school in schools
        for _ in "ab"
    ]
    found, _comparisons = world.results()
    keys = [result.key for result in found]
    assert keys == ["home-pre", "excluded-pre", "home-post", "excluded-post", "belong"]
    assert "geheimwoord" not in repr(found)
    with world.app.app_context():
        kept = db.session.get(ProgrammeRelease, world.programme_id)
        assert set(kept.questions) == set(SCALE_KEYS)  # belong went unanswered
        assert "geheimwoord" not in repr(kept.questions)
    with world.app.app_context():
        counted = db.session.scalars(db.select(Question).where(Question.counted_by == "hands"))
        assert all(db.session.get(ResultRelease, q.id) for q in counted)
    # The hands lessons counted for the other polls, never for the one counted by hands.
    assert world.released_runs("excluded-pre") == set(runs)
    assert world.released_runs("home-pre") == set(runs) | set(hands)


def test_lessons_of_another_programme_version_or_none_never_count(world):
    other = world.other_programme()
    schools = [world.school() for _ in range(3)]
    for school in schools:
        world.set_status(school, "accepted", other)
    with world.app.app_context():
        library = get_library().get("jihad")
    changed = dataclasses.replace(
        library, files={**library.files, "nl.md": library.files["nl.md"] + "\n"}
    )
    counts = (0, 10, 10, 10, 10)
    for school in schools:
        for given in ({"programme_id": other}, {"programme_id": None}, {"module": changed}):
            world.lesson(school, scale_answers(counts), **given)
            world.lesson(school, scale_answers(counts), **given)
    found, _comparisons = world.results()
    assert not any(result.shown for result in found)
    assert world.release_number() == 0
    with world.app.app_context():
        versions = set(db.session.scalars(db.select(Run.module_version)))
        assert len(versions) == 2  # the changed text is a version of its own


def test_a_school_that_declined_or_was_never_invited_never_counts(world):
    accepted = [world.school() for _ in range(2)]
    declined = world.school(status="declined")
    invited = world.school(status="invited")
    outside = world.school(status=None)
    two_lessons_each(world, [*accepted, declined, invited, outside], counts=(0, 5, 5, 5, 5))
    assert not world.result("excluded-pre").shown
    third = world.school()
    two_lessons_each(world, [third, accepted[0]], counts=(0, 5, 5, 5, 5))
    result = world.result("excluded-pre")
    assert result.shown and result.schools == 3 and result.total == 160


def test_a_school_that_left_is_dropped_at_the_next_release_only(world):
    first = [world.school() for _ in range(3)]
    left = first[2]
    runs_of_left = two_lessons_each(world, [left])
    two_lessons_each(world, first[:2])
    assert world.result("excluded-pre").total == 96
    world.set_status(left, "left")
    frozen = world.results()
    assert frozen[0][1].total == 96 and frozen[0][1].schools == 3  # frozen, the left school in
    assert set(runs_of_left) <= world.released_runs("excluded-pre")
    # New lessons of the two others: enough answers, but the release would cover 2 schools.
    two_lessons_each(world, first[:2])
    assert world.results() == frozen
    # A late school joins: its lessons and the others' make a release without the left school.
    late = world.school(status="invited")
    world.set_status(late, "accepted")
    two_lessons_each(world, [late])
    result = world.result("excluded-pre")
    assert result.shown and result.schools == 3
    assert result.total == 16 * 10  # 4 lessons each of the two, 2 of the late school
    assert not set(runs_of_left) & world.released_runs("excluded-pre")
    assert world.release_number() == 2


def test_the_shift_of_a_pair_and_the_release_summary(world):
    schools = [world.school() for _ in range(3)]
    for school in schools:
        for extra in (0, 1):
            world.lesson(
                school,
                {
                    "excluded-pre": spread((0, 6, 5 + extra, 5, 0)),
                    "excluded-post": spread((0, 5, 5, 6 + extra, 1)),
                    "home-pre": spread((0, 5, 5, 5, 5)),
                    "home-post": spread((0, 5, 5, 5, 5)),
                },
            )
    found, comparisons = world.results()
    assert [(c.pre.key, c.post.key) for c in comparisons] == [
        ("home-pre", "home-post"),
        ("excluded-pre", "excluded-post"),
    ]
    excluded = comparisons[1]
    assert [f.count for f in excluded.pre.figures] == [36, 33, 30]
    assert [f.count for f in excluded.post.figures] == [30, 30, 45]
    assert excluded.shift is not None
    disagree, _middle, agree = excluded.shift.groups
    assert disagree.share_before == pytest.approx(36 / 99)
    assert agree.shift == pytest.approx(100 * (45 / 105 - 30 / 99))
    assert agree.low <= agree.shift <= agree.high
    assert (excluded.shift.n_before, excluded.shift.n_after) == (99, 105)
    assert excluded.shift.classes_both == 6
    assert excluded.pre.mean is not None and excluded.post.mean is None  # point 5: 6 < 30
    assert excluded.shift.mean is None
    assert excluded.group_labels == [figure.label for figure in excluded.pre.figures]
    home = next(c for c in comparisons if c.post.key == "home-post")
    assert home.shift is not None and home.shift.mean is not None
    assert home.shift.mean.shift == 0
    with world.app.app_context():
        summary = release_summary(db.session.get(Programme, world.programme_id))
    assert (summary.number, summary.schools, summary.classes, summary.k) == (1, 3, 6, 30)
    assert found == world.results()[0]  # nothing new: the same figures


def test_a_pair_with_a_hidden_group_has_no_shift(world):
    schools = [world.school() for _ in range(3)]
    two_lessons_each(world, schools, counts=(0, 2, 3, 10, 5))
    _found, comparisons = world.results()
    assert all(comparison.shift is None for comparison in comparisons)


def test_a_lesson_started_for_a_programme_assignment_counts(app, world, make_staff):
    schools = [world.school() for _ in range(3)]
    two_lessons_each(world, schools[1:] + schools[:1])
    teacher = make_staff("teacher", school_id=schools[0])
    with app.app_context():
        school_class = SchoolClass(school_id=schools[0], name="5 VWO", level="vwo", year=5)
        school_class.teachers = [db.session.get(User, teacher.user["id"])]
        programme = db.session.get(Programme, world.programme_id)
        assignment = Assignment(
            school_id=schools[0], school_class=school_class, teacher_id=teacher.user["id"],
            module_slug="jihad", due_on=date(2999, 1, 1), programme_id=programme.id,
            module_version=programme.module_version,
        )  # fmt: skip
        db.session.add(assignment)
        db.session.commit()
        class_id, assignment_id = school_class.id, assignment.id
    response = teacher.client.post(
        "/runs/",
        data={"module": "jihad", "school_class": class_id, "language": "nl",
              "class_size": 30, "assignment": assignment_id},
    )  # fmt: skip
    assert response.status_code == 303
    with app.app_context():
        run = db.session.scalar(db.select(Run).where(Run.class_id == class_id))
        assert (run.programme_id, run.module_version) == (
            world.programme_id,
            db.session.get(Programme, world.programme_id).module_version,
        )


def test_the_demo_holds_delft_with_three_schools_whose_figures_and_shift_show(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--i-know-this-is-not-a-server"]).exit_code == 0
    with app.app_context():
        programme = db.session.scalar(db.select(Programme))
        assert programme.name.startswith("Jihad ") and programme.name.endswith("gemeente Delft")
        assert programme.municipality.name == "Gemeente Delft" and programme.k == 50
        assert [invitation.status for invitation in programme.schools] == ["accepted"] * 3
        found = programme_results(programme, "nl")
        comparisons = programme_comparisons(programme, found)
        summary = release_summary(programme)
        runs = db.session.scalar(db.select(db.func.count()).select_from(Run))
        lead = db.session.scalar(db.select(User).where(User.role == "lead"))
        assert lead.email == "gemeente@demo.klasgesprek.nl" and lead.school_id is None
    assert (summary.number, summary.schools, summary.classes) == (1, 3, 9)
    assert all(result.shown for result in found)
    assert all(figure.count is not None for result in found for figure in result.figures)
    assert [c.post.key for c in comparisons] == ["home-post", "excluded-post"]
    assert all(comparison.shift is not None for comparison in comparisons)
    agree = comparisons[1].shift.groups[2]
    assert agree.low > 0  # the true shift towards agreeing shows, interval and all
    client = app.test_client()
    login = {"email": "gemeente@demo.klasgesprek.nl", "password": "demo-wachtwoord"}
    assert client.post("/auth/login", data=login).status_code == 302

    assert runner.invoke(args=["demo", "--i-know-this-is-not-a-server"]).exit_code == 0
    with app.app_context():
        programme = db.session.scalar(db.select(Programme))
        assert db.session.scalar(db.select(db.func.count()).select_from(Run)) == runs
        assert db.session.scalar(db.select(db.func.count()).select_from(Programme)) == 1
        assert programme_results(programme, "nl") == found
