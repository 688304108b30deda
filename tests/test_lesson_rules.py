"""`flask lessons check` and the rules of issue 29 on edited copies of the sample module."""

import shutil

import pytest
from conftest import SAMPLE_LESSONS_DIR

from classroom.lessons.rules import booth_minutes

STEP_2 = "### 2. Peilen (12 min)\n\nPeilen."
BOOTH_NL = "‘Voorgesprek’: 2 peilingen, 14 min; ‘Nagesprek’: 5 peilingen, 28 min."


@pytest.fixture
def lessons_dir(tmp_path):
    shutil.copytree(SAMPLE_LESSONS_DIR, tmp_path / "lessons")
    return tmp_path / "lessons"


@pytest.fixture
def sample(lessons_dir):
    return lessons_dir / "sample"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line_of(path, needle):
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def check(runner):
    result = runner.invoke(args=["lessons", "check"])
    return result.exit_code, result.output


def assert_passes(runner):
    assert check(runner) == (0, "1 module(s) checked, no problems.\n")


def test_the_sample_passes_every_new_rule(runner):
    assert_passes(runner)


# R1: the minutes written inside a step.


def test_a_step_of_9_minutes_whose_parts_add_to_12_is_refused(runner, sample):
    path = sample / "nl.md"
    step = (
        "### 2. Oefenmelding (9 min)\n\n**Laten zien (3 min).** Open de site.\n\n"
        "**Invullen (5 min).** In tweetallen.\n\n**Nabespreken (4 min).** Twee tweetallen."
    )
    edit(path, STEP_2, step)
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "Oefenmelding")
    assert f"{path}:{line}: step 'Oefenmelding' has 9 minutes but its parts add up to 12" in output


def test_a_numbered_step_with_nested_parts_over_its_minutes_is_refused(runner, sample):
    path = sample / "nl.md"
    step = (
        "2. **De rollen in kaart brengen (13 min).** Maak groepjes.\n\n"
        "    - Leg elk personage op de lijn (5 min).\n"
        "    - Geef elk personage een rol (5 min).\n"
        "    - Beantwoord samen de vragen (5 min).\n"
    )
    edit(path, STEP_2, step)
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "De rollen in kaart")
    message = "step 'De rollen in kaart brengen' has 13 minutes but its parts add up to 15"
    assert f"{path}:{line}: {message}" in output


def test_parts_that_fit_prose_minutes_and_the_next_step_are_not_counted(runner, sample):
    step = (
        "### 2. Oefenmelding (12 min)\n\n**Laten zien (3 min).** Eerst 10 minuten lezen mag niet.\n"
        "\n**Invullen (5 min).** In tweetallen.\n\n**Nabespreken (4 min).** Twee tweetallen.\n\n"
        "### 3. Speling (5 min)\n\nUitloop (5 min)."
    )
    edit(sample / "nl.md", STEP_2, step)
    assert_passes(runner)


# R2: a follow-up in the pack has a slot in the plan.


def test_a_follow_up_of_10_minutes_without_a_slot_is_refused(runner, sample):
    path = sample / "pack.nl.md"
    append(path, "\n\n### Vervolg (10 min)\n\nSchrijf een brief.\n")
    code, output = check(runner)
    assert code == 1
    message = "the follow-up 'Vervolg' has no slot: name it in a timed step of nl.md"
    assert f"{path}:{line_of(path, '### Vervolg')}: {message}" in output


def test_a_follow_up_list_item_named_only_outside_the_plan_is_refused(runner, sample):
    path = sample / "pack.en.md"
    append(path, "\n\n- **Follow-up: a letter (10 min).** Write to the council.\n")
    edit(sample / "en.md", "Tips.", "Tips. Try the follow-up ‘Follow-up: a letter’ some day.")
    code, output = check(runner)
    assert code == 1
    message = "the follow-up 'Follow-up: a letter' has no slot: name it in a timed step of en.md"
    assert f"{path}:{line_of(path, 'Follow-up: a letter')}: {message}" in output


