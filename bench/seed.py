"""Generated data for the benchmarks, made with the ORM.

``python -m bench.seed base``      the bench clinic: an admin, 26 physiotherapists, a patient
                                   with 100 assessments, a stage-4 patient with an issued
                                   12-exercise plan, and 39 more patients of the measured
                                   physiotherapist (41 in all)
``python -m bench.seed grow N``    add patients until the bench clinic has N current ones
``python -m bench.seed load N P``  a second clinic with N physiotherapists of P patients each,
                                   recorded through the real form and services

The patient with 100 assessments and the load-test patients go through the app's own form,
services and rules, so their rows are exactly what the app writes. The thousands of other
patients are bulk-created with the same fields (their decisions copy the stored rules output
of a real decision), so that the caseload's subqueries have real rows to look at.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from typing import Any

from bench.common import fail, setup_django

CLINIC = "Bench Clinic"
LOAD_CLINIC = "Bench Load Clinic"
ADMIN = "bench.admin"
PHYSIO = "bench.physio"
OTHER_PHYSIOS = 25
HISTORY_VISITS = 100
OWN_PATIENTS = 40
PLAN_EXERCISES = 12

# Plain ASCII names: the pages' cost, not their typography, is measured here.
_FIRST = (
    "Amelia Oliver Siobhan Mateus Yuki Fatima Lukas Chloe Dmitri Priya Kwame Ingrid Mei Sean Zoe "
    "Tomasz Aroha Leila Noah Sofia Eilidh Hamza Anya Ben Grace Mateo Hana Olu Freya Raj"
)
_LAST = (
    "Hughes Bennett Araujo Tanaka Al-Sayed Schroder Lefevre Volkov Raman Mensah Dahl Chen "
    "O'Connor Papadopoulos Wisniewski Ngata Haddad Williams Rossi MacLeod Qureshi Kowalczyk "
    "Carter Okonkwo Garcia Suzuki Adeyemi Lindqvist Patel Popescu"
)
FIRST, LAST = _FIRST.split(), _LAST.split()


def _user(clinic: Any, username: str, role: str, first: str, last: str) -> Any:
    from accounts.models import User

    user = User(
        username=username,
        email=f"{username}@bench.invalid",
        first_name=first,
        last_name=last,
        clinic=clinic,
        role=role,
    )
    user.set_unusable_password()  # the benchmarks log in with sessions made in the database
    user.save()
    return user


def _today(clinic: Any) -> date:
    from patients.forms import clinic_today

    return clinic_today(clinic)


# -- Visits through the real form and services -------------------------------------------------


def visit_data(stage: int | None, day: date, rng: random.Random, visah: bool) -> dict[str, Any]:
    """Form data of a plausible visit at ``stage`` (mostly green, sometimes amber)."""
    from patients.forms import GATE_BY_STAGE

    pain = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4, 5])
    data: dict[str, Any] = {
        "visit_date": day.isoformat(),
        "visit_type": "initial" if stage is None else "review",
        "nprs_morning_baseline": min(pain, 3),
        "nprs_adl_typical_7d": pain,
        "night_pain": "none",
        "sitting_tolerance_min": rng.randint(15, 90),
        "sitting_surface": "hard",
        "red_flags_none": "on",
    }
    if stage is not None:
        data.update(
            nprs_24h_after_hardest=min(pain, 4),
            nprs_exercise_max=pain,
            sessions_prescribed_since_last=10,
            sessions_done_since_last=rng.randint(7, 10),
        )
    if stage == 4:
        data.update(plyo_sessions_since_last=3, min_plyo_interval_h=72)
    for code in GATE_BY_STAGE[stage]:
        data[f"{code}_nprs"] = max(0, pain - 1)
    if visah:
        items = [rng.randint(4, 10) for _ in range(6)]
        data.update({f"visah_{i}": v for i, v in enumerate(items, start=1)})
        data.update(visah_7=7, visah_8_branch="B", visah_8_band=2)
    return {k: str(v) for k, v in data.items()}


def record_visit(patient: Any, physio: Any, day: date, rng: random.Random, visah: bool) -> Any:
    """Sign an assessment through the form and service, and confirm the recommendation."""
    from patients.forms import AssessmentForm
    from patients.models import Patient
    from patients.services import save_assessment
    from rehab import services

    patient = Patient.objects.select_related("clinic").get(pk=patient.pk)
    form = AssessmentForm(
        visit_data(patient.stage, day, rng, visah), patient=patient, stage=patient.stage
    )
    if not form.is_valid():
        fail(f"generated visit of {patient} on {day} is invalid: {form.errors.as_json()}")
    assessment = save_assessment(form, physio, sign=True)
    services.confirm(assessment.decision, physio)
    return assessment


def issued_plan(patient: Any, physio: Any, stage: int, exercises: int) -> Any:
    """The stage's template plan, topped up to ``exercises`` items, then issued."""
    from rehab import plans
    from rehab.models import Exercise

    plan = plans.create_from_template(patient, stage, physio)
    have = set(plan.items.values_list("exercise_id", flat=True))
    for exercise in Exercise.objects.for_clinic(patient.clinic).exclude(pk__in=have):
        if len(have) >= exercises:
            break
        if plans.stage_use_error(exercise, stage) is None:
            plan.refresh_from_db()
            plans.add_exercise(plan, plan.lock_version, exercise, physio)
            have.add(exercise.pk)
    plan.refresh_from_db()
    return plans.issue(plan, plan.lock_version, physio)


