"""Stage decisions and the clinic's rules parameters (issue 4); plans and programmes follow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import Clinic
from patients.models import Assessment, Patient

from . import rules

ACTION_CHOICES = [(a.value, a.value.replace("_", " ").capitalize()) for a in rules.Action]


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
    def unmet_criteria(self) -> list[dict[str, object]]:
        return [c for c in self.criteria if c.get("concern")]

    @property
    def met_criteria(self) -> list[dict[str, object]]:
        return [
            c for c in self.criteria if not c.get("concern") and not str(c["code"]).startswith("R")
        ]

    @property
    def is_referral(self) -> bool:
        return self.engine_action == rules.Action.REFER

    @property
    def blocking(self) -> bool:
        """A red-flag referral pauses the programme (PROTOCOL 3.3 R1)."""
        return self.engine_action == rules.Action.REFER and "R1" in self.engine_rules
