"""Exercise plans: built from the stage template, safe for the stage, versioned (issue 5)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts import audit
from accounts.models import User
from patients.forms import clinic_today
from patients.models import Patient
from pht_clinic.html import short_date

from . import library_v1
from .models import Exercise, PatientLink, Plan, PlanItem
from .services import refresh_case_status


class PlanError(Exception):
    """A change refused with a message for the physiotherapist."""


class StaleVersion(PlanError):
    """Someone else saved this plan version first (optimistic locking)."""


class PatientArchived(StaleVersion):
    """The patient was archived (by someone else, meanwhile): their plans are read-only."""


def _refuse_archived(patient: Patient | None = None, *, plan: Plan | None = None) -> None:
    """Plans of an archived patient are read-only (rehab.views refuses first, with the
    page; this catches an archive that came in between). ``patient`` is a locked row."""
    if patient is not None:
        archived = patient.is_archived
    else:
        assert plan is not None  # noqa: S101 - one of the two
        archived = Patient.objects.filter(pk=plan.patient_id, archived_at__isnull=False).exists()
    if archived:
        raise PatientArchived(
            "This patient has been archived, so their plans can be read but not changed: "
            "nothing was saved. Restore them first if they are back in your care."
        )


def stage_use_error(exercise: Exercise, stage: int) -> str | None:
    """Why ``exercise`` may not be prescribed in ``stage`` (PROTOCOL 2 hip-flexion limits)."""
    return library_v1.check_stage_use(exercise, stage)


def start_day_error(exercise: Exercise, plan: Plan) -> str | None:
    """Why ``exercise`` may not start yet in ``plan`` (library_v1.START_DAY_IN_STAGE), or
    None. A patient whose stage entry date is not known counts as on its first day."""
    if not exercise.is_builtin or exercise.code not in library_v1.START_DAY_IN_STAGE:
        return None
    stage, first_day = library_v1.START_DAY_IN_STAGE[exercise.code]
    if plan.stage != stage:
        return None
    patient = plan.patient
    entered = patient.stage_entered_on or clinic_today(patient.clinic)
    day = (clinic_today(patient.clinic) - entered).days
    if day >= first_day:
        return None
    return (
        f"{exercise.name} starts no earlier than {first_day} days into stage {stage} "
        f"(PROTOCOL 1.4): this patient is {day} days in, so it can be added from "
        f"{short_date(entered + timedelta(days=first_day))}."
    )


def dose_error(item: PlanItem) -> str | None:
    """Why ``item`` cannot go on a patient's programme yet (Exercise.missing_dose), or None.
    A draft may lack a dose while it is worked on; an issued plan may not."""
    if item.exercise.missing_dose(item.reps, item.hold_s) is None:
        return None
    return (
        f"{item.exercise.name} has neither reps nor a hold time: enter how much to do "
        "before issuing the plan."
    )


def default_dose(exercise: Exercise, stage: int, *, maintenance: bool = False) -> dict[str, Any]:
    """The entry dose of an exercise (PROTOCOL 3.5: a new stage starts at its entry dose).
    Strength work is twice a week in stage 4 (PROTOCOL 1.6) and in the ``maintenance``
    programme after the programme is completed (PROTOCOL 1.5)."""
    reps = exercise.reps_min
    if exercise.dose_type == Exercise.DoseType.HSR and exercise.reps_max:
        reps = exercise.reps_max  # HSR starts light: ~15RM in week 1 (PROTOCOL 1.4)
    days = exercise.days_per_week
    if (stage == 4 or maintenance) and not exercise.plyometric and not exercise.supporting:
        days = library_v1.STAGE4_HSR_DAYS_PER_WEEK
    return {
        "sets": exercise.sets_min or exercise.sets_max,
        "reps": reps,
        "hold_s": exercise.hold_s_min,
        "rest_s": exercise.rest_s,
        "tempo": exercise.tempo,
        "days_per_week": days,
        "times_per_day": exercise.times_per_day,
    }


def _next_version(patient: Patient) -> int:
    return (patient.plans.aggregate(v=Max("version"))["v"] or 0) + 1


def _draft_of(patient: Patient) -> Plan | None:
    return patient.plans.filter(status=Plan.Status.DRAFT).first()


@transaction.atomic
def create_from_template(
    patient: Patient, stage: int, user: User, bridge: Sequence[Exercise] = ()
) -> Plan:
    """A draft plan with the stage's default programme, plus up to two bridge exercises
    kept from the previous stage for the first week (PROTOCOL 3.5)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    _refuse_archived(patient)
    if _draft_of(patient) is not None:
        raise PlanError("This patient already has a draft plan: edit or issue it first.")
    if len(bridge) > 2:
        raise PlanError("Keep at most two exercises from the previous stage as a bridge.")
    codes = library_v1.STAGE_TEMPLATES[stage]
    library = {e.code: e for e in Exercise.objects.filter(clinic=None, code__in=codes)}
    # One the new stage's template holds goes on for the whole stage, not a week (PROTOCOL
    # 1.6: stage 4 keeps the stage-3 HSR twice a week).
    bridge = [b for b in bridge if library.get(b.code) != b]
    # PROTOCOL 1.5: a stage-3 COMPLETE keeps a maintenance programme; a stage-4 one hands
    # over to graded return to sport (PROTOCOL 1.6), outside the app.
    maintenance = patient.is_completed and stage == 3
    plan = Plan.objects.create(
        patient=patient,
        stage=stage,
        version=_next_version(patient),
        created_by=user,
        note=library_v1.MAINTENANCE_NOTE if maintenance else "",
    )
    position = 0
    for exercise in bridge:
        error = stage_use_error(exercise, stage)
        if error:
            raise PlanError(error)
        position += 1
        PlanItem.objects.create(
            plan=plan,
            exercise=exercise,
            position=position,
            bridge=True,
            note="Bridge from the previous stage: first week only.",
            **default_dose(exercise, stage),
        )
    hidden = set(patient.clinic.hidden_exercises.values_list("code", flat=True))
    for code in codes:
        exercise = library[code]
        if code in hidden:
            continue
        position += 1
        dose = default_dose(exercise, stage, maintenance=maintenance)
        PlanItem.objects.create(plan=plan, exercise=exercise, position=position, **dose)
    audit.record(None, "plan_created", actor=user, patient=patient, obj=plan)
    return plan