def new_patient(clinic: Any, physio: Any, index: int, **fields: Any) -> Any:
    from patients.models import Patient

    return Patient.objects.create(**{**_patient_fields(clinic, physio, index), **fields})


def _patient_fields(clinic: Any, physio: Any, index: int) -> dict[str, Any]:
    return {
        "clinic": clinic,
        "physio": physio,
        "first_name": FIRST[index % len(FIRST)],
        "last_name": f"{LAST[(index // len(FIRST)) % len(LAST)]}-{index}",
        "email": f"patient{index}@bench.invalid",
        "date_of_birth": date(1950 + index % 50, 1 + index % 12, 1 + index % 28),
        "sex": ("female", "male")[index % 2],
        "affected_side": ("left", "right", "bilateral")[index % 3],
        "onset": "gradual",
        "symptom_duration_weeks": 6 + index % 60,
        "sport_activity": ("Running", "Football", "Walking", "Hockey", "Cycling")[index % 5],
        "sport_level": ("recreational", "competitive", "none", "elite")[index % 4],
        "needs_energy_storage": index % 3 != 0,
    }


# -- Bulk-created patients -------------------------------------------------------------------


def _template_decision() -> dict[str, Any]:
    """The stored rules output of a real decision, copied onto bulk-created ones."""
    from rehab.models import StageDecision

    real = StageDecision.objects.exclude(criteria=[]).order_by("-id").first()
    if real is None:
        fail("no real decision to copy: run 'python -m bench.seed base' first")
    names = ["facts", "parameters", "rules_version", "engine_rules", "criteria", "explanation"]
    return {name: getattr(real, name) for name in names}


