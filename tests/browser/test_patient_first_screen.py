"""The patient page on a clinic PC's screen (UX.md: "answers three questions without scrolling:
which stage, how is the patient trending (the chart), what do the rules recommend today and
why"; "red flags and referrals are impossible to miss")."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from patients.forms import clinic_today
from rehab import plans
from rehab.models import DiaryEntry
from rehab.services import confirm

from ..factories import make_assessment, make_patient
from .test_clinical_flow import log_in
from .test_login import contrast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: A common clinic monitor; the laptops, the wide screen and the small (1024 px, as on an older
#: clinic PC or a tablet held sideways) screen a physiotherapist may also use.
CLINIC_PC = {"width": 1366, "height": 768}
OTHER_SCREENS = [
    {"width": 1280, "height": 720},
    {"width": 1920, "height": 1080},
    {"width": 1024, "height": 768},
]


def stage_2_history(patient, physio, visits: int, start: date, **last_visit):
    """An initial visit that starts stage 2, reviews every three days that stay there (the G2
    bridge still hurts), each confirmed, and a last review, left pending, that the rules
    decide on ``last_visit``'s values (by default all stage 2 criteria met: progress)."""
    first = make_assessment(
        patient, physio, visit_date=start.isoformat(), G1_nprs="2", sitting_tolerance_min="30"
    )
    confirm(first.decision, physio)  # A3: stage 2
    for i in range(1, visits - 1):
        review = make_assessment(
            patient,
            physio,
            visit_date=(start + timedelta(days=3 * i)).isoformat(),
            nprs_exercise_max=str(2 + i % 2),
            nprs_adl_typical_7d=str(1 + i % 3),
            sitting_tolerance_min=str(30 + (i * 7) % 16),
            G2_nprs=str(4 + i % 2),
        )
        confirm(review.decision, physio)  # R5: stay
    values = {"nprs_adl_typical_7d": "1", "sitting_tolerance_min": "45", "G2_nprs": "2"}
    return make_assessment(
        patient,
        physio,
        visit_date=(start + timedelta(days=3 * (visits - 1))).isoformat(),
        **{**values, **last_visit},
    )


def open_at_the_top(page: Page, url: str, viewport: dict[str, int]) -> None:
    page.set_viewport_size(viewport)
    page.goto(url)
    assert page.evaluate("window.scrollY") == 0  # what shows without scrolling


def test_stage_chart_and_recommendation_fit_the_first_screen_with_a_hundred_visits(
    live_server, page: Page, world
):
    patient = make_patient(world.clinic, world.physio, first_name="Margaret", last_name="Okafor")
    stage_2_history(patient, world.physio, 100, start=date(2025, 1, 6))
    log_in(page, live_server.url, "treating")
    for viewport in [CLINIC_PC, *OTHER_SCREENS]:
        open_at_the_top(page, f"{live_server.url}/patients/{patient.public_id}/", viewport)
        box = page.locator("#recommendation")
        on_screen = {
            "stage": page.locator("main .badge", has_text="Stage 2"),
            "chart": page.get_by_role("img", name="Pain over time (0-10)"),
            # The criteria met are the reasons, so the recommendation says them (UX.md).
            "headline": box.get_by_text(
                "Progress to stage 3: exercise pain 2/10 (needs at most 3)"
            ),
            "confirm": box.get_by_role("button", name="Confirm: Progress"),
        }
        for what, locator in on_screen.items():
            expect(locator, f"{what} at {viewport}").to_be_in_viewport(ratio=1)


def test_a_referral_comes_first_and_the_chart_stays_in_view(live_server, page: Page, world):
    patient = make_patient(world.clinic, world.physio, first_name="Ines", last_name="Duarte")
    today = clinic_today(world.clinic)
    stage_2_history(
        patient,
        world.physio,
        12,
        start=today - timedelta(days=3 * 11 + 10),
        red_flags=["RF_AVULSION", "RF_MEDICATION"],  # an urgent referral, and a caution
        red_flags_none=None,
    )
    # Between visits the diary flagged pain going up: routine flags, not a referral.
    patient.refresh_from_db()
    plan = plans.create_from_template(patient, 2, world.physio)
    plan = plans.issue(plan, plan.lock_version, world.physio)
    for days_ago in (1, 3, 5):
        DiaryEntry.objects.create(
            patient=patient,
            plan=plan,
            day=today - timedelta(days=days_ago),
            session_done=True,
            exercise_pain=5,
            next_morning_pain=4,
            usual_morning_pain=2,
            flagged=True,
            source=DiaryEntry.Source.LINK,
        )
    log_in(page, live_server.url, "treating")
    open_at_the_top(page, f"{live_server.url}/patients/{patient.public_id}/", CLINIC_PC)

    alerts = page.get_by_role("alert")
    expect(alerts.first).to_contain_text("Referral: URGENT")  # before the diary's flags
    expect(alerts.nth(1)).to_contain_text("Diary flag")
    referral = page.locator("#recommendation.referral").bounding_box()  # its red frame
    diary = alerts.nth(1).bounding_box()
    assert referral and diary and referral["y"] <= diary["y"]  # nothing above it on screen
    expect(alerts.first).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Confirm: Refer")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("img", name="Pain over time (0-10)")).to_be_in_viewport(ratio=1)


def test_links_in_alerts_are_readable(live_server, page: Page, world):
    """WCAG 1.4.3 (UX.md "contrast at least 4.5:1"): the page's blue link colour is 4.1:1 on a
    warning alert's yellow, so a link in an alert takes the alert's own text colour."""
    patient = make_patient(world.clinic, world.physio, first_name="Ana", last_name="Lind")
    make_assessment(patient, world.physio, visit_date="2026-01-05")  # its recommendation waits
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{patient.public_id}/assessments/new/")
    page.wait_for_load_state("load")  # the stylesheets, before reading computed colours
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('.alert a:not(.btn)')].map(a => [
            getComputedStyle(a).color,
            getComputedStyle(a.closest('.alert')).backgroundColor])"""
    )
    assert pairs and all(contrast(colour, back) >= 4.5 for colour, back in pairs), pairs
