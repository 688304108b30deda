"""Every route, as every kind of visitor: the allowed matrix. A new route needs an entry."""

import pytest
from conftest import Staff, run_info

from classroom.accounts.models import School
from classroom.coordination.models import Assignment
from classroom.extensions import db

VISITORS = (
    "nobody", "student", "other_student", "teacher", "other_teacher",
    "coordinator", "foreign_coordinator", "lead", "operator",
)  # fmt: skip
# A programme lead and an operator belong to no school: every school page refuses them.
NO_SCHOOL = dict.fromkeys(("lead", "operator"), "deny")
STAFF = {"teacher", "other_teacher", "coordinator", "foreign_coordinator"}
ANYONE = dict.fromkeys(VISITORS, "allow")
# Open to all, but a made-up token is refused: anything but a server error.
ANY_ANSWER = dict.fromkeys(VISITORS, "any")
STAFF_ONLY = {v: "allow" if v in STAFF else "login" for v in VISITORS} | NO_SCHOOL
OWN_RUN = {
    **NO_SCHOOL,
    **dict.fromkeys(("nobody", "student", "other_student"), "login"),
    "teacher": "allow",
    **dict.fromkeys(("other_teacher", "coordinator", "foreign_coordinator"), "deny"),
}
SCHOOL_LIST = {
    **NO_SCHOOL,
    **dict.fromkeys(("nobody", "student", "other_student"), "login"),
    "teacher": "deny",
    "other_teacher": "deny",
    "coordinator": "allow",
    "foreign_coordinator": "allow",  # sees only its own school: tested in test_school_results
}
SCHOOL_ITEM = {**SCHOOL_LIST, "foreign_coordinator": "deny"}
IN_RUN = {v: "allow" if v == "student" else "join" for v in VISITORS}
# Every member of staff reads their own school's settings; isolation: test_school_settings.
SCHOOL_READ = {**SCHOOL_LIST, "teacher": "allow", "other_teacher": "allow"}

# A module a teacher of school A wrote and shared: the school's staff see it, the author edits.
OWN_SHARED = {**OWN_RUN, "other_teacher": "allow", "coordinator": "allow"}
AUTHOR_ONLY = OWN_RUN
# The programme pages: each for one role (isolation between municipalities and schools:
# test_programme_access).
ROLE_ONLY = {
    role: {
        v: "allow"
        if v == role
        else "login"
        if v in ("nobody", "student", "other_student")
        else "deny"
        for v in VISITORS
    }
    for role in ("lead", "operator")
}
COORDINATOR_ONLY = {**SCHOOL_LIST, "teacher": "deny", "other_teacher": "deny"}

