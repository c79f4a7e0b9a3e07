"""Caseload review (issue 7): who is in which stage and who needs attention today.

The queries do not grow with the clinic: each patient's queue memberships are columns of
its CaseStatus row, so the lists filter and sort on one joined row, the queue counts are
one query, and the decisions behind them are joined only for the rows on the page.

The figures over the whole caseload (queue counts, the first patients of each queue and of
the list by name, the workload) are kept in the cache until something they count changes:
:func:`figures_changed` runs on every save of what they count (rehab/signals.py lists it)."""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Clinic, User, with_invitation_state
from patients.models import Assessment, Patient
from pht_clinic.caching import safely
from pht_clinic.html import day_month, short_date

from . import rules
from .models import ACTION_LABELS, CaseStatus, StageDecision, parameters_for

FLARE_WINDOW_DAYS = 14  # issue 7: REGRESS or AMBER in the last 14 days
QUEUE_PREVIEW = 5  # patients named under each queue's title


# Annotated patient querysets are typed Any: the annotations are invisible to the type checker.
Annotated = QuerySet[Any]


def caseload(user: User) -> Annotated:
    """Current patients of the clinic (admins) or of the physiotherapist, annotated from
    their CaseStatus row (a join, not a subquery per patient). A patient with no decision
    yet has no row: the annotations then fall back to "nothing to report"."""
    patients = Patient.objects.visible_to(user).active()
    if user.is_physio:
        patients = patients.filter(physio=user)
    return patients.annotate(
        last_visit=F("case__last_visit"),
        last_flare_on=F("case__last_flare_on"),
        decision_date=F("case__decision_on"),
        decision_action=Coalesce(F("case__decision_action"), Value("")),
        urgency_rank=Coalesce(
            F("case__urgency_rank"), Value(CaseStatus.NO_URGENCY), output_field=IntegerField()
        ),
        # A programme counts only if it is for the patient's current stage.
        has_programme=Coalesce(
            ExpressionWrapper(Q(case__programme_stage=F("stage")), output_field=BooleanField()),
            Value(False),
            output_field=BooleanField(),
        ),
    )


#: The columns a caseload row (page, queue preview) shows of the patient; no others are
#: loaded. Its physiotherapist is named from the cached figures (:class:`Physio`).
ROW_FIELDS = (
    "public_id", "first_name", "last_name", "stage", "status", "stage_entered_on", "physio_id",
)  # fmt: skip
#: ... and the physiotherapist's, joined for the rows of the CSV export.
PHYSIO_FIELDS = ("physio__username", "physio__first_name", "physio__last_name", "physio__is_active")


# The latest decision's status, flags and assessment, joined for shown rows only (its
# urgency is the case's urgency_rank, see CaseStatus.URGENCY_OF_RANK).
DECISION_DETAILS = {
    "decision_flags": F("case__decision__engine_flags"),
    "decision_status": F("case__decision__status"),
    "decision_assessment": F("case__decision__assessment__public_id"),
}


def details(patients: Annotated) -> Annotated:
    """What a caseload row shows beyond the queue columns: the physiotherapist and the
    latest decision's details. Applied to the rows of the CSV export."""
    return (
        patients.select_related("physio")
        .only(*ROW_FIELDS, *PHYSIO_FIELDS)
        .annotate(**DECISION_DETAILS)
    )


def with_details(
    base: Annotated, ids: list[int], *, assessments: bool = True
) -> list[dict[str, Any]]:
    """The patients ``ids`` (in that order) as the values a caseload row shows: one query,
    read as plain values (the page shows 80 patients; building models was a third of it).
    Without ``assessments`` the latest decision's assessment is not joined (only a
    physiotherapist's queue previews link to it); its physiotherapist never is."""
    details = dict(DECISION_DETAILS)
    if not assessments:
        del details["decision_assessment"]
    rows = base.filter(pk__in=ids).annotate(**details).order_by()  # ordered below
    values = ("pk", *ROW_FIELDS, "last_visit", "decision_action", "urgency_rank", "has_programme")
    found = {row["pk"]: row for row in rows.values(*values, *details)}
    return [found[pk] for pk in ids if pk in found]


@dataclass
class Queue:
    key: str
    title: str
    #: May name ``{plateau_days}``, filled in by :meth:`help_text` from the cached figures.
    help: str
    condition: Q
    order: tuple[Any, ...]
    base: Annotated

    def help_text(self, figures: dict[str, Any]) -> str:
        """The help in words, with the clinic's rule parameters of :func:`figures`."""
        return self.help.format(plateau_days=figures["plateau_days"])

    @property
    def patients(self) -> Annotated:
        # The queue's own order, then the name: the queue's list pages through it steadily.
        return self.base.filter(self.condition).order_by(*self.order, "last_name", "pk")


