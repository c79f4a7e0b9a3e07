"""Pages for patients: the download link (no account) and their own programmes (account).

A link answers 404 with no patient data when it is unknown, expired or revoked, and is
rate-limited per address and per link (SECURITY.md "patient links")."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import audit
from accounts.http import AuthenticatedHttpRequest as Request
from accounts.models import AuditEvent
from patients.forms import clinic_today
from patients.models import Patient

from . import diary, export, library_v1, programmes
from .forms import DiaryForm
from .models import DiaryEntry, PatientLink, Plan, RenderJob
from .views import _serve

#: Wrong tokens allowed per address per hour, and uses of a download link per hour.
INVALID_PER_HOUR = 30
USES_PER_HOUR = 30
#: Uses of a diary link per hour: the page, each day opened and each save (a post and the
#: page after it), so a patient catching up on two weeks at once uses about 45.
DIARY_USES_PER_HOUR = 120


class TooManyRequests(Exception):
    pass


def _rate_limited(request: HttpRequest, link: PatientLink | None) -> bool:
    since = timezone.now() - timedelta(hours=1)
    events = AuditEvent.objects.filter(at__gte=since)
    if link is None:
        ip = request.META.get("REMOTE_ADDR")
        return (
            events.filter(action="patient_link_invalid", ip_address=ip).count() >= INVALID_PER_HOUR
        )
    limit = DIARY_USES_PER_HOUR if link.purpose == PatientLink.Purpose.DIARY else USES_PER_HOUR
    return (
        events.filter(action="patient_link_used", object_ref=f"rehab.patientlink:{link.pk}").count()
        >= limit
    )


def _link_or_404(
    request: HttpRequest, token: str, purpose: str = PatientLink.Purpose.DOWNLOAD
) -> PatientLink:
    link = programmes.find_link(token, purpose)
    if _rate_limited(request, link):
        raise TooManyRequests
    if link is None:
        audit.record(request, "patient_link_invalid", outcome="denied")
        raise Http404("No such link")
    # No one is logged in: dates on the page are the clinic's, as on the handover sheet.
    timezone.activate(link.plan.patient.clinic.tzinfo)
    audit.record(
        request,
        "patient_link_used",
        patient=link.plan.patient,
        obj=link,
        clinic=link.plan.patient.clinic,
    )
    PatientLink.objects.filter(pk=link.pk).update(
        last_used_at=timezone.now(), use_count=link.use_count + 1
    )
    return link


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "public/too_many.html", status=429)


def _not_working(request: HttpRequest) -> HttpResponse:
    """The 404 of a link: the patient has no account to go back to, so it says what to do."""
    return render(request, "public/link_not_working.html", status=404)


def _ready_job(plan: Plan) -> RenderJob:
    return programmes.request_render(plan, None)


def _refresh_seconds(job: RenderJob) -> int | None:
    """How soon the page looks again by itself while the programme is prepared, or None.
    Every look uses the link (USES_PER_HOUR): every 5 s for a minute, once a minute until
    5 minutes, then the page stops and says to come back later, so that a patient left
    waiting while the worker is down does not find the link refused for an hour."""
    if job.is_ready or job.status == RenderJob.Status.FAILED:
        return None
    waited = timezone.now() - job.requested_at
    if waited < timedelta(minutes=1):
        return 5
    return 60 if waited < timedelta(minutes=5) else None


@login_not_required
@never_cache
@require_GET
def programme_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = _link_or_404(request, token)
    except TooManyRequests:
        return _too_many(request)
    except Http404:
        return _not_working(request)
    plan = link.plan
    job = _ready_job(plan)
    return render(
        request,
        "public/programme.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "clinic": plan.patient.clinic,
            "job": job,
            "token": token,
            "link": link,
            "refresh_seconds": _refresh_seconds(job),
        },
    )


@login_not_required
@never_cache
@require_GET
def programme_file(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        link = _link_or_404(request, token)
    except TooManyRequests:
        return _too_many(request)
    except Http404:
        return _not_working(request)
    job = _ready_job(link.plan)
    if not job.is_ready:
        return render(
            request,
            "public/programme.html",
            {
                "plan": link.plan,
                "patient": link.plan.patient,
                "clinic": link.plan.patient.clinic,
                "job": job,
                "token": token,
                "link": link,
                "refresh_seconds": _refresh_seconds(job),
            },
            status=202,
        )
    return _serve(request, job, link.plan.patient, "programme_downloaded_by_link")


def _own_record(request: Request) -> Patient:
    patient = getattr(request.user, "patient_record", None)
    if not request.user.is_patient or patient is None:
        raise PermissionDenied
    return patient


def my_programmes(request: Request) -> HttpResponse:
    patient = _own_record(request)
    plans = list(patient.plans.exclude(status=Plan.Status.DRAFT).order_by("-version"))
    jobs = {plan.pk: programmes.request_render(plan, request.user) for plan in plans[:1]}
    return render(
        request,
        "public/my_programmes.html",
        {
            "patient": patient,
            "plans": plans,
            "current_job": jobs.get(plans[0].pk) if plans else None,
        },
    )


def my_programme_download(request: Request, plan_id: str) -> HttpResponseBase:
    patient = _own_record(request)
    try:
        plan = patient.plans.exclude(status=Plan.Status.DRAFT).get(public_id=plan_id)
    except Plan.DoesNotExist:
        raise Http404("No such programme") from None
    job = programmes.request_render(plan, request.user)
    if not job.is_ready:
        return render(request, "public/preparing.html", {"job": job, "plan": plan}, status=202)
    return _serve(request, job, patient, "programme_downloaded")


# -- The diary (issue 9) ---------------------------------------------------------------------


def _day_asked(request: HttpRequest, first_day: date | None, today: date) -> tuple[date, bool]:
    """The day named by ?day=YYYY-MM-DD (the "change" links beside each entry), else today;
    and whether a day was asked for that cannot be recorded (the page then says so)."""
    if not request.GET.get("day"):
        return today, False
    try:
        asked = date.fromisoformat(request.GET["day"])
    except ValueError:
        return today, True
    if asked > today or (first_day is not None and asked < first_day):
        return today, True
    return asked, False


def _saved_key(patient: Patient) -> str:
    return f"diary_saved:{patient.public_id}"


def _forget_saved_notices(request: HttpRequest) -> None:
    """Drop the notices of saves whose page could not be shown (the link was refused meanwhile):
    they hold the day's answers and note, which need not wait in the session."""
    for key in [k for k in request.session.keys() if k.startswith("diary_saved:")]:  # noqa: SIM118 - a session has no __iter__
        del request.session[key]


