"""The caseload page, its CSV export and reassignment (issue 7)."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.access import require_clinic_admin, require_clinic_staff
from accounts.http import AuthenticatedHttpRequest as Request
from accounts.models import User
from patients.charts import Chart, Series
from patients.forms import PhysioChoiceField, clinic_today, style_filter_widgets
from patients.models import STAGE_FILTER_CHOICES, Patient, at_stage, name_matches
from pht_clinic.caching import get_or_compute_kept
from pht_clinic.html import NOTHING, day_month, fill, fill_each, short_date, url_maker

from . import caseload, rules
from .models import ACTION_LABELS, CaseStatus

OUTCOME_CHART_SECONDS = 300


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=100)
    stage = forms.ChoiceField(choices=STAGE_FILTER_CHOICES, required=False)
    physio = PhysioChoiceField(
        queryset=User.objects.none(), required=False, label="Physiotherapist", empty_label="Anyone"
    )
    queue = forms.ChoiceField(required=False, label="Queue")
    SORT_CHOICES = [
        ("name", "Name"),
        ("stage", "Stage"),
        ("days", "Days in stage"),
        ("last_visit", "Last assessment"),
        ("physio", "Physiotherapist"),
    ]
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def __init__(
        self,
        *args: object,
        user: User,
        queue_choices: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        sorts = self.SORT_CHOICES
        if user.is_physio:
            # Their caseload is their own patients: whose they are is no filter and no order.
            del self.fields["physio"]
            sorts = [choice for choice in sorts if choice[0] != "physio"]
            cast(forms.ChoiceField, self.fields["sort"]).choices = sorts
        else:
            physio = cast(PhysioChoiceField, self.fields["physio"])
            physio.queryset = User.objects.filter(clinic=user.clinic, role=User.Role.PHYSIO)
        cast(forms.ChoiceField, self.fields["queue"]).choices = [
            ("", "All patients"),
            *queue_choices,
        ]
        if self.data.get("queue"):  # a queue's list comes in the queue's order at first
            sort = cast(forms.ChoiceField, self.fields["sort"])
            sort.choices = [("", "Queue order"), *sorts]
        style_filter_widgets(self)

    def offer(self, menu: list[caseload.Physio]) -> None:
        """List the clinic's physiotherapists (caseload.physio_menu) in the filter."""
        if "physio" in self.fields:
            field = cast(PhysioChoiceField, self.fields["physio"])
            field.offer((physio.pk, physio.label) for physio in menu)


class ReassignForm(forms.Form):
    """Hand the ticked patients of the caseload to another physiotherapist (clinic admins)."""

    patients = forms.ModelMultipleChoiceField(
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        error_messages={
            "required": "Tick the patients to reassign in the caseload table.",
            "invalid_choice": "A ticked patient is no longer in the caseload; reload the page.",
        },
    )
    physio = PhysioChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        label="Reassign the ticked patients to",
        empty_label="Choose a physiotherapist",
        error_messages={
            "required": "Choose the physiotherapist who takes them over.",
            "invalid_choice": "Choose an active physiotherapist of your clinic.",
        },
    )

    def __init__(self, *args: object, admin: User, **kwargs: object) -> None:
        # Its own ids: the filter form on the same page has a "physio" field too.
        super().__init__(*args, auto_id="reassign_%s", **kwargs)  # type: ignore[arg-type,misc]
        fields = self.fields
        if self.is_bound:  # the ticks are drawn in the caseload's rows, not by this field
            patients = cast(forms.ModelMultipleChoiceField, fields["patients"])
            patients.queryset = Patient.objects.visible_to(admin).active()
        cast(PhysioChoiceField, fields["physio"]).queryset = User.objects.filter(
            clinic=admin.clinic, role=User.Role.PHYSIO, is_active=True
        )
        style_filter_widgets(self)

    def offer(self, menu: list[caseload.Physio]) -> None:
        """List the active ones of the clinic's physiotherapists (caseload.physio_menu)."""
        field = cast(PhysioChoiceField, self.fields["physio"])
        field.offer((physio.public_id, physio.label) for physio in menu if physio.active)


