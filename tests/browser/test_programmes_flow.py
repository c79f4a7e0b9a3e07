"""Programmes, caseload and diary in a real browser (issues 6, 7 and 9)."""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts.models import User
from patients.forms import clinic_today
from patients.models import Patient
from rehab import diary, plans, programmes, tasks
from rehab.models import PatientLink, RenderJob
from rehab.services import confirm

from ..factories import PASSWORD, make_assessment, make_patient, make_user
from ..workers import worker_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def issued_plan(world, first_visit_days_ago=3, g1="2", **patient_fields):
    patient = make_patient(world.clinic, world.physio, **patient_fields)
    days_ago = (clinic_today(world.clinic) - timedelta(days=first_visit_days_ago)).isoformat()
    first = make_assessment(
        patient, world.physio, visit_date=days_ago, G1_nprs=g1, sitting_tolerance_min="15"
    )
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    plan = plans.create_from_template(patient, patient.stage, world.physio)
    plan = plans.issue(plan, plan.lock_version, world.physio)
    type(plan).objects.filter(pk=plan.pk).update(issued_at=timezone.now() - timedelta(days=3))
    plan.refresh_from_db()
    return plan


def test_physio_requests_the_pdf_and_the_patient_downloads_theirs(
    live_server, page: Page, world, browser
):
    account = make_user(world.clinic, User.Role.PATIENT, username="pdfpatient")
    plan = issued_plan(world, first_name="Amélie", last_name="Nguyễn", user=account)
    with worker_process(settings.CELERY_BROKER_URL):
        log_in(page, live_server.url, "treating")
        page.goto(f"{live_server.url}/patients/{plan.patient.public_id}/plans/{plan.public_id}/")
        page.get_by_role("button", name="Prepare the PDF").click()
        status = page.locator("#programme-status")
        expect(status).to_contain_text("Ready", timeout=60_000)  # updated without a reload
        with page.expect_download() as download:
            status.get_by_role("link", name="download the programme (PDF)").click()
        content = Path(download.value.path()).read_bytes()
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
        assert content.startswith(b"%PDF") and "Nguyễn" in text

        patient_context = browser.new_context()
        patient_page = patient_context.new_page()
        log_in(patient_page, live_server.url, "pdfpatient")
        patient_page.get_by_role("link", name="My programme").first.click()
        expect(patient_page.get_by_text("Your current programme")).to_be_visible()
        with patient_page.expect_download() as mine:
            patient_page.get_by_role("link", name="Download (PDF)").click()
        assert Path(mine.value.path()).read_bytes() == content
        patient_context.close()


def test_physio_makes_a_link_and_its_sheet_opens_the_programme_on_a_phone(
    live_server, page: Page, world, browser
):
    plan = issued_plan(world, last_name="Sheet")
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{plan.patient.public_id}/plans/{plan.public_id}/")
    page.get_by_role("button", name="Make a link for the patient").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        "A link for the patient has been made."
    )
    links = page.locator("#links")
    expect(links).to_contain_text("waiting for its handover sheet")
    with page.expect_download() as download:
        links.get_by_role("button", name="Download the handover sheet").click()
    sheet = PdfReader(download.value.path())
    assert len(sheet.pages) == 1
    text = sheet.pages[0].extract_text()
    printed = text[text.index("Your link:") + 10 : text.index("This link works")]
    url = re.sub(r"\s", "", printed)  # broken over lines on the sheet
    assert url.startswith(f"{live_server.url}/p/"), text

    phone = browser.new_context(viewport={"width": 375, "height": 740})
    patient_page = phone.new_page()
    patient_page.goto(url)
    expect(patient_page.get_by_role("heading", name="Your exercise programme")).to_be_visible()
    expect(patient_page.get_by_text("This link works until")).to_be_visible()
    phone.close()
    # The sheet is given once: pressed again, the button says why there is no second.
    page.get_by_role("button", name="Download the handover sheet").click()
    expect(page.get_by_text("handover sheet has been downloaded already")).to_be_visible()
    expect(page.get_by_role("button", name="Make a link for the patient")).to_be_visible()


