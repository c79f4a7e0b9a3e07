"""The patient's diary between visits (issue 9): flags at once, and the next assessment
starts from it.

The flag rule follows the clinic's stage-rule parameters: a next-morning pain at least
DELTA24_REGRESS (2) above the usual morning pain, or exercise pain reaching EX_PAIN_REGRESS
(6), the same thresholds as R3b and R3a (PROTOCOL 3.2)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from django.db import transaction

from accounts import audit
from patients.models import Patient
from pht_clinic.html import day_month

from .models import DiaryEntry, Plan, pains_reported, parameters_for
from .services import refresh_case_status


def usual_morning_pain(patient: Patient) -> int | None:
    latest = patient.assessments.signed().order_by("-visit_date").first()
    return latest.nprs_morning_baseline if latest else None


def flare_reasons(
    exercise_pain: int | None, next_morning: int | None, usual: int | None, patient: Patient
) -> dict[str, int]:
    """The pains that flag a day, by field: exercise pain at EX_PAIN_REGRESS or more (R3a),
    a next-morning pain DELTA24_REGRESS or more above the usual (R3b)."""
    params = parameters_for(patient.clinic)
    reasons: dict[str, int] = {}
    if exercise_pain is not None and exercise_pain >= params.EX_PAIN_REGRESS:
        reasons["exercise_pain"] = exercise_pain
    if (
        next_morning is not None
        and usual is not None
        and next_morning - usual >= params.DELTA24_REGRESS
    ):
        reasons["next_morning_pain"] = next_morning
    return reasons


def pain_light(
    exercise_pain: int | None, next_morning: int | None, usual: int | None, patient: Patient
) -> str:
    """The day on the patient's traffic light (PROTOCOL 2, global pain rule): "red" when
    exercise pain reached EX_PAIN_REGRESS or the next morning was worse than usual (more than
    DELTA24_OK: "if it is worse ... do less next time and tell your physio"), "amber" when
    exercise pain was above EX_PAIN_OK, else "green". Stricter than the clinician's flag
    (flare_reasons), which waits for a rise of DELTA24_REGRESS."""
    params = parameters_for(patient.clinic)
    worse = (
        next_morning is not None and usual is not None and next_morning - usual > params.DELTA24_OK
    )
    if worse or (exercise_pain is not None and exercise_pain >= params.EX_PAIN_REGRESS):
        return "red"
    if exercise_pain is not None and exercise_pain > params.EX_PAIN_OK:
        return "amber"
    return "green"


def is_flare(
    exercise_pain: int | None, next_morning: int | None, usual: int | None, patient: Patient
) -> bool:
    return bool(flare_reasons(exercise_pain, next_morning, usual, patient))


def newly_flagged(before: DiaryEntry | None, after: DiaryEntry) -> bool:
    """Whether a save is news for the pain rule: the day is flagged and was not, or it has a
    reason it did not have, or a pain behind one went higher. The patient is then given the
    red-zone advice again; a correction of a day already flagged (a note, a next-morning pain
    within the usual) is not news. The flag itself, for the clinician, is the same either way."""
    if not after.flagged:
        return False
    if before is None or not before.flagged:
        return True
    patient = after.patient
    old = flare_reasons(
        before.exercise_pain, before.next_morning_pain, before.usual_morning_pain, patient
    )
    new = flare_reasons(
        after.exercise_pain, after.next_morning_pain, after.usual_morning_pain, patient
    )
    return any(field not in old or pain > old[field] for field, pain in new.items())


@transaction.atomic
def record(
    patient: Patient, plan: Plan, day: date, values: dict[str, Any], source: str
) -> DiaryEntry:
    """Save the day's entry (a second entry for the same day corrects the first). A day
    flagged once stays flagged, with the pains that flagged it (DiaryEntry.flag_report)."""
    usual = usual_morning_pain(patient)
    exercise, next_morning = values.get("exercise_pain"), values.get("next_morning_pain")
    before = patient.diary.filter(day=day).values("flagged", "flag_report").first()
    flares = is_flare(exercise, next_morning, usual, patient)
    flag: dict[str, Any] = {"flagged": False, "flag_report": ""}
    if flares:
        flag = {"flagged": True, "flag_report": pains_reported(exercise, next_morning, usual)}
    elif before is not None and before["flagged"]:
        flag = dict(before)  # corrected by the patient: still the clinician's to see
    entry, created = DiaryEntry.objects.update_or_create(
        patient=patient,
        day=day,
        defaults={**values, "plan": plan, "usual_morning_pain": usual, "source": source, **flag},
    )
    refresh_case_status(patient)  # a flag shows on the caseload at once
    audit.record(
        None,
        "diary_flagged" if flares else ("diary_created" if created else "diary_updated"),
        patient=patient,
        obj=entry,
        clinic=patient.clinic,
        label="patient" if source == DiaryEntry.Source.LINK else "",
        actor=patient.user if source == DiaryEntry.Source.ACCOUNT else None,
    )
    return entry


#: The answers a patient gives for a day, in the order of the form, with their plain names.
ANSWERS = {
    "session_done": "exercised",
    "plyometric_day": "jump day",
    "exercise_pain": "pain during exercise",
    "next_morning_pain": "pain next morning",
    "note": "note",
}


def version(entry: DiaryEntry | None) -> str:
    """Which saved entry a form started from: its day and the moment it was last saved.
    Empty when the form started from no entry."""
    if entry is None:
        return ""
    return f"{entry.day:%Y-%m-%d}@{entry.updated_at.astimezone(UTC):%Y%m%dT%H%M%S%f}"


def entry_at(patient: Patient, started_from: str) -> DiaryEntry | None:
    """The saved entry a form started from (its `version`), if it is still as the form saw it."""
    try:
        day = date.fromisoformat(started_from.partition("@")[0])
    except ValueError:
        return None
    entry = patient.diary.filter(day=day).first()
    return entry if entry is not None and version(entry) == started_from else None


def shown(field: str, value: Any) -> str:
    """An answer as the patient reads it (yes/no, n/10), empty when not recorded."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_pain"):
        return f"{value}/10"
    return f"“{value}”"


