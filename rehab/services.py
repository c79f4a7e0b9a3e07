"""Writes that span models: stage decisions and the patient's stage (issue 4).

The facts of a visit come from ``rehab.derivation`` (the same code as ``pht_rules replay``);
this module only maps stored rows to its dataclasses and stores what it decides.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from accounts import audit
from accounts.models import User
from patients.models import Assessment, Patient

from . import derivation, rules
from .models import ACCEPTED_ACTION, CaseStatus, Plan, StageDecision, parameters_for

GATE_TESTS = set(derivation.TEST_CODES)


def visit_of(assessment: Assessment) -> derivation.Visit:
    """An assessment as the rules' Visit. Days are date ordinals; gate pain is the
    affected side's, the worse side when both were tested (PROTOCOL 1.7)."""
    tests: dict[str, int] = {}
    for test in assessment.load_tests.all():
        if test.code in GATE_TESTS and test.nprs is not None:
            tests[test.code] = max(test.nprs, tests.get(test.code, 0))
    gap = assessment.min_plyo_interval_h
    return derivation.Visit(
        day=assessment.visit_date.toordinal(),
        red_flags=tuple(assessment.red_flags),
        ex_pain=assessment.nprs_exercise_max,
        morning_baseline=assessment.nprs_morning_baseline,
        pain_24h=assessment.nprs_24h_after_hardest,
        adl_pain=assessment.nprs_adl_typical_7d,
        sit_min=assessment.sitting_tolerance_min,
        visah=assessment.visah_total,
        tests=tests,
        sessions_done=assessment.sessions_done_since_last,
        sessions_prescribed=assessment.sessions_prescribed_since_last,
        plyo_sessions=assessment.plyo_sessions_since_last,
        min_plyo_interval_h=float(gap) if gap is not None else None,
    )


#: What the rules read of the visit itself, by fact (RULES-IO "Facts"), with its label.
VISIT_FACTS = {
    "ex_pain": "highest pain during exercise",
    "morning_baseline": "usual morning pain",
    "pain_24h": "next-morning pain after the hardest session",
    "adl_pain": "pain with daily activities",
    "sit_min": "sitting tolerance (minutes)",
    "visah": "VISA-H total",
    "gate_pain": "pain on the stage's load test",
    "hop_pain": "pain on the 10 hops test",
    "sessions_done_since_last": "sessions done since the last visit",
    "sessions_prescribed_since_last": "sessions prescribed since the last visit",
    "min_plyo_interval_h": "shortest gap between plyometric sessions (hours)",
}


def changed_since_decided(decision: StageDecision) -> list[tuple[str, object, object]]:
    """What an amendment changed of what the rules saw at this visit: (label, what the rules
    saw, the record now). Empty when the decision was made from the record as it is (an
    amendment of the latest visit is decided again; an earlier visit's decision stays)."""
    visit = visit_of(decision.assessment)
    now = {
        "ex_pain": visit.ex_pain,
        "morning_baseline": visit.morning_baseline,
        "pain_24h": visit.pain_24h,
        "adl_pain": visit.adl_pain,
        "sit_min": visit.sit_min,
        "visah": visit.visah,
        "gate_pain": derivation.gate_pain(decision.stage_before, visit.tests),
        "hop_pain": visit.tests.get("H10"),
        "sessions_done_since_last": visit.sessions_done,
        "sessions_prescribed_since_last": visit.sessions_prescribed,
        "min_plyo_interval_h": visit.min_plyo_interval_h,
    }
    changes: list[tuple[str, object, object]] = [
        (label, decision.facts.get(key), now[key])
        for key, label in VISIT_FACTS.items()
        if decision.facts.get(key) != now[key]
    ]
    saw_flags = set(decision.facts.get("red_flags", []))
    if saw_flags != set(visit.red_flags):
        changes.append(
            (
                "red flags",
                ", ".join(sorted(saw_flags)) or "none",
                ", ".join(sorted(visit.red_flags)) or "none",
            )
        )
    return changes


def _history(
    decisions: Iterable[StageDecision],
) -> list[tuple[derivation.Visit, derivation.Outcome]]:
    history = []
    for decision in decisions:
        if decision.is_pending:
            raise PendingDecision(decision)
        outcome = derivation.Outcome(rules.Action(decision.final_action), decision.final_stage)
        history.append((visit_of(decision.assessment), outcome))
    return history


class PendingDecision(Exception):
    """An earlier recommendation has not been confirmed or overridden yet."""

    def __init__(self, decision: StageDecision) -> None:
        super().__init__(f"the decision of {decision.visit_date} is still pending")
        self.decision = decision


def earlier_decisions(
    patient: Patient, before: Assessment | None = None
) -> QuerySet[StageDecision]:
    qs = (
        StageDecision.objects.filter(patient=patient)
        .select_related("assessment")
        .prefetch_related("assessment__load_tests")
        .order_by("visit_date")
    )
    if before is not None:
        qs = qs.filter(visit_date__lt=before.visit_date)
    return qs