def _filtered(
    request: Request, base: caseload.Annotated, today: date
) -> tuple[caseload.Annotated, list[caseload.Queue], CaseloadFilterForm]:
    """The caseload rows the query string asks for (``base``: :func:`caseload.caseload`)."""
    user = request.user
    queues = caseload.queues(
        base,
        user.clinic,  # type: ignore[arg-type]
        today,
        whole_clinic=user.is_clinic_admin,
    )
    form = CaseloadFilterForm(
        request.GET or None,
        user=user,
        queue_choices=[(q.key, q.title) for q in queues],
    )
    rows = base
    sort = "name"
    if form.is_valid():
        data = form.cleaned_data
        if data.get("queue"):
            # In the queue's order (the most urgent referral first) unless a sort is asked for.
            rows = next(q for q in queues if q.key == data["queue"]).patients
            sort = ""
        rows = rows.filter(name_matches(data.get("q") or ""))
        if data.get("stage"):
            rows = rows.filter(at_stage(data["stage"]))
        if data.get("physio"):
            rows = rows.filter(physio=data["physio"])
        sort = data.get("sort") or sort
    if sort:
        rows = rows.order_by(*caseload.SORTS[sort])
    return rows, queues, form


def caseload_page(request: Request) -> HttpResponse:
    require_clinic_staff(request)
    return _caseload(request)


def _caseload(request: Request, reassign_form: ReassignForm | None = None) -> HttpResponse:
    today = clinic_today(request.user.clinic)
    base = caseload.caseload(request.user)
    admin = request.user.is_clinic_admin
    rows, queues, form = _filtered(request, base, today)
    figures = caseload.cached_figures(
        request.user,
        today,
        lambda: caseload.figures(
            base,
            queues,
            request.user.clinic,  # type: ignore[arg-type]
            whole_clinic=admin,
        ),
    )
    # The physiotherapist menus come with the figures: a change of staff forgets them.
    form.offer(figures["physios"])
    # Page through ids on the queue columns alone; the details are joined for the page only.
    paginator = Paginator(rows.values_list("pk", flat=True), caseload.PAGE_SIZE)
    unfiltered = not request.GET.keys() - {"page", "sort"}
    if unfiltered:
        paginator.count = figures["total"]  # every patient of the caseload
    page = paginator.get_page(request.GET.get("page"))
    if unfiltered and page.number == 1 and request.GET.get("sort", "name") == "name":
        page.object_list = figures["page_one"]  # the page most views show, by name
    tops = figures["tops"]
    shown = caseload.with_details(
        base,
        [*page.object_list, *(pk for t in tops.values() for pk in t)],
        assessments=request.user.is_physio,  # only their queue previews link to one
    )
    by_pk = {p["pk"]: p for p in shown}
    # Shown again with the reassign form's errors: keep the ticks.
    ticked = set(request.POST.getlist("patients")) if reassign_form is not None else set()
    detail_url = url_maker("patients:detail")
    page.object_list = [by_pk[pk] for pk in page.object_list if pk in by_pk]
    rows_html = _rows_html(
        page.object_list,
        today,
        detail_url,
        _physio_names(request.user, figures["physios"], page.object_list),
        tick=admin,
        ticked=ticked,
        error=reassign_form is not None and bool(reassign_form.errors.get("patients")),
    )
    # What the flags in the table mean, for readers who do not know the rules' codes.
    flags_shown = sorted({f for p in page.object_list for f in p["decision_flags"] or []})
    query = request.GET.copy()
    query.pop("page", None)
    here = request.GET.urlencode()  # the page as shown, for the reassign form to come back to
    load = figures["workload"]
    context = {
        "form": form,
        "page": page,
        "rows": rows_html,
        "flag_legend": rules.flag_meanings(flags_shown),
        "query": query.urlencode(),
        "here": here,
        "today": today,
        "queues": [
            {
                "queue": q,
                "help": q.help_text(figures),
                "count": figures["counts"][q.key],
                "top": [
                    _preview(q.key, by_pk[pk], request.user, detail_url)
                    for pk in tops[q.key]
                    if pk in by_pk
                ],
            }
            for q in queues
        ],
        "workload_items": _workload_items(load["per_physio"]),
        "stage_chart": _stage_chart(load["per_stage"], load["completed"]),
        # A clinic-wide trend: computed from every VISA-H, so kept for a few minutes, and
        # for a minute more in each process.
        "visah_chart": get_or_compute_kept(
            f"caseload-visah:{request.user.clinic_id}:{caseload.scope(request.user)}",
            lambda: _visah_chart(caseload.visah_change_by_week(base)),
            OUTCOME_CHART_SECONDS,
            keep_seconds=60,
        ),
    }
    if admin:
        reassign_form = reassign_form or ReassignForm(admin=request.user)
        reassign_form.offer(figures["physios"])
        context["reassign_form"] = reassign_form
    return render(request, "rehab/caseload.html", context)


