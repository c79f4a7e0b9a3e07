"""A review recorded with the keyboard only (UX.md: physiotherapists, and "Everyone": visible
focus, errors summarised at the top, keyboard-only use works)."""

import pytest
from playwright.sync_api import Page, expect

from rehab.models import StageDecision
from rehab.services import confirm

from ..factories import make_assessment, make_patient
from .test_clinical_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => document.activeElement.id"


def tab_to(page: Page, element_id: str, limit: int = 60) -> int:
    """Press Tab until the element has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == element_id:
            return presses
    raise AssertionError(f"Tab never reached #{element_id}")


def focus_ring(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor,
                shadow: s.boxShadow}; }"""
    )


@pytest.fixture
def stage_2_patient(world):
    patient = make_patient(world.clinic, world.physio, first_name="Kai", last_name="Tane")
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)  # A3: stage 2
    return patient


def test_a_failed_submit_takes_the_keyboard_to_the_error_summary(
    live_server, page: Page, world, stage_2_patient
):
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{stage_2_patient.public_id}/assessments/new/")
    tab_to(page, "id_nprs_morning_baseline")
    for value in ("2", "2", "2", "14"):  # morning, exercise, next morning, a slip in ADL
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    tab_to(page, "id_night_pain")
    page.keyboard.type("n")  # None, picked with the keyboard
    tab_to(page, "id_sitting_tolerance_min")
    page.keyboard.type("30")
    tab_to(page, "id_G2_nprs")
    page.keyboard.type("1")
    # The folded neurological screen opens with the keyboard; a sign found there is a red flag.
    page.locator("summary", has_text="Neurological screen").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "id_saddle_anaesthesia"
    tab_to(page, "id_slr_positive")
    page.keyboard.press("Space")
    tab_to(page, "id_red_flags_none")
    page.keyboard.press("Space")
    page.get_by_role("button", name="Sign and get the recommendation").focus()
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Pain with daily activities (7 days)")
    ring = focus_ring(page)
    assert ring["outline"] == "solid 3px rgb(255, 191, 71)"
    # One Tab reaches the first error's link; following it lands on the field.
    page.keyboard.press("Tab")
    expect(page.locator("#error-summary a").first).to_be_focused()
    page.keyboard.press("Enter")
    adl = page.locator("#id_nprs_adl_typical_7d")
    expect(adl).to_be_focused()
    expect(adl).to_have_value("14")  # nothing typed is lost
    expect(page.locator("#id_nprs_adl_typical_7d_error")).to_contain_text("Pain is scored from 0")
    # The red flag's link leads to the first red flag, and the sign behind it is on show.
    red_flags = page.locator("#error-summary a", has_text="Red flags found")
    assert red_flags.get_attribute("href") == "#id_red_flags_0"
    expect(page.locator("#id_slr_positive")).to_be_visible()
    expect(page.locator("#id_slr_positive")).to_be_checked()


def test_enter_in_a_field_saves_a_draft_and_never_signs(
    live_server, page: Page, world, stage_2_patient
):
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{stage_2_patient.public_id}/assessments/new/")
    tab_to(page, "id_nprs_morning_baseline")
    for value in ("2", "2", "2", "2"):  # morning, exercise, next morning, daily activities
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    tab_to(page, "id_night_pain")
    page.keyboard.type("n")
    tab_to(page, "id_G2_nprs")
    page.keyboard.type("1")
    tab_to(page, "id_sessions_prescribed_since_last")
    page.keyboard.type("9")
    tab_to(page, "id_sessions_done_since_last")
    page.keyboard.type("8")
    tab_to(page, "id_red_flags_none")
    page.keyboard.press("Space")
    tab_to(page, "id_sitting_tolerance_min")
    page.keyboard.type("30")
    page.keyboard.press("Enter")  # complete enough to sign, but Enter is not a signature
    expect(page.get_by_text("The assessment has been saved.")).to_be_visible()
    saved = stage_2_patient.assessments.order_by("-id").first()
    assert saved.sitting_tolerance_min == 30
    assert not saved.is_signed
    assert not StageDecision.objects.filter(assessment=saved).exists()
    # Signing opens the page at the recommendation: a few Tabs reach "Confirm", not 13.
    page.get_by_role("link", name="Edit draft").click()
    page.get_by_role("button", name="Sign and get the recommendation").click()
    assert page.url.endswith("#recommendation")
    confirm_button = page.get_by_role("button", name="Confirm:")
    for _ in range(3):
        page.keyboard.press("Tab")
        if confirm_button.evaluate("b => b === document.activeElement"):
            break
    expect(confirm_button).to_be_focused()


def test_letters_typed_in_an_optional_number_field_are_refused_not_saved_blank(
    live_server, page: Page, world, stage_2_patient
):
    """A number box (<input type="number">) sends "e" as empty: an optional VISA-H item
    was saved blank with no word. Typed as text, it reaches the server and is refused."""
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{stage_2_patient.public_id}/assessments/new/")
    for field, value in [
        ("nprs_morning_baseline", "2"), ("nprs_24h_after_hardest", "2"),
        ("nprs_exercise_max", "2"), ("nprs_adl_typical_7d", "2"), ("G2_nprs", "1"),
        ("sessions_prescribed_since_last", "9"), ("sessions_done_since_last", "8"),
        ("sitting_tolerance_min", "30"),
    ]:  # fmt: skip
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_night_pain").select_option("none")
    page.locator("#id_red_flags_none").check()
    visah = page.locator("#id_visah_1")
    if not visah.is_visible():
        page.locator("summary", has_text="VISA-H").click()
    expect(visah).to_have_attribute("inputmode", "numeric")  # the digit keypad on a phone
    visah.press_sequentially("e")
    page.get_by_role("button", name="Save without signing").click()

    expect(page.locator("#id_visah_1_error")).to_have_text("Enter a whole number.")
    expect(visah).to_have_value("e")  # what was typed stays to be mended
    expect(page.locator("#id_sitting_tolerance_min")).to_have_value("30")
    assert stage_2_patient.assessments.count() == 1  # the first visit's only: nothing saved


def test_the_focus_ring_shows_on_fields_buttons_and_the_navbar(
    live_server, page: Page, world, stage_2_patient
):
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{stage_2_patient.public_id}/assessments/new/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")  # the first navbar link, which Bootstrap gives a pale ring
    for element_id in (None, "id_nprs_morning_baseline", "id_night_pain", "id_red_flags_0"):
        if element_id:
            tab_to(page, element_id)
        page.wait_for_timeout(200)  # Bootstrap's transitions
        ring = focus_ring(page)
        assert ring["outline"] == "solid 3px rgb(255, 191, 71)", element_id
        assert ring["shadow"] == "rgb(33, 37, 41) 0px 0px 0px 5px", element_id
    sign = page.get_by_role("button", name="Sign and get the recommendation")
    sign.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert focus_ring(page)["outline"] == "solid 3px rgb(255, 191, 71)"