def _evaluate(
    patient: Patient, assessment: Assessment
) -> tuple[rules.Facts, rules.Parameters, rules.Decision]:
    """The facts of a signed visit from the record as it is now, and what the rules say."""
    history = _history(earlier_decisions(patient, before=assessment))
    facts = derivation.facts_for_visit(
        patient.needs_energy_storage, None, history, visit_of(assessment)
    )
    params = parameters_for(patient.clinic)
    return facts, params, rules.decide(facts, params)


def _engine_fields(
    facts: rules.Facts, params: rules.Parameters, decision: rules.Decision
) -> dict[str, object]:
    return {
        "stage_before": facts.stage,
        "facts": facts.to_dict(),
        "parameters": params.to_dict(),
        "rules_version": decision.rules_version,
        "engine_action": decision.action.value,
        "engine_stage": decision.stage,
        "engine_rules": list(decision.rules),
        "engine_flags": [str(f) for f in decision.flags],
        "engine_urgency": decision.urgency.value if decision.urgency else "",
        "criteria": [{**dataclasses.asdict(c), "concern": c.concern} for c in decision.criteria],
        "explanation": decision.explain(),
        "caution_codes": list(decision.caution_codes),
    }


#: What a recommendation is, beside its facts: when an amendment leaves these as they were,
#: and the red flags it was made on, the clinician's confirmation or override of it stands.
RECOMMENDATION = (
    "engine_action", "engine_stage", "engine_rules", "engine_flags", "engine_urgency",
    "caution_codes",
)  # fmt: skip


def _same_recommendation(stored: StageDecision, fields: dict[str, Any]) -> bool:
    """The rules say what they said, on the same red flags: a red flag added or removed
    by an amendment always goes back to the clinician, even when the action is the same
    (an override of one referral is not an override of another)."""
    flags_then = sorted(stored.facts.get("red_flags") or [])
    flags_now = sorted(fields["facts"].get("red_flags") or [])
    return flags_then == flags_now and all(
        getattr(stored, name) == fields[name] for name in RECOMMENDATION
    )


@transaction.atomic
def record_decision(assessment: Assessment, user: User) -> StageDecision:
    """Run the rules on a signed assessment and store the recommendation (pending).

    Raises PendingDecision while an earlier recommendation waits for the clinician.
    """
    patient = Patient.objects.select_for_update().get(pk=assessment.patient_id)
    facts, params, decision = _evaluate(patient, assessment)
    stored, _ = StageDecision.objects.update_or_create(
        assessment=assessment,
        defaults={
            "patient": patient,
            "visit_date": assessment.visit_date,
            **_engine_fields(facts, params, decision),
            "status": StageDecision.Status.PENDING,
            "final_action": "",
            "final_stage": None,
            "override_reason": "",
            "decided_by": None,
            "decided_at": None,
            "pause_on_referral": False,
            "override_urgency": "",
        },
    )
    audit.record(None, "decision_recommended", actor=user, patient=patient, obj=stored)
    refresh_patient_state(patient)
    return stored