def _saved_notice(outcome: diary.Outcome, ignored_pain: int | None) -> dict[str, Any]:
    """What the page after a save tells the patient, kept in the session across the redirect
    (JSON: the day as text)."""
    entry = outcome.entry
    return {
        "day": outcome.entry.day.isoformat(),
        "created": outcome.created,
        "changes": [str(change) for change in outcome.changes],
        "ignored_pain": ignored_pain,
        "flagged": outcome.entry.flagged,
        "new_flag": outcome.new_flag,
        "light": diary.pain_light(
            entry.exercise_pain, entry.next_morning_pain, entry.usual_morning_pain, entry.patient
        ),
        "exercise_pain": entry.exercise_pain,
    }


def _diary(
    request: HttpRequest, patient: Patient, plan: Plan, source: str, template_context: dict
) -> HttpResponse:
    """A save redirects to the diary without ?day (POST/redirect/GET): the page then says
    which day was saved and opens on today, as the address says, and reloading it does not
    post again. A form with errors, or held before replacing a saved entry, is shown again."""
    if patient.is_archived:
        return _diary_closed(request, patient, template_context)
    today = clinic_today(patient.clinic)
    first_day = plan.issued_at.astimezone(patient.clinic.tzinfo).date() if plan.issued_at else None

    form_for = partial(
        DiaryForm, stage=plan.stage, first_day=first_day, today=today, version=plan.version
    )

    def start_from(day: date) -> DiaryForm:
        return form_for(entry=patient.diary.filter(day=day).first())

    outcome = ignored_pain = saved = None
    day_refused = False
    if request.method == "POST":
        form = form_for(
            request.POST,
            # Shown again after a mistake, the form still says which saved entry it changes.
            entry=diary.entry_at(patient, request.POST.get("started_from", "")),
        )
        if form.is_valid():
            data = form.cleaned_data
            values = {
                "session_done": data["session_done"],
                "exercise_pain": data.get("exercise_pain"),
                "next_morning_pain": data.get("next_morning_pain"),
                "note": data.get("note", ""),
            }
            if "plyometric_day" in form.fields:  # not asked: keep what an entry has
                values["plyometric_day"] = bool(data.get("plyometric_day"))
            outcome = diary.save_day(
                patient, plan, data["day"], values, source, data["started_from"]
            )
            ignored_pain = form.ignored_exercise_pain
            if outcome.held:
                # Show the patient's answers again, now knowing the saved entry: saving this
                # form a second time replaces it.
                again = request.POST.copy()
                again["started_from"] = diary.version(outcome.entry)
                form = form_for(again, entry=outcome.entry)
            else:
                request.session[_saved_key(patient)] = _saved_notice(outcome, ignored_pain)
                return redirect(request.path)
    else:
        saved = request.session.pop(_saved_key(patient), None)
        if saved is not None:
            saved["day"] = date.fromisoformat(saved["day"])
        day, day_refused = _day_asked(request, first_day, today)
        form = start_from(day)
    entries = list(patient.diary.order_by("-day")[:14])
    return render(
        request,
        "public/diary.html",
        {
            **template_context,
            "form": form,
            "outcome": outcome,
            "saved": saved,
            "ignored_pain": ignored_pain,
            "day_refused": day_refused,
            "entries": entries,
            "today": today,
            # Sessions of the last two days still waiting for their next-morning pain.
            "morning_due": [
                e
                for e in entries
                if e.session_done
                and e.next_morning_pain is None
                and today - timedelta(days=2) <= e.day < today
                and e != form.entry
                and (first_day is None or e.day >= first_day)
            ],
            "patient": patient,
            "clinic": patient.clinic,
            "plan": plan,
            "pain_rule": library_v1.PAIN_TRAFFIC_LIGHT,
            "first_day": first_day,
        },
        status=200,
    )