MATRIX = {
    "static": ANYONE,
    "main.index": ANYONE,
    "main.healthz": ANYONE,
    "main.readyz": ANYONE,
    "main.privacy": ANYONE,
    "main.set_language": ANYONE,
    "accounts.login": ANYONE,
    "accounts.logout": ANYONE,
    "accounts.accept_invitation": ANY_ANSWER,
    # Every account may change its own password, a lead and an operator too.
    "accounts.change_password": {**STAFF_ONLY, "lead": "allow", "operator": "allow"},
    "accounts.forgot_password": ANYONE,
    "accounts.reset_password": ANY_ANSWER,
    "lessons.index": STAFF_ONLY,
    "lessons.detail": STAFF_ONLY,
    "lessons.pack": STAFF_ONLY,
    "authoring.index": STAFF_ONLY,
    "authoring.create": STAFF_ONLY,
    "authoring.import_zip": STAFF_ONLY,
    "authoring.copy": STAFF_ONLY,
    "authoring.detail": OWN_SHARED,
    "authoring.export": OWN_SHARED,
    "authoring.pack": OWN_SHARED,
    "authoring.edit": AUTHOR_ONLY,
    "authoring.update": AUTHOR_ONLY,
    "authoring.share": AUTHOR_ONLY,
    "authoring.unshare": AUTHOR_ONLY,
    "authoring.delete": AUTHOR_ONLY,
    "polls.index": STAFF_ONLY,
    "polls.create": STAFF_ONLY,
    "student.join": ANYONE,
    "student.join_link": ANYONE,
    "student.live": IN_RUN,
    "student.live_state": IN_RUN,
    "student.live_answer": IN_RUN,
    "student.live_support": IN_RUN,
    "reports.index": SCHOOL_LIST,
    "reports.overview_csv": SCHOOL_LIST,
    "coordination.teachers": SCHOOL_LIST,
    "coordination.invite": SCHOOL_LIST,
    "coordination.classes": SCHOOL_LIST,
    "coordination.create_class": SCHOOL_LIST,
    "coordination.assignments": SCHOOL_LIST,
    "coordination.create_assignment": SCHOOL_LIST,
    "reports.results_index": SCHOOL_LIST,
    "reports.citizenship": SCHOOL_LIST,
    "coordination.settings": SCHOOL_READ,
    "coordination.update_settings": SCHOOL_LIST,
    "coordination.set_active": SCHOOL_ITEM,
    "coordination.send_reset": SCHOOL_ITEM,
    "coordination.update_class": SCHOOL_ITEM,
    "coordination.archive_class": SCHOOL_ITEM,
    "coordination.delete_assignment": SCHOOL_ITEM,
    "reports.results": SCHOOL_ITEM,
    "reports.results_csv": SCHOOL_ITEM,
    "signon.start": ANYONE,
    "signon.callback": ANY_ANSWER,
    "signon.logged_out": ANYONE,
    "signon.settings": SCHOOL_LIST,
    "signon.remove": SCHOOL_LIST,
    "signon.check": SCHOOL_LIST,
    # Only a device the teacher made the booth gets in; everyone else: 410 (test_no_phones).
    "booth.index": ANY_ANSWER,
    "booth.answer": ANY_ANSWER,
    "booth.turn": ANY_ANSWER,
    "booth.ready": ANY_ANSWER,
    "programmes.operator": ROLE_ONLY["operator"],
    "programmes.index": ROLE_ONLY["lead"],
    "programmes.invitations": COORDINATOR_ONLY,
    "programmes.create_municipality": ROLE_ONLY["operator"],
    "programmes.create_lead": ROLE_ONLY["operator"],
    # The operator reaches it; the world's user id is a teacher's, refused as no lead.
    "programmes.set_lead_active": {**ROLE_ONLY["operator"], "operator": "any"},
    "programmes.create": ROLE_ONLY["lead"],
    # Only the lead's own municipality's programmes (isolation: test_programme_lead).
    "programmes.detail": ROLE_ONLY["lead"],
    "programmes.invite": ROLE_ONLY["lead"],
    "programmes.report": ROLE_ONLY["lead"],
    "programmes.results_csv": ROLE_ONLY["lead"],
    "programmes.set_follow_up_day": ROLE_ONLY["lead"],
    # School A's coordinator answers for school A only (isolation: test_programme_schools).
    "programmes.school_programme": {**COORDINATOR_ONLY, "foreign_coordinator": "deny"},
    "programmes.accept": {**COORDINATOR_ONLY, "foreign_coordinator": "deny"},
    "programmes.decline": {**COORDINATOR_ONLY, "foreign_coordinator": "deny"},
    "programmes.leave": {**COORDINATOR_ONLY, "foreign_coordinator": "deny"},
    "programmes.assign": {**COORDINATOR_ONLY, "foreign_coordinator": "deny"},
    # The staff of a school taking part (isolation: test_programme_zip).
    "programmes.programme_module": {**STAFF_ONLY, "foreign_coordinator": "deny"},
    "programmes.programme_module_pack": {**STAFF_ONLY, "foreign_coordinator": "deny"},
}
# Every route of a run is the owner's only.
RUN_ENDPOINTS = (
    "detail", "present", "state", "qr_code", "question_action", "step", "end", "delete",
    "join_limit", "confirm_end", "confirm_delete", "pause", "confirm_pause", "resume",
    "start_countdown", "stop_countdown", "companion",
    "moderate", "add_question", "support", "summary", "summary_csv",
    "answer_mode", "tally", "store_tally", "booth_start", "booth_open", "booth_end", "pack",
    "tally_phase", "store_tally_phase", "tally_sheet",
)  # fmt: skip
MATRIX.update({f"polls.{name}": OWN_RUN for name in RUN_ENDPOINTS})
# The owner reaches them; the made-up answer or saved question id is then refused as unknown.
for name in ("moderate", "add_saved_question", "forget_saved_question"):
    MATRIX[f"polls.{name}"] = {**OWN_RUN, "teacher": "any"}


def test_every_route_has_an_entry_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add the new route to MATRIX"
    assert set(MATRIX) - endpoints == set()


