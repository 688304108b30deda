"""The demo's municipality: Delft runs Jihad in three schools, whose figures show on first start.

Called by `flask demo` after the demo school is there. Adds the municipality, its lead,
two more schools with a coordinator and a teacher each, and the programme of the
library's `jihad` module, which all three schools accepted. Three classes of each school
gave the lesson in two sessions; the answers are made up, with a real shift towards
agreeing after the play, and come out the same on every run. School and programme
releases are made, so the lead sees figures and the shift at once. Idempotent: what
exists is left alone, and the lessons are given only with the programme.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..accounts.models import School, User
from ..accounts.services import create_user, find_user_by_email, get_or_create_school
from ..catalogue.store import module_of_version
from ..coordination.models import SchoolClass
from ..coordination.services import assign, school_year_start
from ..extensions import db
from ..lessons.content import get_library
from ..polls import answers, sessions
from ..polls.models import Run
from ..polls.services import end_run, open_question, reveal_question, start_run
from . import membership, services
from .models import Programme
from .releases import refresh_programme_release

MUNICIPALITY = "Gemeente Delft"
LEAD = ("gemeente@demo.klasgesprek.nl", "Noor Visser")
OPERATOR = ("operator@demo.klasgesprek.nl", "Demo-operator")
MODULE = "jihad"
# The other two schools: name, coordinator, teacher, and the classes that gave the lesson.
SCHOOLS = (
    (
        "Demo Lyceum",
        ("coordinator@lyceum.demo.klasgesprek.nl", "Ruben de Graaf"),
        ("docent@lyceum.demo.klasgesprek.nl", "Esra Yilmaz"),
    ),
    (
        "Demo Vakcollege",
        ("coordinator@vakcollege.demo.klasgesprek.nl", "Anouk Mulder"),
        ("docent@vakcollege.demo.klasgesprek.nl", "Kevin Bos"),
    ),
)
# Per school, in the order Demo College, Demo Lyceum, Demo Vakcollege: (class, level,
# year, size) of the classes that gave the lesson, then what else is going on.
CLASSES = (
    (("4 HAVO A", "havo", 4, 28), ("5 HAVO B", "havo", 5, 27), ("5 VWO A", "vwo", 5, 29)),
    (("4 VWO B", "vwo", 4, 30), ("5 VWO C", "vwo", 5, 28), ("4 HAVO C", "havo", 4, 29)),
    (("3 VMBO-K A", "vmbo", 3, 26), ("4 VMBO-T B", "vmbo", 4, 27), ("4 VMBO-K C", "vmbo", 4, 25)),
)
PLANNED = ("6 VWO B", "vwo", 6, 27)  # Demo College: planned, not given yet
PAUSED = ("3 VMBO-T A", "vmbo", 3, 24)  # Demo Vakcollege: after the first session
# Shares of the five points before and after the play, on average over the classes.
SHARES = {
    "home": ((0.10, 0.16, 0.25, 0.28, 0.21), (0.09, 0.16, 0.24, 0.29, 0.22)),
    "excluded": ((0.13, 0.23, 0.33, 0.21, 0.10), (0.08, 0.17, 0.26, 0.31, 0.18)),
}
# Each class leans to one side by up to this share, and takes the play more or less to heart.
LEANING = 0.06
RESPONSE = (0.3, 1.7)
# How often each reason to feel at home is ticked (friends, family, seen, fair, safe, ...).
BELONG = (0.72, 0.64, 0.48, 0.44, 0.58, 0.36, 0.24)


def load_demo_programme(staff: list[User], today: date, password: str) -> list[User]:
    """Add Delft, its lead, an operator, two more schools and the programme; return logins.

    `staff` are the demo school's (a teacher first, its coordinator last); every new login
    gets the demo's published `password`.
    """
    module = get_library().get(MODULE)
    if module is None:  # a lessons folder without the module: no programme to show
        return []
    municipality = services.find_municipality(MUNICIPALITY) or services.create_municipality(
        MUNICIPALITY
    )
    lead = find_user_by_email(LEAD[0]) or create_user(
        None, *LEAD, "lead", password, check=False, municipality_id=municipality.id
    )
    operator = find_user_by_email(OPERATOR[0]) or create_user(
        None, *OPERATOR, "operator", password, check=False
    )
    schools = [(staff[0].school, staff[-1], staff[0])]
    for name, coordinator, teacher in SCHOOLS:
        school = get_or_create_school(name)
        schools.append(
            (
                school,
                _staff(school, *coordinator, "coordinator", password),
                _staff(school, *teacher, "teacher", password),
            )
        )
    logins = [operator, lead, *(user for _school, *users in schools[1:] for user in users)]
    if municipality.programmes:
        return logins
    start = school_year_start(today)
    name = f"Jihad {start.year}/{(start.year + 1) % 100:02d}, gemeente Delft"
    # The school year's programme, under way today (the demo may be loaded on any day).
    programme = services.create_programme(
        municipality.id, name, module, min(start + timedelta(days=31), today),
        date(start.year + 1, 7, 31), 50, [school.id for school, *_users in schools],
    )  # fmt: skip
    chance = random.Random(2027)  # noqa: S311 - made-up demo answers, not security
    for index, (school, coordinator, teacher) in enumerate(schools):
        membership.accept(membership.invitation_for(school, programme.id), coordinator, today)
        for spec in CLASSES[index]:
            end_run(_give(programme, school, teacher, spec, today, chance))
        if index == 0:
            _assign(programme, school, teacher, PLANNED, today + timedelta(days=14))
        if index == 2:
            _give(programme, school, teacher, PAUSED, today, chance, pause=True)
    db.session.flush()
    refresh_programme_release(programme)
    return logins


def _staff(school: School, email: str, name: str, role: str, password: str) -> User:
    return find_user_by_email(email) or create_user(
        school, email, name, role, password, check=False
    )


def _class(school: School, name: str, level: str, year: int, size: int) -> SchoolClass:
    found = db.session.scalar(
        db.select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == name)
    )
    if found is None:
        found = SchoolClass(school=school, name=name, level=level, year=year, size=size)
        db.session.add(found)
        db.session.flush()
    return found


def _assign(programme: Programme, school: School, teacher: User, spec, due_on: date):
    school_class = _class(school, *spec)
    if teacher not in school_class.teachers:
        school_class.teachers.append(teacher)
    (assignment,) = assign(school, [school_class], teacher, MODULE, due_on, None, due_on)
    assignment.programme_id = programme.id
    assignment.module_version = programme.module_version
    return assignment, school_class


def _give(programme, school, teacher, spec, today, chance, pause=False) -> Run:
    """The class's lesson for the programme: the pre polls, a pause, then the post polls."""
    assignment, school_class = _assign(programme, school, teacher, spec, today)
    module = module_of_version(programme.module_version)
    run = start_run(module, school_class, teacher, "nl", school_class.size)
    run.assignment = assignment
    run.programme_id = programme.id
    size = school_class.size
    present = {"pre": size - chance.randint(0, 1), "post": size - chance.randint(0, 2)}
    leaning, response = chance.uniform(-LEANING, LEANING), chance.uniform(*RESPONSE)
    for phase in ("pre", "post"):
        for question in run.questions:
            if question.phase == phase:
                _answer(question, present[phase], chance, leaning, response)
        if phase == "pre":
            sessions.pause(run, today + timedelta(days=3))
            if pause:
                return run
            sessions.resume(run)
    return run


