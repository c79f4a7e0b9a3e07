"""Patients and their assessments (PROTOCOL 4.1 and 4.2).

Records are kept forever: a patient with records is archived, never deleted, and a signed
assessment is changed only by an amendment with a reason (the original stays in history).
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import BaseConstraint, Q
from simple_history.models import HistoricalRecords

from accounts.models import Clinic

from . import search, visah

# Red-flag codes of PROTOCOL 6, in the order the screen asks them.
RED_FLAG_CHOICES = [
    ("RF_AVULSION", "Suspected avulsion: acute event, pop, bruising, palpable gap"),
    ("RF_APOPHYSEAL", "Young athlete with sudden ischial pain (apophyseal injury)"),
    ("RF_CAUDA_EQUINA", "Saddle anaesthesia, new bladder/bowel change, bilateral signs"),
    ("RF_PROGRESSIVE_NEURO", "Progressive motor weakness (e.g. foot drop)"),
    ("RF_NEURO_SIGNS", "Neurological signs below the knee, positive slump/SLR"),
    ("RF_NIGHT_PAIN", "Constant non-mechanical night pain"),
    ("RF_SYSTEMIC", "Fever, weight loss, cancer history, immunosuppression"),
    ("RF_FRACTURE", "Significant trauma or suspected bone stress injury"),
    ("RF_INFLAMMATORY", "Features of inflammatory disease"),
    ("RF_MEDICATION", "Recent fluoroquinolone or systemic corticosteroid (caution only)"),
]
RED_FLAG_CODES = [code for code, _ in RED_FLAG_CHOICES]


def _pain(name: str) -> Q:
    """NPRS is an integer 0-10 (PROTOCOL 0)."""
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0, f"{name}__lte": 10})


def _range(name: str, low: int, high: int) -> Q:
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": low, f"{name}__lte": high})


def name_matches(query: str) -> Q:
    """Patients whose name holds every word of ``query``, whatever the case and accents
    ("zoe" finds Zoë, "muller" and "mueller" Müller): see patients.search. No words match
    every patient."""
    return Q(
        *(
            functools.reduce(operator.or_, (Q(search_name__contains=s) for s in spellings))
            for spellings in search.words(query)
        )
    )


#: The stage filter of the patient list and the caseload (:func:`at_stage`).
STAGE_FILTER_CHOICES = [
    ("", "Any stage"),
    ("0", "Not started"),
    *((str(stage), f"Stage {stage}") for stage in (1, 2, 3, 4)),
    ("completed", "Completed"),
]


def at_stage(choice: str) -> Q:
    """Patients at a choice of STAGE_FILTER_CHOICES. A completed programme keeps its last
    stage (rehab.services) but its patient is no longer in that stage: "Stage 4" leaves them
    out and "Completed" lists them, as the caseload's "Patients per stage" chart counts."""
    completed = Q(status=Patient.Status.COMPLETED)
    if choice == "completed":
        return completed
    if choice == "0":
        return Q(stage__isnull=True)
    return Q(stage=int(choice)) & ~completed


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, user: object) -> PatientQuerySet:
        """Patients of the user's clinic; a patient account sees only its own record."""
        clinic_id = getattr(user, "clinic_id", None)
        if clinic_id is None or not getattr(user, "is_active", False):
            return self.none()
        if getattr(user, "role", "") == "patient":
            return self.filter(clinic_id=clinic_id, user=user)
        return self.filter(clinic_id=clinic_id)

    def active(self) -> PatientQuerySet:
        return self.filter(archived_at__isnull=True)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """As QuerySet.bulk_create, which does not call save(): fill in ``search_name``.
        (Typed Any: django-stubs cannot type an override that calls the base method.)"""
        patients = list(objs)
        for patient in patients:
            patient.search_name = patient.folded_name()
        return super().bulk_create(patients, *args, **kwargs)


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        OTHER = "other"
        UNKNOWN = "unknown"

    class Side(models.TextChoices):
        LEFT = "left"
        RIGHT = "right"
        BILATERAL = "bilateral"

    class Onset(models.TextChoices):
        GRADUAL = "gradual"
        ACUTE_EVENT = "acute_event", "Acute event"

    class SportLevel(models.TextChoices):
        NONE = "none"
        RECREATIONAL = "recreational"
        COMPETITIVE = "competitive"
        ELITE = "elite"

    class Menopause(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        PRE = "pre", "Pre-menopausal"
        PERI = "peri", "Peri-menopausal"
        POST = "post", "Post-menopausal"
        UNKNOWN = "unknown", "Unknown"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ACTIVE = "active", "In programme"
        PAUSED = "paused", "Paused: referred"
        COMPLETED = "completed", "Completed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # "first last" as the name search compares it (patients.search.searched), set by save() and
    # bulk_create(); an update() or bulk_update() of a name must set it too. A text column:
    # folding can lengthen a name ("ß" is "ss").
    search_name = models.TextField(editable=False)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    affected_side = models.CharField(max_length=10, choices=Side.choices)
    onset = models.CharField(max_length=12, choices=Onset.choices)
    symptom_duration_weeks = models.PositiveSmallIntegerField()
    sport_activity = models.CharField(max_length=120, blank=True)
    sport_level = models.CharField(max_length=12, choices=SportLevel.choices, default="none")
    needs_energy_storage = models.BooleanField(
        default=False, help_text="The patient's goals need running, sprinting or jumping (stage 4)."
    )
    # Risk factors (PROTOCOL 4.1; Beatty 2017).
    height_cm = models.PositiveSmallIntegerField(null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    menopausal_status = models.CharField(
        max_length=16, choices=Menopause.choices, default=Menopause.NOT_APPLICABLE
    )
    diabetes_or_metabolic = models.BooleanField(
        "Diabetes or other metabolic disease", default=False
    )
    inflammatory_arthritis = models.BooleanField(default=False)
    hypercholesterolaemia = models.BooleanField(default=False)
    fluoroquinolone_last_6m = models.BooleanField(
        "Fluoroquinolone antibiotic in the last 6 months", default=False
    )
    systemic_corticosteroid = models.BooleanField("Systemic corticosteroid recently", default=False)
    injection_last_6w = models.BooleanField("Injection in the last 6 weeks", default=False)
    prior_hamstring_injury = models.BooleanField(default=False)
    physio = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patients",
        verbose_name="assigned physiotherapist",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
        verbose_name="patient account",
    )
    programme_start = models.DateField(null=True, blank=True)
    # Kept in step with confirmed stage decisions by rehab.services (one place writes them).
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    stage_entered_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["search_name"])  # derived from the names

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["clinic", "last_name", "first_name"]),
            models.Index(fields=["clinic", "physio"]),
        ]
        constraints = [
            models.CheckConstraint(condition=_range("stage", 1, 4), name="patient_stage_1_4"),
            models.CheckConstraint(
                condition=Q(symptom_duration_weeks__lte=520), name="patient_duration_0_520"
            ),
            models.CheckConstraint(
                condition=_range("height_cm", 50, 250), name="patient_height_50_250"
            ),
            models.CheckConstraint(
                condition=_range("weight_kg", 20, 350), name="patient_weight_20_350"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=date(1900, 1, 1)), name="patient_dob_after_1900"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, with ``search_name`` in step with the names: every way a name is written
        (forms, services, demo and test data) goes through here or through bulk_create."""
        self.search_name = self.folded_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def folded_name(self) -> str:
        return search.searched(self.full_name)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def sport_level_words(self) -> str:
        """The sport level as the summary says it after the sport ("competitive"); nothing
        for a level of "none", which read "Walking (None)" as if a value were missing."""
        if self.sport_level == self.SportLevel.NONE:
            return ""
        return str(self.get_sport_level_display()).lower()

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def bmi(self) -> float | None:
        if not self.height_cm or not self.weight_kg:
            return None
        return round(float(self.weight_kg) / (self.height_cm / 100) ** 2, 1)


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def signed(self) -> AssessmentQuerySet:
        return self.filter(signed_at__isnull=False)


class Assessment(models.Model):
    """One visit's findings (PROTOCOL 4.2)."""

    class VisitType(models.TextChoices):
        INITIAL = "initial"
        REVIEW = "review"
        DISCHARGE = "discharge"
        UNSCHEDULED = "unscheduled"

    class NightPain(models.TextChoices):
        NONE = "none", "None"
        POSITIONAL = "positional", "Positional (eases with a change of position)"
        CONSTANT = "constant_non_mechanical", "Constant, non-mechanical"

    class Surface(models.TextChoices):
        HARD = "hard"
        PADDED = "padded"
        CUSHION = "cushion"

    class Item8Branch(models.TextChoices):
        A = "A", visah.ITEM8_BRANCH_LABELS["A"]
        B = "B", visah.ITEM8_BRANCH_LABELS["B"]
        C = "C", visah.ITEM8_BRANCH_LABELS["C"]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    visit_date = models.DateField()
    visit_type = models.CharField(max_length=12, choices=VisitType.choices)
    stage_before = models.PositiveSmallIntegerField("stage before the visit", null=True, blank=True)
    # Pain, NPRS 0-10 at the affected ischial region (PROTOCOL 0, 4.2).
    nprs_morning_baseline = models.PositiveSmallIntegerField("usual morning pain")
    nprs_24h_after_hardest = models.PositiveSmallIntegerField(
        "next-morning pain after the hardest session", null=True, blank=True
    )
    nprs_exercise_max = models.PositiveSmallIntegerField(
        "highest pain during exercise", null=True, blank=True
    )
    nprs_adl_typical_7d = models.PositiveSmallIntegerField("pain with daily activities (7 days)")
    nprs_worst_7d = models.PositiveSmallIntegerField("worst pain (7 days)", null=True, blank=True)
    night_pain = models.CharField(max_length=24, choices=NightPain.choices)
    sitting_tolerance_min = models.PositiveSmallIntegerField("sitting tolerance (minutes)")
    sitting_surface = models.CharField(max_length=8, choices=Surface.choices, blank=True)
    ischial_tenderness = models.PositiveSmallIntegerField(null=True, blank=True)
    # Adherence since the last visit (stage 4: plyometric sessions and their shortest gap).
    sessions_prescribed_since_last = models.PositiveSmallIntegerField(
        "sessions prescribed since the last visit", null=True, blank=True
    )
    sessions_done_since_last = models.PositiveSmallIntegerField(
        "sessions done since the last visit", null=True, blank=True
    )
    plyo_sessions_since_last = models.PositiveSmallIntegerField(
        "plyometric sessions since the last visit", null=True, blank=True
    )
    min_plyo_interval_h = models.DecimalField(
        "shortest gap between plyometric sessions (hours)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    # VISA-H (PROTOCOL 5): the total is computed, never typed.
    visah_1 = models.PositiveSmallIntegerField("VISA-H item 1", null=True, blank=True)
    visah_2 = models.PositiveSmallIntegerField("VISA-H item 2", null=True, blank=True)
    visah_3 = models.PositiveSmallIntegerField("VISA-H item 3", null=True, blank=True)
    visah_4 = models.PositiveSmallIntegerField("VISA-H item 4", null=True, blank=True)
    visah_5 = models.PositiveSmallIntegerField("VISA-H item 5", null=True, blank=True)
    visah_6 = models.PositiveSmallIntegerField("VISA-H item 6", null=True, blank=True)
    visah_7 = models.PositiveSmallIntegerField("VISA-H item 7", null=True, blank=True)
    visah_8_branch = models.CharField(
        "VISA-H item 8, branch", max_length=1, choices=Item8Branch.choices, blank=True
    )
    visah_8 = models.PositiveSmallIntegerField("VISA-H item 8", null=True, blank=True)
    visah_total = models.PositiveSmallIntegerField(
        "VISA-H total", null=True, blank=True, editable=False
    )
    groc = models.SmallIntegerField("global rating of change (-7 to +7)", null=True, blank=True)
    knee_flexion_strength_left_n = models.DecimalField(
        "knee flexion strength, left (N)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    knee_flexion_strength_right_n = models.DecimalField(
        "knee flexion strength, right (N)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    running_km_week = models.DecimalField(
        "running (km a week)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    sport_sessions_week = models.PositiveSmallIntegerField(
        "sport sessions a week", null=True, blank=True
    )
    # Neurological screen (PROTOCOL 4.2); it feeds the red flags.
    slump_reproduces_distal = models.BooleanField(
        "slump test reproduces distal symptoms", default=False
    )
    slr_positive = models.BooleanField("straight-leg raise positive", default=False)
    dermatomal_sensory_loss = models.BooleanField(default=False)
    myotomal_weakness = models.BooleanField(default=False)
    reflex_change = models.BooleanField(default=False)
    saddle_anaesthesia = models.BooleanField(default=False)
    bladder_bowel_change = models.BooleanField("bladder or bowel change", default=False)
    # Red flags (PROTOCOL 6): an explicit "none" is required when no code is ticked.
    red_flags = models.JSONField(default=list, blank=True)
    red_flags_none = models.BooleanField("no red flags found", default=False)
    notes = models.TextField("clinical notes", blank=True, max_length=5000)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["visit_date", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "visit_date"], name="one_assessment_per_day"
            ),
            *[
                models.CheckConstraint(condition=_pain(name), name=f"assessment_{name}_0_10")
                for name in (
                    "nprs_morning_baseline",
                    "nprs_24h_after_hardest",
                    "nprs_exercise_max",
                    "nprs_adl_typical_7d",
                    "nprs_worst_7d",
                    "ischial_tenderness",
                    "visah_1",
                    "visah_2",
                    "visah_3",
                    "visah_4",
                    "visah_5",
                    "visah_6",
                )
            ],
            models.CheckConstraint(
                condition=_range("stage_before", 1, 4), name="assessment_stage_before_1_4"
            ),
            models.CheckConstraint(
                condition=Q(sitting_tolerance_min__lte=240), name="assessment_sitting_0_240"
            ),
            *[
                models.CheckConstraint(condition=_range(name, 0, 100), name=f"assessment_{name}")
                for name in ("sessions_prescribed_since_last", "sessions_done_since_last")
            ],
            models.CheckConstraint(
                condition=_range("plyo_sessions_since_last", 0, 50), name="assessment_plyo_0_50"
            ),
            models.CheckConstraint(
                condition=_range("min_plyo_interval_h", 0, 336), name="assessment_plyo_gap_0_336"
            ),
            models.CheckConstraint(
                condition=Q(visah_7__isnull=True) | Q(visah_7__in=visah.ITEM7_POINTS),
                name="assessment_visah_7_points",
            ),
            models.CheckConstraint(
                condition=Q(visah_8__isnull=True, visah_8_branch="")
                | Q(visah_8_branch="A", visah_8__in=visah.ITEM8_POINTS["A"])
                | Q(visah_8_branch="B", visah_8__in=visah.ITEM8_POINTS["B"])
                | Q(visah_8_branch="C", visah_8__in=visah.ITEM8_POINTS["C"]),
                name="assessment_visah_8_branch_points",
            ),
            models.CheckConstraint(
                condition=_range("visah_total", 0, 100), name="assessment_visah_total_0_100"
            ),
            models.CheckConstraint(condition=_range("groc", -7, 7), name="assessment_groc"),
            models.CheckConstraint(
                condition=_range("knee_flexion_strength_left_n", 0, 1000)
                & _range("knee_flexion_strength_right_n", 0, 1000),
                name="assessment_strength_0_1000",
            ),
            models.CheckConstraint(
                condition=_range("running_km_week", 0, 300), name="assessment_running_0_300"
            ),
            models.CheckConstraint(
                condition=_range("sport_sessions_week", 0, 21), name="assessment_sport_0_21"
            ),
            # Exactly one of: an explicit "none", or at least one red-flag code.
            models.CheckConstraint(
                condition=Q(red_flags_none=True, red_flags=[])
                | (Q(red_flags_none=False) & ~Q(red_flags=[])),
                name="assessment_red_flags_explicit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_visit_type_display()} assessment on {self.visit_date:%Y-%m-%d}"

    def get_constraints(self) -> list[tuple[type[models.Model], Sequence[BaseConstraint]]]:
        """The constraints that model validation (full_clean) checks: the unique ones.

        Every CheckConstraint above is also a check of the assessment form, with its message
        next to the field (patients.forms.bounded and the form's clean methods), and the
        database enforces it on every write. Django would check each once more with a query
        of its own: 25 queries, about 100 ms, on every save of the form (make bench)."""
        return [
            (model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
            for model, constraints in super().get_constraints()
        ]

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def visah_items(self) -> tuple[int | None, ...]:
        return (self.visah_1, self.visah_2, self.visah_3, self.visah_4, self.visah_5, self.visah_6)

    def compute_visah_total(self) -> int | None:
        return visah.total(self.visah_items(), self.visah_7, self.visah_8_branch, self.visah_8)

    @property
    def blocking_red_flags(self) -> list[str]:
        return [code for code in self.red_flags if code != "RF_MEDICATION"]


class LoadTest(models.Model):
    """A load or provocation test done at a visit (PROTOCOL 1.7, 4.2)."""

    class Code(models.TextChoices):
        G1 = "G1", "G1 short-lever single-leg bridge"
        G2 = "G2", "G2 long-lever single-leg bridge, heel on box"
        G3_LUNGE = "G3_LUNGE", "G3 forward lunge"
        G3_SLDL = "G3_SLDL", "G3 single-leg deadlift / arabesque"
        H10 = "H10", "H10 ten single-leg hops"
        G4 = "G4", "G4 sport-specific energy test"
        PURANEN_ORAVA = "PURANEN_ORAVA", "Puranen-Orava test"
        BENT_KNEE = "BENT_KNEE", "Bent-knee stretch test"
        MOD_BENT_KNEE = "MOD_BENT_KNEE", "Modified bent-knee stretch test"
        SLHB_FAILURE = "SLHB_FAILURE", "Single-leg hamstring bridge to failure"

    class Side(models.TextChoices):
        LEFT = "left"
        RIGHT = "right"
        WORSE = "worse", "Worse side (bilateral symptoms)"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="load_tests")
    code = models.CharField(max_length=16, choices=Code.choices)
    side = models.CharField(max_length=5, choices=Side.choices)
    nprs = models.PositiveSmallIntegerField("pain (0-10)", null=True, blank=True)
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    load_kg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    hip_flexion_deg = models.PositiveSmallIntegerField(null=True, blank=True)
    reproduces_familiar_pain = models.BooleanField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "code", "side"], name="one_result_per_test_and_side"
            ),
            models.CheckConstraint(condition=_pain("nprs"), name="loadtest_nprs_0_10"),
            models.CheckConstraint(condition=_range("reps", 0, 100), name="loadtest_reps_0_100"),
            models.CheckConstraint(condition=_range("load_kg", 0, 300), name="loadtest_load_0_300"),
            models.CheckConstraint(
                condition=_range("hip_flexion_deg", 0, 120), name="loadtest_hip_0_120"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.side})"


class PsfsItem(models.Model):
    """Patient-Specific Functional Scale activity (PROTOCOL 4.2): 0 unable, 10 as before."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="psfs_items")
    position = models.PositiveSmallIntegerField()
    activity = models.CharField(max_length=120)
    score = models.PositiveSmallIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "position"], name="one_psfs_per_slot"),
            models.CheckConstraint(condition=Q(score__lte=10), name="psfs_score_0_10"),
            models.CheckConstraint(condition=Q(position__lte=5), name="psfs_at_most_5"),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.score}/10"
