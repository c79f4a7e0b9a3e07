"""Staff pages at 320 CSS px (WCAG 2.2 1.4.10 reflow): nothing makes the page scroll sideways;
a wide table scrolls in its own box. Queue links are at least 24 px tall (2.5.8)."""

import pytest
from playwright.sync_api import Page

from accounts.models import User
from rehab import plans
from rehab.services import confirm

from ..factories import make_assessment, make_patient
from .test_clinical_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}

#: What sticks out past the right edge, outside any box that scrolls sideways on its own.
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(el => {
    if (el.getBoundingClientRect().right <= window.innerWidth + 1) return false;
    for (let p = el.parentElement; p; p = p.parentElement) {
        if (getComputedStyle(p).overflowX === 'auto') return false;
    }
    return true;
}).map(el => el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40))"""


def assert_reflows(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response and response.ok, url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], (url, width, page.evaluate(OVERFLOWING)[:5])


@pytest.fixture
def stage4_patient(world):
    patient = make_patient(world.clinic, world.physio, first_name="Thandiwe", last_name="Mokoena")
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    patient.stage = 4
    patient.save(update_fields=["stage"])
    plan = plans.create_from_template(patient, 4, world.physio)
    plan = plans.issue(plan, plan.lock_version, world.physio)
    return patient, plan


def test_a_physiotherapists_pages_reflow_at_320_px(live_server, page: Page, world, stage4_patient):
    patient, plan = stage4_patient
    page.set_viewport_size(NARROW)
    log_in(page, live_server.url, "treating")
    base = live_server.url
    for path in (
        "/",
        "/patients/",
        f"/patients/{patient.public_id}/",
        f"/patients/{patient.public_id}/assessments/{patient.assessments.get().public_id}/",
        f"/patients/{patient.public_id}/assessments/new/",
        f"/patients/{patient.public_id}/plans/",
        f"/patients/{patient.public_id}/plans/{plan.public_id}/",
        "/caseload/",
        "/exercises/",
        "/audit/",
    ):
        assert_reflows(page, base + path)


def test_an_admins_pages_reflow_and_queue_links_are_big_enough(
    live_server, page: Page, world, stage4_patient
):
    User.objects.filter(pk=world.physio.pk).update(is_active=False)  # a queue with a patient
    page.set_viewport_size(NARROW)
    log_in(page, live_server.url, "clinicadmin")
    for path in ("/", "/staff/", "/caseload/", "/audit/"):
        assert_reflows(page, live_server.url + path)
    links = page.locator(".queue-list a")
    page.goto(f"{live_server.url}/caseload/")
    assert links.count()
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert box and box["height"] >= 24, (links.nth(n).text_content(), box)
