"""Stage decisions in the app: recorded with their facts, changed only by the clinician."""

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from patients import visah
from patients.forms import AssessmentForm
from patients.services import save_assessment
from rehab import rules, services
from rehab.models import RulesParameters, StageDecision

from ..conftest import client_for
from ..factories import assessment_post, make_assessment, make_patient

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


@pytest.fixture
def patient(world):
    return make_patient(world.clinic, world.physio, needs_energy_storage=True)


def test_a_signed_assessment_gets_a_pending_recommendation_with_its_provenance(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    decision = assessment.decision
    assert decision.status == "pending" and decision.engine_action == "START_STAGE_2"
    assert decision.rules_version == rules.RULES_VERSION
    assert decision.parameters == rules.DEFAULT.to_dict()
    assert decision.facts["visit"] == "initial" and decision.facts["gate_pain"] == 2
    patient.refresh_from_db()
    assert patient.stage is None  # only a clinician's confirmation changes the stage


def test_confirming_changes_the_stage(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    url = reverse("rehab:decision_confirm", args=[patient.public_id, assessment.public_id])
    assert client_for(world.physio).post(url).status_code == 302
    patient.refresh_from_db()
    assert patient.stage == 2 and patient.status == "active"
    assert patient.programme_start == date(2026, 1, 5)
    assert AuditEvent.objects.filter(action="decision_confirmed").exists()


def test_an_override_needs_a_reason_and_is_kept_beside_the_rules_output(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    url = reverse("rehab:decision_override", args=[patient.public_id, assessment.public_id])
    client = client_for(world.physio)
    refused = client.post(url, {"action": "START_STAGE_1", "reason": "   "})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert StageDecision.objects.get().is_pending
    client.post(url, {"action": "START_STAGE_1", "reason": "Very irritable on palpation"})
    decision = StageDecision.objects.get()
    assert decision.status == "overridden" and decision.final_stage == 1
    assert decision.engine_action == "START_STAGE_2" and decision.engine_stage == 2
    patient.refresh_from_db()
    assert patient.stage == 1
    page = client.get(
        reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    )
    body = page.content.decode()
    assert "Very irritable on palpation" in body
    # The decision in force first, then what the rules had said.
    assert body.index("<strong>Overridden</strong> by") < body.index(
        "<strong>The rules had recommended:</strong> Start at stage 2"
    )
    assert "The rules recommend:" not in body
    # The visits table too says the recommendation was overridden, and by what.
    detail = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert "<td>Start stage 2, overridden: Start stage 1</td>" in detail


def test_every_link_of_the_error_summary_leads_to_its_field(world, patient):
    """A radio group has no single input: its link goes to the first button (WCAG 2.2)."""
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    url = reverse("rehab:decision_override", args=[patient.public_id, assessment.public_id])
    body = client_for(world.physio).post(url, {"action": "", "reason": ""}).content.decode()
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', body, re.S).group(0)
    targets = re.findall(r'href="#([^"]*)"', summary)
    assert targets == ["id_action_0", "id_reason"]
    for target in targets:
        assert f'id="{target}"' in body


def test_the_next_assessment_waits_for_the_pending_decision(world, patient):
    make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    url = reverse("patients:assessment_create", args=[patient.public_id])
    response = client_for(world.physio).post(
        url, assessment_post(visit_type="initial", visit_date="2026-01-12")
    )
    assert response.status_code == 200
    assert "still waiting" in response.content.decode()
    assert "you can also save them without signing." in response.content.decode()
    assert patient.assessments.count() == 1


def test_the_new_assessment_form_says_at_once_that_a_recommendation_waits(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    client = client_for(world.physio)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    body = client.get(url).content.decode()
    assert "The recommendation of 5 Jan 2026 is still waiting" in body
    link = reverse("patients:assessment", args=[patient.public_id, first.public_id])
    assert f'<a href="{link}">confirm or override it</a>' in body
    # A draft is a complete assessment, not signed: the banner does not promise a half one.
    assert (
        "Meanwhile you can save this one without signing, once its required fields are "
        "filled in." in body
    )
    assert "as a draft meanwhile" not in body
    services.confirm(first.decision, world.physio)
    assert "is still waiting" not in client.get(url).content.decode()


def test_a_blocking_red_flag_pauses_the_programme(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    services.confirm(first.decision, world.physio)
    patient.refresh_from_db()
    flagged = make_assessment(
        patient,
        world.physio,
        visit_date="2026-01-12",
        red_flags_none=None,
        red_flags=["RF_AVULSION"],
    )
    assert flagged.decision.engine_action == "REFER" and flagged.decision.engine_urgency == "URGENT"
    patient.refresh_from_db()
    assert patient.status == "paused"  # at once, before confirmation
    page = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    assert "Referral: URGENT" in page.content.decode()
    assert "Programme paused" in page.content.decode()


def test_a_caution_code_never_decides(world, patient):
    first = make_assessment(
        patient,
        world.physio,
        visit_date="2026-01-05",
        G1_nprs="2",
        red_flags_none=None,
        red_flags=["RF_MEDICATION"],
    )
    assert first.decision.engine_action == "START_STAGE_2"
    assert first.decision.caution_codes == ["RF_MEDICATION"]


def test_clinic_parameters_are_used_and_stored(world, patient):
    values = rules.DEFAULT.to_dict() | {"A2_SIT_MIN": 50}
    RulesParameters.objects.create(clinic=world.clinic, values=values)
    decision = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2").decision
    assert decision.engine_action == "START_STAGE_1"  # sitting 40 < 50
    assert decision.parameters["A2_SIT_MIN"] == 50


def _form_data(visit: dict, initial: bool) -> dict:
    fields = {
        "visit_date": (date(2025, 6, 1) + timedelta(days=visit["day"])).isoformat(),
        "visit_type": "initial" if initial else "review",
        "nprs_morning_baseline": visit.get("morning_baseline"),
        "nprs_24h_after_hardest": visit.get("pain_24h"),
        "nprs_exercise_max": visit.get("ex_pain"),
        "nprs_adl_typical_7d": visit.get("adl_pain"),
        "sitting_tolerance_min": visit.get("sit_min"),
        "sessions_done_since_last": visit.get("sessions_done"),
        "sessions_prescribed_since_last": visit.get("sessions_prescribed"),
        "plyo_sessions_since_last": visit.get("plyo_sessions"),
        "min_plyo_interval_h": visit.get("min_plyo_interval_h"),
        "night_pain": "none",
        "sign": "1",
    }
    flags = visit.get("red_flags") or []
    if flags and not initial:
        # The form requires these at a review; a red flag decides before they are read (R1).
        fields["nprs_exercise_max"] = fields["nprs_exercise_max"] or 0
        fields["nprs_24h_after_hardest"] = fields["nprs_24h_after_hardest"] or 0
    if flags:
        fields["red_flags"] = flags
    else:
        fields["red_flags_none"] = "on"
    if visit.get("visah") is not None:
        # A complete VISA-H whose total is the case's value.
        total = visit["visah"]
        item7, branch, band = next(
            (p7, branch, band)
            for p7 in (10, 7, 4, 0)
            for branch, points in visah.ITEM8_POINTS.items()
            for band, p8 in enumerate(points)
            if 0 <= total - p7 - p8 <= 60
        )
        rest = total - item7 - visah.ITEM8_POINTS[branch][band]
        items = [min(10, max(0, rest - 10 * i)) for i in range(6)]
        fields.update({f"visah_{i + 1}": str(v) for i, v in enumerate(items)})
        fields.update(visah_7=str(item7), visah_8_branch=branch, visah_8_band=str(band))
    for code, pain in (visit.get("tests") or {}).items():
        fields[f"{code}_nprs"] = str(pain)
    return {k: (v if isinstance(v, list) else str(v)) for k, v in fields.items() if v is not None}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_the_app_decides_every_worked_case_like_the_command(world, case):
    trajectory = json.loads(case.read_text())
    patient = make_patient(
        world.clinic,
        world.physio,
        needs_energy_storage=trajectory["patient"]["needs_energy_storage"],
    )
    for visit in trajectory["visits"]:
        patient.refresh_from_db()
        initial = not patient.decisions.exists() or patient.stage is None
        form = AssessmentForm(_form_data(visit, initial), patient=patient, stage=patient.stage)
        assert form.is_valid(), (visit["day"], form.errors)
        assessment = save_assessment(form, world.physio, sign=True)
        decision = assessment.decision
        expect = visit["expect"]
        assert decision.engine_action == expect["action"], visit["day"]
        assert decision.engine_stage == expect["stage"], visit["day"]
        assert set(decision.engine_rules) == set(expect["rules"]), visit["day"]
        assert set(decision.engine_flags) == set(expect["flags"]), visit["day"]
        services.confirm(decision, world.physio)


def test_p7_without_visah_scores_reads_ignored_not_met(world, patient):
    """P7 passes when a VISA-H score is missing (PROTOCOL 3.3): a tester read the green
    "met" as if the questionnaire had been checked. Ignored is said as such."""
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    services.confirm(first.decision, world.physio)
    review = make_assessment(patient, world.physio, visit_date="2026-01-20")
    p7 = next(c for c in review.decision.criteria if c["code"] == "P7")
    assert p7["ignored"] and not p7["concern"]
    url = reverse("patients:assessment", args=[patient.public_id, review.public_id])
    body = client_for(world.physio).get(url).content.decode()
    assert '<span class="flag text-body-secondary me-1">ignored</span> P7: VISA-H' in body
    assert '<span class="flag text-success me-1">met</span> P7' not in body


@pytest.mark.parametrize(("visah_now", "ignored"), [(None, True), (60, False)])
def test_the_rules_mark_p7_ignored_only_without_both_scores(visah_now, ignored):
    facts = rules.Facts(
        visit="review", stage=2, ex_pain=2, morning_baseline=2, pain_24h=2, adl_pain=2,
        gate_pain=2, sit_min=40, needs_energy_storage=True,
        days_in_stage=30, sessions_in_stage=10, visah=visah_now, visah_prev=55,
    )  # fmt: skip
    p7 = next(c for c in rules.decide(facts).criteria if c.code == "P7")
    assert p7.met and p7.ignored is ignored


def _visible_text(body):
    """What a reader sees of a page: its text, without the markup and its attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", body))


def test_red_flags_are_shown_in_words_with_their_codes_kept_aside(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    services.confirm(first.decision, world.physio)
    flagged = make_assessment(
        patient,
        world.physio,
        visit_date="2026-01-12",
        red_flags_none=None,
        red_flags=["RF_AVULSION", "RF_CAUDA_EQUINA", "RF_MEDICATION"],
    )
    decision = flagged.decision
    # The rules' output and what is stored of it are unchanged: codes.
    assert decision.engine_rules == ["R1"] and decision.engine_urgency == "EMERGENCY"
    assert decision.caution_codes == ["RF_MEDICATION"]
    assert "red flag RF_AVULSION (" in decision.explanation[0]
    client = client_for(world.physio)
    pages = {
        "patient": reverse("patients:detail", args=[patient.public_id]),
        "assessment": reverse("patients:assessment", args=[patient.public_id, flagged.public_id]),
        "override": reverse("rehab:decision_override", args=[patient.public_id, flagged.public_id]),
    }
    for name, url in pages.items():
        body = client.get(url).content.decode()
        text = _visible_text(body)
        assert (
            "The rules recommend: Refer (EMERGENCY): red flags: possible tendon avulsion (pop, "
            "bruising, palpable gap); cauda equina signs (saddle numbness, bladder/bowel). "
            "Programme paused - see clinician. Source: PROTOCOL 6 and 3.3 R1"
        ) in text, name
        assert not re.search(r"\bRF_[A-Z_]+", text), name  # no code as visible text
        assert 'title="Red-flag codes: RF_AVULSION, RF_CAUDA_EQUINA"' in body, name
        if name != "override":
            assert (
                'Caution (does not decide): <span title="RF_MEDICATION">Recent fluoroquinolone '
                "or systemic steroid: GP review</span>." in body
            ), name


def test_a_referral_at_the_first_visit_names_its_red_flag_in_words(world, patient):
    first = make_assessment(
        patient,
        world.physio,
        visit_date="2026-01-05",
        G1_nprs="2",
        red_flags_none=None,
        red_flags=["RF_FRACTURE"],
    )
    assert first.decision.engine_rules == ["A1"]
    url = reverse("patients:assessment", args=[patient.public_id, first.public_id])
    body = client_for(world.physio).get(url).content.decode()
    assert (
        '<span title="Red-flag code: RF_FRACTURE">Refer (URGENT): red flag: possible fracture or '
        "bone stress injury. Programme paused - see clinician. Source: PROTOCOL 6 and 1.2 A1"
        "</span>"
    ) in body
    assert not re.search(r"\bRF_[A-Z_]+", _visible_text(body))