@dataclass(frozen=True)
class Change:
    answer: str
    before: str
    after: str

    @property
    def replaces(self) -> bool:
        """True when something the patient recorded would be changed or removed."""
        return self.before != ""

    def __str__(self) -> str:
        if not self.replaces:
            return f"{self.answer} {self.after} added"
        if not self.after:
            return f"{self.answer} {self.before} removed"
        return f"{self.answer} {self.before} changed to {self.after}"


def changes(entry: DiaryEntry, values: dict[str, Any]) -> list[Change]:
    return [
        Change(answer, shown(field, getattr(entry, field)), shown(field, values[field]))
        for field, answer in ANSWERS.items()
        if field in values and getattr(entry, field) != values[field]
    ]


@dataclass(frozen=True)
class Outcome:
    """What saving a day did. When the day already had an entry that the form did not
    start from (another day was picked, or it changed since), answers already recorded
    are never replaced without the patient seeing them: held is True, nothing is saved,
    and `entry` is the saved entry to show. Answers that only fill gaps are saved."""

    entry: DiaryEntry
    created: bool = False
    changes: tuple[Change, ...] = ()
    held: bool = False
    #: The save flagged the day afresh (see newly_flagged); False when held.
    new_flag: bool = False


@transaction.atomic
def save_day(
    patient: Patient,
    plan: Plan,
    day: date,
    values: dict[str, Any],
    source: str,
    started_from: str = "",
) -> Outcome:
    existing = patient.diary.select_for_update().filter(day=day).first()
    if existing is None:
        entry = record(patient, plan, day, values, source)
        return Outcome(entry, created=True, new_flag=newly_flagged(None, entry))
    diff = tuple(changes(existing, values))
    if started_from != version(existing) and any(c.replaces for c in diff):
        return Outcome(existing, changes=diff, held=True)
    entry = record(patient, plan, day, values, source)
    return Outcome(entry, changes=diff, new_flag=newly_flagged(existing, entry))


@dataclass(frozen=True)
class Prefill:
    """Assessment values taken from the diary since the last visit, with their origin."""

    values: dict[str, Any]
    origin: str
    entries: int


def since_last_visit(patient: Patient, before: date) -> list[DiaryEntry]:
    last = (
        patient.assessments.signed().filter(visit_date__lt=before).order_by("-visit_date").first()
    )
    entries = patient.diary.filter(day__lt=before)
    if last is not None:
        entries = entries.filter(day__gte=last.visit_date)
    return list(entries.order_by("day"))


def prefill(patient: Patient, visit_date: date) -> Prefill | None:
    """Sessions done, plyometric sessions and their shortest gap, the highest exercise pain
    and the next-morning pain after the hardest session (PROTOCOL 3.1) from the diary."""
    entries = since_last_visit(patient, visit_date)
    if not entries:
        return None
    done = [e for e in entries if e.session_done]
    plyo_days = [e.day for e in done if e.plyometric_day]
    values: dict[str, Any] = {"sessions_done_since_last": len(done)}
    if plyo_days:
        values["plyo_sessions_since_last"] = len(plyo_days)
        if len(plyo_days) >= 2:
            gaps = [(b - a).days * 24 for a, b in itertools.pairwise(plyo_days)]
            values["min_plyo_interval_h"] = min(gaps)
    with_pain = [e for e in done if e.exercise_pain is not None]
    if with_pain:
        hardest = max(with_pain, key=lambda e: (e.exercise_pain, e.day))
        values["nprs_exercise_max"] = hardest.exercise_pain
        if patient.stage == 4 and plyo_days:
            # PROTOCOL 3.1: in stage 4, the morning after the last plyometric session.
            hardest = next(e for e in reversed(done) if e.plyometric_day)
        if hardest.next_morning_pain is not None:
            values["nprs_24h_after_hardest"] = hardest.next_morning_pain
    origin = (
        f"From the patient's diary: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} "
        f"from {day_month(entries[0].day)} to {day_month(entries[-1].day)}"
    )
    return Prefill(values=values, origin=origin, entries=len(entries))


def recent_flags(patient: Patient, since: date) -> list[DiaryEntry]:
    return list(patient.diary.filter(flagged=True, day__gte=since).order_by("-day"))
