import hashlib
import secrets
import uuid
import zoneinfo
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list, for example Europe/London.")


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True, max_length=500)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    # Caseload "overdue" threshold (issue 7 default: 21 days without an assessment).
    overdue_days = models.PositiveSmallIntegerField(default=21)
    # SECURITY.md "patient links": 7 days by default.
    patient_link_days = models.PositiveSmallIntegerField(default=7)
    # [CFG] values of the patient record (PROTOCOL 0: a per-clinic setting). PROTOCOL is
    # silent on a youngest patient: its programme is for adolescents and adults (the youngest
    # group it names is RF_APOPHYSEAL's 15-25), and a date of birth this year is most often a
    # typing slip. Below the second, the red-flag screen prompts the apophyseal question
    # (PROTOCOL 4.1 and 6, RF_APOPHYSEAL: "default prompt <25 y").
    min_patient_age = models.PositiveSmallIntegerField(default=12)
    apophyseal_prompt_age = models.PositiveSmallIntegerField(default=25)
    # Licensed VISA-H wording loaded by the clinic admin ({"1": "...", ...}); empty: topics only.
    visah_wording = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overdue_days__gte=1, overdue_days__lte=365),
                name="clinic_overdue_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(patient_link_days__gte=1, patient_link_days__lte=90),
                name="clinic_patient_link_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(min_patient_age__lte=18), name="clinic_min_patient_age_range"
            ),
            models.CheckConstraint(
                condition=models.Q(apophyseal_prompt_age__gte=10, apophyseal_prompt_age__lte=40),
                name="clinic_apophyseal_prompt_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class User(AbstractUser):
    """A person who logs in. Staff belong to one clinic with a role; patients link to a record."""

    class Role(models.TextChoices):
        PHYSIO = "physio", "Physiotherapist"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"
        PATIENT = "patient", "Patient"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    # The login before the current one (the account page shows it; LoginView sets it).
    previous_login = models.DateTimeField(null=True, blank=True)
    # SECURITY.md "Who may do what": a clinic admin with this permission may read the clinic's
    # assessments and download its printed programmes, nothing more (patients.access). Another
    # admin of the clinic or the operator grants it, never the person themself
    # (services.set_clinical_lead); deactivation or another role takes it away.
    clinical_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(clinic__isnull=False),
                name="user_with_role_has_clinic",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["", "physio", "clinic_admin", "patient"]),
                name="user_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(clinical_lead=False)
                | models.Q(role="clinic_admin", is_active=True),
                name="user_clinical_lead_is_active_clinic_admin",
                violation_error_message="Only an active clinic admin can be clinical lead.",
            ),
        ]

    @property
    def is_physio(self) -> bool:
        return self.role == self.Role.PHYSIO

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == self.Role.CLINIC_ADMIN

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in (self.Role.PHYSIO, self.Role.CLINIC_ADMIN)

    @property
    def display_name(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @property
    def inactive_word(self) -> str:
        """Why an inactive account cannot log in, as the staff page says it: "invited" while
        an invitation waits to be used (accounts.services.invite_staff), else "deactivated".
        Lists of staff read it from ``with_invitation_state`` rather than a query each."""
        pending = getattr(self, "invitation_pending", None)
        if pending is None:
            pending = self.invitations.pending().exists()
        return self.inactive_word_of(pending)

    @staticmethod
    def inactive_word_of(invitation_pending: bool) -> str:
        """:attr:`inactive_word` for rows read as values (``with_invitation_state``)."""
        return "invited" if invitation_pending else "deactivated"

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How staff are named on pages, from the three columns (for rows read as values)."""
        return f"{first_name} {last_name}".strip() or username


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> "InvitationQuerySet":
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def pending(self) -> "InvitationQuerySet":
        """Neither used nor revoked (possibly expired)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """A single-use link that lets an invited person set their password.

    Only the SHA-256 of the random token is stored; the token itself is in the email alone.
    """

    VALID_FOR = timedelta(hours=72)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Invitation of {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, created_by: User | None) -> str:
        """Revoke the person's open invitations, create a new one and return its token."""
        now = timezone.now()
        cls.objects.filter(user=user).pending().update(revoked_at=now)
        token = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            token_hash=cls.hash_token(token),
            created_by=created_by,
            expires_at=now + cls.VALID_FOR,
        )
        return token