def bulk_patients(clinic: Any, physios: list[Any], count: int, first_index: int) -> None:
    """``count`` current patients with 1-5 signed assessments and their decisions, most
    with an issued plan, a few with a flagged diary entry, waiting decisions, referrals,
    amber and plateau flags: every caseload queue has members."""
    from django.utils import timezone

    from patients.models import Assessment, Patient
    from rehab.models import DiaryEntry, Plan, StageDecision

    rng = random.Random(first_index)
    today = _today(clinic)
    now = timezone.now()
    template = _template_decision()
    batch = 2000
    patients, plans_of, profile = [], [], []
    for i in range(count):
        index = first_index + i
        physio = physios[i % len(physios)]
        stage = rng.choice([None, 1, 1, 2, 2, 3, 3, 4])
        visits = 1 if stage is None else rng.randint(2, 5)
        last = today - timedelta(days=rng.randint(0, 40))
        days = [last - timedelta(days=10 * k) for k in reversed(range(visits))]
        referral = stage is not None and rng.random() < 0.02
        status = (
            Patient.Status.NOT_STARTED
            if stage is None
            else (Patient.Status.PAUSED if referral else Patient.Status.ACTIVE)
        )
        patients.append(
            Patient(
                **_patient_fields(clinic, physio, index),
                stage=stage,
                stage_entered_on=days[-1] - timedelta(days=rng.randint(0, 70)) if stage else None,
                programme_start=days[0] if stage else None,
                status=status,
            )
        )
        profile.append((physio, stage, days, referral))
    Patient.objects.bulk_create(patients, batch_size=batch)

    assessments = []
    for patient, (physio, stage, days, _) in zip(patients, profile, strict=True):
        for k, day in enumerate(days):
            pain = rng.choice([0, 1, 2, 2, 3, 4, 5])
            assessments.append(
                Assessment(
                    patient=patient,
                    clinician=physio,
                    visit_date=day,
                    visit_type="initial" if k == 0 else "review",
                    stage_before=None if k == 0 else stage,
                    nprs_morning_baseline=min(pain, 3),
                    nprs_adl_typical_7d=pain,
                    nprs_24h_after_hardest=None if k == 0 else min(pain, 4),
                    nprs_exercise_max=None if k == 0 else pain,
                    night_pain="none",
                    sitting_tolerance_min=rng.randint(10, 120),
                    sitting_surface="hard",
                    visah_total=rng.randint(30, 90) if k % 2 == 0 else None,
                    red_flags_none=True,
                    signed_at=now,
                    signed_by=physio,
                )
            )
    Assessment.objects.bulk_create(assessments, batch_size=batch)

    decisions = []
    by_patient: dict[int, list[Any]] = {}
    for a in assessments:
        by_patient.setdefault(a.patient_id, []).append(a)
    for patient, (physio, stage, _, referral) in zip(patients, profile, strict=True):
        visits = by_patient[patient.pk]
        for k, a in enumerate(visits):
            latest = k == len(visits) - 1
            action = "START_STAGE_1" if k == 0 else rng.choice(["STAY", "STAY", "PROGRESS"])
            flags: list[str] = []
            urgency = ""
            if latest and referral:
                action, urgency = "REFER", rng.choice(["URGENT", "ROUTINE"])
            elif latest and rng.random() < 0.1:
                action, flags = "REGRESS", ["AMBER"]
            elif latest and rng.random() < 0.05:
                flags = ["PLATEAU"]
            pending = latest and rng.random() < 0.08
            decisions.append(
                StageDecision(
                    assessment=a,
                    patient=patient,
                    visit_date=a.visit_date,
                    stage_before=a.stage_before,
                    **template,
                    engine_action=action,
                    engine_stage=stage,
                    engine_flags=flags,
                    engine_urgency=urgency,
                    status="pending" if pending else "confirmed",
                    final_action="" if pending else action,
                    final_stage=None if pending else stage,
                    decided_by=None if pending else physio,
                    decided_at=None if pending else now,
                )
            )
    StageDecision.objects.bulk_create(decisions, batch_size=batch)

    for patient, (physio, stage, _, _) in zip(patients, profile, strict=True):
        if stage is not None and rng.random() < 0.75:
            plans_of.append(
                Plan(
                    patient=patient,
                    stage=stage,
                    version=1,
                    status=Plan.Status.ISSUED,
                    created_by=physio,
                    issued_by=physio,
                    issued_at=now,
                )
            )
    Plan.objects.bulk_create(plans_of, batch_size=batch)
    diary = DiaryEntry.objects.bulk_create(
        [
            DiaryEntry(
                patient_id=plan.patient_id,
                plan=plan,
                day=today - timedelta(days=rng.randint(1, 10)),
                session_done=True,
                exercise_pain=5,
                next_morning_pain=5,
                usual_morning_pain=2,
                flagged=True,
                source=DiaryEntry.Source.LINK,
            )
            for plan in plans_of
            if rng.random() < 0.08
        ],
        batch_size=batch,
    )
    case_rows(decisions, diary, plans_of, batch)


def case_rows(decisions: list[Any], diary: list[Any], plans: list[Any], batch: int) -> None:
    """The caseload's summary row of each bulk-created patient (rehab.models.CaseStatus,
    written by rehab.services.refresh_case_status for patients recorded through the app),
    computed the same way: last signed visit, latest decision and its accepted action, and
    the last flare (an accepted REGRESS, an AMBER flag or a flagged diary entry)."""
    from rehab.models import CaseStatus
    from rehab.services import case_status_fields

    latest: dict[int, Any] = {}
    flare: dict[int, date] = {}
    for d in decisions:  # in visit order within each patient
        latest[d.patient_id] = d
        if (d.final_action or d.engine_action) == "REGRESS" or "AMBER" in d.engine_flags:
            flare[d.patient_id] = d.visit_date
    for entry in diary:
        flare[entry.patient_id] = max(entry.day, flare.get(entry.patient_id, entry.day))
    programme = {plan.patient_id: plan.stage for plan in plans}
    rows = {
        pid: CaseStatus(
            patient_id=pid,
            **case_status_fields(
                d,
                last_visit=d.visit_date,
                last_flare_on=flare.get(pid),
                programme_stage=programme.get(pid),
            ),
        )
        for pid, d in latest.items()
    }
    CaseStatus.objects.bulk_create(rows.values(), batch_size=batch)


