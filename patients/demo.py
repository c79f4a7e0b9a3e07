"""Demo patients with realistic histories (issue 3, item 8).

Each pattern is a trajectory in the spirit of docs/clinical/PROTOCOL.md section 7: the visits
are recorded through the real form and service, and each recommendation is confirmed, so
stages, decisions and charts are exactly what the app would have produced.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from accounts.models import Clinic, User

from . import visah
from .forms import AssessmentForm, clinic_today
from .models import Assessment, Patient
from .services import save_assessment

V = dict[str, Any]

# Visit values: morning baseline, next-morning pain, exercise pain, ADL pain, sitting minutes,
# VISA-H, the gate test pains, sessions done/prescribed, plyometric sessions and gap.
FAST: list[V] = [
    {"day": 0, "m": 3, "adl": 4, "sit": 15, "tests": {"G1": 5}, "visah": 48},
    {
        "day": 8,
        "m": 2,
        "p24": 2,
        "ex": 2,
        "adl": 2,
        "sit": 25,
        "tests": {"G1": 2},
        "visah": 58,
        "s": 10,
    },
    {
        "day": 22,
        "m": 1,
        "p24": 1,
        "ex": 2,
        "adl": 1,
        "sit": 35,
        "tests": {"G2": 2},
        "visah": 66,
        "s": 6,
    },
    {
        "day": 30,
        "m": 1,
        "p24": 1,
        "ex": 2,
        "adl": 1,
        "sit": 40,
        "tests": {"G2": 1},
        "visah": 72,
        "s": 4,
    },
    {
        "day": 52,
        "m": 0,
        "p24": 0,
        "ex": 2,
        "adl": 0,
        "sit": 60,
        "visah": 82,
        "s": 9,
        "tests": {"G3_LUNGE": 2, "G3_SLDL": 1, "H10": 2},
    },
]
STAGE4: list[V] = [
    *FAST,
    {
        "day": 70,
        "m": 0,
        "p24": 0,
        "ex": 2,
        "adl": 0,
        "sit": 75,
        "visah": 85,
        "s": 8,
        "plyo": 6,
        "gap": 72,
        "tests": {"G4": 2},
    },
]
PLATEAU: list[V] = [
    {"day": 0, "m": 3, "adl": 5, "sit": 10, "tests": {"G1": 6}, "visah": 35},
    {
        "day": 14,
        "m": 3,
        "p24": 3,
        "ex": 3,
        "adl": 4,
        "sit": 15,
        "tests": {"G1": 4},
        "visah": 38,
        "s": 20,
    },
    {
        "day": 35,
        "m": 3,
        "p24": 4,
        "ex": 3,
        "adl": 4,
        "sit": 15,
        "tests": {"G1": 4},
        "visah": 40,
        "s": 25,
    },
    {
        "day": 63,
        "m": 3,
        "p24": 3,
        "ex": 3,
        "adl": 4,
        "sit": 20,
        "tests": {"G1": 4},
        "visah": 41,
        "s": 35,
    },
]
FLARE: list[V] = [
    {"day": 0, "m": 2, "adl": 4, "sit": 20, "tests": {"G1": 4}, "visah": 45},
    {
        "day": 7,
        "m": 2,
        "p24": 2,
        "ex": 2,
        "adl": 3,
        "sit": 22,
        "tests": {"G1": 3},
        "visah": 47,
        "s": 3,
        "sp": 10,
    },
    {"day": 14, "m": 2, "p24": 3, "ex": 3, "adl": 5, "sit": 20, "visah": 44, "s": 6, "sp": 7},
]
SITTING: list[V] = [
    {"day": 0, "m": 1, "adl": 3, "sit": 15, "tests": {"G1": 2}, "visah": 50},
    {
        "day": 10,
        "m": 1,
        "p24": 1,
        "ex": 1,
        "adl": 2,
        "sit": 18,
        "tests": {"G1": 2},
        "visah": 55,
        "s": 12,
    },
    {
        "day": 17,
        "m": 1,
        "p24": 1,
        "ex": 1,
        "adl": 2,
        "sit": 25,
        "tests": {"G1": 1},
        "visah": 60,
        "s": 8,
    },
    {
        "day": 38,
        "m": 1,
        "p24": 1,
        "ex": 2,
        "adl": 1,
        "sit": 28,
        "tests": {"G2": 2},
        "visah": 65,
        "s": 9,
    },
]
RED_FLAG: list[V] = [
    {"day": 0, "m": 1, "adl": 3, "sit": 25, "tests": {"G1": 3}, "visah": 60},
    {"day": 10, "m": 2, "p24": 6, "ex": 5, "adl": 7, "sit": 5, "s": 4, "flags": ["RF_AVULSION"]},
]
NEW: list[V] = [{"day": 0, "m": 2, "adl": 3, "sit": 30, "tests": {"G1": 2}, "visah": 62}]

# (pattern, days since the last visit, leave the last recommendation waiting)
# The list cycles over the patients, and so does their sport (index % 5 in seed_patients):
# STAGE4 goes to the runners, who need stage 4; FAST to the walkers with no sport, who do not,
# so they finish at stage 3 (PROTOCOL 1.1 and 1.5: COMPLETE, then a maintenance programme).
PLANS = [
    (STAGE4, 5, False),
    (FAST[:4], 3, True),
    (FAST, 2, False),
    (PLATEAU, 30, False),
    (FLARE, 4, False),
    (SITTING, 12, False),
    (RED_FLAG, 1, True),
    (NEW, 2, False),
    (FAST[:2], 25, False),
    (FAST[:3], 9, False),
]

# Demo patients (by index) whose physiotherapist overrode the last recommendation to refer:
# the reason, how urgent it is, and whether the programme pauses (rehab.forms.OverrideForm).
CLINICIAN_REFERRALS = {
    13: (
        "No change in six weeks and new night pain: GP review to rule out a lumbar source.",
        "ROUTINE",
        False,
    ),
}

NAMES = [
    ("Amelia", "Hughes"),
    ("Oliver", "Bennett"),
    ("Siobhán", "Ní Bhriain"),
    ("Mateus", "Araújo"),
    ("Yuki", "Tanaka"),
    ("Fatima", "Al-Sayed"),
    ("Lukas", "Schröder"),
    ("Chloé", "Lefèvre"),
    ("Dmitri", "Volkov"),
    ("Priya", "Raman"),
    ("Kwame", "Mensah"),
    ("Ingrid", "Dahl"),
    ("Mei", "Chen"),
    ("Sean", "O'Connor"),
    ("Zoe", "Papadopoulos"),
    ("Tomasz", "Wiśniewski"),
    ("Aroha", "Ngata"),
    ("Leila", "Haddad"),
    ("Noah", "Williams"),
    ("Sofia", "Rossi"),
    ("Eilidh", "MacLeod"),
    ("Hamza", "Qureshi"),
    ("Anya", "Kowalczyk"),
    ("Ben", "Carter"),
    ("Grace", "Okonkwo"),
    ("Mateo", "García"),
    ("Hana", "Suzuki"),
    ("Olu", "Adeyemi"),
    ("Freya", "Lindqvist"),
    ("Raj", "Patel"),
    ("Elena", "Popescu"),
    ("Tariq", "Rahman"),
    ("Maja", "Nowak"),
    ("Jonas", "Berg"),
    ("Ava", "Thompson"),
    ("Ciarán", "Byrne"),
    ("Nadia", "Petrova"),
    ("Isaac", "Cohen"),
    ("Lucía", "Fernández"),
    ("Emeka", "Obi"),
]


def _visah_fields(total: int) -> dict[str, str]:
    item7, branch, band = next(
        (p7, br, band)
        for p7 in (10, 7, 4, 0)
        for br, points in visah.ITEM8_POINTS.items()
        for band, p8 in enumerate(points)
        if 0 <= total - p7 - p8 <= 60
    )
    rest = total - item7 - visah.ITEM8_POINTS[branch][band]
    items = {f"visah_{i + 1}": str(min(10, max(0, rest - 10 * i))) for i in range(6)}
    return {**items, "visah_7": str(item7), "visah_8_branch": branch, "visah_8_band": str(band)}


#: The demo patients' PSFS activities (PROTOCOL 4.2), scored alongside their VISA-H.
PSFS_ACTIVITIES = ("Sitting through a meeting", "Running for the bus", "Climbing stairs")


def _psfs_fields(visah_total: int) -> dict[str, str]:
    """Three activities scored near a tenth of the VISA-H total: both improve together."""
    base = round(visah_total / 10)
    return {
        field: value
        for i, (activity, offset) in enumerate(zip(PSFS_ACTIVITIES, (-1, 0, 1), strict=True))
        for field, value in (
            (f"psfs_{i + 1}_activity", activity),
            (f"psfs_{i + 1}_score", str(min(10, max(0, base + offset)))),
        )
    }


def _is_stage4(v: V) -> bool:
    """A visit with stage 4's records: the G4 load test or plyometric sessions."""
    return "plyo" in v or "G4" in v.get("tests", {})