@transaction.atomic
def new_draft_from(plan: Plan, user: User, *, note: str = "") -> Plan:
    """A new draft version copying ``plan`` (issued versions are frozen)."""
    patient = Patient.objects.select_for_update().get(pk=plan.patient_id)
    _refuse_archived(patient)
    existing = _draft_of(patient)
    if existing is not None:
        return existing
    draft = Plan.objects.create(
        patient=patient,
        stage=plan.stage,
        version=_next_version(patient),
        based_on=plan,
        created_by=user,
        # A reduction's note tells what changed from the version before: the next version
        # starts without it. The maintenance programme stays one.
        note=note or (plan.note if plan.note == library_v1.MAINTENANCE_NOTE else ""),
    )
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=draft,
            exercise_id=item.exercise_id,
            position=item.position,
            sets=item.sets,
            reps=item.reps,
            hold_s=item.hold_s,
            rest_s=item.rest_s,
            tempo=item.tempo,
            load=item.load,
            days_per_week=item.days_per_week,
            times_per_day=item.times_per_day,
            note=item.note,
            bridge=item.bridge,
        )
        for item in plan.items.all()
    )
    audit.record(None, "plan_created", actor=user, patient=patient, obj=draft)
    return draft


def _claim(plan: Plan, lock_version: int) -> None:
    """Take the next lock version, or fail if someone saved since ``lock_version``."""
    claimed = Plan.objects.filter(
        pk=plan.pk, status=Plan.Status.DRAFT, lock_version=lock_version
    ).update(lock_version=F("lock_version") + 1, updated_at=timezone.now())
    if not claimed:
        raise StaleVersion(
            "Someone else saved this plan while you were editing it. Your changes are shown "
            "below and have not been saved: check them against the current plan and save again."
        )


@dataclass
class ItemChange:
    item_id: int
    position: int
    delete: bool
    dose: dict[str, Any]