def queue_counts(base: Annotated, queues: list[Queue]) -> dict[str, int]:
    """The size of every queue in one query, and the referral queue's by urgency
    (``referral_EMERGENCY`` and so on: the dashboard says how urgent, UX.md)."""
    if not queues:
        return {}
    conditions = {q.key: q.condition for q in queues}
    if "referral" in conditions:
        for urgency, rank in CaseStatus.URGENCY_RANK.items():
            conditions[f"referral_{urgency}"] = conditions["referral"] & Q(urgency_rank=rank)
    flags = {
        f"in_{key}": Case(When(condition, then=Value(1)), default=Value(0))
        for key, condition in conditions.items()
    }
    totals = base.annotate(**flags).aggregate(**{key: Sum(f"in_{key}") for key in conditions})
    return {key: total or 0 for key, total in totals.items()}


def queues(
    base: Annotated, clinic: Clinic, today: date, *, whole_clinic: bool = False
) -> list[Queue]:
    """The queues at the top of the caseload, most urgent first (issue 7, item 2). The whole
    clinic's caseload (a clinic admin's) also lists the patients left without an active
    physiotherapist: nobody can confirm their recommendations until they are reassigned."""
    flare_since = today - timedelta(days=FLARE_WINDOW_DAYS)
    overdue_before = today - timedelta(days=clinic.overdue_days)
    in_programme = ~Q(status=Patient.Status.COMPLETED)
    referral = Queue(
        "referral",
        "Red flags and referrals",
        "The latest recommendation is a referral; see the assessment now.",
        Q(case__decision_action="REFER"),
        ("urgency_rank", "decision_date"),
        base,
    )
    unassigned = Queue(
        "unassigned",
        "No active physiotherapist",
        "Their physiotherapist has been deactivated or no longer works as one, so nobody "
        "reviews them or confirms their recommendations: tick them in the list and reassign "
        "them.",
        in_programme & (Q(physio__is_active=False) | ~Q(physio__role=User.Role.PHYSIO)),
        ("physio__last_name", "physio__first_name"),
        base,
    )
    return [
        referral,
        *([unassigned] if whole_clinic else []),
        Queue(
            "flare",
            "Flares in the last 14 days",
            "A regression, an amber response or a diary flag since " + day_month(flare_since) + ".",
            Q(case__last_flare_on__gte=flare_since),
            ("-last_flare_on",),
            base,
        ),
        Queue(
            "ready",
            "Ready to progress, not yet confirmed",
            "The rules recommend progressing or completing; confirm or override.",
            Q(case__ready_to_progress=True),
            ("decision_date",),
            base,
        ),
        Queue(
            "overdue",
            f"Overdue: no assessment for {clinic.overdue_days} days",
            "Book or record a review.",
            in_programme
            & (
                Q(last_visit__lt=overdue_before)
                | Q(last_visit__isnull=True, created_at__date__lt=overdue_before)
            ),
            (F("last_visit").asc(nulls_first=True),),
            base,
        ),
        Queue(
            "plateau",
            "Plateau",
            "More than {plateau_days} days in the same stage at the last review "
            "(PROTOCOL 3.3 PLATEAU flag), and kept in it.",
            Q(case__plateau=True),
            ("stage_entered_on",),
            base,
        ),
        Queue(
            "no_programme",
            "No programme issued",
            "A stage is set but no plan for it has been issued.",
            in_programme & Q(stage__isnull=False, has_programme=False),
            ("stage_entered_on",),
            base,
        ),
    ]


def archiving_concerns(patient: Patient, today: date) -> list[str]:
    """What would drop out of every caseload queue, unseen, if the patient were archived:
    a recommendation still waiting for the physiotherapist, a referral, a paused programme,
    a recent flare. The confirmation page warns of each (statuses, no clinical detail)."""
    concerns = []
    pending = list(patient.decisions.filter(status=StageDecision.Status.PENDING))
    for decision in pending:
        when = short_date(decision.visit_date)
        if decision.engine_action == "REFER":
            kind = "a referral on red flags" if decision.red_flag_referral else "a referral"
            urgency = f" ({decision.engine_urgency.lower()})" if decision.engine_urgency else ""
            concerns.append(
                f"The rules recommend {kind}{urgency} at the visit of {when}, and nobody has "
                "confirmed it yet."
            )
        else:
            concerns.append(
                f"The recommendation of {when} "
                f"({ACTION_LABELS.get(decision.engine_action, decision.engine_action)}) is still "
                "waiting for a physiotherapist to confirm or override it."
            )
    case = CaseStatus.objects.filter(patient=patient).select_related("decision").first()
    if case and case.decision_action == "REFER" and case.decision not in pending:
        urgency = CaseStatus.URGENCY_OF_RANK.get(case.urgency_rank, "")
        concerns.append(
            f"The latest decision is a referral{f' ({urgency.lower()})' if urgency else ''}: "
            "the patient is in the caseload's queue of red flags and referrals."
        )
    if patient.status == Patient.Status.PAUSED:
        concerns.append(
            "The programme is paused after a referral: the patient is waiting to be seen."
        )
    flare_since = today - timedelta(days=FLARE_WINDOW_DAYS)
    if case and case.last_flare_on and case.last_flare_on >= flare_since:
        concerns.append(
            f"A flare was recorded on {short_date(case.last_flare_on)} (a regression, "
            "an amber response or a diary flag)."
        )
    return concerns