def _form_data(v: V, when: date, initial: bool, hops: bool = True) -> dict[str, Any]:
    """The assessment form as a physiotherapist fills it in; ``hops``: the H10 hop test is
    done (only for a patient who needs stage 4, PROTOCOL 1.1 G3 row)."""
    data: dict[str, Any] = {
        "visit_date": when.isoformat(),
        "visit_type": "initial" if initial else "review",
        "nprs_morning_baseline": v["m"],
        "nprs_adl_typical_7d": v["adl"],
        "sitting_tolerance_min": v["sit"],
        "night_pain": "none",
        "sitting_surface": "hard",
    }
    if not initial:
        data.update(
            nprs_24h_after_hardest=v["p24"],
            nprs_exercise_max=v["ex"],
            sessions_done_since_last=v["s"],
            sessions_prescribed_since_last=v.get("sp", v["s"]),
        )
    if "plyo" in v:
        data.update(plyo_sessions_since_last=v["plyo"], min_plyo_interval_h=v["gap"])
    if v.get("flags"):
        data["red_flags"] = v["flags"]
    else:
        data["red_flags_none"] = "on"
    if v.get("visah") is not None:
        data.update(_visah_fields(v["visah"]), **_psfs_fields(v["visah"]))
    for code, pain in v.get("tests", {}).items():
        if code != "H10" or hops:
            data[f"{code}_nprs"] = pain
    return {k: val if isinstance(val, list) else str(val) for k, val in data.items()}