@pytest.fixture
def world(app, make_user, make_class, student):
    """School A with two runs (one to delete), school B; a client per kind of visitor."""
    teacher_user = make_user("teacher")
    school_a = teacher_user["school_id"]
    teacher = Staff(app.test_client(), teacher_user)
    teacher.login()
    class_id = make_class(school_a, [teacher_user["id"]])
    run_a = teacher.start_run(class_id)
    spare_runs = {
        "polls.end": teacher.start_run(class_id),
        "polls.delete": teacher.start_run(class_id),
        "polls.booth_open": teacher.start_run(class_id),
        "polls.pause": teacher.start_run(class_id),
    }
    code_a, questions_a = run_info(app, run_a)
    own_slugs = []
    for name in ("Gedeeld", "Weg"):
        made = teacher.client.post("/modules/", data={"kind": "film", "languages": "both",
                                                      "name": name})  # fmt: skip
        own_slugs.append(made.location.split("/")[-2])
        teacher.client.post(f"/modules/{own_slugs[-1]}/share")
    other_teacher_user = make_user("teacher", school_id=school_a)
    other_teacher = Staff(app.test_client(), other_teacher_user)
    other_teacher.login()
    other_run = other_teacher.start_run(make_class(school_a, [other_teacher_user["id"]], name="1B"))
    code_b, _ = run_info(app, other_run)
    coordinator = Staff(app.test_client(), make_user("coordinator", school_id=school_a))
    coordinator.login()
    foreign = Staff(app.test_client(), make_user("coordinator"))
    foreign.login()
    lead = Staff(app.test_client(), make_user("lead"))
    lead.login()
    operator = Staff(app.test_client(), make_user("operator"))
    operator.login()
    with app.app_context():
        assignment = Assignment(
            school_id=school_a, class_id=class_id, teacher_id=teacher_user["id"],
            module_slug="sample", due_on=__import__("datetime").date(2999, 1, 1),
        )  # fmt: skip
        db.session.add(assignment)
        db.session.commit()
        assignment_id = assignment.id
        programme_id = _programme(lead.user["municipality_id"], school_a)
    phone, other_phone = student(), student()
    phone.join(code_a)
    other_phone.join(code_b)
    clients = {
        "nobody": app.test_client(),
        "student": phone.client,
        "other_student": other_phone.client,
        "teacher": teacher.client,
        "other_teacher": other_teacher.client,
        "coordinator": coordinator.client,
        "foreign_coordinator": foreign.client,
        "lead": lead.client,
        "operator": operator.client,
    }
    values = {
        "run_id": run_a, "question_id": questions_a[0], "code": code_a, "class_id": class_id,
        "user_id": other_teacher_user["id"], "assignment_id": assignment_id, "slug": "sample",
        "token": "not-a-real-invitation", "answer_id": "00000000-0000-0000-0000-000000000000",
        "action": "open", "filename": "css/app.css", "own_slug": own_slugs[0],
        "saved_id": 999999, "phase_key": "pre", "programme_id": programme_id,
        "municipality_id": lead.user["municipality_id"],
    }  # fmt: skip
    spare_modules = {"authoring.delete": own_slugs[1]}
    return clients, values, spare_runs, spare_modules


def _programme(municipality_id: int, school_id: int) -> int:
    """A programme of the lead's municipality with school A taking part (in an app context)."""
    from datetime import date

    from classroom.catalogue.store import keep_version
    from classroom.lessons.content import get_library
    from classroom.programmes.models import Programme, ProgrammeSchool

    school = db.session.get(School, school_id)
    module = get_library().get("sample")
    programme = Programme(
        municipality_id=municipality_id, name="Programma", module_slug="sample",
        module_version=keep_version(module, school), titles={"nl": "Voorbeeld"},
        starts_on=date(2000, 1, 1), ends_on=date(2999, 1, 1),
    )  # fmt: skip
    programme.schools = [ProgrammeSchool(school_id=school_id, status="accepted")]
    db.session.add(programme)
    db.session.commit()
    return programme.id


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code >= 500:
        return "error"
    if response.status_code == 302 and "/auth/login" in location:
        return "login"
    if response.status_code == 302 and "/j/" in location:
        return "join"
    if response.status_code in (401, 403, 404):
        return "deny"
    return "allow"


def test_every_route_as_every_visitor_matches_the_matrix(app, world):
    clients, values, spare_runs, spare_modules = world
    failures = []
    # Routes that change who the visitor is (logging out, joining, the booth) go last.
    last = ("polls.booth_open", "student.join_link", "accounts.logout")
    rules = sorted(
        app.url_map.iter_rules(),
        key=lambda r: (last.index(r.endpoint) if r.endpoint in last else -1, r.endpoint),
    )
    for rule in rules:
        arguments = {}
        for name in rule.arguments:
            choices = getattr(rule._converters[name], "items", None)
            arguments[name] = sorted(choices)[0] if choices else values[name]
        if rule.endpoint in spare_runs:
            arguments["run_id"] = spare_runs[rule.endpoint]  # destructive: a run of its own
        if rule.endpoint in spare_modules:
            arguments["own_slug"] = spare_modules[rule.endpoint]
        url = rule.build(arguments)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for visitor in VISITORS:
                data = {"module": "sample"} if method == "POST" else None
                response = clients[visitor].open(url, method=method, data=data)
                response.close()
                expected = MATRIX[rule.endpoint][visitor]
                got = outcome(response)
                refused_anyway = expected == "deny" and got == "login"
                acceptable = (
                    got == expected or refused_anyway or (expected == "any" and got != "error")
                )
                if not acceptable:
                    failures.append(f"{method} {url} as {visitor}: {got} ({response.status_code})")
    assert not failures, "\n".join(failures)
