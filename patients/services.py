"""Writes that span several rows: assessments with their child rows, archiving."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit

from .models import Assessment, LoadTest, Patient, PsfsItem

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

    from .forms import AssessmentForm


class AlreadyRecorded(Exception):
    """Another assessment of this patient exists on that date (double submission)."""


@transaction.atomic
def save_assessment(
    form: AssessmentForm, user: User, *, sign: bool, amendment_reason: str = ""
) -> Assessment:
    """Save the form's assessment with its load tests and PSFS rows in one transaction.

    Signing locks it and runs the stage rules; a signed assessment changes only as an
    amendment with a reason (its original stays in the history).
    """
    from rehab.services import decide_again, record_decision  # rehab depends on patients

    patient = Patient.objects.select_for_update().get(pk=form.patient.pk)
    assessment: Assessment = form.save(commit=False)
    is_new = assessment.pk is None
    was_signed = assessment.signed_at is not None
    if is_new:
        assessment.patient = patient
        assessment.clinician = user
    if not was_signed:
        # The stage the visit starts from: a draft's may have changed since it was saved (an
        # earlier visit signed and decided meanwhile). Signed, it is part of the record.
        assessment.stage_before = patient.stage
    assessment.red_flags = list(form.cleaned_data.get("red_flags") or [])
    assessment.visah_8 = form.item8_points()
    assessment.visah_total = assessment.compute_visah_total()
    if was_signed:
        assessment.amended_at = timezone.now()
        assessment._change_reason = f"Amendment: {amendment_reason}"  # type: ignore[attr-defined]
    elif sign:
        assessment.signed_at, assessment.signed_by = timezone.now(), user
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as error:
        # Asked of the rows, not of the message: SQLite's does not name the constraint.
        same_day = patient.assessments.filter(visit_date=assessment.visit_date)
        if same_day.exclude(pk=assessment.pk).exists():
            raise AlreadyRecorded from error
        raise
    side = LoadTest.Side.WORSE if patient.affected_side == "bilateral" else patient.affected_side
    assessment.load_tests.all().delete()
    LoadTest.objects.bulk_create(
        LoadTest(assessment=assessment, **row) for row in form.load_test_rows(side)
    )
    assessment.psfs_items.all().delete()
    PsfsItem.objects.bulk_create(PsfsItem(assessment=assessment, **row) for row in form.psfs_rows())
    action = (
        "assessment_amended"
        if was_signed
        else ("assessment_signed" if sign else "assessment_saved")
    )
    audit.record(None, action, actor=user, patient=patient, obj=assessment)
    if sign and not was_signed:
        record_decision(assessment, user)
    elif was_signed:
        # After an amendment the latest visit is decided again, from the amended record: a
        # red flag added to it must pause the programme, and a corrected earlier visit
        # changes what the latest is compared with (previous sitting time, pain, VISA-H).
        # A changed recommendation waits for the clinician; an unchanged one keeps their
        # decision. The decisions in between stay as they were made.
        decide_again(latest_signed_visit(patient) or assessment, user)
    return assessment


def latest_signed_visit(patient: Patient) -> Assessment | None:
    return patient.assessments.signed().order_by("-visit_date").first()


@transaction.atomic
def archive_patient(patient: Patient, user: User, reason: str, note: str = "") -> bool:
    """Records are kept forever: a patient is archived, never deleted (SECURITY.md).

    ``reason`` is the label of a fixed choice and goes into the audit row; ``note`` (typed,
    so possibly clinical) goes only into the patient's history. Archiving an archived patient
    (a second tab, a double submit) changes nothing and returns False.
    """
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.is_archived:
        patient.archived_at = locked.archived_at
        return False
    locked.archived_at = timezone.now()
    locked._change_reason = f"Archived: {note or reason}"[:100]  # type: ignore[attr-defined]
    locked.save(update_fields=["archived_at", "updated_at"])
    audit.record(None, "patient_archived", actor=user, patient=locked, reason=reason)
    patient.archived_at = locked.archived_at
    return True


@transaction.atomic
def restore_patient(patient: Patient, user: User) -> bool:
    """Back to the current patients; restoring a current patient changes nothing and
    returns False."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if not locked.is_archived:
        patient.archived_at = None
        return False
    locked.archived_at = None
    locked._change_reason = "Restored from the archive"  # type: ignore[attr-defined]
    locked.save(update_fields=["archived_at", "updated_at"])
    audit.record(None, "patient_restored", actor=user, patient=locked)
    patient.archived_at = None
    return True


class CannotInvite(Exception):
    """The patient cannot be invited; the message says why."""


def invite_patient(request: HttpRequest, patient: Patient, physio: User) -> str:
    """Create the patient's account (inactive until the emailed link is used) and send the
    single-use invitation (issue 6, item 4a). Returns the link (for the tests and the
    console email backend)."""
    from accounts import services as account_services
    from accounts.models import Invitation, User

    if not patient.email:
        raise CannotInvite("Add the patient's email address to their record first.")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        account = patient.user
        if account is not None and account.has_usable_password() and account.is_active:
            raise CannotInvite("The patient already has an account.")
        if account is None:
            if User.objects.filter(username__iexact=patient.email).exists():
                raise CannotInvite("This email address already belongs to an account.")
            account = User(
                username=patient.email,
                email=patient.email,
                first_name=patient.first_name,
                last_name=patient.last_name,
                clinic=patient.clinic,
                role=User.Role.PATIENT,
                is_active=False,
            )
            account.set_unusable_password()
            account.save()
            patient.user = account
            patient.save(update_fields=["user", "updated_at"])
        token = Invitation.issue(account, physio)
        audit.record(request, "patient_invited", patient=patient, actor=physio)
    link = account_services.invitation_link(token, request)
    account_services.send_invitation(account, link)
    return link