# The table's rows are written here, not by the template engine: 50 rows of about 35 template
# nodes each (variables, filters, {% url %}) were half of the page's time (docs/benchmarks.md).
# pht_clinic.html.fill escapes every value; tests/rehab/test_caseload.py checks the markup.

_TICK = (
    '<td><input class="form-check-input" type="checkbox" name="patients" value="{}" '
    'form="reassign" id="tick-{}" aria-label="Tick {}"{}{}></td>'
)
_ROW = (
    '<tr>{}<td><a href="{}">{}, {}</a>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
    "<td>{}</td><td>{}</td></tr>\n"
)
_NO_MARKUP = mark_safe("")
_PAUSED = mark_safe(' <span class="flag text-danger">paused</span>')
_DESCRIBED = mark_safe(' aria-describedby="reassign_patients_error"')
_CHECKED = mark_safe(" checked")


def _decision_cell(p: dict[str, Any]) -> SafeString | str:
    """The latest decision in words ("Start stage 2"), "(waiting)" until confirmed, a
    referral's urgency (as the queue's preview shows it), then its flags."""
    if not p["decision_action"]:
        return NOTHING
    action = p["decision_action"]
    waiting = " (waiting)" if p["decision_status"] == "pending" else ""
    cell = fill("{}{} ", ACTION_LABELS.get(action, action), waiting)
    urgency = CaseStatus.URGENCY_OF_RANK.get(p.get("urgency_rank", CaseStatus.NO_URGENCY))
    if urgency:
        cell += fill('<span class="flag text-danger">{}</span> ', urgency)
    for flag in p["decision_flags"] or []:
        cell += fill('<span class="flag">{}</span> ', flag)
    return cell


def _days_in_stage(p: dict[str, Any], today: date) -> int | str:
    """Days since the stage was entered; a completed programme's stage counts no more."""
    if p["status"] == Patient.Status.COMPLETED:
        return "completed"
    entered = p["stage_entered_on"]
    return (today - entered).days if entered else NOTHING


def _physio_names(
    user: User, menu: list[caseload.Physio], rows: list[dict[str, Any]]
) -> dict[int, str]:
    """How each row names its physiotherapist: the viewer in their own caseload; for an
    admin, the clinic's physiotherapists as the cached figures list them, and anyone else a
    row names (a physiotherapist who became an admin) read from the database."""
    if user.is_physio:
        return {user.pk: user.display_name}
    names = {physio.pk: physio.in_row for physio in menu}
    if others := {p["physio_id"] for p in rows} - names.keys():
        staff = User.objects.filter(clinic=user.clinic, pk__in=others)
        names |= {physio.pk: physio.in_row for physio in caseload.physios(staff)}
    return names