def test_a_follow_up_named_in_the_slack_step_passes(runner, sample):
    append(sample / "pack.nl.md", "\n\n### Vervolg: brief aan de gemeente (10 min)\n\nSchrijf.\n")
    append(sample / "pack.en.md", "\n\n- **Follow-up: a letter (10 min).** Write.\n")
    slack_nl = (
        "\n\n### 3. Speling (5 min)\n\n"
        "Of het vervolg ‘Vervolg: brief aan de gemeente’ uit het lespakket."
    )
    slack_en = "\n\n### 3. Slack (5 min)\n\nOr the follow-up ‘Follow-up: a letter’ from the pack."
    edit(sample / "nl.md", STEP_2, STEP_2 + slack_nl)
    edit(
        sample / "en.md",
        "### 2. Polls (12 min)\n\nPeilen.",
        "### 2. Polls (12 min)\n\nPeilen." + slack_en,
    )
    assert_passes(runner)


def test_a_follow_up_without_minutes_needs_no_slot(runner, sample):
    append(sample / "pack.nl.md", "\n\n### Vervolg\n\nVoor wie tijd over heeft.\n")
    assert_passes(runner)


# R3: the polls a guide refers to exist.


def test_a_reference_to_a_poll_that_does_not_exist_is_refused(runner, sample):
    path = sample / "nl.md"
    edit(path, "Tips.", "Tips.\n\nBij de peiling ‘Hoe zie jij jezelf?’: geef geen oordeel.")
    code, output = check(runner)
    assert code == 1
    message = "‘Hoe zie jij jezelf?’ is not the wording of a poll of this module"
    assert f"{path}:{line_of(path, 'Hoe zie jij')}: {message}" in output


def test_the_second_quote_of_a_list_of_polls_is_checked_too(runner, sample):
    path = sample / "en.md"
    edit(
        path,
        "Tips.",
        "Open the polls ‘I feel at home in this class’, ‘Which colour do you like?’ "
        "and ‘Which colour don’t you like?’.",
    )
    code, output = check(runner)
    assert code == 1
    message = "‘Which colour don’t you like?’ is not the wording of a poll of this module"
    assert f"{path}:{line_of(path, 'don’t')}: {message}" in output
    assert output.count("is not the wording of a poll") == 1


def test_quotes_not_named_as_polls_and_exact_wordings_pass(runner, sample):
    text = (
        "Tips. Vraag: ‘Wat maakt contact echt contact?’ Open de open vraag ‘Eén woord voor "
        "vandaag.’ en daarna de peiling: ‘Wat doe je in het weekend’."
    )
    edit(sample / "nl.md", "Tips.", text)
    assert_passes(runner)


# R4: no public answers about oneself in a pack.

STAND_UP_NL = """

## Voor de docent: uitspraken voor "Ga staan als ..."

Ga staan als ...

1. ... je een sport doet of vroeger hebt gedaan.
2. ... je weleens het gevoel had dat je er niet bij hoorde.

### Gebruik nooit uitspraken over

geloof · afkomst · nationaliteit

### Staat er iemand alleen?

- **Maak van ‘Ga staan als …’ geen schijnwerper.**
- **Zie je dat een leerling zich buitengesloten voelt**, bespreek dat met de mentor.
"""


def test_a_stand_up_statement_about_not_belonging_is_refused(runner, sample):
    path = sample / "pack.nl.md"
    append(path, STAND_UP_NL)
    code, output = check(runner)
    assert code == 1
    line = line_of(path, "niet bij hoorde")
    assert f"{path}:{line}: a stand-up or hands-up statement may not ask about exclusion" in output
    assert "('niet bij hoorde')" in output
    assert output.count("stand-up or hands-up") == 1  # the advice below it is not a statement


