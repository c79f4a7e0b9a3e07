"""`seed_demo` builds a realistic clinic and is safe to run again (issue 2, 3, 5, 6, 11)."""

import pytest
from django.core.management import call_command

from accounts.models import Clinic, User
from patients.models import Patient
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