def _rows_html(
    rows: list[dict[str, Any]],
    today: date,
    detail_url: Callable[[Any], str],
    physio_names: dict[int, str],
    *,
    tick: bool,
    ticked: set[str],
    error: bool,
) -> SafeString:
    """The caseload table's rows (values from :func:`caseload.with_details`, physiotherapists
    named by ``physio_names``); with ``tick`` each row starts with its box for the reassign
    form."""
    html = []
    for p in rows:
        public_id = str(p["public_id"])
        first, last = p["first_name"], p["last_name"]
        box = ""
        if tick:
            checked = _CHECKED if public_id in ticked else ""
            box = fill(
                _TICK, public_id, public_id, f"{first} {last}", _DESCRIBED if error else "", checked
            )
        visit = p["last_visit"]
        html.append(
            fill(
                _ROW,
                box,
                detail_url(public_id),
                last,
                first,
                _PAUSED if p["status"] == Patient.Status.PAUSED else "",
                p["stage"] or NOTHING,
                physio_names.get(p["physio_id"], NOTHING),
                _days_in_stage(p, today),
                short_date(visit) if visit else NOTHING,
                _decision_cell(p),
                "issued" if p["has_programme"] else "none",
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every row is fill's


_PREVIEW = '<li><a href="{}">{} {}</a>{}{}</li>'
_URGENCY = ' <span class="flag text-danger">{}</span>'


def _preview(
    queue: str, p: dict[str, Any], user: User, detail_url: Callable[[Any], str]
) -> SafeString:
    """A patient named under a queue's title: the link goes where the queue's work is."""
    public_id = p["public_id"]
    url, note, urgency = detail_url(public_id), "", _NO_MARKUP
    if queue in ("referral", "ready"):
        if user.is_physio and p["decision_assessment"]:
            url = reverse("patients:assessment", args=[public_id, p["decision_assessment"]])
        if said := CaseStatus.URGENCY_OF_RANK.get(p["urgency_rank"], ""):
            urgency = fill(_URGENCY, said)
    elif queue == "overdue" and user.is_physio:
        url = reverse("patients:assessment_create", args=[public_id])
        note = f" · last {day_month(p['last_visit']) if p['last_visit'] else 'never'}"
    elif queue == "no_programme":
        url = reverse("rehab:plans", args=[public_id])
        note = f" · stage {p['stage']}"
    return fill(_PREVIEW, url, p["first_name"], p["last_name"], urgency, note)


def _workload_items(per_physio: list[dict[str, Any]]) -> SafeString:
    """The list of patients per physiotherapist (caseload.workload), a deactivated one
    marked: their patients need reassigning."""
    return fill_each(
        "<li>{} {}{}: {}</li>",
        (
            (
                row["physio__first_name"],
                row["physio__last_name"],
                "" if row["physio__is_active"] else " (deactivated)",
                row["n"],
            )
            for row in per_physio
        ),
    )


def _stage_chart(per_stage: dict[int | None, int], completed: int) -> str:
    """Patients per stage, then those whose programme is completed: they keep their last
    stage but are no longer in it (caseload.workload). A bar for each choice of the stage
    filter, with its label."""
    n_of = {"0": per_stage.get(None, 0), "completed": completed}
    n_of |= {str(stage): per_stage.get(stage, 0) for stage in (1, 2, 3, 4)}
    return _bars(tuple((label, n_of[choice]) for choice, label in STAGE_FILTER_CHOICES if choice))


@functools.lru_cache(maxsize=256)
def _bars(counts: tuple[tuple[str, int], ...]) -> str:
    """The drawing of ``counts`` (label, number): drawn once per set of numbers in each
    process, as the page is shown far more often than the numbers change."""
    top = max([1, *(n for _, n in counts)])
    bars = []
    for index, (label, n) in enumerate(counts):
        height = round(120 * n / top)
        # Six 70-wide bars 95 apart fit the drawing's 600 (charts/bars.svg); "Not started"
        # is the widest label, about 70 at font-size 12.
        bars.append(
            {"label": label, "n": n, "x": 25 + index * 95, "y": 150 - height, "height": height}
        )
    return render_to_string("charts/bars.svg", {"bars": bars, "title": "Patients per stage"})


def _visah_chart(points: list[tuple[int, float, int]]) -> str:
    chart = Chart(
        title="VISA-H change from the first score, by weeks in the programme",
        description="Mean change in VISA-H points across the clinic's current patients, "
        "by weeks since each patient's first VISA-H.",
        y_max=max([20.0, *[v for _, v, _ in points]]),
        y_min=min([0.0, *[v for _, v, _ in points]]),
        y_label=" points",
        x_unit="week",
        series=[Series("Mean change", [(week, value) for week, value, _ in points])],
    )
    return render_to_string("charts/line.svg", {**chart.svg_context(), "chart_id": "visah-weeks"})


def caseload_csv(request: Request) -> HttpResponse:
    require_clinic_staff(request)
    today = clinic_today(request.user.clinic)
    rows, _, _ = _filtered(request, caseload.caseload(request.user), today)
    out = io.StringIO()
    caseload.write_csv(caseload.details(rows), out, today)
    audit.record(request, "caseload_exported")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    return response


@require_POST
def reassign(request: Request) -> HttpResponse:
    """Reassign the ticked patients; the caseload's filters stay in the query string."""
    require_clinic_admin(request)
    form = ReassignForm(request.POST, admin=request.user)
    if not form.is_valid():
        if form.has_error("patients", "invalid_choice"):  # another clinic's, or archived
            audit.record(request, "access_denied", outcome="denied")
        return _caseload(request, form)
    physio = form.cleaned_data["physio"]
    patients = list(form.cleaned_data["patients"].order_by("last_name", "first_name"))
    with transaction.atomic():
        for patient in patients:
            patient.physio = physio
            patient._change_reason = "Reassigned by the clinic admin"
            patient.save(update_fields=["physio", "updated_at"])
            audit.record(request, "patient_reassigned", patient=patient)
    who = patients[0].full_name if len(patients) == 1 else f"{len(patients)} patients"
    verb = "is" if len(patients) == 1 else "are"
    messages.success(request, f"{who} {verb} now with {physio.display_name}.")
    query = request.GET.urlencode()
    return redirect(reverse("rehab:caseload") + (f"?{query}" if query else ""))
