"""Keep the caseload's cached figures (rehab.caseload.cached_figures) in step with the rows
they count: any save or delete of a patient, a case status, a clinic, its rules, its staff
or a physiotherapist's invitation forgets the clinic's figures. Bulk updates send no signals;
the code that makes one on these models calls caseload.figures_changed itself (or saves a row
that forgets them in the same transaction)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Clinic, Invitation, User
from patients.models import Patient

from . import caseload
from .models import CaseStatus, RulesParameters

#: Saves of a user that change nothing the caseload shows (logging in, passwords).
_ACCOUNT_ONLY_FIELDS = frozenset({"last_login", "previous_login", "password"})


@receiver([post_save, post_delete], sender=Patient)
def _patient_changed(sender: type, instance: Patient, **kwargs: Any) -> None:
    caseload.figures_changed(instance.clinic_id)


@receiver([post_save, post_delete], sender=CaseStatus)
def _case_changed(sender: type, instance: CaseStatus, **kwargs: Any) -> None:
    clinic_id: int | None
    if CaseStatus.patient.is_cached(instance):
        clinic_id = instance.patient.clinic_id
    else:
        patient = Patient.objects.filter(pk=instance.patient_id)
        clinic_id = patient.values_list("clinic_id", flat=True).first()
    caseload.figures_changed(clinic_id)


@receiver([post_save, post_delete], sender=Clinic)
def _clinic_changed(sender: type, instance: Clinic, **kwargs: Any) -> None:
    caseload.figures_changed(instance.pk)


@receiver([post_save, post_delete], sender=RulesParameters)
def _rules_changed(sender: type, instance: RulesParameters, **kwargs: Any) -> None:
    caseload.figures_changed(instance.clinic_id)


@receiver([post_save, post_delete], sender=User)
def _staff_changed(sender: type, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= _ACCOUNT_ONLY_FIELDS:
        return
    caseload.figures_changed(instance.clinic_id)


@receiver([post_save, post_delete], sender=Invitation)
def _invitation_changed(sender: type, instance: Invitation, **kwargs: Any) -> None:
    # The physiotherapist menus say "invited" or "deactivated" by whether one waits: sending
    # an invitation again to a deactivated account saves the invitation, not the account.
    if instance.user.role == User.Role.PHYSIO:
        caseload.figures_changed(instance.user.clinic_id)
