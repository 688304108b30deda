"""A municipality's programme, in Chromium, from the operator to the shift on the lead's page.

The operator adds Delft and its lead, who sets a password through the mailed link and
invites three schools; their coordinators accept and plan two classes each; the teachers
give *Jihad* in two sessions on paper; the lead sees participation all along, and the
shift once three schools released their lessons. Every page passes axe; the report prints
on A4.
"""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from classroom.cli import DEMO_PASSWORD
from classroom.timeutil import now_utc

from .helpers import check_axe, text

LANGUAGE = "nl"
LEAD_EMAIL = "beleid@delft.nl"
LEAD_PASSWORD = "Programma-Delft-2027!"
PROGRAMME = "Jihad in Delft, schooljaar 2026/27"
# Each school: its coordinator, its teacher, and two classes that teacher teaches.
SCHOOLS = (
    ("Demo College", "coordinator@demo.klasgesprek.nl", "docent@demo.klasgesprek.nl",
     ("2 VMBO-T C", "4 VWO A"), "Sanne de Vries"),
    ("Demo Lyceum", "coordinator@lyceum.demo.klasgesprek.nl", "docent@lyceum.demo.klasgesprek.nl",
     ("4 HAVO C", "4 VWO B"), "Esra Yilmaz"),
    ("Demo Vakcollege", "coordinator@vakcollege.demo.klasgesprek.nl",
     "docent@vakcollege.demo.klasgesprek.nl", ("3 VMBO-K A", "4 VMBO-K C"), "Kevin Bos"),
)  # fmt: skip
SLIPS = 28
# How the page words a shift's 95 % interval: "tussen +4 en +15 procentpunt".
INTERVAL = re.compile(r"tussen [−+-]?\d+ en [−+-]?\d+ procentpunt")
# Slips per point of every scale: before the play, and after it (more agree).
BEFORE = (6, 6, 6, 5, 5)
AFTER = (2, 4, 6, 8, 8)


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "main form")


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def operator_adds_delft_and_its_lead(new_context, mail_server) -> str:
    """Returns the link the lead got by mail."""
    operator = new_context().new_page()
    log_in(operator, "operator@demo.klasgesprek.nl")
    expect(operator).to_have_url(re.compile(r"/operator$"))
    check_axe(operator, "the operator's page")
    operator.fill("#municipality-name", "Delft")
    submit(operator, "form[action$='/operator/municipalities']")
    section = operator.locator("section.panel").filter(
        has=operator.get_by_role("heading", name="Delft", exact=True)
    )
    section.get_by_label(text("Name", LANGUAGE), exact=True).fill("Femke de Boer")
    section.get_by_label(text("E-mail address", LANGUAGE), exact=True).fill(LEAD_EMAIL)
    with operator.expect_navigation():
        section.locator("button[type=submit]").click()
    expect(section).to_contain_text(LEAD_EMAIL)
    [mail] = mail_server.inbox.wait_for(LEAD_EMAIL)
    # The operator never sees the link; only the lead's mail holds it.
    assert mail.link() not in operator.content()
    return mail.link()


def lead_sets_a_password_and_invites(new_context, link: str) -> tuple[Page, int]:
    lead = new_context().new_page()
    lead.goto(link)
    lead.fill("#password", LEAD_PASSWORD)
    lead.fill("#confirm", LEAD_PASSWORD)
    submit(lead, "main form")
    log_in(lead, LEAD_EMAIL, LEAD_PASSWORD)
    expect(lead).to_have_url(re.compile(r"/programmes/$"))
    check_axe(lead, "the lead's list of programmes")
    lead.goto("/programmes/new")
    check_axe(lead, "the new programme form")
    today = now_utc().date()
    lead.fill("#name", PROGRAMME)
    lead.select_option("#module", "jihad")
    lead.fill("#starts_on", today.isoformat())
    lead.fill("#ends_on", (today + timedelta(days=200)).isoformat())
    lead.fill("#min_answers", "30")
    for school, *_rest in SCHOOLS:
        lead.get_by_label(school, exact=True).check()
    submit(lead, "form[action$='/programmes/new']")
    expect(lead.locator("h1")).to_have_text(PROGRAMME)
    programme_id = int(re.search(r"/programmes/(\d+)$", lead.url)[1])
    return lead, programme_id


def coordinator_accepts_and_plans(new_context, programme_id, coordinator, teacher_name, classes):
    page = new_context().new_page()
    log_in(page, coordinator)
    page.goto("/school/programmes")
    check_axe(page, "the coordinator's invitations")
    page.get_by_role("link", name=PROGRAMME).click()
    expect(page).to_have_url(re.compile(rf"/school/programmes/{programme_id}$"))
    check_axe(page, "what the programme will see of the school")
    submit(page, "form[action$='/accept']")
    for name in classes:
        page.select_option("#school_class", label=name)
        page.select_option("#teacher", label=teacher_name)
        page.fill("#due_on", (now_utc().date() + timedelta(days=7)).isoformat())
        submit(page, "form[action$='/assign']")
    page.close()