def _changes_item(item: PlanItem, change: ItemChange) -> bool:
    return (
        change.delete
        or change.position != item.position
        or any(getattr(item, name) != value for name, value in change.dose.items())
    )


@transaction.atomic
def save_items(plan: Plan, lock_version: int, changes: Iterable[ItemChange], user: User) -> bool:
    """Apply the changes to the plan's items; False (and nothing written) when they leave
    every item as it is."""
    items = {item.pk: item for item in plan.items.select_for_update()}
    changes = [c for c in changes if c.item_id in items and _changes_item(items[c.item_id], c)]
    if not changes:
        return False
    _refuse_archived(plan=plan)
    _claim(plan, lock_version)
    for change in changes:
        item = items[change.item_id]
        if change.delete:
            item.delete()
            continue
        for name, value in change.dose.items():
            setattr(item, name, value)
        item.position = change.position
        item.save()
    audit.record(None, "plan_updated", actor=user, patient=plan.patient, obj=plan)
    return True


@transaction.atomic
def add_exercise(plan: Plan, lock_version: int, exercise: Exercise, user: User) -> PlanItem:
    error = stage_use_error(exercise, plan.stage) or start_day_error(exercise, plan)
    if error:
        raise PlanError(error)
    _refuse_archived(plan=plan)
    _claim(plan, lock_version)
    position = (plan.items.aggregate(p=Max("position"))["p"] or 0) + 1
    try:
        with transaction.atomic():
            item = PlanItem.objects.create(
                plan=plan,
                exercise=exercise,
                position=position,
                **default_dose(
                    exercise, plan.stage, maintenance=plan.note == library_v1.MAINTENANCE_NOTE
                ),
            )
    except IntegrityError:
        raise PlanError(f"{exercise.name} is already in this plan.") from None
    audit.record(None, "plan_updated", actor=user, patient=plan.patient, obj=plan)
    return item