def _answer(question, students: int, chance: random.Random, leaning: float, response: float):
    open_question(question)
    values = _values(question, students, chance, leaning, response)
    for device, (value, text) in enumerate(values):
        answers.store_answer(question, f"demo-{question.run_id}-{device}", value=value, text=text)
    reveal_question(question)


def _values(question, students: int, chance: random.Random, leaning: float, response: float):
    """Made-up answers; a scale's by its shares, the class's leaning and response to the play."""
    if question.kind.several:
        return [(_ticks(chance), None) for _ in range(students)]
    base, _sep, side = question.key.rpartition("-")
    if base not in SHARES:
        wording = question.text(question.run.language)
        return [question.kind.example_answer(chance, wording) for _ in range(students)]
    before, after = SHARES[base]
    shares = list(before)
    if side == "post":
        shares = [pre + response * (post - pre) for pre, post in zip(before, after, strict=True)]
    for point, move in ((0, -1), (1, -1), (3, 1), (4, 1)):
        shares[point] = max(0.0, shares[point] + move * leaning / 2)
    return [(point, None) for point in chance.choices(range(1, 6), weights=shares, k=students)]


def _ticks(chance: random.Random) -> int:
    mask = sum(1 << i for i, share in enumerate(BELONG) if chance.random() < share)
    return mask or 1