def tally(page: Page, run_id: int, phase: str, counts: tuple[int, ...]) -> None:
    """Type the slips of one phase: scales get `counts`, choices the slips spread out."""
    page.goto(f"/runs/{run_id}/phases/{phase}/tally")
    page.fill("#slips", str(SLIPS))
    rows = page.locator("tbody tr").filter(has=page.locator("input"))
    for row in rows.all():
        inputs = row.locator("input")
        width = inputs.count()
        given = counts if width == len(counts) else spread(width)
        for index in range(width):
            inputs.nth(index).fill(str(given[index]))
    submit(page, "form.tally-phase")
    expect(page.locator(".flash-success")).to_be_visible()


def spread(width: int) -> list[int]:
    return [SLIPS // width + (1 if index < SLIPS % width else 0) for index in range(width)]


def teacher_gives_jihad_in_two_sessions(new_context, email, classes) -> None:
    page = new_context().new_page()
    log_in(page, email)
    for name in classes:
        page.goto("/")
        row = page.locator("tr").filter(has_text=name).filter(has_text=PROGRAMME)
        row.get_by_role("link", name=text("Prepare and start", LANGUAGE)).click()
        page.select_option("#answer_mode", "paper")
        page.fill("#class_size", str(SLIPS))
        # Not the button that resumes the school's paused lesson of another class.
        page.click(".start-run form[action$='/runs/'] button[type=submit]")
        expect(page).to_have_url(re.compile(r"/runs/\d+/present$"))
        run_id = int(re.search(r"/runs/(\d+)/present$", page.url)[1])
        tally(page, run_id, "pre", BEFORE)
        # The first session ends; days later the lesson goes on from the home page.
        page.goto(f"/runs/{run_id}/pause")
        submit(page, f"form[action$='/runs/{run_id}/pause']")
        page.goto("/")
        submit(page, f"form[action$='/runs/{run_id}/resume']")
        tally(page, run_id, "post", AFTER)
        page.goto(f"/runs/{run_id}/end")
        submit(page, f"form[action$='/runs/{run_id}/end']")
    page.close()


def test_a_programme_of_delft_from_the_operator_to_the_shift(new_context, mail_server):
    link = operator_adds_delft_and_its_lead(new_context, mail_server)
    lead, programme_id = lead_sets_a_password_and_invites(new_context, link)
    participation = lead.locator("table").first
    for school, *_rest in SCHOOLS:
        expect(participation.locator("tr").filter(has_text=school)).to_contain_text("uitgenodigd")
    check_axe(lead, "the programme page before anything happened")

    for _school, coordinator, _teacher, classes, teacher_name in SCHOOLS:
        coordinator_accepts_and_plans(new_context, programme_id, coordinator, teacher_name, classes)
    lead.reload()
    for school, *_rest in SCHOOLS:
        row = participation.locator("tr").filter(has_text=school)
        expect(row).to_contain_text("doet mee")
        expect(row.locator("td").nth(1)).to_have_text("2")  # planned
    assert lead.get_by_text(INTERVAL).count() == 0  # no figures yet

    for _school, _coordinator, teacher, classes, _name in SCHOOLS:
        teacher_gives_jihad_in_two_sessions(new_context, teacher, classes)

    lead.reload()
    for school, *_rest in SCHOOLS:
        expect(participation.locator("tr").filter(has_text=school).locator("td").last).to_have_text(
            "2"
        )  # ended
    shifts = lead.locator("main").get_by_text(INTERVAL)
    expect(shifts.first).to_be_visible()
    page_text = lead.locator("main").inner_text()
    assert "Ik voel me thuis in Nederland." in page_text
    assert "niet per leerling gekoppeld" in page_text  # the caveats
    check_axe(lead, "the programme page with the shift")
    lead.set_viewport_size({"width": 360, "height": 640})
    widths = lead.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the programme page scrolls sideways on a phone: {widths}"
    lead.set_viewport_size({"width": 1024, "height": 768})

    report = lead.context.new_page()
    report.goto(f"/programmes/{programme_id}/report")
    check_axe(report, "the programme report")
    expect(report.get_by_text(INTERVAL).first).to_be_visible()
    report.emulate_media(media="print")
    assert report.locator(".site-header").is_hidden()
    pdf = report.pdf(prefer_css_page_size=True)
    # Every page A4 (595 by 842 points, not Letter's 612 by 792), as the report's CSS asks.
    pages = [
        (float(width), float(height))
        for width, height in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    ]
    assert pages and all(abs(w - 595) < 1 and abs(h - 842) < 1 for w, h in pages), pages

    csv = lead.request.get(f"/programmes/{programme_id}/results.csv")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    assert "Ik voel me thuis in Nederland." in csv.text()