# Each ends with the id: two patients of the same name keep their order from page to page.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("last_name", "first_name", "pk"),
    "stage": ("stage", "last_name", "pk"),
    "days": ("stage_entered_on", "last_name", "pk"),
    "last_visit": (F("last_visit").asc(nulls_first=True), "last_name", "pk"),
    "physio": ("physio__last_name", "last_name", "pk"),
}
PAGE_SIZE = 50  # patients per page of the caseload


def workload(base: Annotated) -> dict[str, Any]:
    """Patients per stage and per physiotherapist. A completed programme keeps its last
    stage (rehab.services.refresh_patient_state), so ``per_stage`` counts only the patients
    still in a stage (None: not started) and ``completed`` the others: one query."""
    per_stage: dict[int | None, int] = {}
    completed = 0
    for row in base.values("stage", "status").annotate(n=Count("id")):
        if row["status"] == Patient.Status.COMPLETED:
            completed += row["n"]
        else:
            per_stage[row["stage"]] = per_stage.get(row["stage"], 0) + row["n"]
    per_physio = list(
        base.values("physio__first_name", "physio__last_name", "physio__is_active")
        .annotate(n=Count("id"))
        .order_by("-n", "physio__last_name")
    )
    return {"per_stage": per_stage, "completed": completed, "per_physio": per_physio}


def figures(
    base: Annotated, queues: list[Queue], clinic: Clinic, *, whole_clinic: bool = False
) -> dict[str, Any]:
    """What the caseload page shows about the whole caseload, as plain data for the cache:
    each queue's size and first patients (ids), the patients of the list's first page by
    name (ids: the page most views show), the workload, the number of patients, the clinic's
    plateau limit that the plateau queue's help names, and for the whole clinic's caseload
    its menu of physiotherapists (:func:`physio_menu`). A change of the rules' parameters or
    of a staff account forgets the figures too (rehab/signals.py)."""
    load = workload(base)
    first = {q.key: q.patients.values_list("pk", flat=True)[:QUEUE_PREVIEW] for q in queues}
    return {
        "counts": queue_counts(base, queues),
        "tops": {key: list(ids) for key, ids in first.items()},
        "page_one": list(base.order_by(*SORTS["name"]).values_list("pk", flat=True)[:PAGE_SIZE]),
        "workload": load,
        "total": sum(load["per_stage"].values()) + load["completed"],
        "plateau_days": parameters_for(clinic).PLATEAU_DAYS,
        "physios": physio_menu(clinic) if whole_clinic else [],
    }


class Physio(NamedTuple):
    """A physiotherapist as the caseload names them, in its menus and its rows."""

    pk: int
    public_id: str
    name: str
    active: bool
    invited: bool  # an invitation waits (an account not yet taken up, or reissued)

    @property
    def label(self) -> str:
        """As the menus list them: "Sam Lee (invited)", "Sam Lee (deactivated)"."""
        return self.name if self.active else f"{self.name} ({User.inactive_word_of(self.invited)})"

    @property
    def in_row(self) -> str:
        """As a patient's row names them: their patients need reassigning if inactive."""
        return self.name if self.active else f"{self.name} (deactivated)"


def physios(staff: QuerySet[User]) -> list[Physio]:
    """``staff`` by name, with whether an invitation waits for each: one query."""
    people = with_invitation_state(staff.order_by("last_name", "first_name")).values_list(  # type: ignore[misc]
        "pk", "public_id", "first_name", "last_name", "username", "is_active",
        "invitation_pending",
    )  # fmt: skip
    return [
        Physio(pk, str(public_id), User.name_of(first, last, username), active, pending)
        for pk, public_id, first, last, username, active, pending in people
    ]


def physio_menu(clinic: Clinic) -> list[Physio]:
    """The clinic's physiotherapists, deactivated and invited ones too: the caseload's filter
    lists them all, its reassign form the active ones, and its rows name them. A saved
    account or invitation forgets the figures (rehab/signals.py), so a name or a label
    ("invited", "deactivated") follows at once. The reassign form checks its choice against
    the database whatever the menu showed."""
    return physios(User.objects.filter(clinic=clinic, role=User.Role.PHYSIO))


