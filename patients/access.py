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

Need = Literal["status", "clinical", "edit_record", "edit_clinical", "archive"]

#: Which staff roles may do what with a patient of their own clinic (SECURITY.md matrix).
ALLOWED: dict[Need, frozenset[str]] = {
    "status": frozenset({"physio", "clinic_admin", "patient"}),
    "clinical": frozenset({"physio"}),
    "edit_record": frozenset({"physio", "clinic_admin"}),
    "edit_clinical": frozenset({"physio"}),
    "archive": frozenset({"physio", "clinic_admin"}),
}


def not_found(request: HttpRequest, patient: Patient | None = None) -> Http404:
    """A 404 for anything outside the user's reach, recorded in the audit trail (the 403
    handler records refusals of a role, accounts.errors.forbidden)."""
    audit.record(request, "access_denied", patient=patient, outcome="denied")
    return Http404("Not found")


def get_patient_for_user(
    request: HttpRequest, public_id: UUID | str, need: Need = "status"
) -> Patient:
    user = request.user
    try:
        patient = (
            Patient.objects.visible_to(user)
            .select_related("clinic", "physio")
            .get(public_id=public_id)
        )
    except Patient.DoesNotExist:
        raise not_found(request) from None
    role = getattr(user, "role", "")
    if role not in ALLOWED[need] or (role == "patient" and need != "status"):
        raise PermissionDenied
    return patient


def get_assessment_for_user(
    request: HttpRequest, patient_id: UUID | str, assessment_id: UUID | str, need: Need = "clinical"
) -> Assessment:
    patient = get_patient_for_user(request, patient_id, need)
    try:
        return patient.assessments.select_related("clinician", "signed_by").get(
            public_id=assessment_id
        )
    except Assessment.DoesNotExist:
        raise not_found(request, patient) from None
