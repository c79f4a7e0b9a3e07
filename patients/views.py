from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts import audit, pending_form
from accounts.access import require_clinic_staff
from accounts.http import AuthenticatedHttpRequest as Request
from accounts.models import User
from pht_clinic.caching import get_or_compute_kept
from pht_clinic.html import NOTHING, fill, short_date, url_maker
from rehab import caseload, programmes, rules
from rehab import services as rehab_services
from rehab.models import ACTION_LABELS, StageDecision

from . import charts as charts_module
from . import psfs, services
from .access import get_assessment_for_user, get_patient_for_user, may
from .charts import Chart, Series, StageBand
from .forms import (
    NEURO_FLAGS,
    RED_FLAG_LABELS,
    AmendmentForm,
    ArchiveForm,
    AssessmentForm,
    PatientContactForm,
    PatientForm,
    PatientSearchForm,
    clinic_today,
    one_a_day,
)
from .models import Assessment, Patient, PsfsItem, at_stage, name_matches

PAGE_SIZE = 25
CHART_CACHE_SECONDS = 24 * 60 * 60
ASSESSMENTS_SHOWN = 20  # the patient page lists the latest visits; ?all=1 lists every one


def patient_list(request: Request) -> HttpResponse:
    require_clinic_staff(request)
    form = PatientSearchForm(request.GET or None)
    patients = (
        Patient.objects.visible_to(request.user)
        .select_related("physio")
        .annotate(last_visit=Max("assessments__visit_date"))
    )
    if form.is_valid():
        q, stage, status = (form.cleaned_data.get(k) for k in ("q", "stage", "status"))
        patients = patients.filter(name_matches(q or ""))
        if stage:
            patients = patients.filter(at_stage(stage))
        if status == "archived":
            patients = patients.filter(archived_at__isnull=False)
        elif status != "all":
            patients = patients.filter(archived_at__isnull=True)
    else:
        patients = patients.filter(archived_at__isnull=True)
    page = Paginator(patients.order_by("last_name", "first_name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/patient_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def patient_create(request: Request) -> HttpResponse:
    clinic = require_clinic_staff(request)
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = PatientForm(
        data, clinic=clinic, initial={"physio": request.user if request.user.is_physio else None}
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the audit row commits with the change, or neither does
            patient = form.save(commit=False)
            patient.clinic = clinic
            patient.save()
            audit.record(request, "patient_created", patient=patient)
        messages.success(request, f"{patient.full_name} has been added.")
        return redirect("patients:detail", patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


def patient_edit(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "edit_record")
    form_class = PatientForm if request.user.is_physio else PatientContactForm
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = form_class(data, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(request, "patient_updated", patient=patient)
        messages.success(request, "The patient record has been saved.")
        return redirect("patients:detail", patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


def patient_archive(request: Request, public_id: str) -> HttpResponse:
    """Archiving asks first (GET): what it does, what would drop out of the caseload queues
    unseen, and why (the reason goes into the audit row). Only the POST archives, and
    archiving an archived patient (a second tab) changes nothing."""
    patient = get_patient_for_user(request, public_id, "archive")
    if patient.is_archived:
        return _already_archived(request, patient)
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = ArchiveForm(data)
    if request.method == "POST" and form.is_valid():
        if not services.archive_patient(
            patient, request.user, form.reason_label, form.cleaned_data["note"]
        ):
            return _already_archived(request, patient)
        messages.success(request, f"{patient.full_name} has been archived. Their records are kept.")
        return redirect("patients:detail", patient.public_id)
    concerns = caseload.archiving_concerns(patient, clinic_today(patient.clinic))
    return render(
        request,
        "patients/patient_archive.html",
        {"patient": patient, "form": form, "concerns": concerns},
    )


def _already_archived(request: Request, patient: Patient) -> HttpResponse:
    messages.info(request, f"{patient.full_name} was already archived: nothing has changed.")
    return redirect("patients:detail", patient.public_id)


@require_POST
def patient_restore(request: Request, public_id: str) -> HttpResponse:
    """One click: restoring hides nothing. Restoring a current patient changes nothing."""
    patient = get_patient_for_user(request, public_id, "archive")
    if services.restore_patient(patient, request.user):
        messages.success(request, f"{patient.full_name} is back in the current list.")
    else:
        messages.info(
            request, f"{patient.full_name} is already in the current list: nothing has changed."
        )
    return redirect("patients:detail", patient.public_id)


@require_POST
def patient_invite(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "edit_clinical")
    try:
        services.invite_patient(request, patient, request.user)
    except services.CannotInvite as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"An invitation has been emailed to {patient.email}. "
            "The link works once, for 72 hours.",
        )
    return redirect("patients:detail", patient.public_id)


def _stage_bands(decisions: Sequence[Any]) -> list[StageBand]:
    """The stages as shaded bands, from decision rows (visit_date, status, final_stage)."""
    bands: list[StageBand] = []
    for d in decisions:
        if d.status == StageDecision.Status.PENDING or d.final_stage is None:
            continue
        if bands and bands[-1].stage == d.final_stage:
            continue
        if bands:
            bands[-1].end = d.visit_date
        bands.append(StageBand(stage=d.final_stage, start=d.visit_date, end=None))
    return bands


@functools.cache
def _drawing_version() -> str:
    """A digest of what draws the charts: patients/charts.py and its SVG template."""
    template = get_template("charts/line.svg").origin.name  # type: ignore[attr-defined]
    drawn_by = Path(template).read_bytes() + Path(charts_module.__file__).read_bytes()
    return hashlib.sha256(drawn_by).hexdigest()[:12]


def progress_charts(
    patient: Patient,
    assessments: Sequence[Any],
    decisions: Sequence[Any],
    diary: list[Any] = (),  # type: ignore[assignment]
) -> list[dict[str, object]]:
    bands = _stage_bands(decisions)

    def series(label: str, attr: str) -> Series:
        return Series(label, [(a.visit_date, getattr(a, attr)) for a in assessments])

    charts = [
        Chart(
            title="Pain over time (0-10)",
            description="Usual morning pain, next-morning pain after the hardest session, "
            "highest pain during exercise and pain with daily activities at each visit, "
            "with the stages shaded behind.",
            y_max=10,
            y_label="/10",
            series=[
                series("Morning", "nprs_morning_baseline"),
                series("Next morning", "nprs_24h_after_hardest"),
                series("Exercise", "nprs_exercise_max"),
                series("Daily activities", "nprs_adl_typical_7d"),
                *(
                    [
                        Series(
                            "Diary: next morning", [(e.day, e.next_morning_pain) for e in diary]
                        ),
                        Series("Diary: during exercise", [(e.day, e.exercise_pain) for e in diary]),
                    ]
                    if diary
                    else []
                ),
            ],
            bands=bands,
        ),
        Chart(
            title="Sitting tolerance (minutes)",
            description="Minutes of continuous sitting before the familiar pain, at each visit.",
            y_max=max([60] + [a.sitting_tolerance_min for a in assessments]),
            y_label=" min",
            series=[series("Sitting tolerance", "sitting_tolerance_min")],
            bands=bands,
        ),
        Chart(
            title="VISA-H (0-100, higher is better)",
            description="VISA-H total at each visit where every item was answered.",
            y_max=100,
            y_label="/100",
            series=[series("VISA-H", "visah_total")],
            bands=bands,
        ),
    ]
    # The drawings are a pure function of the plotted values and of the code that draws them:
    # keyed by both, a chart is drawn once per change of the record (not on every visit to
    # the page), and a release that draws differently does not serve the old drawings. The
    # charts are digested as pickled (a tenth of the time their repr took: 0.05 against 0.46
    # ms for a hundred visits).
    drawn = pickle.dumps(charts, protocol=5)
    key = f"charts-{_drawing_version()}-" + hashlib.sha256(drawn).hexdigest()
    svgs = get_or_compute_kept(
        key,
        lambda: [
            render_to_string("charts/line.svg", {**c.svg_context(), "chart_id": f"chart{i}"})
            for i, c in enumerate(charts)
        ],
        CHART_CACHE_SECONDS,
    )
    return [{"svg": svg} for svg in svgs]


_VISIT_ROW = '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n'


def _visit_rows(patient: Patient, listed: list[Any]) -> SafeString:
    """The table of visits, newest first, written here rather than by the template engine
    (20 rows of filters and {% url %} were half of the template's time); fill
    escapes every value."""
    link = url_maker("patients:assessment", patient.public_id)
    visit_types = dict(Assessment.VisitType.choices)
    rows = []
    for a in listed:
        status = "draft"
        if a.signed:
            status = "signed, amended" if a.amended else "signed"
        rows.append(
            fill(
                _VISIT_ROW,
                link(a.public_id),
                short_date(a.visit_date),
                visit_types.get(a.visit_type, a.visit_type),
                a.stage_before or NOTHING,
                NOTHING if a.decision_pk is None else _recommendation(a),
                status,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every row is fill's


#: What the decision box shows of the latest decision (of the rules' facts, only the red
#: flags of a referral are shown; the parameters are not). Who decided it is the viewer, or
#: is joined with DECIDER_FIELDS (_latest_decision).
DECISION_BOX_FIELDS = (
    "patient_id", "visit_date", "rules_version", "engine_action", "engine_stage",
    "engine_rules", "engine_flags", "engine_urgency", "criteria", "explanation",
    "caution_codes", "facts", "status", "final_action", "final_stage", "override_reason",
    "decided_at", "pause_on_referral", "override_urgency", "decided_by",
)  # fmt: skip
DECIDER_FIELDS = ("decided_by__username", "decided_by__first_name", "decided_by__last_name")
#: What the charts read of every assessment (progress_charts), loaded as plain rows.
CHART_FIELDS = (
    "visit_date", "nprs_morning_baseline", "nprs_24h_after_hardest",
    "nprs_exercise_max", "nprs_adl_typical_7d", "sitting_tolerance_min", "visah_total",
)  # fmt: skip
#: What the stage bands and the table read of each visit's decision (a visit without one,
#: a draft, has None in each).
VISIT_DECISION = {
    "decision_pk": F("decision__pk"),
    "decided_by_id": F("decision__decided_by_id"),
    "decision_date": F("decision__visit_date"),
    "decision_status": F("decision__status"),
    "engine_action": F("decision__engine_action"),
    "final_action": F("decision__final_action"),
    "final_stage": F("decision__final_stage"),
}


class DecisionRow(NamedTuple):
    """A decision as the stage bands read it (:func:`_stage_bands`)."""

    visit_date: date
    status: str
    final_stage: int | None


#: What the table of visits shows beyond the chart fields.
TABLE_FIELDS = ("public_id", "visit_type", "stage_before")
#: Whether each visit is signed (the charts plot signed visits only) and amended since: read
#: as flags, not times (Django reads every timestamp in Python: a hundred took 0.3 ms).
VISIT_STATE = {
    "signed": ExpressionWrapper(Q(signed_at__isnull=False), output_field=BooleanField()),
    "amended": ExpressionWrapper(Q(amended_at__isnull=False), output_field=BooleanField()),
}


def _recommendation(visit: Any) -> str:
    """What the rules recommended, and what the physiotherapist decided instead if the
    recommendation was overridden: the table must not read as if the rules' advice stood."""
    said = ACTION_LABELS.get(visit.engine_action, visit.engine_action)
    if visit.decision_status != StageDecision.Status.OVERRIDDEN:
        return said
    return f"{said}, overridden: {ACTION_LABELS.get(visit.final_action, visit.final_action)}"


def _completed_on(patient: Patient, latest: StageDecision | None) -> date | None:
    """The day a completed programme ended: that of the decision that completed it (COMPLETE
    keeps the stage and its entry date, RULES-IO 7), the latest one unless a later visit's
    decision waits (then None: the page says "completed" without a day)."""
    if not patient.is_completed or latest is None:
        return None
    return latest.visit_date if latest.final_action == rules.Action.COMPLETE else None


def patient_detail(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "status")
    if getattr(request.user, "is_patient", False):
        return redirect("dashboard")
    # A physiotherapist, or a clinical-lead admin reading (SECURITY.md matrix): the clinical
    # section; only who may record and decide sees the buttons that do.
    clinical = may(request.user, "assessments")
    context: dict[str, object] = {
        "patient": patient,
        "clinical": clinical,
        "can_edit": may(request.user, "edit_clinical"),
        "age": patient.age_on(patient.created_at.date()),
    }
    if may(request.user, "programme_pdf") and not may(request.user, "clinical"):
        # A clinical-lead admin downloads the current programme here; a physiotherapist
        # prints and downloads it on the plan's page.
        context["programme"] = programmes.current_ready_job(patient)
    if clinical:
        # One query for the charts, the stage bands and the table (oldest first).
        every: list[Any] = list(
            patient.assessments.annotate(**VISIT_STATE, **VISIT_DECISION).values_list(
                "pk", *CHART_FIELDS, *TABLE_FIELDS, *VISIT_STATE, *VISIT_DECISION, named=True
            )
        )
        decided = sorted(
            (a for a in every if a.decision_pk is not None),
            key=lambda a: (a.decision_date, a.decision_pk),  # StageDecision's ordering
        )
        newest_first = every[::-1]
        listed = newest_first if request.GET.get("all") == "1" else newest_first[:ASSESSMENTS_SHOWN]
        latest = _latest_decision(patient, decided[-1] if decided else None, request.user)
        diary = list(patient.diary.order_by("day"))
        since = clinic_today(patient.clinic) - timedelta(days=14)
        context.update(
            assessments=listed,
            visit_rows=_visit_rows(patient, listed),
            assessments_total=len(every),
            charts=progress_charts(
                patient,
                [a for a in every if a.signed],
                [DecisionRow(a.decision_date, a.decision_status, a.final_stage) for a in decided],
                diary,
            ),
            diary_flags=[e for e in diary if e.flagged and e.day >= since],
        )
    else:  # a reading admin's summary names neither the assessment nor who decided
        latest = patient.decisions.only(*DECISION_BOX_FIELDS).last()
    context.update(latest_decision=latest, completed_on=_completed_on(patient, latest))
    audit.record(request, "patient_viewed", patient=patient)
    return render(request, "patients/patient_detail.html", context)


def _latest_decision(patient: Patient, visit: Any, viewer: User) -> StageDecision | None:
    """The decision of ``visit`` (the latest decided of the visits the page has read) with
    what its box shows. Only the decision itself, as a model, and read by its key: the
    assessment it links to is known from the visit, and who decided it is usually the
    viewer. Joining and sorting for the latest took 1.0 ms a view, this 0.4 ms
    (docs/benchmarks.md); only a colleague's decision joins its decider."""
    if visit is None:
        return None
    decisions = patient.decisions.only(*DECISION_BOX_FIELDS)
    if visit.decided_by_id not in (None, viewer.pk):
        decisions = decisions.select_related("decided_by").only(
            *DECISION_BOX_FIELDS, *DECIDER_FIELDS
        )
    decision = decisions.get(pk=visit.decision_pk)
    # The assessment as far as the box reads it; any other field would be read when asked.
    decision.assessment = Assessment.from_db(
        decision._state.db, ["id", "public_id"], [visit.pk, visit.public_id]
    )
    if decision.decided_by_id == viewer.pk:
        decision.decided_by = viewer
    return decision


def _latest(patient: Patient, exclude: Assessment | None = None) -> Assessment | None:
    """The latest signed visit (before ``exclude``), with its decision's status."""
    qs = (
        patient.assessments.signed()
        .prefetch_related("load_tests")
        .annotate(decision_status=F("decision__status"))
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk).filter(visit_date__lt=exclude.visit_date)
    return qs.order_by("-visit_date").first()


def _save(request: Request, form: AssessmentForm, reason: str = "") -> Assessment | None:
    sign = "sign" in request.POST
    try:
        return services.save_assessment(form, request.user, sign=sign, amendment_reason=reason)
    except services.AlreadyRecorded:
        # Another request saved one first (a second tab, a form sent twice).
        form.add_error("visit_date", one_a_day(form.cleaned_data["visit_date"]))
    except rehab_services.PendingDecision as pending:
        form.add_error(
            None,
            f"The recommendation of {short_date(pending.decision.visit_date)} is still waiting: "
            "confirm or override it before signing a new assessment. Your entries are kept "
            "below; you can also save them without signing.",
        )
    return None


#: Said above the errors when "Save without signing" (or Enter) finds some: a draft is a whole
#: assessment that is not signed yet, not a half-filled form (the model has no partial one).
DRAFT_NEEDS_FIELDS = (
    "Nothing was saved: saving without signing checks the whole assessment as signing does, "
    "required fields included. A draft is a complete assessment that is not signed yet."
)


def _valid(request: Request, form: AssessmentForm) -> bool:
    if form.is_valid():
        return True
    if "sign" not in request.POST:
        form.add_error(None, DRAFT_NEEDS_FIELDS)
    return False


def assessment_create(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "edit_clinical")
    if patient.is_archived:
        return _refuse_archived(request, patient)
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    prefill = None
    if data is None and patient.stage is not None:
        from rehab.diary import prefill as diary_prefill

        prefill = diary_prefill(patient, clinic_today(patient.clinic) + timedelta(days=1))
    previous = _latest(patient)
    form = AssessmentForm(
        data, patient=patient, previous=previous, stage=patient.stage, prefill=prefill
    )
    # Said before the form is filled in: signing waits for this recommendation (services).
    pending = getattr(previous, "decision_status", None) == StageDecision.Status.PENDING
    waiting = previous if pending else None
    if request.method == "POST" and _valid(request, form):
        assessment = _save(request, form)
        if assessment is not None:
            messages.success(
                request,
                "The assessment has been saved."
                + (" It is signed." if assessment.is_signed else ""),
            )
            return _to_assessment(patient, assessment)
    return render(
        request,
        "patients/assessment_form.html",
        {"form": form, "patient": patient, "amend": None, "waiting": waiting},
    )


def _refuse_archived(request: Request, patient: Patient) -> HttpResponse:
    """No new visits for an archived patient: nobody's queue would show its recommendation.
    Entries posted meanwhile (a colleague archived the patient) are kept for this page, as
    after a timed-out session, and come back if the patient is restored."""
    kept = pending_form.capture(request) if request.method == "POST" else None
    if kept:
        pending_form.stash(request, kept)
    messages.error(
        request,
        f"{patient.full_name} is archived, so no assessment can be recorded. Restore them "
        "first if they are back in your care"
        + (": your entries are kept and come back when you open the form again." if kept else "."),
    )
    return redirect("patients:detail", patient.public_id)


def assessment_edit(request: Request, public_id: str, assessment_id: str) -> HttpResponse:
    assessment = get_assessment_for_user(request, public_id, assessment_id, "edit_clinical")
    patient = assessment.patient
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = AssessmentForm(
        data,
        instance=assessment,
        patient=patient,
        previous=_latest(patient, exclude=assessment),
        # A draft is completed in the patient's stage now (services.save_assessment).
        stage=assessment.stage_before if assessment.is_signed else patient.stage,
    )
    amend = AmendmentForm(data) if assessment.is_signed else None
    if request.method == "POST" and _valid(request, form) and (amend is None or amend.is_valid()):
        saved = _save(request, form, amend.cleaned_data["reason"] if amend else "")
        if saved is not None:
            messages.success(request, _saved_message(saved, patient, amend is not None))
            return _to_assessment(patient, saved)
    return render(
        request,
        "patients/assessment_form.html",
        {"form": form, "patient": patient, "amend": amend, "assessment": assessment},
    )


def _to_assessment(patient: Patient, assessment: Assessment) -> HttpResponse:
    """The saved assessment's page; a signed one opens at its recommendation, so that the
    keyboard's next Tab is in the decision box (UX.md: confirming is one click)."""
    url = reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    return redirect(url + ("#recommendation" if assessment.is_signed else ""))


def _saved_message(saved: Assessment, patient: Patient, amended: bool) -> str:
    if not amended:
        return "The assessment has been saved."
    latest = services.latest_signed_visit(patient)
    if latest is None or latest.pk == saved.pk:
        return "The amendment has been saved."
    when = short_date(latest.visit_date)
    if latest.decision.is_pending:
        return (
            f"The amendment has been saved. The recommendation of {when}, made again from the "
            "amended record, is waiting: confirm or override it."
        )
    return (
        f"The amendment has been saved. The recommendation of {when} stands: the rules "
        "recommend the same from the amended record."
    )


def _label(field_name: str) -> str:
    return str(getattr(Assessment._meta.get_field(field_name), "verbose_name", field_name))


def _versions(assessment: Assessment) -> list[dict[str, object]]:
    """Each saved version with the fields it changed, newest first (the original stays)."""
    records = list(assessment.history.select_related("history_user").order_by("history_date"))
    versions = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["updated_at", "amended_at"])
            changes = [(_label(c.field), c.old, c.new) for c in delta.changes]
        versions.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "reason": record.history_change_reason or "",
                "kind": record.get_history_type_display(),
                "changes": changes,
            }
        )
    return list(reversed(versions))


#: The other measures the detail page lists when recorded: label and unit.
OTHER_MEASURES = (
    ("groc", "Global rating of change", " (-7 to +7)"),
    ("knee_flexion_strength_left_n", "Knee flexion strength, left", " N"),
    ("knee_flexion_strength_right_n", "Knee flexion strength, right", " N"),
    ("running_km_week", "Running", " km a week"),
    ("sport_sessions_week", "Sport", " sessions a week"),
)


def _recorded_findings(assessment: Assessment) -> dict[str, Any]:
    """What the detail page lists besides the main fields: red flags by name, the positive
    neurological signs and the other measures that were recorded."""
    return {
        "red_flags": [RED_FLAG_LABELS.get(code, code) for code in assessment.red_flags],
        "neuro_signs": [
            str(AssessmentForm.base_fields[name].label).lower()  # as ticked on the form
            for name in NEURO_FLAGS
            if getattr(assessment, name)
        ],
        "other_measures": [
            (label, f"{value:+d}" if name == "groc" else value, unit)
            for name, label, unit in OTHER_MEASURES
            if (value := getattr(assessment, name)) is not None
        ],
    }


def _psfs_summary(assessment: Assessment, items: list[PsfsItem]) -> dict[str, Any]:
    """The PSFS score of this visit (PROTOCOL 4.2) and its change since the patient's first
    signed visit with a score, in words against the minimal important difference."""
    score = psfs.score([item.score for item in items])
    summary: dict[str, Any] = {"psfs": items, "psfs_score": score}
    if score is None:
        return summary
    earlier: dict[date, list[tuple[str, int]]] = {}
    for day, activity, points in (
        PsfsItem.objects.filter(
            assessment__patient=assessment.patient,
            assessment__signed_at__isnull=False,
            assessment__visit_date__lt=assessment.visit_date,
        )
        .order_by("assessment__visit_date")
        .values_list("assessment__visit_date", "activity", "score")
    ):
        earlier.setdefault(day, []).append((activity, points))
    scored = (
        (day, rows, psfs.score([points for _, points in rows])) for day, rows in earlier.items()
    )
    first = next(((day, rows, found) for day, rows, found in scored if found is not None), None)
    if first is not None:
        day, rows, first_score = first
        change = score - first_score
        summary["psfs_change"] = {
            "since": day,
            "first": first_score,
            "change": f"{change:+}",
            "words": psfs.change_words(change),
            # The scale follows a patient's own activities: a change over others is a guess.
            "other_activities": psfs.activities(a.activity for a in items)
            != psfs.activities(activity for activity, _ in rows),
        }
    return summary


def assessment_detail(request: Request, public_id: str, assessment_id: str) -> HttpResponse:
    assessment = get_assessment_for_user(request, public_id, assessment_id, "assessments")
    decision = getattr(assessment, "decision", None)
    history = _versions(assessment) if assessment.amended_at else []
    amended_since = rehab_services.changed_since_decided(decision) if decision and history else []
    latest = services.latest_signed_visit(assessment.patient) if amended_since else None
    audit.record(request, "assessment_viewed", patient=assessment.patient, obj=assessment)
    return render(
        request,
        "patients/assessment_detail.html",
        {
            "patient": assessment.patient,
            "assessment": assessment,
            "decision": decision,
            "load_tests": assessment.load_tests.all(),
            **_psfs_summary(assessment, list(assessment.psfs_items.all())),
            "history": history,
            "amended_since": amended_since,
            "latest_visit": latest,
            "can_edit": may(request.user, "edit_clinical"),
            **_recorded_findings(assessment),
        },
    )
