"""Plain factory functions for test data (STYLE.md 13)."""

from __future__ import annotations

import itertools
from typing import Any

from accounts.models import Clinic, User

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery-staple"


def make_clinic(**overrides: Any) -> Clinic:
    fields: dict[str, Any] = {
        "name": f"Clinic {next(_counter)}",
        "phone": "+44 20 7946 0000",
        "time_zone": "Europe/London",
    }
    fields.update(overrides)
    return Clinic.objects.create(**fields)


def make_user(clinic: Clinic | None = None, role: str = User.Role.PHYSIO, **overrides: Any) -> User:
    n = next(_counter)
    fields: dict[str, Any] = {
        "username": f"user{n}",
        "email": f"user{n}@example.org",
        "first_name": "Test",
        "last_name": f"User{n}",
        "clinic": clinic,
        "role": role,
    }
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    user = User(**fields)
    user.set_password(password)
    user.save()
    return user


def make_patient(clinic: Clinic, physio: User, **overrides: Any) -> Any:
    from datetime import date

    from patients.models import Patient

    fields: dict[str, Any] = {
        "first_name": "Pat",
        "last_name": f"Patient{next(_counter)}",
        "date_of_birth": date(1985, 3, 14),
        "sex": "female",
        "affected_side": "left",
        "onset": "gradual",
        "symptom_duration_weeks": 20,
        "needs_energy_storage": True,
        "clinic": clinic,
        "physio": physio,
    }
    fields.update(overrides)
    return Patient.objects.create(**fields)


def assessment_post(**overrides: Any) -> dict[str, Any]:
    """Form data of a complete review assessment, as a browser would post it."""
    data: dict[str, Any] = {
        "visit_date": "2026-01-10",
        "visit_type": "review",
        "nprs_morning_baseline": "2",
        "nprs_24h_after_hardest": "2",
        "nprs_exercise_max": "2",
        "nprs_adl_typical_7d": "2",
        "night_pain": "none",
        "sitting_tolerance_min": "40",
        "sessions_prescribed_since_last": "10",
        "sessions_done_since_last": "10",
        "red_flags_none": "on",
        "sign": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_assessment(patient: Any, clinician: User, *, sign: bool = True, **overrides: Any) -> Any:
    """Record an assessment through the real form and service (and decide it when signed)."""
    from patients.forms import AssessmentForm
    from patients.services import save_assessment

    form = AssessmentForm(
        assessment_post(visit_type="initial" if patient.stage is None else "review", **overrides),
        patient=patient,
        stage=patient.stage,
    )
    assert form.is_valid(), form.errors
    return save_assessment(form, clinician, sign=sign)
