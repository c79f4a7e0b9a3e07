"""`seed_demo` builds a realistic clinic and is safe to run again (issue 2, 3, 5, 6, 11)."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from accounts.models import Clinic, User
from patients.models import Assessment, LoadTest, Patient
from rehab.models import DiaryEntry, Plan, RenderJob, StageDecision


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_stage():
    call_command("seed_demo", stdout=None)
    counts = (Patient.objects.count(), StageDecision.objects.count(), Plan.objects.count())
    call_command("seed_demo", stdout=None)
    assert (Patient.objects.count(), StageDecision.objects.count(), Plan.objects.count()) == counts
    assert Clinic.objects.count() == 2
    riverside = Clinic.objects.get(name="Riverside Physiotherapy")
    assert riverside.phone and riverside.address and riverside.time_zone
    ours = Patient.objects.filter(clinic=riverside)
    assert ours.count() == 40
    assert set(ours.values_list("stage", flat=True)) >= {1, 2, 3, 4}
    assert ours.filter(status="paused").exists()  # a red-flag referral
    assert StageDecision.objects.filter(status="pending").exists()  # waiting for a physio
    # A physiotherapist's own referral, with how urgent it is, beside the rules' referrals.
    referred = StageDecision.objects.filter(
        status="overridden", final_action="REFER", patient__clinic=riverside
    ).get()
    assert referred.override_urgency == "ROUTINE" and referred.override_reason
    assert referred.patient.case.urgency_rank == 2  # ordered in the referral queue
    issued = Plan.objects.filter(status="issued", patient__clinic=riverside)
    assert issued.count() >= 30
    assert RenderJob.objects.filter(plan__in=issued).count() == issued.count()
    for plan in issued:  # plans match their patient's stage
        assert plan.stage == plan.patient.stage
    patient_account = User.objects.get(username="pat.patient")
    assert patient_account.check_password("demo-pht-2026!")
    assert DiaryEntry.objects.filter(patient__user=patient_account, flagged=True).exists()
    roles = set(User.objects.filter(clinic=riverside).values_list("role", flat=True))
    assert roles == {"physio", "clinic_admin", "patient"}
    # A physiotherapist who left, with patients waiting for the admin to reassign them.
    leaver = User.objects.get(username="chris.physio")
    assert not leaver.is_active and not leaver.has_usable_password()
    assert leaver.patients.filter(status="active").count() == 3


@pytest.mark.django_db
def test_demo_visits_are_signed_and_decided_on_their_visit_day():
    """Decisions read "Confirmed by Alex Morgan on" the day of the visit, not the day the demo
    was seeded (every decision read as confirmed today); plans are issued after the decision."""
    call_command("seed_demo", stdout=None)
    signed = Assessment.objects.signed().select_related("patient__clinic")
    assert signed.count() > 100
    for a in signed:
        tz = a.patient.clinic.tzinfo
        assert a.signed_at.astimezone(tz).date() == a.visit_date
    decided = StageDecision.objects.filter(decided_at__isnull=False).select_related(
        "assessment__patient__clinic"
    )
    assert decided.count() > 100
    for d in decided:
        assert d.decided_at.astimezone(d.assessment.patient.clinic.tzinfo).date() == d.visit_date
        assert d.decided_at > d.assessment.signed_at
    for plan in Plan.objects.filter(status="issued").select_related("patient"):
        last = plan.patient.decisions.filter(decided_at__isnull=False).order_by("visit_date")
        assert plan.issued_at > last.last().decided_at


@pytest.mark.django_db
def test_the_demo_admin_sees_the_leavers_patients_in_their_queue():
    call_command("seed_demo", stdout=io.StringIO())
    client = Client()
    client.force_login(User.objects.get(username="jo.admin"))
    page = client.get(reverse("rehab:caseload") + "?queue=unassigned")
    leavers = Patient.objects.filter(physio__username="chris.physio")
    assert page.context["page"].paginator.count == 3
    for patient in leavers:
        assert f"{patient.last_name}, {patient.first_name}" in page.context["rows"]
    # Once the admin has reassigned them, running the demo again leaves that alone.
    alex = User.objects.get(username="alex.physio")
    leavers.update(physio=alex)
    call_command("seed_demo", stdout=io.StringIO())
    assert not Patient.objects.filter(physio__username="chris.physio").exists()


@pytest.mark.django_db
def test_demo_histories_agree_with_the_protocol():
    call_command("seed_demo", stdout=io.StringIO())
    # PROTOCOL 1.1: stage 4 only for a patient whose goals need it; the others finish at
    # stage 3, so they have no G4 test, no H10 hops (done only if stage 4 is needed) and no
    # plyometric sessions.
    no_stage4 = Patient.objects.filter(needs_energy_storage=False)
    assert no_stage4.filter(assessments__isnull=False).exists()
    assert not LoadTest.objects.filter(
        assessment__patient__in=no_stage4, code__in=["G4", "H10"]
    ).exists()
    assert not Assessment.objects.filter(
        Q(plyo_sessions_since_last__isnull=False) | Q(min_plyo_interval_h__isnull=False),
        patient__in=no_stage4,
    ).exists()
    assert not no_stage4.filter(stage=4).exists()
    # Stage 4 is still shown: a review in stage 4 with its G4 test and plyometric sessions.
    stage4_reviews = Assessment.objects.filter(
        stage_before=4, patient__needs_energy_storage=True, plyo_sessions_since_last__gt=0
    )
    assert stage4_reviews.filter(load_tests__code="G4").exists()
    # A completed programme is the last thing that happened to the patient.
    completed = Patient.objects.filter(status="completed")
    assert completed.exists()
    for patient in completed:
        last = patient.decisions.order_by("-visit_date", "-id").first()
        assert (last.status, last.final_action) == ("confirmed", "COMPLETE"), patient
    # A plan is created before it is issued, on the day of the visit it follows.
    issued = Plan.objects.filter(issued_at__isnull=False).select_related("patient__clinic")
    assert issued.exists()
    for plan in issued:
        assert plan.created_at <= plan.issued_at, plan
        last_visit = plan.patient.assessments.signed().latest("visit_date").visit_date
        assert plan.issued_at.astimezone(plan.patient.clinic.tzinfo).date() == last_visit
