"""The one place that decides who may see or change a patient's records (STYLE.md 7).

Anything outside the user's clinic answers 404 with nothing in the body; a role that may
read but not do the thing asked answers 403 (SECURITY.md "Who may do what").
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts import audit

from .models import Assessment, Patient

Need = Literal[
    "status",
    "clinical",
    "assessments",
    "programme_pdf",
    "edit_record",
    "edit_clinical",
    "archive",
]

#: Which staff roles may do what with a patient of their own clinic (SECURITY.md matrix).
#: "clinical" is the rest of the clinical record (a plan's content, its renders);
#: "assessments" reads the visits, charts and decisions; "programme_pdf" downloads a
#: rendered programme.
ALLOWED: dict[Need, frozenset[str]] = {
    "status": frozenset({"physio", "clinic_admin", "patient"}),
    "clinical": frozenset({"physio"}),
    "assessments": frozenset({"physio"}),
    "programme_pdf": frozenset({"physio"}),
    "edit_record": frozenset({"physio", "clinic_admin"}),
    "edit_clinical": frozenset({"physio"}),
    "archive": frozenset({"physio", "clinic_admin"}),
}

#: What the clinical-lead permission adds for a clinic admin (SECURITY.md matrix: an
#: assessment "a clinical-lead permission may grant read"; a plan PDF "download with
#: clinical-lead permission"). Reading only: every write stays the physiotherapist's.
CLINICAL_LEAD_ALLOWED: frozenset[Need] = frozenset({"assessments", "programme_pdf"})


def may(user: object, need: Need) -> bool:
    """Whether the person's role, and a clinic admin's clinical-lead permission, allow
    ``need`` for a patient of their own clinic (the clinic is the query's business:
    ``Patient.objects.visible_to``). Pages ask this too, to show only what answers."""
    role = getattr(user, "role", "")
    if role == "patient":
        return need == "status"
    if role in ALLOWED[need]:
        return True
    return (
        role == "clinic_admin"
        and getattr(user, "clinical_lead", False) is True
        and need in CLINICAL_LEAD_ALLOWED
    )


def not_found(request: HttpRequest, patient: Patient | None = None) -> Http404:
    """A 404 for anything outside the user's reach, recorded in the audit trail (the 403
    handler records refusals of a role, accounts.errors.forbidden)."""
    audit.record(request, "access_denied", patient=patient, outcome="denied")
    return Http404("Not found")


def get_patient_for_user(
    request: HttpRequest, public_id: UUID | str, need: Need = "status"
) -> Patient:
    user = request.user
    patients = Patient.objects.visible_to(user)
    if getattr(user, "role", "") != "physio":
        patients = patients.select_related("physio")
    try:
        patient = patients.get(public_id=public_id)
    except Patient.DoesNotExist:
        raise not_found(request) from None
    if not may(user, need):
        raise PermissionDenied
    # The record is of the viewer's clinic (visible_to), and usually a physiotherapist's own:
    # the objects the request has loaded are reused rather than joined again (each join cost
    # about 0.15 ms of every patient page, docs/benchmarks.md). A colleague's physiotherapist
    # is read when a page names them.
    patient.clinic = user.clinic  # type: ignore[union-attr, assignment]
    if patient.physio_id == user.pk:
        patient.physio = user
    return patient


def get_assessment_for_user(
    request: HttpRequest,
    patient_id: UUID | str,
    assessment_id: UUID | str,
    need: Need = "assessments",
) -> Assessment:
    patient = get_patient_for_user(request, patient_id, need)
    try:
        return patient.assessments.select_related("clinician", "signed_by").get(
            public_id=assessment_id
        )
    except Assessment.DoesNotExist:
        raise not_found(request, patient) from None