def _diary_closed(request: HttpRequest, patient: Patient, template_context: dict) -> HttpResponse:
    """An archived patient's diary takes no entries: nobody would see them, so the page says
    the programme with the clinic has ended and to call the clinic about symptoms, rather
    than "your physiotherapist can see this entry now"."""
    request.session.pop(_saved_key(patient), None)
    return render(
        request,
        "public/diary_closed.html",
        {
            **template_context,
            "patient": patient,
            "clinic": patient.clinic,
            "refused_entry": request.method == "POST",
        },
    )


@login_not_required
@never_cache
def diary_by_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    try:
        link = _link_or_404(request, token, PatientLink.Purpose.DIARY)
    except TooManyRequests:
        _forget_saved_notices(request)
        return _too_many(request)
    except Http404:
        _forget_saved_notices(request)
        return _not_working(request)
    return _diary(request, link.plan.patient, link.plan, DiaryEntry.Source.LINK, {"token": token})


def my_diary(request: Request) -> HttpResponse:
    patient = _own_record(request)
    plan = programmes.current_plan(patient)
    if plan is None:
        return render(request, "public/no_programme.html", {"patient": patient})
    return _diary(request, patient, plan, DiaryEntry.Source.ACCOUNT, {"base_template": "base.html"})


def my_data(request: Request) -> HttpResponse:
    """A copy of the patient's own data: record, assessments summary, diary and the
    rendered programmes, as a ZIP of JSON and PDFs (issue 11, item 3)."""
    patient = _own_record(request)
    archive = export.patient_archive(patient)
    audit.record(request, "patient_data_exported", patient=patient)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-rehab-data.zip"'
    return response