def scope(user: User) -> int | str:
    """Whose caseload a user sees, for cache keys: their own, or the whole clinic's."""
    return user.pk if user.is_physio else "clinic"


#: A digest of this module and of the rules (the figures carry the plateau limit, whose
#: default they define): figures cached by a release that computed them differently are not
#: read by the next one.
_FORMAT = hashlib.sha256(
    Path(__file__).read_bytes() + Path(rules.__file__).read_bytes()
).hexdigest()[:12]


def _version_key(clinic_id: int | None) -> str:
    return f"caseload-version:{clinic_id}"


def cached_figures(
    user: User, today: date, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """:func:`figures` for this user's caseload, from the cache while nothing has changed.

    The clinic's current version is a random token; a change deletes it, so figures stored
    under an older token are never read again. ``settings.CASELOAD_CACHE_SECONDS`` bounds
    their age anyway (0 turns the cache off). If the cache is down, the figures are computed."""
    seconds = settings.CASELOAD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    version_key = _version_key(user.clinic_id)
    key = f"caseload-figures:{_FORMAT}:{user.clinic_id}:{scope(user)}:{today.isoformat()}"

    def current_version() -> str | None:
        cache.add(version_key, uuid.uuid4().hex, timeout=None)  # if none is set yet
        return cache.get(version_key)

    found: dict[str, Any] = safely(
        lambda: cache.get_many([version_key, key]), {}, "caseload figures"
    )
    version = found.get(version_key) or safely(current_version, None, "caseload figures")
    stored = found.get(key)
    if version is not None and stored is not None and stored["version"] == version:
        return stored["figures"]
    result = compute()
    if version is not None:
        entry = {"version": version, "figures": result}
        safely(lambda: cache.set(key, entry, seconds), None, "caseload figures")
    return result


def figures_changed(clinic_id: int | None) -> None:
    """Forget the clinic's cached figures: now, and again when the current transaction
    commits, so figures computed meanwhile from the rows before the change are dropped."""
    if clinic_id is None:
        return

    def forget() -> None:
        # Tried even while this process leaves the cache alone after a failure: other
        # processes may be reading the figures, and would show them stale for up to
        # CASELOAD_CACHE_SECONDS (a transient error here; the cache answers them).
        safely(
            lambda: cache.delete(_version_key(clinic_id)),
            None,
            "caseload figures",
            even_when_paused=True,
        )

    forget()
    transaction.on_commit(forget)


def visah_change_by_week(base: Annotated) -> list[tuple[int, float, int]]:
    """Mean VISA-H change from each patient's first total, by weeks in the programme:
    (week, mean change, number of assessments). One query."""
    rows = (
        Assessment.objects.filter(
            patient__in=base, visah_total__isnull=False, signed_at__isnull=False
        )
        .order_by("patient_id", "visit_date")
        .values_list("patient_id", "visit_date", "visah_total")
    )
    first: dict[int, tuple[date, int]] = {}
    buckets: dict[int, list[int]] = {}
    for patient_id, day, total in rows:
        assert total is not None  # noqa: S101 - filtered above
        start = first.setdefault(patient_id, (day, total))
        week = (day - start[0]).days // 7
        buckets.setdefault(week, []).append(total - start[1])
    return [(w, round(sum(v) / len(v), 1), len(v)) for w, v in sorted(buckets.items())]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (SECURITY.md "output")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Any], out: Any, today: date) -> None:
    """The caseload as CSV; ``rows`` are patients annotated by :func:`caseload`."""
    # A byte order mark: Excel reads a CSV without one in the computer's legacy code page
    # ("AraÃºjo" for "Araújo").
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        ["Patient", "Stage", "Status", "Physiotherapist", "Days in stage", "Last assessment",
         "Latest decision", "Decision status", "Referral urgency", "Flags", "Programme issued"]
    )  # fmt: skip
    for p in rows:
        # A completed programme's stage counts no more (the Status column says why).
        counting = p.stage_entered_on and p.status != Patient.Status.COMPLETED
        days = (today - p.stage_entered_on).days if counting else ""
        status = StageDecision.Status(p.decision_status).label if p.decision_status else ""
        writer.writerow(
            [
                neutralise(p.full_name),
                neutralise(p.stage or ""),
                neutralise(p.get_status_display()),
                neutralise(
                    p.physio.display_name + ("" if p.physio.is_active else " (deactivated)")
                ),
                neutralise(days),
                neutralise(p.last_visit or ""),
                neutralise(ACTION_LABELS.get(p.decision_action, p.decision_action)),
                neutralise(status),
                neutralise(CaseStatus.URGENCY_OF_RANK.get(p.urgency_rank, "")),
                neutralise(" ".join(p.decision_flags or [])),
                "yes" if p.has_programme else "no",
            ]
        )
