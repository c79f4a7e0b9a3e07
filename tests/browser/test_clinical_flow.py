"""The physiotherapist's loop in a real browser: patient, assessment, decision, plan."""

import pytest
from playwright.sync_api import Page, expect

from rehab import plans
from rehab.services import confirm

from ..factories import PASSWORD, make_assessment, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_create_patient_and_record_an_initial_assessment(live_server, page: Page, world):
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/")
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("First name").fill("Ingrid")
    page.get_by_label("Last name").fill("Dahl")
    page.get_by_label("Date of birth").fill("1979-04-12")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Affected side").select_option("right")
    page.get_by_label("Onset").select_option("gradual")
    page.get_by_label("Symptom duration (weeks)").fill("16")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingrid Dahl")

    page.get_by_role("link", name="Record an assessment").click()
    page.get_by_label("Usual morning pain").fill("3")
    page.get_by_label("Pain with daily activities (7 days)").fill("14")  # a slip
    page.locator("#id_night_pain").select_option("none")
    page.get_by_label("Sitting tolerance (minutes)").fill("15")
    page.get_by_label("G1 short-lever single-leg bridge: pain").fill("5")
    page.get_by_label("No red flags found").check()
    page.get_by_role("button", name="Sign and get the recommendation").click()

    expect(page.get_by_role("alert").first).to_contain_text("Pain is scored from 0 (no pain) to 10")
    expect(page.get_by_label("Usual morning pain")).to_have_value("3")  # nothing lost
    page.get_by_label("Pain with daily activities (7 days)").fill("4")
    page.get_by_role("button", name="Sign and get the recommendation").click()

    expect(page.get_by_text("The rules recommend:")).to_be_visible()
    expect(page.get_by_text("Start at stage 1")).to_be_visible()
    page.get_by_role("button", name="Confirm: Start stage 1").click()
    page.get_by_role("link", name="← Ingrid Dahl").click()
    expect(page.locator(".badge", has_text="Stage 1")).to_be_visible()
    chart = page.get_by_role("img", name="Pain over time (0-10)")
    expect(chart).to_be_visible()


def test_review_recommendation_confirm_and_override(live_server, page: Page, world):
    patient = make_patient(world.clinic, world.physio, first_name="Kwame", last_name="Mensah")
    first = make_assessment(
        patient, world.physio, visit_date="2026-01-05", G1_nprs="5", sitting_tolerance_min="15"
    )
    confirm(first.decision, world.physio)  # stage 1
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{patient.public_id}/")
    page.get_by_role("link", name="Record an assessment").click()
    page.get_by_label("Visit date").fill("2026-01-14")
    page.get_by_label("Usual morning pain").fill("2")
    page.get_by_label("Highest pain during exercise").fill("2")
    page.get_by_label("Next-morning pain after the hardest session").fill("2")
    page.get_by_label("Pain with daily activities (7 days)").fill("2")
    page.locator("#id_night_pain").select_option("none")
    page.get_by_label("Sitting tolerance (minutes)").fill("25")
    page.get_by_label("G1 short-lever single-leg bridge: pain").fill("1")
    page.get_by_label("Sessions prescribed since the last visit").fill("10")
    page.get_by_label("Sessions done since the last visit").fill("10")
    page.get_by_label("No red flags found").check()
    page.get_by_role("button", name="Sign and get the recommendation").click()

    # The criteria met are the reasons for progressing, so the recommendation says them.
    expect(
        page.get_by_text("Progress to stage 2: exercise pain 2/10 (needs at most 3);")
    ).to_be_visible()
    listed = page.get_by_text("P1: Exercise pain 2/10")
    expect(listed).to_have_count(1)
    expect(listed).to_be_hidden()  # listed again, folded
    page.get_by_role("link", name="Override…").click()
    # A referral's urgency is asked when "Refer" is chosen, and only then.
    urgency = page.get_by_role("group", name="If you refer: how urgent is the referral?")
    expect(urgency).to_be_hidden()
    page.get_by_label("Refer", exact=True).check()
    expect(urgency).to_be_visible()
    page.get_by_label("Stay in the current stage").check()
    expect(urgency).to_be_hidden()
    page.get_by_label("Reason").fill("Wants one more week of holds before travelling")
    page.get_by_role("button", name="Record my decision").click()
    decided = page.get_by_text("Reason for the override: Wants one more week")
    advice = page.get_by_text("The rules had recommended: Progress to stage 2")
    expect(decided).to_be_visible()
    expect(advice).to_be_visible()
    # The decision in force comes first: the override is not read as the rules' advice.
    assert decided.bounding_box()["y"] < advice.bounding_box()["y"]
    expect(page.locator("summary", has_text="Criteria met")).to_be_visible()  # folded now
    folded = page.get_by_text("P1: Exercise pain 2/10 (needs at most 3)")
    expect(folded).to_have_count(1)
    expect(folded).to_be_hidden()


def test_plan_from_template_dose_change_stage_menu_and_issue(live_server, page: Page, world):
    patient = make_patient(world.clinic, world.physio, first_name="Lucía", last_name="Fernández")
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)  # stage 2
    log_in(page, live_server.url, "treating")
    page.goto(f"{live_server.url}/patients/{patient.public_id}/")
    page.get_by_role("link", name="Plans").click()
    page.get_by_role("button", name="Create from the stage 2 template").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stage 2 plan, version 1")

    curl = page.get_by_role("region", name="Prone (lying) leg curl: machine, cable or band")
    curl.get_by_label("Sets").fill("4")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The plan has been saved.")).to_be_visible()

    # A stage 3 exercise (too deep for stage 2) is not offered.
    menu = page.get_by_label("Add an exercise")
    expect(menu.locator("option", has_text="Romanian deadlift")).to_have_count(0)

    # Issuing saves what is on screen, even without "Save changes" first.
    curl.get_by_label("Note").fill("Slow on the way down")
    page.get_by_role("button", name="Issue this plan").click()
    expect(page.get_by_text("is now the patient's programme")).to_be_visible()
    plan = patient.plans.get()
    curl_item = plan.items.get(exercise__code="S2-07")
    assert plan.status == "issued" and curl_item.sets == 4
    assert curl_item.note == "Slow on the way down"
    assert plans.stage_use_error(plan.items.first().exercise, 2) is None
