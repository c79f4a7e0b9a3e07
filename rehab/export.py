"""A patient's copy of their own data (issue 11, item 3; GDPR access)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from patients.models import Patient

from . import programmes
from .models import Plan, RenderJob

PATIENT_FIELDS = (
    "first_name", "last_name", "date_of_birth", "sex", "email", "phone", "affected_side",
    "onset", "symptom_duration_weeks", "sport_activity", "sport_level", "needs_energy_storage",
    "height_cm", "weight_kg", "prior_hamstring_injury", "programme_start", "stage", "status",
)  # fmt: skip
ASSESSMENT_FIELDS = (
    "visit_date", "visit_type", "stage_before", "nprs_morning_baseline",
    "nprs_24h_after_hardest", "nprs_exercise_max", "nprs_adl_typical_7d", "nprs_worst_7d",
    "sitting_tolerance_min", "sessions_prescribed_since_last", "sessions_done_since_last",
    "visah_total",
)  # fmt: skip


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def patient_archive(patient: Patient) -> bytes:
    record = {name: _jsonable(getattr(patient, name)) for name in PATIENT_FIELDS}
    record["clinic"] = patient.clinic.name
    assessments = []
    for a in patient.assessments.signed().select_related("decision").order_by("visit_date"):
        row = {name: _jsonable(getattr(a, name)) for name in ASSESSMENT_FIELDS}
        decision = getattr(a, "decision", None)
        if decision is not None and not decision.is_pending:
            row["decision"] = decision.accepted_action
            row["stage_after"] = decision.final_stage
        assessments.append(row)
    diary = [
        {
            "day": str(e.day),
            "session_done": e.session_done,
            "plyometric_day": e.plyometric_day,
            "exercise_pain": e.exercise_pain,
            "next_morning_pain": e.next_morning_pain,
            "note": e.note,
        }
        for e in patient.diary.order_by("day")
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patient.json", json.dumps(record, indent=2, ensure_ascii=False))
        archive.writestr("assessments.json", json.dumps(assessments, indent=2, ensure_ascii=False))
        archive.writestr("diary.json", json.dumps(diary, indent=2, ensure_ascii=False))
        issued = patient.plans.exclude(status=Plan.Status.DRAFT).order_by("version")
        for plan in issued:
            paused = patient.status == Patient.Status.PAUSED
            job = plan.render_jobs.filter(status=RenderJob.Status.READY, paused=paused).first()
            path = programmes.ready_file(job) if job else None
            if path is not None:
                archive.write(path, f"programmes/programme-v{plan.version}.pdf")
    return buffer.getvalue()
