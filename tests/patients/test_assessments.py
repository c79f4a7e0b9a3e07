import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from patients.forms import clinic_today
from patients.models import Assessment, Patient
from rehab import rules
from rehab.models import StageDecision
from rehab.services import confirm, override

from ..conftest import client_for
from ..factories import assessment_post, make_assessment


def test_signing_locks_and_a_later_change_is_an_amendment_with_a_reason(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05")
    url = reverse("patients:assessment_edit", args=[patient.public_id, assessment.public_id])
    client = client_for(world.physio)
    changed = assessment_post(
        visit_type="initial", visit_date="2026-01-05", nprs_adl_typical_7d="5"
    )

    without_reason = client.post(url, changed)
    assert without_reason.status_code == 200
    assert "This field is required" in without_reason.content.decode()
    assessment.refresh_from_db()
    assert assessment.nprs_adl_typical_7d == 2 and assessment.amended_at is None

    response = client.post(url, {**changed, "reason": "ADL pain was misheard"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.nprs_adl_typical_7d == 5 and assessment.amended_at is not None
    original, amended = assessment.history.order_by("history_date")[:2]
    assert original.nprs_adl_typical_7d == 2
    assert amended.history_change_reason == "Amendment: ADL pain was misheard"
    page = client.get(
        reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    )
    assert "ADL pain was misheard" in page.content.decode()
    assert AuditEvent.objects.filter(action="assessment_amended").count() == 1


def test_an_amendment_without_a_reason_is_named_in_the_error_summary(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05")
    url = reverse("patients:assessment_edit", args=[patient.public_id, assessment.public_id])
    changed = assessment_post(
        visit_type="initial", visit_date="2026-01-05", nprs_adl_typical_7d="5", reason="   "
    )
    body = client_for(world.physio).post(url, changed).content.decode()
    summary = re.search(r'<div class="alert alert-danger".*?</div>', body, re.S)
    assert summary, "no error summary at the top of the page"
    assert (
        '<li><a href="#id_reason">Reason for the amendment</a>: This field is required.</li>'
        in summary.group(0)
    )
    assert 'id="error-summary"' in summary.group(0)
    assert summary.start() < body.index('<form method="post" novalidate class="assessment-form"')
    assert 'id="id_reason"' in body  # the link's target
    assessment.refresh_from_db()
    assert assessment.amended_at is None


def test_a_collapsed_section_with_an_error_opens(world, patient):
    def details(body, title):
        found = re.search(
            rf'<details class="form-section[^"]*"( open)?>\s*<summary>{title}</summary>', body
        )
        assert found, title
        return found.group(1) == " open"

    today = clinic_today(world.clinic)
    visah = {f"visah_{i}": "5" for i in range(1, 7)}
    visah |= {"visah_7": "4", "visah_8_branch": "A", "visah_8_band": "1"}
    week_ago = (today - timedelta(days=7)).isoformat()
    first = make_assessment(patient, world.physio, visit_date=week_ago, G1_nprs="1", **visah)
    confirm(first.decision, world.physio)  # stage 2; the VISA-H is not due for another week
    url = reverse("patients:assessment_create", args=[patient.public_id])
    client = client_for(world.physio)
    body = client.get(url).content.decode()
    assert not details(body, "VISA-H questionnaire")

    data = assessment_post(visit_date=today.isoformat(), visah_8_branch="B")  # no band
    body = client.post(url, data).content.decode()
    assert "For item 8, choose both the branch and the duration band." in body
    assert '<a href="#id_visah_8_band">' in body
    assert details(body, "VISA-H questionnaire")
    assert not details(body, "Neurological screen")  # no error there: still folded away
    assert Assessment.objects.count() == 1


def test_a_red_flag_error_links_to_the_first_red_flag_and_shows_the_sign_behind_it(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)  # stage 2
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_date="2026-01-14", slr_positive="on", groc="2")
    body = client_for(world.physio).post(url, data).content.decode()
    summary = re.search(r'<div class="alert alert-danger".*?</div>', body, re.S)
    assert summary
    # A group of checkboxes has no id of its own: "#" led to the top of the page.
    assert '<a href="#id_red_flags_0">Red flags found</a>' in summary.group(0)
    assert 'id="id_red_flags_0"' in body
    # The group names its help (last visit: none found) and its error.
    assert '<fieldset class="mb-2" aria-describedby="id_red_flags_help id_red_flags_error">' in body
    assert 'class="form-check-input" id="id_red_flags_0"' in body
    # Folded sections holding what was typed open again: the sign and the GROC stay in view.
    for title in ("Neurological screen", "Other measures"):
        assert re.search(rf'<details class="form-section[^"]*" open>\s*<summary>{title}<', body)
    assert re.search(r'<details class="form-section[^"]*">\s*<summary>Other load tests<', body)
    assert Assessment.objects.count() == 1


def _red_flag_prompts(client, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    body = client.get(url).content.decode()
    section = re.search(r"<summary>Red flags</summary>(.*?)</details>", body, re.S)
    assert section
    return section.group(1)


def test_an_acute_onset_prompts_the_avulsion_screen_and_a_young_age_the_apophyseal_one(
    world, patient
):
    """PROTOCOL 4.1: an acute-event onset prompts the avulsion screen; age drives the
    apophyseal prompt (under 25 by default, a clinic setting [CFG])."""
    client = client_for(world.physio)
    today = clinic_today(world.clinic)
    assert 'role="note"' not in _red_flag_prompts(client, patient)  # gradual onset, 40 years
    try:
        turned_25_today = today.replace(year=today.year - 25)
    except ValueError:  # 29 February
        turned_25_today = date(today.year - 25, 2, 28)
    patient.onset = Patient.Onset.ACUTE_EVENT
    patient.date_of_birth = turned_25_today + timedelta(days=1)
    patient.save()
    shown = _red_flag_prompts(client, patient)
    assert "screen for an avulsion" in shown
    assert "The patient is 24, under 25: ask about a sudden ischial pain" in shown
    patient.date_of_birth = turned_25_today
    patient.save()
    assert "under 25" not in _red_flag_prompts(client, patient)
    world.clinic.apophyseal_prompt_age = 30
    world.clinic.save()
    patient.refresh_from_db()
    assert "The patient is 25, under 30" in _red_flag_prompts(client, patient)


def test_a_medicine_on_the_patients_record_prompts_the_medication_caution(world, patient):
    client = client_for(world.physio)
    patient.systemic_corticosteroid = True
    patient.save()
    shown = _red_flag_prompts(client, patient)
    assert "notes a systemic corticosteroid: tick the medication flag" in shown
    patient.fluoroquinolone_last_6m = True
    patient.save()
    shown = _red_flag_prompts(client, patient)
    assert "a fluoroquinolone antibiotic in the last 6 months and a systemic corticosteroid" in (
        shown
    )


def test_a_draft_opens_the_folded_sections_it_has_values_in(world, patient):
    # A GROC of 0 ("no change") is a value like any other.
    draft = make_assessment(patient, world.physio, sign=False, visit_date="2026-01-05", groc="0")
    url = reverse("patients:assessment_edit", args=[patient.public_id, draft.public_id])
    sections = {
        s["title"]: s["open"] for s in client_for(world.physio).get(url).context["form"].sections()
    }
    assert sections["Other measures"] and not sections["Patient-specific functional scale"]


def test_last_visits_values_are_beside_every_examined_field(world, patient):
    first = make_assessment(
        patient, world.physio, visit_date="2026-01-05", G1_nprs="2", sitting_surface="padded",
        ischial_tenderness="4", night_pain="positional", G1_reps="5", G1_load_kg="0",
        G1_familiar="no", knee_flexion_strength_right_n="250.5",
    )  # fmt: skip
    confirm(first.decision, world.physio)  # stage 2: G1 is now among the other load tests
    form = (
        client_for(world.physio)
        .get(reverse("patients:assessment_create", args=[patient.public_id]))
        .context["form"]
    )
    help_texts = {name: str(form.fields[name].help_text) for name in form.fields}
    assert help_texts["ischial_tenderness"].startswith("Last visit: 4/10. 0 = no pain")
    assert help_texts["night_pain"] == "Last visit: positional (eases with a change of position)"
    assert help_texts["sitting_surface"] == "Last visit: padded"
    assert help_texts["G1_nprs"] == "Last visit: 2/10"
    assert help_texts["G1_reps"] == "Last visit: 5"
    assert help_texts["G1_load_kg"] == "Last visit: 0.0 kg"
    assert help_texts["G1_familiar"] == "Last visit: no"
    assert help_texts["knee_flexion_strength_right_n"] == "Last visit: 250.5 N"
    assert help_texts["knee_flexion_strength_left_n"] == ""  # not measured last time
    assert help_texts["G2_reps"] == ""
    assert help_texts["red_flags"] == "Last visit: none found"


def test_last_visits_session_counts_and_red_flags_are_beside_their_fields(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    make_assessment(
        patient, world.physio, visit_date="2026-01-19",
        sessions_prescribed_since_last="6", sessions_done_since_last="4", G2_nprs="2",
        red_flags_none=None, red_flags=["RF_MEDICATION"],
    )  # fmt: skip
    url = reverse("patients:assessment_create", args=[patient.public_id])
    form = client_for(world.physio).get(url).context["form"]
    assert str(form.fields["sessions_prescribed_since_last"].help_text) == "Last visit: 6"
    assert str(form.fields["sessions_done_since_last"].help_text).startswith("Last visit: 4")
    assert str(form.fields["red_flags"].help_text) == (
        "Last visit: Recent fluoroquinolone or systemic corticosteroid (caution only)"
    )


def test_a_draft_can_be_edited_without_a_reason_and_signed_later(world, patient):
    assessment = make_assessment(patient, world.physio, sign=False, visit_date="2026-01-05")
    assert not assessment.is_signed and not hasattr(assessment, "decision")
    url = reverse("patients:assessment_edit", args=[patient.public_id, assessment.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", sign="1", G1_nprs="1")
    assert client_for(world.physio).post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_signed and assessment.decision.engine_action == "START_STAGE_2"


def test_a_draft_signed_after_the_stage_changed_starts_from_the_new_stage(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05")  # waits
    draft = make_assessment(patient, world.physio, sign=False, visit_date="2026-01-12")
    assert draft.stage_before is None  # saved before the first recommendation was confirmed
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    assert patient.stage is not None
    url = reverse("patients:assessment_edit", args=[patient.public_id, draft.public_id])
    form = client_for(world.physio).get(url).context["form"]
    assert form.stage == patient.stage  # completed in the patient's stage now
    data = assessment_post(visit_date="2026-01-12", sign="1")
    assert client_for(world.physio).post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.is_signed and draft.stage_before == patient.stage


def test_saving_without_signing_needs_the_required_fields_and_says_so(world, patient):
    """A draft is a complete assessment that is not signed yet (the model has no partial
    one): the button says what it does, and a half-filled form is told why nothing saved."""
    client = client_for(world.physio)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    form_page = client.get(url).content.decode()
    assert ">Save without signing</button>" in form_page and "Save as draft" not in form_page
    assert "it needs the required fields too" in form_page
    half = assessment_post(visit_type="initial", sign=None, draft="1", sitting_tolerance_min="")
    body = client.post(url, half).content.decode()
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', body, re.S).group(0)
    assert (
        "<li>Nothing was saved: saving without signing checks the whole assessment as signing "
        "does, required fields included. A draft is a complete assessment that is not signed "
        "yet.</li>" in summary
    )
    assert "Sitting tolerance" in summary  # and which field is missing
    assert not patient.assessments.exists()
    # Signing that fails is told its errors only; a complete draft saves.
    signed = assessment_post(visit_type="initial", sitting_tolerance_min="")
    signing = client.post(url, signed).content.decode()
    assert "Sitting tolerance" in signing and "Nothing was saved: saving without" not in signing
    complete = assessment_post(visit_type="initial", sign=None, draft="1")
    assert client.post(url, complete).status_code == 302
    assert not patient.assessments.get().is_signed


def test_the_form_shows_the_current_stage_load_test_first_and_last_values(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)  # A3: stage 2
    patient.refresh_from_db()
    response = client_for(world.physio).get(
        reverse("patients:assessment_create", args=[patient.public_id])
    )
    sections = response.context["form"].section_names()
    load_test = next(s for s in sections if s["title"] == "Load test for this stage")
    assert load_test["fields"][0] == "G2_nprs"
    assert "Last visit: 2/10" in response.content.decode()


def test_a_patient_with_records_is_archived_never_deleted(world, patient):
    make_assessment(patient, world.physio, visit_date="2026-01-05")
    response = client_for(world.physio).post(
        reverse("patients:archive", args=[patient.public_id]), {"reason": "completed"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived and Assessment.objects.filter(patient=patient).exists()
    listed = client_for(world.physio).get(reverse("patients:list")).content.decode()
    assert "Åberg" not in listed
    archived = client_for(world.physio).get(reverse("patients:list") + "?status=archived")
    assert "Åberg" in archived.content.decode()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        patient.delete()


def test_opening_a_patient_record_is_audited(world, patient):
    client_for(world.colleague).get(reverse("patients:detail", args=[patient.public_id]))
    event = AuditEvent.objects.get(action="patient_viewed")
    assert event.patient_ref == patient.public_id and event.actor == world.colleague
    assert event.clinic == world.clinic and event.role == "physio"


def test_every_change_is_kept_in_history(world):
    client = client_for(world.physio)
    from .test_validation import patient_post

    client.post(reverse("patients:create"), patient_post(world))
    patient = Patient.objects.get()
    data = patient_post(world, phone="+44 1632 960000")
    client.post(reverse("patients:edit", args=[patient.public_id]), data)
    records = patient.history.order_by("history_date")
    assert [r.history_type for r in records] == ["+", "~"]
    assert records.last().history_user == world.physio


@pytest.mark.parametrize("count", [10, 500])
def test_patient_list_queries_do_not_grow_with_patients(
    world, count, django_assert_max_num_queries
):
    from patients.models import Patient as P

    P.objects.bulk_create(
        P(
            clinic=world.clinic,
            physio=world.physio,
            first_name=f"First{i}",
            last_name=f"Last{i:04d}",
            date_of_birth="1980-01-01",
            sex="male",
            affected_side="left",
            onset="gradual",
            symptom_duration_weeks=4,
        )
        for i in range(count)
    )
    client = client_for(world.physio)
    client.get(reverse("patients:list"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("patients:list") + "?q=Last&status=current")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


def test_patient_page_shows_charts_with_titles_and_table_alternatives(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    make_assessment(patient, world.physio, visit_date="2026-01-20")
    body = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    html = body.content.decode()
    assert html.count('role="img"') == 2  # pain and sitting; no complete VISA-H yet
    assert "No values recorded yet" in html
    assert '<title id="chart0-title">Pain over time (0-10)</title>' in html
    assert "Show as a table" in html and "Stage 1" in html


def test_patient_page_lists_the_latest_visits_in_constant_queries(
    world, patient, django_assert_max_num_queries
):
    from datetime import date, timedelta

    from patients.views import ASSESSMENTS_SHOWN

    start = date(2026, 1, 5)
    total = ASSESSMENTS_SHOWN + 3
    for i in range(total):
        visit = make_assessment(
            patient, world.physio, visit_date=(start + timedelta(days=7 * i)).isoformat()
        )
        confirm(visit.decision, world.physio)
    url = reverse("patients:detail", args=[patient.public_id])
    client = client_for(world.physio)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(8):  # chart rows and listed visits: one query
        page = client.get(url)
    listed = page.context["assessments"]
    assert len(listed) == ASSESSMENTS_SHOWN
    assert listed[0].visit_date == start + timedelta(days=7 * (total - 1))  # newest first
    assert f"Show all {total}" in page.content.decode()
    everything = client.get(url + "?all=1")
    assert len(everything.context["assessments"]) == total
    assert "Show all" not in everything.content.decode()


def test_the_visit_table_links_each_visit_with_its_recommendation_and_state(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05")
    confirm(first.decision, world.physio)
    first.amended_at = timezone.now()
    first.save(update_fields=["amended_at"])
    draft = make_assessment(patient, world.physio, sign=False, visit_date="2026-01-12")
    body = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    rows = re.findall(r"<tr><td>.*?</tr>", body.content.decode())
    link = reverse("patients:assessment", args=[patient.public_id, draft.public_id])
    assert rows[0] == (
        f'<tr><td><a href="{link}">12 Jan 2026</a></td><td>{draft.get_visit_type_display()}'
        "</td><td>1</td><td>\u2013</td><td>draft</td></tr>"
    )
    link = reverse("patients:assessment", args=[patient.public_id, first.public_id])
    label = first.decision.get_engine_action_display()
    assert rows[1] == (
        f'<tr><td><a href="{link}">5 Jan 2026</a></td><td>{first.get_visit_type_display()}'
        f"</td><td>\u2013</td><td>{label}</td><td>signed, amended</td></tr>"
    )


def test_a_patient_without_visits_says_so(world, patient):
    body = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    assert '<tr><td colspan="5">No assessments yet.</td></tr>' in body.content.decode()


@pytest.mark.parametrize("persona", ["physio", "admin"])
def test_a_completed_programme_says_when_it_was_completed_not_since_when_in_the_stage(
    world, patient, persona
):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05")
    confirm(first.decision, world.physio)
    last = make_assessment(patient, world.physio, visit_date="2026-03-02")
    override(last.decision, world.physio, rules.Action.COMPLETE, "Goals met")
    url = reverse("patients:detail", args=[patient.public_id])
    body = client_for(getattr(world, persona)).get(url).content.decode()
    assert '<span class="ms-2">Programme completed on 2 Mar 2026</span>' in body
    assert "in this stage since" not in body  # the stage was entered on 5 Jan
    # A follow-up visit waits for its decision: still completed, on a day the page does not
    # load (the latest decision is the waiting one).
    make_assessment(patient, world.physio, visit_date="2026-03-30")
    body = client_for(getattr(world, persona)).get(url).content.decode()
    assert '<span class="ms-2">Programme completed</span>' in body


@pytest.mark.parametrize("decider", ["physio", "colleague"])
@pytest.mark.parametrize("state", ["pending", "confirmed", "overridden"])
@pytest.mark.parametrize(("persona", "queries"), [("physio", 8), ("admin", 6)])
def test_the_decision_box_reads_only_what_was_loaded(
    world, patient, state, persona, queries, decider, django_assert_num_queries
):
    """The latest decision is read with DECISION_BOX_FIELDS (and DECIDER_FIELDS when a
    colleague of the viewer decided it); a field the box shows but the query left out would
    cost a query more. Physio: session, user, patient, the visits with their decisions
    (charts, bands and table), the latest decision, diary, audit insert, the patient's
    account; admin: session, user, patient, the latest decision, the audit insert and the
    patient's account (no clinical rows)."""
    earlier = make_assessment(patient, world.physio, visit_date="2025-12-29")
    confirm(earlier.decision, world.physio)  # the box shows the latest decision, not this one
    visit = make_assessment(patient, world.physio, visit_date="2026-01-05")
    by = getattr(world, decider)
    if state == "confirmed":
        confirm(visit.decision, by)
    elif state == "overridden":
        override(
            visit.decision, by, rules.Action.REFER, "Query <lumbar> source", urgency="URGENT",
        )  # fmt: skip
    client = client_for(getattr(world, persona))
    url = reverse("patients:detail", args=[patient.public_id])
    client.get(url)  # warm the session
    with django_assert_num_queries(queries):
        body = client.get(url).content.decode()
    decision = StageDecision.objects.get(assessment=visit)
    assert decision.status == state
    if state == "pending" and persona == "physio":
        assert f"Confirm: {decision.get_engine_action_display()}</button>" in body
    else:
        assert decision.get_status_display() in body
    if state == "overridden" and persona == "physio":
        assert "Reason for the override: Query &lt;lumbar&gt; source" in body
        assert "Refer (URGENT)" in body
    if state != "pending" and persona == "physio":
        assert f"by {by.display_name} on" in body
    if persona == "physio":
        confirm_url = reverse("rehab:decision_confirm", args=[patient.public_id, visit.public_id])
        assert (f'action="{confirm_url}"' in body) == (state == "pending")


@pytest.mark.parametrize(
    ("field", "value"),
    [("groc", "9"), ("sitting_tolerance_min", "300"), ("nprs_exercise_max", "11")],
)
def test_ranges_are_checked_by_the_form_not_by_a_query_per_constraint(
    world, patient, field, value, django_assert_max_num_queries
):
    """Assessment skips Django's per-constraint validation queries (patients.models
    Assessment.get_constraints): the form must still catch every range, next to the field."""
    url = reverse("patients:assessment_create", args=[patient.public_id])
    client = client_for(world.physio)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.post(url, assessment_post(visit_date="2026-01-05", **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Assessment.objects.filter(patient=patient).exists()
    checks = [c for c in Assessment._meta.constraints if c.__class__.__name__ == "CheckConstraint"]
    assert len(checks) > 20  # what the database still enforces on every write


def test_the_detail_page_shows_every_finding_recorded(world, patient):
    """Red flags by name, the positive neurological signs, tenderness and other measures."""
    assessment = make_assessment(
        patient, world.physio, visit_date="2026-01-05", red_flags_none=None,
        red_flags=["RF_NEURO_SIGNS"], slr_positive="on", nprs_worst_7d="7",
        ischial_tenderness="6", groc="2", running_km_week="12.5",
    )  # fmt: skip
    url = reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    body = client_for(world.physio).get(url).content.decode()
    assert "<li>Neurological signs below the knee, positive slump/SLR</li>" in body
    assert "RF_NEURO_SIGNS</p>" not in body
    assert "Positive: straight-leg raise positive" in body
    assert '<dt class="col-8">Worst (7 days)</dt><dd class="col-4">7/10</dd>' in body
    assert '<dt class="col-8">Ischial tenderness</dt><dd class="col-4">6/10</dd>' in body
    assert '<dd class="col-4">+2 (-7 to +7)</dd>' in body
    assert '<dd class="col-4">12.5 km a week</dd>' in body
    assert "Knee flexion strength" not in body  # not recorded, not listed


def test_the_error_summary_lists_errors_in_the_order_of_the_page(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)  # stage 2: the G2 load test comes before red flags
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="review", visit_date="2026-01-19", nprs_adl_typical_7d="11",
        G2_nprs="12", red_flags_none="on", red_flags=["RF_AVULSION"],
    )  # fmt: skip
    body = client_for(world.physio).post(url, data | {"sign": "1"}).content.decode()
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', body, re.S).group(0)
    linked = re.findall(r'href="#(id_[A-Za-z0-9_]+?)(?:_0)?"', summary)
    on_page = sorted(linked, key=lambda target: body.index(f'id="{target}'))
    assert linked == on_page and len(linked) >= 3, linked


def test_every_load_test_field_names_its_test(world, patient):
    """Read one at a time (a screen reader, the error summary), a field says which test."""
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", G1_nprs="2", G1_reps="500")
    body = client_for(world.physio).post(url, data).content.decode()
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', body, re.S).group(0)
    assert ">G1 short-lever single-leg bridge: reps</a>" in summary
    page = client_for(world.physio).get(url)
    # On the screen the row's first label names the test; the others are short.
    assert (
        '<span class="visually-hidden">G1 short-lever single-leg bridge: reps</span>'
        '<span aria-hidden="true">Reps</span>'
    ) in page.content.decode()
    form = page.context["form"]
    for name, field in form.fields.items():
        if name.startswith("G2_"):
            assert str(field.label).startswith("G2 long-lever single-leg bridge"), name


def test_the_new_assessment_form_runs_a_fixed_number_of_queries(
    world, patient, django_assert_num_queries
):
    """Session, user, the record, the latest signed visit, the diary since it (prefill), the
    previous visit with its decision, its load tests and the last VISA-H date (asked once:
    the fields' order and the sections both need it): eight."""
    for day in ("2026-01-05", "2026-01-12", "2026-01-19"):
        visit = make_assessment(patient, world.physio, visit_date=day, G1_nprs="2")
        confirm(visit.decision, world.physio)
        patient.refresh_from_db()
    client = client_for(world.physio)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    client.get(url)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


def test_a_visit_saved_meanwhile_on_the_same_day_is_a_message_not_an_error(world, patient):
    """Two tabs, or a form sent twice: both pass the form's checks, the second save meets the
    database's one-assessment-a-day constraint and is told so beside the date."""
    from patients.forms import AssessmentForm
    from patients.services import AlreadyRecorded, save_assessment

    form = AssessmentForm(
        assessment_post(visit_type="initial", visit_date="2026-01-05"), patient=patient, stage=None
    )
    assert form.is_valid(), form.errors
    first = make_assessment(patient, world.physio, visit_date="2026-01-05")
    with pytest.raises(AlreadyRecorded):
        save_assessment(form, world.physio, sign=True)
    assert list(Assessment.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_error_summary_names_the_other_measures_in_plain_words(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial", visit_date="2026-01-05", knee_flexion_strength_left_n="5000",
        running_km_week="999", sport_sessions_week="99", plyo_sessions_since_last="99",
    )  # fmt: skip
    body = client_for(world.physio).post(url, data).content.decode()
    summary = re.search(r'id="error-summary".*?</ul>', body, re.S).group(0)
    for field, label in [
        ("knee_flexion_strength_left_n", "Knee flexion strength, left (N)"),
        ("running_km_week", "Running (km a week)"),
        ("sport_sessions_week", "Sport sessions a week"),
        ("plyo_sessions_since_last", "Plyometric sessions since the last visit"),
    ]:
        assert f'<a href="#id_{field}">{label}</a>:' in summary
    for raw in ("strength left n", "km week", "sessions week", "since last"):
        assert raw not in body.lower()


def test_the_amendment_history_names_a_field_as_the_form_does(world, patient):
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05")
    url = reverse("patients:assessment_edit", args=[patient.public_id, assessment.public_id])
    changed = assessment_post(
        visit_type="initial", visit_date="2026-01-05", knee_flexion_strength_right_n="250",
        reason="Dynamometer reading added",
    )  # fmt: skip
    assert client_for(world.physio).post(url, changed).status_code == 302
    page = client_for(world.physio).get(
        reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    )
    assert "knee flexion strength, right (N): \u2013 → 250.0" in page.content.decode()


def test_an_amendment_reason_of_the_longest_allowed_length_is_kept_whole(world, patient):
    """The form takes 500 characters; the history's column took 100 (a 500 on PostgreSQL)."""
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05")
    url = reverse("patients:assessment_edit", args=[patient.public_id, assessment.public_id])
    reason = ("Sitting time corrected after the patient rang back. " * 10)[:500]
    changed = assessment_post(
        visit_type="initial", visit_date="2026-01-05", sitting_tolerance_min="41", reason=reason
    )
    assert client_for(world.physio).post(url, changed).status_code == 302
    latest = assessment.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Amendment: {reason}"


def test_the_load_tests_table_gives_pain_and_load_with_their_units(world, patient):
    assessment = make_assessment(
        patient, world.physio, visit_date="2026-01-05", G1_nprs="2", G1_load_kg="12.5"
    )
    url = reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    body = client_for(world.physio).get(url).content.decode()
    row = re.search(r"<tr><td>G1[^<]*</td>.*?</tr>", body, re.S)
    assert row and "<td>2/10</td>" in row.group(0) and "<td>12.5 kg</td>" in row.group(0)


def test_a_load_test_records_the_hip_flexion_it_was_done_in(world, patient):
    """PROTOCOL 4.2: a load-test row has hip_flexion_deg, 0-120 (stage 3 loads at 70-90°)."""
    client = client_for(world.physio)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", G1_nprs="2")
    refused = client.post(url, data | {"G1_hip_flexion_deg": "121"})
    assert refused.context["form"].errors["G1_hip_flexion_deg"] == [
        "Enter a number from 0 to 120 (degrees)."
    ]
    assert client.post(url, data | {"G1_hip_flexion_deg": "20"}).status_code == 302
    assessment = Assessment.objects.get(patient=patient)
    assert assessment.load_tests.get(code="G1").hip_flexion_deg == 20
    detail = reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    assert "<td>20°</td>" in client.get(detail).content.decode()
    confirm(assessment.decision, world.physio)
    form = client.get(url).context["form"]
    assert str(form.fields["G1_hip_flexion_deg"].help_text) == "Last visit: 20°"


def test_the_visah_section_says_why_it_is_asked_when_it_is_due(world, patient):
    """PROTOCOL 4.2: at the initial visit (the baseline of R2), then every 2 to 4 weeks and at
    discharge; said in the section on a new assessment, not while it is not due."""
    url = reverse("patients:assessment_create", args=[patient.public_id])
    client = client_for(world.physio)
    assert "No VISA-H total is recorded yet: the first is the baseline" in (
        client.get(url).content.decode()
    )
    today = clinic_today(world.clinic)
    visah = {f"visah_{i}": "5" for i in range(1, 7)}
    visah |= {"visah_7": "4", "visah_8_branch": "A", "visah_8_band": "1"}
    first_day = today - timedelta(days=20)
    first = make_assessment(patient, world.physio, visit_date=first_day.isoformat(), **visah)
    confirm(first.decision, world.physio)
    body = client.get(url).content.decode()
    assert (
        f"VISA-H is due: the last total was on {first_day.day} {first_day:%b %Y}, 20 days ago"
        in body
    )
    assert "No VISA-H total is recorded yet" not in body
    edit = reverse("patients:assessment_edit", args=[patient.public_id, first.public_id])
    assert "VISA-H is due" not in client.get(edit).content.decode()  # an amendment: no prompt
    patient.refresh_from_db()
    recent = make_assessment(
        patient, world.physio, visit_date=(today - timedelta(days=3)).isoformat(), **visah
    )
    assert recent.visah_total is not None
    assert "VISA-H is due" not in client.get(url).content.decode()  # three days ago