def test_admin_filters_exports_and_reassigns(live_server, page: Page, world):
    stuck = issued_plan(world, first_visit_days_ago=10, g1="5", last_name="Waiting").patient
    review = make_assessment(
        stuck, world.physio, visit_date=clinic_today(world.clinic).isoformat(), G1_nprs="1",
        sitting_tolerance_min="25",
    )  # fmt: skip
    assert review.decision.is_pending
    make_patient(world.clinic, world.physio, last_name="Elsewhere")
    log_in(page, live_server.url, "clinicadmin")
    page.get_by_role("link", name="Caseload").first.click()
    page.get_by_label("Queue").select_option("ready")
    page.get_by_role("button", name="Show").click()
    table = page.locator("table.table-caseload")
    expect(table).to_contain_text("Waiting")
    expect(table).not_to_contain_text("Elsewhere")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    csv_text = Path(download.value.path()).read_text()
    assert "Waiting" in csv_text and "Elsewhere" not in csv_text
    reassign_to = page.get_by_label("Reassign the ticked patients to")
    reassign_to.select_option(label=world.colleague.display_name)
    page.get_by_role("button", name="Reassign").click()  # nothing ticked: told next to it
    expect(page.locator("#reassign_patients_error")).to_have_text(
        "Tick the patients to reassign in the caseload table."
    )
    expect(page.locator("#error-summary")).to_be_focused()  # the page comes back at its top
    expect(reassign_to).to_have_value(str(world.colleague.public_id))  # the choice is kept
    page.get_by_label("Tick Pat Waiting").check()
    page.get_by_role("button", name="Reassign").click()
    expect(
        page.get_by_text(f"Pat Waiting is now with {world.colleague.display_name}.")
    ).to_be_visible()
    expect(page.get_by_label("Queue")).to_have_value("ready")  # the filter is kept


def test_admin_reassigns_a_deactivated_physiotherapists_patients_in_one_go(
    live_server, page: Page, world
):
    for name in ("Ames", "Boyd", "Cole"):
        make_patient(world.clinic, world.physio, last_name=name)
    make_patient(world.clinic, world.colleague, last_name="Dale")
    User.objects.filter(pk=world.physio.pk).update(is_active=False)
    log_in(page, live_server.url, "clinicadmin")
    page.get_by_role("link", name="No active physiotherapist").click()
    table = page.locator("table.table-caseload")
    expect(table).to_contain_text("Ames")
    expect(table).not_to_contain_text("Dale")
    page.get_by_label("Tick every patient on this page").check()
    for name in ("Ames", "Boyd", "Cole"):
        expect(page.get_by_label(f"Tick Pat {name}")).to_be_checked()
    page.get_by_label("Reassign the ticked patients to").select_option(
        label=world.colleague.display_name
    )
    page.get_by_role("button", name="Reassign").click()
    expect(
        page.get_by_text(f"3 patients are now with {world.colleague.display_name}.")
    ).to_be_visible()
    assert not Patient.objects.filter(physio=world.physio).exists()


def test_phone_diary_from_the_printed_link_flags_the_caseload(live_server, browser, world):
    settings.PUBLIC_BASE_URL = live_server.url
    plan = issued_plan(world, first_name="Hana", last_name="Suzuki")
    job = programmes.request_render(plan, world.physio)
    tasks.render_programme(job.pk)
    job = RenderJob.objects.get(pk=job.pk)
    pdf = (Path(settings.PROGRAMME_DIR) / job.file_name).read_bytes()
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages))
    link = re.search(r"http://[^/]+/d/[0-9a-z-]{34}/", text).group(0)

    phone = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, java_script_enabled=False
    )
    page = phone.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your exercise diary")
    expect(page.get_by_text("Green, 0 to 3 out of 10")).to_be_visible()
    for days_ago, exercise, morning in ((2, "2", "2"), (1, "7", "5")):
        day = clinic_today(world.clinic) - timedelta(days=days_ago)
        page.get_by_label("Which day is this about?").fill(day.isoformat())
        page.locator("fieldset", has_text="Did you do your exercises").get_by_text(
            "Yes", exact=True
        ).click()
        page.locator("fieldset", has_text="Worst pain in your buttock").get_by_text(
            exercise, exact=True
        ).click()
        page.locator("fieldset", has_text="Pain the next morning").get_by_text(
            morning, exact=True
        ).click()
        page.get_by_role("button", name="Save this day").click()
    expect(page.get_by_text("Your pain went up")).to_be_visible()
    # Every entry's button fits the phone's width: nothing to scroll sideways to.
    change = page.get_by_role("link", name=re.compile(r"^(Change|Add next-morning pain) for"))
    expect(change.first).to_be_visible()
    assert change.count() == 2
    for i in range(change.count()):
        box = change.nth(i).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()

    staff = browser.new_context()
    staff_page = staff.new_page()
    log_in(staff_page, live_server.url, "treating")
    staff_page.goto(f"{live_server.url}/caseload/?queue=flare")
    expect(staff_page.locator("table.table-caseload")).to_contain_text("Suzuki")
    staff.close()