@transaction.atomic
def issue(plan: Plan, lock_version: int, user: User) -> Plan:
    """Freeze this version as the patient's current programme; the previous one is kept."""
    patient = Patient.objects.select_for_update().get(pk=plan.patient_id)
    _refuse_archived(patient)
    if plan.stage != patient.stage:
        raise PlanError(
            f"This plan is for stage {plan.stage}, but the patient is now in stage "
            f"{patient.stage}: build the stage {patient.stage} plan from its template."
        )
    _claim(plan, lock_version)
    for item in plan.items.select_related("exercise"):
        error = (
            stage_use_error(item.exercise, plan.stage)
            or start_day_error(item.exercise, plan)
            or dose_error(item)
        )
        if error:
            raise PlanError(error)
    if not plan.items.exists():
        raise PlanError("Add at least one exercise before issuing the plan.")
    superseded = patient.plans.filter(status=Plan.Status.ISSUED)
    # A link is bound to one plan version (SECURITY.md): the old one's links stop working, so
    # that an old handover sheet never downloads exercises that have been replaced; the
    # patient is told to use the newest programme or ask the clinic.
    PatientLink.objects.filter(plan__in=superseded, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    superseded.update(status=Plan.Status.SUPERSEDED)
    plan.refresh_from_db()
    plan.status, plan.issued_by, plan.issued_at = Plan.Status.ISSUED, user, timezone.now()
    plan.save(update_fields=["status", "issued_by", "issued_at", "updated_at"])
    refresh_case_status(patient)  # leaves the "no programme" queue
    audit.record(None, "plan_issued", actor=user, patient=patient, obj=plan)
    return plan


def _fresh_draft(plan: Plan, user: User, note: str) -> Plan:
    """A new draft copied from the issued ``plan``; a reduction is never applied twice."""
    if plan.is_draft or plan.patient.plans.filter(status=Plan.Status.DRAFT).exists():
        raise PlanError("There is already a draft of this plan: change its doses there.")
    return new_draft_from(plan, user, note=note)


def reduced(value: int | None, percent: int) -> int | None:
    if value is None:
        return None
    return max(1, math.floor(value * (100 - percent) / 100))


#: The weight of a heavy-slow-resistance item after an amber cut (PlanItem.load). The
#: repeats are in the dose box beside it, so the words hold when the physio changes them.
_LIGHTER = re.compile(r"^About (\d+)% lighter than (.+)$")
_RM_WEIGHT = "the weight you could just lift this many times"
#: What an exercise dosed by sets and distance (bounding, build-ups) is told after an amber
#: cut (PlanItem.note).
_LESS = re.compile(r"^For now do about \d+% less: [^.]*\.\s*")


def lighter(load: str, percent: int) -> str:
    """``load`` made ``percent`` lighter: a second cut combines with the first (15% then 20%
    is 32%); a weight the physio wrote stays named ("About 20% lighter than 20 kg")."""
    base = load or _RM_WEIGHT
    if match := _LIGHTER.match(load):
        percent = round(100 - (100 - int(match.group(1))) * (100 - percent) / 100)
        base = match.group(2)
    text = f"About {percent}% lighter than {base}"
    if len(text) > (PlanItem._meta.get_field("load").max_length or 0):
        text = f"About {percent}% lighter than {_RM_WEIGHT}"
    return text


def is_lighter(load: str) -> bool:
    """The weight is an amber cut's (:func:`lighter`), which replaces choosing a weight by
    the repeats it can be lifted (the printout's line for heavy slow resistance)."""
    return _LIGHTER.match(load) is not None


def less(note: str, percent: int) -> str:
    """An amber cut of an exercise dosed by sets and distance, said before its note: fewer
    sets would cut a third of 3 (PROTOCOL 3.5 asks 10-20 %), so the distance and effort go."""
    said = f"For now do about {percent}% less: shorter distances, at a little less effort. "
    text = said + _LESS.sub("", note)
    return text[: PlanItem._meta.get_field("note").max_length].rstrip()


@transaction.atomic
def reduce_dose(plan: Plan, percent: int, user: User) -> Plan:
    """STAY with AMBER: a new draft with the load or volume cut by 10-20 % (PROTOCOL 3.5).
    A heavy-slow-resistance item keeps its repeats, its RM step ("or hold the current RM
    step"): fewer repeats would mean choosing a heavier weight (PROTOCOL 1.4: the weight is
    the one lifted that many times), so its weight is cut instead. Others lose repeats or
    hold time, and one dosed by sets and distance (bounding, build-ups) is told to do less."""
    low, high = library_v1.AMBER_DOSE_REDUCTION
    if not low <= percent <= high:
        raise PlanError(f"Choose a reduction between {low} and {high} %.")
    note = f"Dose reduced by {percent} % after an amber response (PROTOCOL 3.5)."
    draft = _fresh_draft(plan, user, note)
    for item in draft.items.select_related("exercise"):
        if item.exercise.supporting:
            continue
        if item.exercise.dose_type == Exercise.DoseType.HSR and item.reps:
            item.load = lighter(item.load, percent)
        elif item.reps is None and item.hold_s is None:
            item.note = less(item.note, percent)
        else:
            item.reps, item.hold_s = reduced(item.reps, percent), reduced(item.hold_s, percent)
        item.save(update_fields=["reps", "hold_s", "load", "note"])
    audit.record(None, "plan_updated", actor=user, patient=plan.patient, obj=draft)
    return draft


@transaction.atomic
def stage1_reduced_dose(plan: Plan, user: User) -> Plan:
    """REGRESS at stage 1: shorter holds, fewer sets and half effort (PROTOCOL 1.3 [CFG]).
    The effort is each hold's load (library_v1.STAGE1_REDUCED_EFFORT_LOAD), which the
    printout says in every box and the physio clears to go back to 7 out of 10."""
    draft = _fresh_draft(plan, user, library_v1.STAGE1_REDUCED_DOSE)
    for item in draft.items.select_related("exercise"):
        if item.exercise.dose_type == Exercise.DoseType.ISOMETRIC_HOLD:
            item.hold_s = min(item.hold_s or 20, 20)
            item.sets = min(item.sets or 3, 3)
            item.load = library_v1.STAGE1_REDUCED_EFFORT_LOAD
            item.save(update_fields=["hold_s", "sets", "load"])
    return draft