@transaction.atomic
def decide_again(assessment: Assessment, user: User) -> StageDecision:
    """Run the rules again on a decided visit after an amendment (of it or of an earlier
    visit). If they recommend what they did before, the clinician's confirmation or override
    stands, stored with the amended facts (an amendment of a note changes nothing); if the
    recommendation changed, it waits for the clinician again (:func:`record_decision`)."""
    patient = Patient.objects.select_for_update().get(pk=assessment.patient_id)
    stored = StageDecision.objects.filter(assessment=assessment).first()
    if stored is None or stored.is_pending:
        return record_decision(assessment, user)
    # As stored (JSON has lists, not tuples), so that an unchanged value compares equal.
    fields = json.loads(json.dumps(_engine_fields(*_evaluate(patient, assessment))))
    if not _same_recommendation(stored, fields):
        return record_decision(assessment, user)
    if any(getattr(stored, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(stored, name, value)
        stored._change_reason = "Facts updated after an amendment; same recommendation"  # type: ignore[attr-defined]
        stored.save()
    return stored


# Stage after an override, by action (the clinician picks the action; the stage follows).
def stage_after(action: rules.Action, stage_before: int | None) -> int | None:
    if action is rules.Action.START_STAGE_1:
        return 1
    if action is rules.Action.START_STAGE_2:
        return 2
    if stage_before is None:
        return None
    if action is rules.Action.PROGRESS:
        return min(4, stage_before + 1)
    if action is rules.Action.REGRESS:
        return max(1, stage_before - 1)
    return stage_before


class AlreadyDecided(Exception):
    """Someone confirmed or overrode this recommendation first."""


def _lock_pending(decision: StageDecision) -> StageDecision:
    locked = StageDecision.objects.select_for_update().get(pk=decision.pk)
    if not locked.is_pending:
        raise AlreadyDecided
    return locked


@transaction.atomic
def confirm(decision: StageDecision, user: User) -> StageDecision:
    decision = _lock_pending(decision)
    decision.status = StageDecision.Status.CONFIRMED
    decision.final_action = decision.engine_action
    decision.final_stage = decision.engine_stage
    decision.decided_by, decision.decided_at = user, timezone.now()
    decision.save()
    audit.record(None, "decision_confirmed", actor=user, patient=decision.patient, obj=decision)
    refresh_patient_state(decision.patient)
    return decision


@transaction.atomic
def override(
    decision: StageDecision,
    user: User,
    action: rules.Action,
    reason: str,
    pause: bool = False,
    urgency: str = "",
) -> StageDecision:
    """Record the clinician's own decision; with REFER, ``pause`` pauses the programme until
    the patient has been seen and ``urgency`` (a ReferralUrgency) is how urgent it is."""
    decision = _lock_pending(decision)
    referral = action is rules.Action.REFER
    decision.pause_on_referral = pause and referral
    decision.override_urgency = urgency if referral else ""
    decision.status = StageDecision.Status.OVERRIDDEN
    decision.final_action = action.value
    decision.final_stage = stage_after(action, decision.stage_before)
    decision.override_reason = reason
    decision.decided_by, decision.decided_at = user, timezone.now()
    decision.save()
    audit.record(None, "decision_overridden", actor=user, patient=decision.patient, obj=decision)
    refresh_patient_state(decision.patient)
    return decision


def refresh_patient_state(patient: Patient) -> None:
    """Write the patient's stage, stage entry, programme start and status from the
    accepted decisions: the one place these denormalised columns are set."""
    decisions = list(earlier_decisions(patient))
    accepted = [d for d in decisions if not d.is_pending]
    state = derivation.fold(
        None,
        [
            (
                visit_of(d.assessment),
                derivation.Outcome(rules.Action(d.final_action), d.final_stage),
            )
            for d in accepted
        ],
    )
    patient.stage = state.stage
    patient.stage_entered_on = (
        date.fromordinal(state.stage_entry_day) if state.stage_entry_day is not None else None
    )
    patient.programme_start = (
        date.fromordinal(state.programme_start_day) if state.programme_start_day else None
    )
    latest = decisions[-1] if decisions else None
    if latest is not None and latest.pauses_programme:
        patient.status = Patient.Status.PAUSED
    elif accepted and accepted[-1].final_action == rules.Action.COMPLETE:
        patient.status = Patient.Status.COMPLETED
    elif state.stage is not None:
        patient.status = Patient.Status.ACTIVE
    else:
        patient.status = Patient.Status.NOT_STARTED
    patient.save(
        update_fields=["stage", "stage_entered_on", "programme_start", "status", "updated_at"]
    )
    refresh_case_status(patient)


def refresh_case_status(patient: Patient) -> None:
    """The caseload's row for this patient (rehab.models.CaseStatus)."""
    latest = patient.decisions.order_by("-visit_date", "-id").first()
    last_visit = patient.assessments.signed().aggregate(day=Max("visit_date"))["day"]
    flare_decision = (
        patient.decisions.annotate(accepted=ACCEPTED_ACTION)
        .filter(Q(accepted="REGRESS") | Q(engine_flags__icontains="AMBER"))
        .aggregate(day=Max("visit_date"))["day"]
    )
    flare_diary = patient.diary.filter(flagged=True).aggregate(day=Max("day"))["day"]
    flares = [d for d in (flare_decision, flare_diary) if d is not None]
    issued = patient.plans.filter(status=Plan.Status.ISSUED).values_list("stage", flat=True).first()
    CaseStatus.objects.update_or_create(
        patient=patient,
        defaults=case_status_fields(
            latest,
            last_visit=last_visit,
            last_flare_on=max(flares) if flares else None,
            programme_stage=issued,
        ),
    )


def case_status_fields(
    latest: StageDecision | None,
    *,
    last_visit: date | None,
    last_flare_on: date | None,
    programme_stage: int | None,
) -> dict[str, object]:
    """A CaseStatus row's columns from the patient's latest decision and the other facts."""
    return {
        "last_visit": last_visit,
        "last_flare_on": last_flare_on,
        "programme_stage": programme_stage,
        "decision": latest,
        "decision_action": latest.accepted_action if latest else "",
        "decision_on": latest.visit_date if latest else None,
        "urgency_rank": CaseStatus.URGENCY_RANK.get(
            latest.accepted_urgency if latest else "", CaseStatus.NO_URGENCY
        ),
        "ready_to_progress": bool(
            latest
            and latest.is_pending
            and latest.engine_action in (rules.Action.PROGRESS, rules.Action.COMPLETE)
        ),
        "plateau": bool(
            latest
            and "PLATEAU" in latest.engine_flags
            and latest.accepted_action == rules.Action.STAY
        ),
    }