def test_hands_up_and_stand_up_lines_about_faith_or_being_left_out_are_refused(runner, sample):
    path = sample / "pack.en.md"
    append(path, "\n\nRaise your hand if your faith matters to you.\n\nStand up if ...\n\n"
                 "- you play a sport.\n- you were ever left out.\n")  # fmt: skip
    code, output = check(runner)
    assert code == 1
    assert f"{path}:{line_of(path, 'Raise your hand')}: a stand-up" in output
    assert f"{path}:{line_of(path, 'left out')}: a stand-up" in output
    assert "you play a sport" not in output and output.count("stand-up or hands-up") == 2


def test_harmless_stand_up_statements_pass(runner, sample):
    text = "\n\nGa staan als ...\n\n- je de kop geloofwaardig vindt.\n- je gelooft dat het klopt.\n"
    append(sample / "pack.nl.md", text)
    append(sample / "pack.en.md", "\n\nStand up if ...\n\n- you read the original article.\n")
    assert_passes(runner)


# R5: a timed plan for the shared device.


def test_booth_minutes_follow_the_spec_table():
    assert [booth_minutes(polls) for polls in range(6)] == [0, 10, 14, 19, 24, 28]


def test_a_phase_with_polls_missing_from_the_booth_plan_is_refused(runner, sample):
    path = sample / "nl.md"
    edit(path, "; ‘Nagesprek’: 5 peilingen, 28 min", "")
    code, output = check(runner)
    assert code == 1
    message = (
        "the shared-device plan lacks phase ‘Nagesprek’ (polls: 5): "
        "write '‘Nagesprek’: 5 peilingen, 28 min'"
    )
    assert f"{path}:{line_of(path, 'Eén gedeeld apparaat')}: {message}" in output


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            "‘Voorgesprek’: 2 peilingen, 8 min",
            "needs at least 14 minutes for 2 poll(s) in ‘Voorgesprek’ (28 students), not 8",
        ),
        ("‘Voorgesprek’: 3 peilingen, 19 min", "asks 3 polls in ‘Voorgesprek’, which has 2"),
        ("‘Voorgesprek’: 2 peilingen, 21 min", "plans 21 minutes in ‘Voorgesprek’, which has 20"),
        ("‘Voorgesprekken’: 2 peilingen, 14 min", "‘Voorgesprekken’ is not the title of a phase"),
    ],
)
def test_a_booth_plan_that_does_not_fit_is_refused(runner, sample, plan, message):
    path = sample / "nl.md"
    edit(path, "‘Voorgesprek’: 2 peilingen, 14 min", plan)
    code, output = check(runner)
    assert code == 1
    assert f"{path}:{line_of(path, 'Eén gedeeld apparaat')}: " in output
    assert message in output


def test_a_booth_that_skips_a_phase_and_an_english_plan_pass(runner, sample):
    skip = "‘Voorgesprek’: 0 peilingen, 0 min (die doet de klas met handen omhoog)"
    edit(sample / "nl.md", "‘Voorgesprek’: 2 peilingen, 14 min", skip)
    edit(sample / "en.md", "‘Before’: 2 polls, 14 min", "‘Before’: 1 poll, 10 min")
    assert_passes(runner)


def test_an_english_booth_plan_is_checked_with_english_words(runner, sample):
    path = sample / "en.md"
    edit(path, "‘After’: 5 polls, 28 min", "‘After’: 5 peilingen, 28 min")
    code, output = check(runner)
    assert code == 1
    assert "lacks phase ‘After’ (polls: 5): write '‘After’: 5 polls, 28 min'" in output


def test_an_own_module_without_a_booth_plan_is_warned_not_refused(sample):
    # A teacher's own module (checked from its texts) may leave the booth timing open.
    from classroom.lessons.checks import check_module_files

    files = {path.name: path.read_text(encoding="utf-8") for path in sample.glob("*.md")}
    files["nl.md"] = files["nl.md"].replace("; ‘Nagesprek’: 5 peilingen, 28 min", "", 1)
    lessons, problems = check_module_files("sample", files)
    booth = [p for p in problems if "Nagesprek" in p.message]
    assert booth and all(p.warning for p in booth)
    assert not [p for p in problems if not p.warning]
    assert set(lessons) == {"nl", "en"}
