"""Defects found in review, each pinned by a test."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from patients.forms import AssessmentForm, clinic_today
from patients.services import save_assessment
from rehab import caseload, plans, programmes, rules, services, tasks
from rehab.models import CaseStatus, Exercise, Plan, StageDecision

from ..conftest import client_for
from ..factories import assessment_post, make_assessment, make_patient


def day(world, days_ago):
    return (clinic_today(world.clinic) - timedelta(days=days_ago)).isoformat()


def started(world, days_ago=10, g1="5", **fields):
    patient = make_patient(world.clinic, world.physio, **fields)
    first = make_assessment(
        patient,
        world.physio,
        visit_date=day(world, days_ago),
        G1_nprs=g1,
        sitting_tolerance_min="15",
    )
    services.confirm(first.decision, world.physio)
    patient.refresh_from_db()
    return patient, first


def cauda_equina(world, patient, days_ago):
    """A signed review with an emergency red flag (PROTOCOL 6)."""
    return make_assessment(
        patient, world.physio, visit_date=day(world, days_ago),
        red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"],
    )  # fmt: skip


def issued(patient, user):
    draft = plans.create_from_template(patient, patient.stage, user)
    return plans.issue(draft, draft.lock_version, user)


def test_a_paused_patient_never_gets_the_full_programme(world, settings, tmp_path):
    settings.PROGRAMME_DIR = tmp_path
    patient, _ = started(world)
    plan = issued(patient, world.physio)
    full = programmes.request_render(plan, world.physio)
    tasks.render_programme(full.pk)
    make_assessment(
        patient,
        world.physio,
        visit_date=day(world, 1),
        red_flags_none=None,
        red_flags=["RF_AVULSION"],
    )
    patient.refresh_from_db()
    assert patient.status == "paused"
    url = reverse(
        "rehab:programme_download", args=[patient.public_id, plan.public_id, full.public_id]
    )
    assert client_for(world.physio).get(url).status_code == 404
    page = client_for(world.physio).get(
        reverse("rehab:plan", args=[patient.public_id, plan.public_id])
    )
    assert str(full.public_id) not in page.content.decode()


def test_amending_the_latest_visit_with_a_red_flag_pauses_and_decides_again(world):
    patient, _ = started(world)
    review = make_assessment(patient, world.physio, visit_date=day(world, 2), G1_nprs="4")
    services.confirm(review.decision, world.physio)
    data = assessment_post(
        visit_date=day(world, 2), G1_nprs="4", red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"]
    )
    form = AssessmentForm(data, instance=review, patient=patient, stage=review.stage_before)
    assert form.is_valid(), form.errors
    save_assessment(form, world.physio, sign=True, amendment_reason="Saddle numbness reported")
    review.decision.refresh_from_db()
    patient.refresh_from_db()
    assert review.decision.engine_action == "REFER" and review.decision.is_pending
    assert patient.status == "paused"


def _two_reviews(world, older_sitting="20"):
    patient, _ = started(world)
    older = make_assessment(
        patient, world.physio, visit_date=day(world, 5), sitting_tolerance_min=older_sitting
    )
    services.confirm(older.decision, world.physio)
    latest = make_assessment(patient, world.physio, visit_date=day(world, 2))
    services.confirm(latest.decision, world.physio)
    patient.refresh_from_db()
    return patient, older, latest


def _amend(world, patient, assessment, reason="Sitting time misheard", **fields):
    data = assessment_post(visit_date=assessment.visit_date.isoformat(), **fields)
    form = AssessmentForm(data, instance=assessment, patient=patient, stage=assessment.stage_before)
    assert form.is_valid(), form.errors
    save_assessment(form, world.physio, sign=True, amendment_reason=reason)


def test_amending_an_older_visit_decides_the_latest_again_from_the_amended_record(world):
    patient, older, latest = _two_reviews(world)
    assert latest.decision.facts["sit_min_prev"] == 20
    recommended = latest.decision.engine_action
    # The latest sits 40 min: against 100 before, that halving is a regression (R3d).
    _amend(world, patient, older, sitting_tolerance_min="100")
    older.decision.refresh_from_db()
    latest.decision.refresh_from_db()
    assert older.decision.status == "confirmed"  # what was decided then stays as it was
    assert latest.decision.facts["sit_min_prev"] == 100
    assert latest.decision.engine_action == "REGRESS" != recommended
    assert latest.decision.is_pending  # the clinician decides on the new recommendation
    assert latest.decision.history.filter(status="confirmed").exists()  # kept in the history


def test_an_amendment_that_leaves_the_recommendation_keeps_the_clinicians_decision(world):
    patient, older, latest = _two_reviews(world)
    stage = patient.stage
    _amend(world, patient, older, sitting_tolerance_min="45")  # 40 is not half of 45
    latest.decision.refresh_from_db()
    patient.refresh_from_db()
    assert latest.decision.status == "confirmed" and patient.stage == stage
    assert latest.decision.facts["sit_min_prev"] == 45  # stored with the amended facts
    before = latest.decision.history.count()
    _amend(world, patient, older, reason="Typo in the notes", sitting_tolerance_min="45",
           notes="Sits at a desk all day")  # fmt: skip
    latest.decision.refresh_from_db()
    assert latest.decision.status == "confirmed"
    assert latest.decision.history.count() == before  # nothing the rules read changed


def test_the_clinician_is_told_what_became_of_the_latest_recommendation(world):
    patient, older, latest = _two_reviews(world)
    url = reverse("patients:assessment_edit", args=[patient.public_id, older.public_id])
    when = latest.visit_date
    client = client_for(world.physio)
    data = assessment_post(visit_date=day(world, 5), reason="Sitting time misheard")
    text = client.post(url, {**data, "sitting_tolerance_min": "45"}, follow=True).content.decode()
    assert f"The recommendation of {when.day} {when:%b %Y} stands" in text
    text = client.post(url, {**data, "sitting_tolerance_min": "100"}, follow=True).content
    assert f"recommendation of {when.day} {when:%b %Y}, made again from the" in text.decode()


def test_an_older_visit_amended_after_its_decision_says_what_the_rules_saw(world):
    patient, _ = started(world)
    older = make_assessment(
        patient, world.physio, visit_date=day(world, 5), sitting_tolerance_min="20"
    )
    services.confirm(older.decision, world.physio)
    latest = make_assessment(patient, world.physio, visit_date=day(world, 2))
    services.confirm(latest.decision, world.physio)
    client = client_for(world.physio)
    edit = reverse("patients:assessment_edit", args=[patient.public_id, older.public_id])
    data = assessment_post(
        visit_date=day(world, 5), sitting_tolerance_min="45", reason="Sitting time misheard"
    )
    assert client.post(edit, data).status_code == 302
    page = client.get(reverse("patients:assessment", args=[patient.public_id, older.public_id]))
    text = page.content.decode()
    assert "Amended after this decision." in text
    assert "Sitting tolerance (minutes): 20 then, 45 now" in text
    assert "Usual morning pain:" not in text  # only what changed is listed
    to_latest = reverse("patients:assessment", args=[patient.public_id, latest.public_id])
    assert f'The latest visit, <a href="{to_latest}">' in text
    newest = client.get(reverse("patients:assessment", args=[patient.public_id, latest.public_id]))
    assert "Amended after this decision." not in newest.content.decode()


def test_a_red_flag_added_by_amendment_goes_back_to_the_clinician_despite_an_override(world):
    patient, _ = started(world)
    flagged = cauda_equina(world, patient, days_ago=2)
    services.override(
        flagged.decision, world.physio, rules.Action.STAY, "Saddle numbness is long-standing"
    )
    patient.refresh_from_db()
    assert patient.status == "active"  # overridden: the programme goes on
    page = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    text = page.content.decode()
    assert "Programme paused until the patient has been seen" not in text
    assert "Overridden: the programme goes on." in text
    _amend(world, patient, flagged, reason="Night sweats reported",
           red_flags_none=None, red_flags=["RF_CAUDA_EQUINA", "RF_SYSTEMIC"])  # fmt: skip
    flagged.decision.refresh_from_db()
    patient.refresh_from_db()
    assert flagged.decision.engine_action == "REFER" and flagged.decision.is_pending
    assert patient.status == "paused"


def test_a_red_flag_can_be_signed_without_the_reviews_session_counts(world):
    patient, _ = started(world)
    bookkeeping = {
        "nprs_24h_after_hardest": "", "nprs_exercise_max": "",
        "sessions_prescribed_since_last": "", "sessions_done_since_last": "",
    }  # fmt: skip
    data = assessment_post(
        visit_date=day(world, 1), red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"],
        **bookkeeping,
    )  # fmt: skip
    form = AssessmentForm(data, patient=patient, stage=patient.stage)
    assert form.is_valid(), form.errors
    referral = save_assessment(form, world.physio, sign=True)
    assert referral.decision.engine_action == "REFER"
    assert referral.decision.engine_urgency == "EMERGENCY"
    without_flag = assessment_post(visit_date=day(world, 1), **bookkeeping)
    form = AssessmentForm(without_flag, patient=patient, stage=patient.stage)
    assert not form.is_valid()  # a routine review still needs them
    assert "sessions_done_since_last" in form.errors


@pytest.mark.parametrize("pause", [True, False])
def test_a_clinicians_referral_pauses_the_programme_when_ticked(world, pause):
    patient, _ = started(world)
    review = make_assessment(patient, world.physio, visit_date=day(world, 1), G1_nprs="4")
    assert review.decision.engine_action != "REFER"
    url = reverse("rehab:decision_override", args=[patient.public_id, review.public_id])
    client = client_for(world.physio)
    form = client.get(url).context["form"]
    assert form.fields["pause"].initial is True  # ticked unless the clinician unticks it
    data = {
        "action": "REFER",
        "reason": "Query lumbar source: GP review first",
        "urgency": "ROUTINE",
    }
    assert client.post(url, data | ({"pause": "on"} if pause else {})).status_code == 302
    patient.refresh_from_db()
    assert patient.status == ("paused" if pause else "active")
    page = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert ("The programme is paused until the patient has been seen." in page) is pause


def test_the_pause_and_the_urgency_are_not_offered_when_referring_is_not_a_choice(world):
    patient, _ = started(world)
    flagged = cauda_equina(world, patient, days_ago=1)
    url = reverse("rehab:decision_override", args=[patient.public_id, flagged.public_id])
    fields = client_for(world.physio).get(url).context["form"].fields
    assert "pause" not in fields and "urgency" not in fields


URGENCY_MISSING = "Choose how urgent the referral is."


def test_a_clinicians_referral_must_say_how_urgent_it_is(world):
    patient, _ = started(world)
    review = make_assessment(patient, world.physio, visit_date=day(world, 1), G1_nprs="4")
    url = reverse("rehab:decision_override", args=[patient.public_id, review.public_id])
    client = client_for(world.physio)
    field = client.get(url).context["form"].fields["urgency"]
    assert field.initial is None  # nothing chosen for the clinician
    assert [value for value, _ in field.choices] == ["EMERGENCY", "URGENT", "ROUTINE"]
    data = {"action": "REFER", "reason": "Query lumbar source: GP review first", "pause": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    body = refused.content.decode()
    # In the summary at the top, and beside the field (which names it for screen readers).
    assert f"If you refer: how urgent is the referral?</a>: {URGENCY_MISSING}</li>" in body
    beside = re.search(r'<div id="id_urgency_error" class="invalid-feedback">(.*?)</div>', body)
    assert beside and URGENCY_MISSING in beside.group(1)
    assert 'aria-describedby="id_urgency_helptext id_urgency_error"' in body
    review.decision.refresh_from_db()
    assert review.decision.is_pending
    assert client.post(url, data | {"urgency": "URGENT"}).status_code == 302
    decision = StageDecision.objects.get(pk=review.decision.pk)
    assert decision.override_urgency == "URGENT" and decision.accepted_urgency == "URGENT"
    assert decision.history.latest().override_urgency == "URGENT"  # kept in the history
    assert AuditEvent.objects.filter(action="decision_overridden").exists()
    page = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "Refer (URGENT) (stage 1)." in page
    # As hard to miss as the rules' referrals (UX.md), and said to be the clinician's.
    assert (
        "Referral: URGENT (the physiotherapist's decision). "
        "Programme paused until the patient has been seen." in page
    )
    # The clinic admin's summary names the clinician's decision too.
    summary = client_for(world.admin).get(reverse("patients:detail", args=[patient.public_id]))
    assert "Overridden: Refer, urgency URGENT." in summary.content.decode()


def test_the_urgency_is_kept_only_with_a_referral(world):
    patient, _ = started(world)
    review = make_assessment(patient, world.physio, visit_date=day(world, 1), G1_nprs="4")
    url = reverse("rehab:decision_override", args=[patient.public_id, review.public_id])
    data = {"action": "REGRESS", "reason": "Flared after a race", "urgency": "EMERGENCY"}
    assert client_for(world.physio).post(url, data).status_code == 302
    decision = StageDecision.objects.get(pk=review.decision.pk)
    assert decision.final_action == "REGRESS"
    assert decision.override_urgency == "" and decision.accepted_urgency == ""


@pytest.mark.parametrize("urgency", ["CAUTION", "urgent", "\x00", "x" * 500, ""])
def test_a_forged_urgency_is_refused_with_a_message_and_nothing_decided(world, urgency):
    patient, _ = started(world)
    review = make_assessment(patient, world.physio, visit_date=day(world, 1), G1_nprs="4")
    url = reverse("rehab:decision_override", args=[patient.public_id, review.public_id])
    data = {"action": "REFER", "reason": "Seen a lump", "urgency": urgency, "pause": "on"}
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["urgency"]
    assert StageDecision.objects.get(pk=review.decision.pk).is_pending


def test_an_amendment_keeps_the_urgency_with_the_clinicians_referral(world):
    patient, _ = started(world)
    older = make_assessment(
        patient, world.physio, visit_date=day(world, 5), sitting_tolerance_min="20"
    )
    services.confirm(older.decision, world.physio)
    latest = make_assessment(patient, world.physio, visit_date=day(world, 2))
    assert latest.decision.engine_action != "REFER"
    services.override(
        latest.decision, world.physio, rules.Action.REFER, "Query lumbar source",
        urgency="EMERGENCY",
    )  # fmt: skip
    _amend(world, patient, older, sitting_tolerance_min="45")  # the same recommendation
    latest.decision.refresh_from_db()
    assert latest.decision.status == "overridden"
    assert latest.decision.override_urgency == "EMERGENCY"
    assert CaseStatus.objects.get(patient=patient).urgency_rank == 0
    _amend(world, patient, older, sitting_tolerance_min="100")  # now a regression (R3d)
    latest.decision.refresh_from_db()
    assert latest.decision.is_pending and latest.decision.override_urgency == ""
    assert CaseStatus.objects.get(patient=patient).urgency_rank == CaseStatus.NO_URGENCY


def test_a_plan_for_another_stage_cannot_be_issued(world):
    patient, _ = started(world)  # stage 1
    old = issued(patient, world.physio)
    patient.stage = 2  # a progression confirmed since
    patient.save()
    draft = plans.new_draft_from(old, world.physio)
    with pytest.raises(plans.PlanError, match="now in stage 2"):
        plans.issue(draft, draft.lock_version, world.physio)
    queue = next(
        q for q in caseload.queues(
            caseload.caseload(world.admin), world.clinic, clinic_today(world.clinic)
        ) if q.key == "no_programme"
    )  # fmt: skip
    assert patient in list(queue.patients)  # a stage 1 programme does not count for stage 2


def _queue(world, key):
    base = caseload.caseload(world.admin)
    return next(
        q for q in caseload.queues(base, world.clinic, clinic_today(world.clinic)) if q.key == key
    )


def test_queues_follow_what_the_clinician_accepted(world):
    referred, _ = started(world, last_name="OverriddenToRefer")
    review = make_assessment(referred, world.physio, visit_date=day(world, 1), G1_nprs="4")
    services.override(review.decision, world.physio, rules.Action.REFER, "Query lumbar source")
    regressed, _ = started(world, last_name="OverriddenToRegress")
    review = make_assessment(regressed, world.physio, visit_date=day(world, 1), G1_nprs="4")
    services.override(review.decision, world.physio, rules.Action.REGRESS, "Flared after a race")
    assert "OverriddenToRefer" in {p.last_name for p in _queue(world, "referral").patients}
    assert "OverriddenToRegress" in {p.last_name for p in _queue(world, "flare").patients}


def test_an_older_draft_can_still_be_finished(world):
    patient = make_patient(world.clinic, world.physio)
    draft = make_assessment(patient, world.physio, sign=False, visit_date=day(world, 10))
    make_assessment(patient, world.physio, sign=False, visit_date=day(world, 3))
    url = reverse("patients:assessment_edit", args=[patient.public_id, draft.public_id])
    data = assessment_post(
        visit_type="initial", visit_date=day(world, 10), sign=None, nprs_worst_7d="6"
    )
    assert client_for(world.physio).post(url, data).status_code == 302
    moved = client_for(world.physio).post(url, {**data, "visit_date": day(world, 2)})
    assert "the next visit is on" in moved.content.decode()


def test_a_recommendation_is_decided_once(world):
    patient = make_patient(world.clinic, world.physio)
    decision = make_assessment(patient, world.physio, visit_date=day(world, 3)).decision
    services.confirm(decision, world.physio)
    with pytest.raises(services.AlreadyDecided):
        services.override(decision, world.colleague, rules.Action.START_STAGE_1, "Too late")
    decision.refresh_from_db()
    assert decision.status == "confirmed"


def test_supporting_clinic_exercises_cannot_hide_hip_flexion(world):
    response = client_for(world.admin).post(
        reverse("rehab:exercise_create"),
        {"name": "Deep squat hold", "stage_min": "1", "stage_max": "1",
         "hip_flexion_max_deg": "120", "dose_type": "isometric_hold", "days_per_week": "5",
         "min_hours_between_sessions": "0", "patient_text": "Squat down.", "supporting": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Supporting exercises must stay within 30°" in response.content.decode()


def test_a_clinic_plyometric_exercise_keeps_to_stage_4_and_its_spacing(world):
    response = client_for(world.admin).post(
        reverse("rehab:exercise_create"),
        {"name": "Box jumps", "stage_min": "1", "stage_max": "4", "hip_flexion_min_deg": "90",
         "hip_flexion_max_deg": "120", "dose_type": "plyometric", "days_per_week": "12",
         "min_hours_between_sessions": "24", "patient_text": "Jump.", "plyometric": "on"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter 1 to 7 days a week." in body
    assert "Plyometric exercises belong to stage 4." in body
    assert "Plyometric sessions are at least 72 h apart." in body
    assert not Exercise.objects.filter(clinic=world.clinic).exists()


def test_a_dose_reduction_is_never_applied_twice(world):
    patient, _ = started(world, g1="2")
    plan = issued(patient, world.physio)
    plans.reduce_dose(plan, 20, world.physio)
    with pytest.raises(plans.PlanError, match="already a draft"):
        plans.reduce_dose(plan, 20, world.physio)
    assert Plan.objects.filter(status="draft").count() == 1


def test_a_queue_and_a_name_filter_narrow_together(world):
    make_patient(world.clinic, world.physio, last_name="Zed")
    started(world, days_ago=40, last_name="Zed Overdue")
    started(world, days_ago=40, last_name="Other Overdue")
    response = client_for(world.admin).get(reverse("rehab:caseload") + "?queue=overdue&q=Zed")
    names = [p["last_name"] for p in response.context["page"]]
    assert names == ["Zed Overdue"]


def test_a_patient_added_today_is_not_overdue(world):
    make_patient(world.clinic, world.physio, last_name="Brandnew")
    assert "Brandnew" not in {p.last_name for p in _queue(world, "overdue").patients}


def test_opening_plans_is_audited(world):
    patient, _ = started(world, g1="2")
    plan = issued(patient, world.physio)
    client = client_for(world.colleague)
    client.get(reverse("rehab:plans", args=[patient.public_id]))
    client.get(reverse("rehab:plan", args=[patient.public_id, plan.public_id]))
    actions = set(AuditEvent.objects.filter(actor=world.colleague).values_list("action", flat=True))
    assert {"plans_viewed", "plan_viewed"} <= actions