def seed_patients(clinic: Clinic, physios: list[User], count: int) -> int:
    """Create ``count`` demo patients in ``clinic`` unless it already has demo patients."""
    from rehab import rules
    from rehab import services as rehab_services

    if Patient.objects.filter(clinic=clinic, email__endswith="@demo.invalid").exists():
        return 0
    today = clinic_today(clinic)
    plans = itertools.cycle(PLANS)
    for index in range(count):
        pattern, days_ago, leave_pending = next(plans)
        first, last = NAMES[index % len(NAMES)]
        physio = physios[index % len(physios)]
        start = today - timedelta(days=days_ago + pattern[-1]["day"])
        needs_energy_storage = pattern is not SITTING and index % 5 != 2
        if not needs_energy_storage and any(_is_stage4(visit) for visit in pattern):
            # PROTOCOL 1.1: stage 4 only for goals that need high elastic loading.
            raise ValueError(f"demo patient {index} would get stage 4 without needing it")
        patient = Patient.objects.create(
            clinic=clinic,
            physio=physio,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{index}@demo.invalid",
            # Aged about 20 to 66: a few under 25 get the apophyseal prompt (PROTOCOL 6).
            date_of_birth=date(1960 + (index * 7) % 47, 1 + index % 12, 1 + index % 27),
            sex=("female", "male")[index % 2],
            affected_side=("left", "right", "bilateral")[index % 3],
            # Some began with an acute event: their red-flag screen prompts the avulsion one.
            onset="acute_event" if index % 8 == 3 else "gradual",
            symptom_duration_weeks=8 + index % 40,
            sport_activity=("Running", "Football", "Walking", "Hockey", "Cycling")[index % 5],
            sport_level=("recreational", "competitive", "none", "recreational", "elite")[index % 5],
            needs_energy_storage=needs_energy_storage,
        )
        for number, visit in enumerate(pattern):
            patient.refresh_from_db()
            initial = patient.stage is None
            form = AssessmentForm(
                _form_data(
                    visit, start + timedelta(days=visit["day"]), initial, needs_energy_storage
                ),
                patient=patient,
                stage=patient.stage,
            )
            if not form.is_valid():
                raise ValueError(f"demo visit {number} of {patient}: {form.errors.as_json()}")
            assessment = save_assessment(form, physio, sign=True)
            last_visit = number == len(pattern) - 1
            if last_visit and index in CLINICIAN_REFERRALS:
                reason, urgency, pause = CLINICIAN_REFERRALS[index]
                rehab_services.override(
                    assessment.decision, physio, rules.Action.REFER, reason,
                    pause=pause, urgency=urgency,
                )  # fmt: skip
            elif not (last_visit and leave_pending):
                rehab_services.confirm(assessment.decision, physio)
            _at_the_visit(assessment)
        patient.refresh_from_db()
        if patient.stage is not None and index % 8 != 7:  # a few are left without a programme
            _issue_plan(patient, physio, issued_on=start + timedelta(days=pattern[-1]["day"]))
    return count