def test_phone_diary_after_a_save_and_after_a_mistake(live_server, browser, world):
    plan = issued_plan(world, first_name="Hana", last_name="Suzuki")
    _, token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    today = clinic_today(world.clinic)
    yesterday = today - timedelta(days=1)
    diary.record(plan.patient, plan, yesterday, {"session_done": True, "exercise_pain": 7}, "link")
    phone = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, java_script_enabled=False
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/d/{token}/")
    page.get_by_role(
        "link", name=f"Add next-morning pain for {yesterday:%a} {yesterday.day}"
    ).first.click()
    expect(page).to_have_url(re.compile(rf"\?day={yesterday.isoformat()}$"))
    page.locator("fieldset", has_text="Pain the next morning").get_by_text("2", exact=True).click()
    page.get_by_role("button", name="Save changes").click()
    # The address and the form agree (today), and the top of the screen says which day was
    # saved: calmly, since the day was already flagged and the morning is as usual.
    expect(page).to_have_url(f"{live_server.url}/d/{token}/")
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"Updated your entry for {yesterday:%a} {yesterday.day}")
    expect(status).to_contain_text("still marked “pain up”")
    expect(status).to_be_in_viewport()
    expect(page.get_by_text("Your pain went up")).to_have_count(0)
    expect(page.get_by_label("Which day is this about?")).to_have_value(today.isoformat())
    # A mistake is told at the top of the screen, and beside the field it links to.
    page.get_by_label("Which day is this about?").fill((today + timedelta(days=1)).isoformat())
    page.locator("fieldset", has_text="Did you do your exercises").get_by_text(
        "No", exact=True
    ).click()
    page.get_by_role("button", name="Save this day").click()
    summary = page.get_by_role("alert").filter(has_text="Nothing saved yet")
    expect(summary).to_be_in_viewport()
    summary.get_by_role("link", name="This day has not happened yet").click()
    expect(page.get_by_label("Which day is this about?")).to_have_accessible_description(
        re.compile("This day has not happened yet")
    )
    expect(page.get_by_label("Which day is this about?")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()


#: Controls on screen smaller than 44 by 44 css px (UX.md "Patients": large touch targets).
#: A link within a sentence is exempt (WCAG 2.5.8), unless it is a phone number to call.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a, button, input:not([type=hidden]):not([type=radio]), select, textarea, label.btn')]
  .filter(el => el.getClientRects().length && !el.matches('.visually-hidden-focusable'))
  .filter(el => getComputedStyle(el).display !== 'inline' || el.matches('[href^="tel:"]'))
  .map(el => [el.textContent.trim() || el.name, el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([name, box]) => `${name} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def test_a_patients_phone_pages_have_large_touch_targets(live_server, browser, world):
    account = make_user(world.clinic, User.Role.PATIENT, username="phonepatient")
    plan = issued_plan(world, first_name="Hana", last_name="Suzuki", user=account)
    tasks.render_programme(programmes.request_render(plan, world.physio).pk)
    yesterday = clinic_today(world.clinic) - timedelta(days=1)
    diary.record(plan.patient, plan, yesterday, {"session_done": True, "exercise_pain": 7}, "link")
    _, download = programmes.create_link(plan, world.physio)
    _, diary_token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    base = live_server.url
    checked = {}

    def check(name: str) -> None:
        checked[name] = page.evaluate(SMALL_TARGETS)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name

    for url in (f"/p/{download}/", f"/d/{diary_token}/", "/login/"):
        page.goto(base + url)
        check(url.split("/")[1] or "login")
    log_in(page, base, "phonepatient")
    check("home")
    for name in ("My programme", "My diary"):
        page.get_by_role("link", name=name, exact=True).first.click()
        check(name)
    page.get_by_role("button", name="Save this day").click()  # nothing answered: an error
    expect(page.get_by_role("alert").filter(has_text="Nothing saved yet")).to_be_visible()
    check("My diary after a mistake")
    assert all(not small for small in checked.values()), checked
    phone.close()
