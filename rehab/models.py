"""Stage decisions and the clinic's rules parameters (issue 4); plans and programmes follow."""

from __future__ import annotations

import uuid
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from simple_history.models import HistoricalRecords

from accounts.models import Clinic
from patients.models import Assessment, Patient

from . import library_v1, rules

ACTION_CHOICES = [(a.value, a.value.replace("_", " ").capitalize()) for a in rules.Action]
#: The words people read for an action code ("START_STAGE_2" -> "Start stage 2").
ACTION_LABELS: dict[str, str] = dict(ACTION_CHOICES)
# What was accepted at a decision: the clinician's override, else the rules' action.
ACCEPTED_ACTION = Coalesce(NullIf("final_action", Value("")), "engine_action")


class RulesParameters(models.Model):
    """The clinic's thresholds for the stage rules (PROTOCOL 3.2 [CFG] values), with history."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="rules_parameters")
    values = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Rules parameters of {self.clinic}"

    def parameters(self) -> rules.Parameters:
        return rules.Parameters.from_dict(self.values)


def parameters_for(clinic: Clinic) -> rules.Parameters:
    row = RulesParameters.objects.filter(clinic=clinic).first()
    return row.parameters() if row else rules.DEFAULT


class ReferralUrgency(models.TextChoices):
    """How urgent a clinician's own referral is: the urgencies of the rules' referrals
    (PROTOCOL 6; CAUTION never refers), with the same codes."""

    EMERGENCY = "EMERGENCY", "Emergency (same day)"
    URGENT = "URGENT", "Urgent"
    ROUTINE = "ROUTINE", "Routine"


class StageDecision(models.Model):
    """The rules' recommendation at a signed assessment, and what the clinician accepted.

    The engine output is never dropped: a confirmation or an override is stored beside it
    (PROTOCOL 3.3 "A clinician may override any output").
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the physiotherapist"
        CONFIRMED = "confirmed", "Confirmed"
        OVERRIDDEN = "overridden", "Overridden"

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="decision")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="decisions")
    visit_date = models.DateField()
    stage_before = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the rules saw and said.
    facts = models.JSONField()
    parameters = models.JSONField()
    rules_version = models.CharField(max_length=20)
    engine_action = models.CharField(max_length=16, choices=ACTION_CHOICES)
    engine_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    engine_rules = models.JSONField(default=list)
    engine_flags = models.JSONField(default=list)
    engine_urgency = models.CharField(max_length=10, blank=True)
    criteria = models.JSONField(default=list)
    explanation = models.JSONField(default=list)
    caution_codes = models.JSONField(default=list)
    # What the clinician accepted.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    final_action = models.CharField(max_length=16, choices=ACTION_CHOICES, blank=True)
    final_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    override_reason = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A clinician who refers (overriding the rules) may pause the programme until the patient
    # has been seen, as a red-flag referral does (the override form ticks it by default).
    pause_on_referral = models.BooleanField(default=False)
    # How urgent that referral is: PROTOCOL is silent on a clinician's own referral, so the
    # override form asks (rehab.forms.OverrideForm); empty for every other decision.
    override_urgency = models.CharField(max_length=10, choices=ReferralUrgency.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit_date", "id"]
        indexes = [models.Index(fields=["patient", "-visit_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(engine_stage__isnull=True)
                | Q(engine_stage__gte=1, engine_stage__lte=4),
                name="decision_engine_stage_1_4",
            ),
            models.CheckConstraint(
                condition=Q(final_stage__isnull=True) | Q(final_stage__gte=1, final_stage__lte=4),
                name="decision_final_stage_1_4",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", final_action="")
                | Q(status="confirmed") & ~Q(final_action="")
                | Q(status="overridden") & ~Q(final_action="") & ~Q(override_reason=""),
                name="decision_status_consistent",
            ),
            models.CheckConstraint(
                condition=Q(override_urgency="")
                | Q(
                    status="overridden",
                    final_action="REFER",
                    override_urgency__in=ReferralUrgency.values,
                ),
                name="decision_override_urgency_with_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engine_action} at {self.visit_date:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def accepted_action(self) -> str:
        return self.final_action or self.engine_action

    @property
    def accepted_urgency(self) -> str:
        """The urgency of the accepted referral: the clinician's when they overrode the
        rules to refer, else the rules' (PROTOCOL 6); empty when the accepted action is not a
        referral. It orders and labels the caseload's referral queue
        (rehab.services.case_status_fields) and is shown in the decision box."""
        if self.accepted_action != rules.Action.REFER:
            return ""
        return self.override_urgency or self.engine_urgency

    @property
    def unmet_criteria(self) -> list[dict[str, object]]:
        return [c for c in self.criteria if c.get("concern")]

    @property
    def met_criteria(self) -> list[dict[str, object]]:
        return [
            c for c in self.criteria if not c.get("concern") and not str(c["code"]).startswith("R")
        ]

    @property
    def flag_meanings(self) -> list[tuple[str, str]]:
        """Each flag with what it means (rules.flag_meanings)."""
        return rules.flag_meanings(self.engine_flags or [])

    @property
    def red_flag_referral(self) -> bool:
        """The rules referred on red flags: A1 at a first visit, R1 at a review."""
        return self.engine_action == rules.Action.REFER and self.engine_rules[:1] in (
            ["A1"],
            ["R1"],
        )

    @cached_property
    def red_flags(self) -> list[tuple[str, str]]:
        """The red flags a red-flag referral was made on (rules.referring_codes of the facts
        the rules saw), each code with its words. Empty for any other decision."""
        if not self.red_flag_referral:
            return []
        return rules.red_flag_words(rules.referring_codes(self.facts.get("red_flags") or []))

    @property
    def red_flag_codes(self) -> list[str]:
        return [code for code, _ in self.red_flags]

    @property
    def headline(self) -> str:
        """The rules' recommendation in one sentence: the explanation's first line, except
        that a red-flag referral names its red flags in words (the stored line gives their
        codes, and is kept as the rules wrote it)."""
        if self.red_flag_referral:
            return rules.referral_headline(
                self.engine_rules[0], self.engine_urgency, self.red_flag_codes
            )
        return self.explanation[0] if self.explanation else ""

    @property
    def cautions(self) -> list[tuple[str, str]]:
        """The caution codes (which do not decide), each with its words."""
        return rules.red_flag_words(self.caution_codes or [])

    @property
    def is_referral(self) -> bool:
        """The rules refer, or the clinician did (UX.md: referrals are impossible to miss)."""
        return rules.Action.REFER in (self.engine_action, self.accepted_action)

    @property
    def blocking(self) -> bool:
        """The rules referred on a red flag (PROTOCOL 3.3 R1)."""
        return self.engine_action == rules.Action.REFER and "R1" in self.engine_rules

    @property
    def pauses_programme(self) -> bool:
        """A red-flag referral pauses the programme, pending or confirmed, and so does a
        clinician's referral made with the pause ticked; an override to another action (with
        its reason) lets it go on (rehab.services.refresh_patient_state)."""
        referred = self.accepted_action == rules.Action.REFER
        return referred and (self.blocking or self.pause_on_referral)


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def for_clinic(self, clinic: Clinic) -> ExerciseQuerySet:
        """Built-in exercises the clinic has not hidden, and the clinic's own."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic)).exclude(hidden_by=clinic)


class Exercise(models.Model):
    """An exercise of the library (PROTOCOL 2 data model). Built-ins have no clinic and are
    never edited in place; a clinic adds its own and hides built-ins it does not use."""

    class DoseType(models.TextChoices):
        ISOMETRIC_HOLD = "isometric_hold", "Isometric hold"
        HSR = "hsr", "Heavy slow resistance"
        REPS = "reps", "Repetitions"
        PLYOMETRIC = "plyometric", "Plyometric"
        TIMED = "timed", "Timed hold"

    code = models.CharField(max_length=20)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="exercises"
    )
    name = models.CharField(max_length=120)
    # UX.md: the printed programme uses plain words (reading age about 11, no abbreviations);
    # the clinical name stays for the clinic's pages.
    patient_name = models.CharField(
        "name for the patient",
        max_length=120,
        blank=True,
        help_text="Plain words printed on the programme (no abbreviations); "
        "the name above is printed when this is empty.",
    )
    stage_min = models.PositiveSmallIntegerField()
    stage_max = models.PositiveSmallIntegerField()
    hip_flexion_min_deg = models.SmallIntegerField(null=True, blank=True)
    hip_flexion_max_deg = models.SmallIntegerField(
        null=True, blank=True, help_text="Empty: no upper bound (allowed in stage 4 only)."
    )
    hip_flexion_text = models.CharField(max_length=80, blank=True)
    dose_type = models.CharField(max_length=16, choices=DoseType.choices)
    sets_min = models.PositiveSmallIntegerField(null=True, blank=True)
    sets_max = models.PositiveSmallIntegerField(null=True, blank=True)
    reps_min = models.PositiveSmallIntegerField(null=True, blank=True)
    reps_max = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_s_min = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_s_max = models.PositiveSmallIntegerField(null=True, blank=True)
    rest_s = models.PositiveSmallIntegerField(null=True, blank=True)
    rest_s_max = models.PositiveSmallIntegerField(null=True, blank=True)
    tempo = models.CharField(max_length=20, blank=True)
    load_guidance = models.TextField(blank=True, max_length=1000)
    days_per_week = models.PositiveSmallIntegerField(default=3)
    # Sessions on an exercise day, the default of a new plan item (rehab.plans.default_dose).
    # Built-ins: rehab migration 0009 sets the stage-1 isometrics (PROTOCOL 1.3).
    times_per_day = models.PositiveSmallIntegerField(
        "times a day",
        null=True,
        blank=True,
        help_text="1 to 5. Empty: not said; the printout then gives only the days a week.",
    )
    frequency = models.CharField(max_length=200, blank=True)
    min_hours_between_sessions = models.PositiveSmallIntegerField(default=0)
    progression_steps = models.JSONField(default=list, blank=True)
    patient_text = models.TextField(max_length=1000)
    mistakes = models.JSONField(default=list, blank=True)
    supporting = models.BooleanField(default=False)
    plyometric = models.BooleanField(default=False)
    illustration = models.CharField(max_length=100, blank=True, help_text="Static file path.")
    illustration_alt = models.TextField(blank=True, max_length=500)
    hidden_by = models.ManyToManyField(Clinic, blank=True, related_name="hidden_exercises")
    history = HistoricalRecords(excluded_fields=["hidden_by"])

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["stage_min", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(clinic__isnull=True), name="builtin_exercise_code"
            ),
            models.UniqueConstraint(fields=["clinic", "code"], name="clinic_exercise_code"),
            models.CheckConstraint(
                condition=Q(
                    stage_min__gte=1, stage_max__lte=4, stage_min__lte=models.F("stage_max")
                ),
                name="exercise_stage_range",
            ),
            models.CheckConstraint(
                condition=Q(hip_flexion_max_deg__isnull=True)
                | Q(hip_flexion_max_deg__gte=-30, hip_flexion_max_deg__lte=150),
                name="exercise_hip_flexion_range",
            ),
            models.CheckConstraint(
                condition=Q(times_per_day__isnull=True)
                | Q(times_per_day__gte=1, times_per_day__lte=5),
                name="exercise_times_per_day_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_builtin(self) -> bool:
        return self.clinic_id is None

    @property
    def printed_name(self) -> str:
        """The name the patient reads: the plain one, else the clinical one."""
        return self.patient_name or self.name

    @property
    def printed_text(self) -> str:
        """How to do it, as the patient reads it: for a built-in exercise whose PROTOCOL
        wording uses clinical terms, the plain words of library_v1.PATIENT_INSTRUCTIONS."""
        if self.is_builtin:
            return library_v1.PATIENT_INSTRUCTIONS.get(self.code, self.patient_text)
        return self.patient_text

    def missing_dose(self, reps: int | None, hold_s: int | None) -> str | None:
        """The dose field still to fill in ("reps", or "hold_s" for a hold) when a dose of
        this exercise has neither reps nor a hold time, so that the printout would tell the
        patient only the sets; None when the dose says how much to do.

        PROTOCOL 2 doses every exercise in reps or a hold time, except two plyometrics whose
        sets are runs over a distance: bounding (S4-20, "3-4 x 15-20 m") and build-ups
        (S4-21, "4-6 x 60-80 m"). Their library rows give neither, and the printout gives
        the distance from their guidance."""
        if reps or hold_s:
            return None
        by_distance = self.dose_type == self.DoseType.PLYOMETRIC and not (
            self.reps_min or self.reps_max or self.hold_s_min or self.hold_s_max
        )
        if by_distance:
            return None
        holds = (self.DoseType.ISOMETRIC_HOLD, self.DoseType.TIMED)
        return "hold_s" if self.dose_type in holds else "reps"


class PlanQuerySet(models.QuerySet["Plan"]):
    def issued(self) -> PlanQuerySet:
        return self.filter(status=Plan.Status.ISSUED)


class Plan(models.Model):
    """One version of a patient's exercise programme for a stage.

    Issuing freezes a version; a change makes a new draft version (issue 5). At most one
    version per patient is issued at a time (the current programme).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued (current)"
        SUPERSEDED = "superseded", "Superseded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    stage = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)
    # Optimistic locking: a save must name the lock_version it was edited from.
    lock_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="issued"), name="one_issued_plan_per_patient"
            ),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="draft"), name="one_draft_plan_per_patient"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=4), name="plan_stage_1_4"),
        ]

    def __str__(self) -> str:
        return f"Stage {self.stage} plan, version {self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanItem(models.Model):
    """An exercise in a plan with its dose."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_s = models.PositiveSmallIntegerField("hold (seconds)", null=True, blank=True)
    rest_s = models.PositiveSmallIntegerField("rest (seconds)", null=True, blank=True)
    tempo = models.CharField(max_length=20, blank=True)
    load = models.CharField(max_length=120, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField("times a day", null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    bridge = models.BooleanField(
        default=False, help_text="Kept from the previous stage for the first week (PROTOCOL 3.5)."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "exercise"], name="exercise_once_per_plan"),
            models.CheckConstraint(
                condition=Q(sets__isnull=True) | Q(sets__gte=1, sets__lte=10), name="item_sets_1_10"
            ),
            models.CheckConstraint(
                condition=Q(reps__isnull=True) | Q(reps__gte=1, reps__lte=100),
                name="item_reps_1_100",
            ),
            models.CheckConstraint(
                condition=Q(hold_s__isnull=True) | Q(hold_s__gte=1, hold_s__lte=300),
                name="item_hold_1_300",
            ),
            models.CheckConstraint(
                condition=Q(rest_s__isnull=True) | Q(rest_s__lte=900), name="item_rest_0_900"
            ),
            models.CheckConstraint(
                condition=Q(days_per_week__isnull=True)
                | Q(days_per_week__gte=1, days_per_week__lte=7),
                name="item_days_1_7",
            ),
            models.CheckConstraint(
                condition=Q(times_per_day__isnull=True)
                | Q(times_per_day__gte=1, times_per_day__lte=5),
                name="item_times_per_day_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise.name} in {self.plan}"


class RenderJob(models.Model):
    """A printable programme rendered in the background. The database owns the job: its
    status, attempts and file; the broker only carries the job id (STYLE.md 10)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="render_jobs")
    paused = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            # Rendering the same content again reuses the job and its file.
            models.UniqueConstraint(
                fields=["plan", "content_hash"],
                condition=~Q(status="failed"),
                name="one_live_render_per_content",
            ),
            models.CheckConstraint(condition=Q(attempts__lte=3), name="render_attempts_max_3"),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(sha256="") & ~Q(file_name=""),
                name="ready_render_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"Render of {self.plan} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class PatientLink(models.Model):
    """A link for a patient without an account (SECURITY.md "patient links"): a random token
    stored only as its SHA-256, bound to one plan version, expiring and revocable. A download
    link opens the programme; a diary link (printed on the programme) opens the diary."""

    class Purpose(models.TextChoices):
        DOWNLOAD = "download", "Programme download"
        DIARY = "diary", "Session diary"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="links")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.DOWNLOAD)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    # When the token left the server, in a handover sheet or a printed programme. A download
    # link made from the plan page waits (null) until its sheet is downloaded: only then is
    # its token made, once (rehab.programmes.give_sheet).
    token_given_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link to {self.plan} until {self.expires_at:%Y-%m-%d}"

    @property
    def waits_for_sheet(self) -> bool:
        return self.token_given_at is None