#: What each audit action code means, as the audit trail shows it. The codes are what
#: ``accounts.audit.record`` is called with across the apps; an action missing here is shown
#: as its code in words ("new_thing" -> "New thing") until it is given a label.
AUDIT_ACTION_LABELS: dict[str, str] = {
    # Signing in and access
    "login": "Signed in",
    "login_failed": "Sign-in failed",
    "login_throttled": "Sign-in blocked after repeated failures",
    "access_denied": "Access refused",
    # Clinic and staff
    "clinic_created": "Clinic created",
    "clinic_deactivated": "Clinic deactivated",
    "clinic_settings_changed": "Clinic settings changed",
    "rules_parameters_changed": "Stage-rules parameters changed",
    "rules_parameters_reset": "Stage-rules parameters reset to the PROTOCOL defaults",
    "staff_invited": "Staff member invited",
    "invitation_accepted": "Invitation accepted",
    "staff_role_set_physio": "Role changed to physiotherapist",
    "staff_role_set_clinic_admin": "Role changed to clinic admin",
    "staff_deactivated": "Staff member deactivated",
    "staff_reactivated": "Staff member reactivated",
    "clinical_lead_granted": "Clinical-lead permission granted",
    "clinical_lead_revoked": "Clinical-lead permission revoked",
    # Patients
    "patient_created": "Patient record created",
    "patient_updated": "Patient details changed",
    "patient_viewed": "Patient record opened",
    "patient_archived": "Patient archived",
    "patient_restored": "Patient restored from the archive",
    "patient_invited": "Patient invited to an account",
    "patient_reassigned": "Patient reassigned to another physiotherapist",
    "patient_data_exported": "Patient downloaded a copy of their data",
    "caseload_exported": "Caseload exported as CSV",
    # Assessments and decisions
    "assessment_saved": "Assessment saved as a draft",
    "assessment_signed": "Assessment signed",
    "assessment_amended": "Signed assessment amended",
    "assessment_viewed": "Assessment opened",
    "decision_recommended": "Stage recommendation made by the rules",
    "decision_confirmed": "Stage recommendation confirmed",
    "decision_overridden": "Stage recommendation overridden",
    # Plans, programmes and patient links
    "plan_created": "Plan created",
    "plan_updated": "Plan changed",
    "plan_issued": "Plan issued",
    "plans_viewed": "Plans opened",
    "plan_viewed": "Plan opened",
    "exercise_created": "Exercise added to the library",
    "programme_requested": "Printable programme requested",
    "programme_downloaded": "Printable programme downloaded",
    "programme_downloaded_by_link": "Printable programme downloaded with a patient link",
    "patient_link_created": "Patient link created",
    "patient_link_sheet_given": "Handover sheet of a patient link downloaded",
    "patient_link_revoked": "Patient link revoked",
    "patient_link_used": "Patient link used",
    "patient_link_invalid": "Invalid patient link tried",
    # The patient's diary
    "diary_created": "Diary entry recorded",
    "diary_updated": "Diary entry corrected",
    "diary_flagged": "Diary entry flagged by the pain rule",
}


class AuditEvent(models.Model):
    """Append-only record of who did what (SECURITY.md "audit").

    It names the patient by public id only and never holds clinical values or tokens.
    The action is a code (filters and tests match on it); :attr:`action_label` is what
    people read (``AUDIT_ACTION_LABELS``).
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        DENIED = "denied"
        FAILED = "failed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    # The actor held the clinical-lead permission (a clinic admin reading clinical records).
    clinical_lead = models.BooleanField(default=False)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60, db_index=True)
    patient_ref = models.UUIDField(null=True, blank=True, db_index=True)
    object_ref = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The URL pattern, never the path itself: paths of patient links carry tokens.
    route = models.CharField(max_length=200, blank=True)
    # Why, where an action asks for it: the label of a fixed choice (archiving a patient),
    # never typed text, which could hold clinical values.
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["clinic", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.outcome}"

    @property
    def action_label(self) -> str:
        """The action in words ("assessment_signed" -> "Assessment signed")."""
        return AUDIT_ACTION_LABELS.get(self.action) or self.action.replace("_", " ").capitalize()

    @property
    def role_label(self) -> str:
        """The role in words ("clinic_admin" -> "Clinic admin"; "superuser" -> "Superuser"),
        with the clinical-lead permission the actor held ("Clinic admin, clinical lead")."""
        label = str(dict(User.Role.choices).get(self.role) or self.role.capitalize())
        return f"{label}, clinical lead" if self.clinical_lead else label


def with_invitation_state(users: models.QuerySet[User]) -> models.QuerySet[User]:
    """Staff with ``invitation_pending`` (for ``User.inactive_word``), in the same query."""
    waiting = Invitation.objects.filter(user=models.OuterRef("pk")).pending()
    return users.annotate(invitation_pending=models.Exists(waiting))