# -- Commands ----------------------------------------------------------------------------------


def base() -> None:
    from accounts.models import Clinic

    clinic = Clinic.objects.create(
        name=CLINIC, phone="+44 20 7946 0000", address="1 Bench Street\nLondon"
    )
    _user(clinic, ADMIN, "clinic_admin", "Jo", "Admin")
    physio = _user(clinic, PHYSIO, "physio", "Alex", "Bench")
    for n in range(1, OTHER_PHYSIOS + 1):
        _user(clinic, f"{PHYSIO}{n:02d}", "physio", FIRST[n % len(FIRST)], f"Physio{n:02d}")

    rng = random.Random(100)
    history = new_patient(clinic, physio, 0, first_name="Hundred", last_name="Visits")
    first_day = _today(clinic) - timedelta(days=3 * HISTORY_VISITS + 1)
    for n in range(HISTORY_VISITS):
        record_visit(history, physio, first_day + timedelta(days=3 * n), rng, visah=n % 4 == 0)
    # The printed programme: stage 4 has the most exercises to choose from.
    source = new_patient(
        clinic, physio, 1, first_name="Programme", last_name="Source", stage=4, status="active"
    )
    issued_plan(source, physio, 4, PLAN_EXERCISES)
    bulk_patients(clinic, [physio], OWN_PATIENTS - 1, first_index=2)
    analyze()
    print(f"bench clinic: {current_patients(clinic)} patients; {HISTORY_VISITS} visits of one")


def current_patients(clinic: Any) -> int:
    from patients.models import Patient

    return Patient.objects.filter(clinic=clinic, archived_at__isnull=True).count()


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon gather."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def grow(target: int) -> None:
    """Add patients of the other physiotherapists until the clinic has ``target``."""
    from accounts.models import Clinic, User

    clinic = Clinic.objects.get(name=CLINIC)
    have = current_patients(clinic)
    if have > target:
        fail(f"the bench clinic has {have} patients already, more than {target}")
    others = list(
        User.objects.filter(clinic=clinic, role="physio").exclude(username=PHYSIO).order_by("id")
    )
    bulk_patients(clinic, others, target - have, first_index=100_000 + have)
    analyze()
    # Bulk inserts send no signals: tell the running app's cache, as any change would.
    from rehab.caseload import figures_changed

    figures_changed(clinic.pk)
    print(f"bench clinic: {current_patients(clinic)} patients")


def load_clinic(physios: int, per_physio: int) -> None:
    """The load test's clinic: each physiotherapist with their own patients, two signed
    visits each (the last 30 and 20 days ago) and an issued plan."""
    from accounts.models import Clinic

    if Clinic.objects.filter(name=LOAD_CLINIC).exists():
        print("load clinic: there already")
        return
    clinic = Clinic.objects.create(name=LOAD_CLINIC, phone="+44 20 7946 0001")
    rng = random.Random(50)
    start = _today(clinic) - timedelta(days=30)
    for n in range(1, physios + 1):
        physio = _user(clinic, f"load.physio{n:02d}", "physio", FIRST[n % len(FIRST)], f"L{n}")
        for k in range(per_physio):
            patient = new_patient(clinic, physio, 200_000 + n * 100 + k)
            record_visit(patient, physio, start, rng, visah=True)
            record_visit(patient, physio, start + timedelta(days=10), rng, visah=False)
            patient.refresh_from_db()
            if patient.stage is not None:  # a plan is for the patient's current stage
                issued_plan(patient, physio, patient.stage, 6)
    analyze()
    print(f"load clinic: {physios} physiotherapists, {physios * per_physio} patients")


def main(argv: list[str]) -> None:
    setup_django()
    match argv:
        case ["base"]:
            base()
        case ["grow", target]:
            grow(int(target))
        case ["load", physios, per_physio]:
            load_clinic(int(physios), int(per_physio))
        case _:
            fail("usage: python -m bench.seed base | grow N | load PHYSIOS PATIENTS_EACH")


if __name__ == "__main__":
    main(sys.argv[1:])