class DiaryEntry(models.Model):
    """One day of the patient's own record between visits (issue 9): the session, the
    highest pain during it and the next morning's pain (the 24-hour response, PROTOCOL 0.1)."""

    class Source(models.TextChoices):
        LINK = "link", "Diary link"
        ACCOUNT = "account", "Patient account"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="diary_entries")
    day = models.DateField()
    session_done = models.BooleanField()
    plyometric_day = models.BooleanField(default=False)
    exercise_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    next_morning_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # The usual morning pain the flag rule compared against (from the latest assessment).
    usual_morning_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    # Once flagged, a day stays flagged for the clinician: a patient's later correction
    # (a mistaken score, or no session after all) does not take the flare off the caseload
    # before the physiotherapist has seen it. ``flag_report`` keeps the pains as reported
    # when the day was last flagged, shown beside the corrected ones (rehab.diary.record).
    flagged = models.BooleanField(default=False)
    flag_report = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="one_diary_entry_per_day"),
            models.CheckConstraint(
                condition=Q(exercise_pain__isnull=True) | Q(exercise_pain__lte=10),
                name="diary_exercise_pain_0_10",
            ),
            models.CheckConstraint(
                condition=Q(next_morning_pain__isnull=True) | Q(next_morning_pain__lte=10),
                name="diary_morning_pain_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Diary {self.day:%Y-%m-%d}"

    @property
    def pains(self) -> str:
        return pains_reported(self.exercise_pain, self.next_morning_pain, self.usual_morning_pain)

    @property
    def corrected_flag(self) -> bool:
        """Flagged, and changed since by the patient: the pains shown are not those that
        flagged the day (``flag_report``)."""
        return self.flagged and bool(self.flag_report) and self.flag_report != self.pains


def pains_reported(exercise: int | None, next_morning: int | None, usual: int | None) -> str:
    """A diary day's pains as the clinician reads them."""

    def score(pain: int | None) -> str:
        return "\N{EN DASH}" if pain is None else str(pain)  # as the pages show a gap

    return (
        f"exercise pain {score(exercise)}/10, next morning {score(next_morning)}/10 "
        f"(usual {score(usual)}/10)"
    )


class CaseStatus(models.Model):
    """What the caseload needs of each patient, kept in step by rehab.services (one writer):
    the caseload then joins one row instead of running subqueries for every patient."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="case")
    last_visit = models.DateField(null=True, blank=True)
    decision = models.ForeignKey(
        StageDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The accepted action of that decision: the override, else the rules' action.
    decision_action = models.CharField(max_length=16, blank=True)
    # The last REGRESS or AMBER decision, or flagged diary entry (the flare queue).
    last_flare_on = models.DateField(null=True, blank=True)
    # Copied from that decision so that every caseload queue filters and sorts on this row
    # alone (StageDecision.accepted_urgency as a rank: 0 emergency ... 3 none; rehab.caseload).
    decision_on = models.DateField(null=True, blank=True)
    urgency_rank = models.PositiveSmallIntegerField(default=3)
    # Waiting for the clinician while the rules recommend progressing or completing.
    ready_to_progress = models.BooleanField(default=False)
    # PLATEAU flag (PROTOCOL 3.3) on a decision that kept the patient in the stage.
    plateau = models.BooleanField(default=False)
    # The stage of the issued plan; the patient "has a programme" when it is the current stage.
    programme_stage = models.PositiveSmallIntegerField(null=True, blank=True)

    # The referral queue's order: the most urgent first; CAUTION and none last.
    URGENCY_RANK = {"EMERGENCY": 0, "URGENT": 1, "ROUTINE": 2}
    NO_URGENCY = 3
    # The queue's label read back from the rank, so that the caseload shows the urgency it
    # sorts by without joining the decision for it.
    URGENCY_OF_RANK = {rank: urgency for urgency, rank in URGENCY_RANK.items()}

    class Meta:
        indexes = [
            models.Index(fields=["decision_action"]),
            models.Index(fields=["last_visit"]),
            models.Index(fields=["last_flare_on"]),
            # The two queues that hold few patients are read through partial indexes.
            models.Index(
                fields=["decision_on"], condition=Q(ready_to_progress=True), name="case_ready"
            ),
            models.Index(fields=["patient"], condition=Q(plateau=True), name="case_plateau"),
        ]

    def __str__(self) -> str:
        return f"Case status of {self.patient_id}"