def _at_the_visit(assessment: Assessment) -> None:
    """Dates a seeded visit at its visit date, not at the moment the demo was seeded: signed
    at 09:30 in the clinic and its recommendation confirmed or overridden five minutes later
    (a pending one stays undecided). The audit trail keeps the real times."""
    from django.utils import timezone

    from rehab.models import StageDecision

    clinic = assessment.patient.clinic
    signed_at = timezone.make_aware(
        datetime.combine(assessment.visit_date, time(9, 30)), clinic.tzinfo
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=signed_at - timedelta(minutes=15), updated_at=signed_at, signed_at=signed_at
    )
    decided = signed_at + timedelta(minutes=5)
    StageDecision.objects.filter(assessment=assessment).update(created_at=signed_at)
    StageDecision.objects.filter(assessment=assessment, decided_at__isnull=False).update(
        decided_at=decided
    )


def _issue_plan(patient: Patient, physio: User, issued_on: date) -> None:
    """The stage's template, issued, and its printable programme requested (a worker renders
    it once it runs)."""
    from django.utils import timezone

    from rehab import plans, programmes

    plan = plans.create_from_template(patient, patient.stage or 1, physio)
    plan = plans.issue(plan, plan.lock_version, physio)
    # Built and issued at the last visit (after its decision), not today: drafted a few
    # minutes before issuing.
    issued_at = timezone.make_aware(datetime.combine(issued_on, time(10)), patient.clinic.tzinfo)
    type(plan).objects.filter(pk=plan.pk).update(
        created_at=issued_at - timedelta(minutes=10), updated_at=issued_at, issued_at=issued_at
    )
    plan.refresh_from_db()
    programmes.request_render(plan, physio)


def seed_patient_account(clinic: Clinic, username: str, password: str) -> Patient | None:
    """Give the first demo patient of the clinic an account and a week of diary entries,
    the last one a flare (issue 9), so every page has something to show."""
    from rehab import diary

    patient = (
        Patient.objects.filter(
            clinic=clinic, email__endswith="@demo.invalid", plans__status="issued"
        )
        .order_by("pk")
        .first()
    )
    if patient is None:
        return None
    account, _ = User.objects.get_or_create(
        username=username, defaults={"clinic": clinic, "role": User.Role.PATIENT}
    )
    account.first_name, account.last_name = patient.first_name, patient.last_name
    account.clinic, account.role, account.is_active = clinic, User.Role.PATIENT, True
    account.set_password(password)
    account.save()
    if patient.user_id != account.pk:
        Patient.objects.filter(user=account).update(user=None)
        patient.user = account
        patient.save(update_fields=["user", "updated_at"])
    plan = patient.plans.get(status="issued")
    if not patient.diary.exists():
        today = clinic_today(clinic)
        last_visit = patient.assessments.signed().latest("visit_date").visit_date
        days = [d for d in range(6, 0, -1) if today - timedelta(days=d) >= last_visit]
        for n, days_ago in enumerate(days):
            flare = n == len(days) - 1
            values = {
                "session_done": True,
                "plyometric_day": False,
                "exercise_pain": 6 if flare else 2 + n % 2,
                "next_morning_pain": 4 if flare else 1,
                "note": "Sore after a long drive" if flare else "",
            }
            diary.record(patient, plan, today - timedelta(days=days_ago), values, "account")
    return patient
