from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.access import require_clinic_admin, require_clinic_staff
from accounts.http import AuthenticatedHttpRequest as Request
from accounts.models import Clinic
from patients.access import Need, get_assessment_for_user, get_patient_for_user, not_found
from patients.models import Patient

from . import library_v1, plans, programmes, rules, schedule, services
from .forms import (
    AddExerciseForm,
    ClinicExerciseForm,
    OverrideForm,
    PlanItemForm,
    PlanItemFormSet,
    ReduceDoseForm,
    TemplateForm,
)
from .models import Exercise, PatientLink, Plan, RenderJob, StageDecision


def _decision(request: Request, public_id: str, assessment_id: str) -> StageDecision:
    assessment = get_assessment_for_user(request, public_id, assessment_id, "edit_clinical")
    try:
        return StageDecision.objects.select_related("patient", "assessment").get(
            assessment=assessment
        )
    except StageDecision.DoesNotExist:
        raise Http404("No decision") from None


def _back(decision: StageDecision) -> HttpResponse:
    return redirect(
        "patients:assessment", decision.patient.public_id, decision.assessment.public_id
    )


@require_POST
def decision_confirm(request: Request, public_id: str, assessment_id: str) -> HttpResponse:
    decision = _decision(request, public_id, assessment_id)
    if not decision.is_pending:
        messages.info(request, "This recommendation has already been decided.")
        return _back(decision)
    try:
        services.confirm(decision, request.user)
    except services.AlreadyDecided:
        messages.info(request, "This recommendation has already been decided.")
        return _back(decision)
    messages.success(request, f"Confirmed: {decision.get_engine_action_display()}.")
    return _back(decision)


def decision_override(request: Request, public_id: str, assessment_id: str) -> HttpResponse:
    decision = _decision(request, public_id, assessment_id)
    if not decision.is_pending:
        messages.info(request, "This recommendation has already been decided.")
        return _back(decision)
    form = OverrideForm(request.POST or None, decision=decision)
    if request.method == "POST" and form.is_valid():
        action = rules.Action(form.cleaned_data["action"])
        try:
            services.override(
                decision,
                request.user,
                action,
                form.cleaned_data["reason"],
                pause=bool(form.cleaned_data.get("pause")),
                urgency=form.cleaned_data.get("urgency", ""),
            )
        except services.AlreadyDecided:
            messages.info(request, "This recommendation has already been decided.")
            return _back(decision)
        messages.success(
            request, "Your decision and its reason are recorded beside the recommendation."
        )
        return _back(decision)
    return render(
        request,
        "rehab/decision_override.html",
        {"decision": decision, "form": form, "patient": decision.patient},
    )


# -- Exercise plans (issue 5) ---------------------------------------------------------------


def get_plan_for_user(
    request: Request, public_id: UUID | str, plan_id: UUID | str, need: Need = "clinical"
) -> Plan:
    patient = get_patient_for_user(request, public_id, need)
    try:
        return patient.plans.select_related("patient__clinic", "created_by", "issued_by").get(
            public_id=plan_id
        )
    except Plan.DoesNotExist:
        raise not_found(request, patient) from None


ARCHIVED_PLANS = (
    "{name} is archived, so their plans can be read but not changed. Restore them on their "
    "page first if they are back in your care."
)


def _refuse_archived(request: Request, patient: Patient) -> HttpResponse | None:
    """An archived patient is in nobody's caseload, so nobody would follow up a plan made or
    changed for them: their plans are read-only until they are restored. Their issued
    programme can still be printed and handed over (a discharged patient keeps it)."""
    if not patient.is_archived:
        return None
    messages.error(request, ARCHIVED_PLANS.format(name=patient.full_name))
    return redirect("rehab:plans", patient.public_id)


def _bridge_candidates(patient: Patient, stage: int) -> QuerySet[Exercise]:
    """Exercises of the current plan that are safe for the new stage (PROTOCOL 3.5); one in
    the new stage's template is kept anyway, for the whole stage."""
    current = patient.plans.filter(status=Plan.Status.ISSUED).first()
    if current is None or current.stage == stage:
        return Exercise.objects.none()
    template = library_v1.STAGE_TEMPLATES[stage]
    ids = [
        item.exercise_id
        for item in current.items.select_related("exercise")
        if not item.exercise.supporting
        and not (item.exercise.is_builtin and item.exercise.code in template)
        and plans.stage_use_error(item.exercise, stage) is None
    ]
    return Exercise.objects.filter(pk__in=ids)


def plan_list(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "status")
    if request.user.is_patient:
        raise PermissionDenied
    template_form = TemplateForm(candidates=_bridge_candidates(patient, patient.stage or 1))
    return _plan_list_page(request, patient, template_form)


def _plan_list_page(
    request: Request, patient: Patient, template_form: TemplateForm
) -> HttpResponse:
    """The plans page; ``template_form`` is bound when it comes back with an error."""
    versions = list(patient.plans.select_related("created_by", "issued_by"))
    latest = patient.decisions.exclude(status=StageDecision.Status.PENDING).last()
    context = {
        "patient": patient,
        "versions": versions,
        "clinical": request.user.is_physio,
        "changeable": request.user.is_physio and not patient.is_archived,
        "draft": next((p for p in versions if p.is_draft), None),
        "current": next((p for p in versions if p.status == Plan.Status.ISSUED), None),
        "latest_decision": latest,
        "template_form": template_form,
        "reduce_form": ReduceDoseForm(),
        "amber": latest is not None
        and latest.final_action == "STAY"
        and "AMBER" in latest.engine_flags,
        "stage1_regress": latest is not None
        and latest.final_action == "REGRESS"
        and latest.stage_before == 1,
    }
    audit.record(request, "plans_viewed", patient=patient)
    return render(request, "rehab/plan_list.html", context)


@require_POST
def plan_create(request: Request, public_id: str) -> HttpResponse:
    patient = get_patient_for_user(request, public_id, "edit_clinical")
    if refused := _refuse_archived(request, patient):
        return refused
    if patient.stage is None:
        messages.error(request, "Confirm the first stage decision before building a plan.")
        return redirect("rehab:plans", patient.public_id)
    form = TemplateForm(request.POST, candidates=_bridge_candidates(patient, patient.stage))
    if not form.is_valid():
        # Shown again with the error beside the boxes and the ticks kept.
        return _plan_list_page(request, patient, form)
    try:
        plan = plans.create_from_template(
            patient, patient.stage, request.user, list(form.cleaned_data["bridge"])
        )
    except plans.PlanError as error:
        messages.error(request, str(error))
        return redirect("rehab:plans", patient.public_id)
    messages.success(request, f"Draft plan for stage {plan.stage} created from the template.")
    return redirect("rehab:plan", patient.public_id, plan.public_id)


def _plan_context(plan: Plan, formset: Any = None, add_form: Any = None) -> dict[str, Any]:
    items = list(plan.items.select_related("exercise"))
    if formset is None and plan.is_draft:
        formset = PlanItemFormSet(
            prefix="items",
            initial=[
                {"item_id": i.pk, "position": i.position}
                | {name: getattr(i, name) for name in PlanItemForm.DOSE_FIELDS}
                for i in items
            ],
        )
    exercises = Exercise.objects.for_clinic(plan.patient.clinic).exclude(
        pk__in=[i.exercise_id for i in items]
    )
    forms_by_id = {}
    for form in formset or []:
        try:
            forms_by_id[int(form["item_id"].value())] = form
        except (TypeError, ValueError):
            continue
    rows = [{"item": item, "form": forms_by_id.get(item.pk)} for item in items]
    paused = plan.patient.status == Patient.Status.PAUSED
    latest_job = plan.render_jobs.filter(paused=paused).first()
    # The links that still work: an expired one has nothing left to revoke.
    links = list(plan.links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()))
    # The menu offers only what this stage accepts (plans.stage_use_error decides on adding),
    # also when the page is shown again with an Add's error.
    usable = [e.pk for e in exercises if plans.stage_use_error(e, plan.stage) is None]
    if add_form is None:
        add_form = AddExerciseForm(exercises=exercises.filter(pk__in=usable))
    else:
        add_form.fields["exercise"].queryset = exercises.filter(pk__in=usable)
    return {
        "plan": plan,
        "patient": plan.patient,
        "editable": plan.is_draft and not plan.patient.is_archived,
        "job": latest_job,
        "links": links,
        "has_diary_link": any(link.purpose == PatientLink.Purpose.DIARY for link in links),
        "waiting_link": next((link for link in links if link.waits_for_sheet), None),
        "rows": rows,
        "formset": formset,
        "add_form": add_form,
        "calendar": schedule.weeks_of(schedule.stage4_days()) if plan.stage == 4 else None,
        "hip_limit": library_v1.STAGE_HIP_FLEXION_LIMIT[plan.stage],
    }


def plan_detail(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id)
    audit.record(request, "plan_viewed", patient=plan.patient, obj=plan)
    return render(request, "rehab/plan_detail.html", _plan_context(plan))


@require_POST
def plan_save(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    if refused := _refuse_archived(request, plan.patient):
        return refused
    if not plan.is_draft:
        messages.error(request, "An issued plan is frozen: make a new version to change it.")
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    formset = _posted_items(request, plan)
    lock_version = _lock_version(request)
    if formset.is_valid() and lock_version is not None:
        try:
            changed = plans.save_items(plan, lock_version, _changes(formset), request.user)
        except plans.StaleVersion as error:
            return _stale(request, plan, formset, error)
        messages.success(
            request, "The plan has been saved." if changed else "Nothing had changed to save."
        )
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    return render(request, "rehab/plan_detail.html", _plan_context(plan, formset), status=200)


def _changes(formset: Any) -> list[plans.ItemChange]:
    return [
        plans.ItemChange(
            item_id=f.cleaned_data["item_id"],
            position=f.cleaned_data["position"],
            delete=f.cleaned_data["delete"],
            dose={name: f.cleaned_data[name] for name in PlanItemForm.DOSE_FIELDS},
        )
        for f in formset
        if f.cleaned_data  # an extra, empty form (only an altered form has one) changes nothing
    ]


def _stale(request: Request, plan: Plan, formset: Any, error: Exception) -> HttpResponse:
    plan.refresh_from_db()
    messages.error(request, str(error))
    return render(request, "rehab/plan_detail.html", _plan_context(plan, formset), status=409)


def _posted_items(request: Request, plan: Plan, *, issuing: bool = False) -> Any:
    """The plan's posted doses, checked against each item's exercise (PlanItemForm)."""
    exercises = {item.pk: item.exercise for item in plan.items.select_related("exercise")}
    kwargs = {"exercises": exercises, "issuing": issuing}
    return PlanItemFormSet(request.POST, prefix="items", form_kwargs=kwargs)


def _save_posted_doses(
    request: Request,
    plan: Plan,
    lock_version: int,
    doing: str,
    add_form: Any = None,
    *,
    issuing: bool = False,
) -> int | HttpResponse:
    """Add and Issue are buttons of the plan's form, so the doses on screen come with them:
    they are saved first, so that nothing typed is lost. Returns the plan's lock version
    after saving (the same when nothing changed), or the page to answer with when they
    cannot be saved. A post without them changes nothing. When ``issuing``, a dose without
    reps or a hold time is refused too, beside its field (PlanItemForm.exercises)."""
    if "items-TOTAL_FORMS" not in request.POST:
        return lock_version
    formset = _posted_items(request, plan, issuing=issuing)
    if not formset.is_valid():
        messages.error(request, f"Nothing was {doing}: correct the doses marked below first.")
        context = _plan_context(plan, formset, add_form=add_form)
        return render(request, "rehab/plan_detail.html", context)
    try:
        if not plans.save_items(plan, lock_version, _changes(formset), request.user):
            return lock_version
    except plans.StaleVersion as error:
        return _stale(request, plan, formset, error)
    plan.refresh_from_db()
    return plan.lock_version


def _lock_version(request: Request) -> int | None:
    """The plan version the posted page was made from; None (and a message saying why
    nothing was saved) when the post does not carry one, as only an altered form would."""
    try:
        return int(request.POST.get("lock_version", ""))
    except ValueError:
        messages.error(
            request, "Nothing was saved: the form was incomplete. Reload the plan and try again."
        )
        return None


@require_POST
def plan_add(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    if refused := _refuse_archived(request, plan.patient):
        return refused
    exercises = Exercise.objects.for_clinic(plan.patient.clinic)
    form = AddExerciseForm(request.POST, exercises=exercises)
    lock_version = _lock_version(request)
    if not plan.is_draft or lock_version is None:
        return render(request, "rehab/plan_detail.html", _plan_context(plan, add_form=form))
    saved = _save_posted_doses(request, plan, lock_version, "added", form)
    if isinstance(saved, HttpResponse):
        return saved
    if saved != lock_version:
        messages.success(request, "Your dose changes have been saved.")
    if form.is_valid() and form.cleaned_data["exercise"] is None:
        form.add_error("exercise", "Choose the exercise to add.")
    if form.is_valid():
        try:
            plans.add_exercise(plan, saved, form.cleaned_data["exercise"], request.user)
        except plans.PlanError as error:
            form.add_error("exercise", str(error))
        else:
            messages.success(request, f"{form.cleaned_data['exercise'].name} added.")
            return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    plan.refresh_from_db()
    return render(request, "rehab/plan_detail.html", _plan_context(plan, add_form=form))


@require_POST
def plan_issue(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    if refused := _refuse_archived(request, plan.patient):
        return refused
    if not plan.is_draft:
        messages.error(request, "Only a draft can be issued.")
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    lock_version = _lock_version(request)
    if lock_version is None:
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    saved = _save_posted_doses(request, plan, lock_version, "issued", issuing=True)
    if isinstance(saved, HttpResponse):
        return saved
    try:
        plans.issue(plan, saved, request.user)
    except plans.PlanError as error:
        changed = saved != lock_version
        prefix = "Your changes have been saved, but the plan was not issued: " if changed else ""
        messages.error(request, prefix + str(error))
    else:
        messages.success(request, f"Version {plan.version} is now the patient's programme.")
    return redirect("rehab:plan", plan.patient.public_id, plan.public_id)


@require_POST
def plan_revise(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    if refused := _refuse_archived(request, plan.patient):
        return refused
    form = ReduceDoseForm(request.POST)
    try:
        if "percent" in request.POST:
            if not form.is_valid():
                raise plans.PlanError("Choose a reduction of 10, 15 or 20 %.")
            draft = plans.reduce_dose(plan, form.cleaned_data["percent"], request.user)
        elif "stage1_reduce" in request.POST:
            draft = plans.stage1_reduced_dose(plan, request.user)
        else:
            draft = plans.new_draft_from(plan, request.user)
    except plans.PlanError as error:
        messages.error(request, str(error))
        return redirect("rehab:plans", plan.patient.public_id)
    messages.success(request, f"Draft version {draft.version} is ready to edit.")
    return redirect("rehab:plan", plan.patient.public_id, draft.public_id)


# -- Exercise library -----------------------------------------------------------------------


def exercise_library(request: Request) -> HttpResponse:
    clinic = require_clinic_staff(request)
    exercises = Exercise.objects.filter(Q(clinic__isnull=True) | Q(clinic=clinic))
    hidden = set(clinic.hidden_exercises.values_list("pk", flat=True)) if clinic else set()
    return render(
        request,
        "rehab/exercise_library.html",
        {"exercises": exercises, "hidden": hidden, "limits": library_v1.STAGE_HIP_FLEXION_LIMIT},
    )


@require_POST
def exercise_toggle(request: Request, pk: int) -> HttpResponse:
    clinic = require_clinic_admin(request)
    exercise = get_object_or_404(
        Exercise.objects.filter(Q(clinic__isnull=True) | Q(clinic=clinic)), pk=pk
    )
    if clinic.hidden_exercises.filter(pk=exercise.pk).exists():
        clinic.hidden_exercises.remove(exercise)
        messages.success(request, f"{exercise.name} is shown again.")
    else:
        clinic.hidden_exercises.add(exercise)
        messages.success(request, f"{exercise.name} is hidden from new plans.")
    return redirect("rehab:exercises")


def exercise_create(request: Request) -> HttpResponse:
    clinic = require_clinic_admin(request)
    form = ClinicExerciseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # The clinic row is the lock: two admins adding at once get C-01 and C-02.
            Clinic.objects.select_for_update().get(pk=clinic.pk)
            exercise = form.save(commit=False)
            exercise.clinic = clinic
            count = Exercise.objects.filter(clinic=clinic).count()
            exercise.code = f"C-{count + 1:02d}"
            exercise.save()
            audit.record(request, "exercise_created", obj=exercise)
        messages.success(request, f"{exercise.name} added to the clinic's library.")
        return redirect("rehab:exercises")
    return render(request, "rehab/exercise_form.html", {"form": form})


# -- Printable programmes and patient links (issue 6) ---------------------------------------


def _job_for(request: Request, plan: Plan, job_id: UUID | str) -> RenderJob:
    try:
        return plan.render_jobs.get(public_id=job_id)
    except RenderJob.DoesNotExist:
        raise not_found(request, plan.patient) from None


def _job_status(request: Request, job: RenderJob) -> dict[str, Any]:
    patient, plan = job.plan.patient, job.plan
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "error": job.error,
        "download_url": reverse(
            "rehab:programme_download", args=[patient.public_id, plan.public_id, job.public_id]
        )
        if job.is_ready
        else "",
    }


@require_POST
def programme_request(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    if plan.is_draft:
        messages.error(request, "Issue the plan before printing it.")
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    job = programmes.request_render(plan, request.user)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(_job_status(request, job))
    return redirect(
        reverse("rehab:plan", args=[plan.patient.public_id, plan.public_id]) + "#programme"
    )


def programme_status(request: Request, public_id: str, plan_id: str, job_id: str) -> JsonResponse:
    plan = get_plan_for_user(request, public_id, plan_id)
    return JsonResponse(_job_status(request, _job_for(request, plan, job_id)))


def _serve(
    request: Request | HttpRequest, job: RenderJob, patient: Patient, action: str
) -> FileResponse:
    path = programmes.ready_file(job)
    # After a red-flag referral only the "programme paused" document may be handed out.
    if path is None or job.paused != (patient.status == Patient.Status.PAUSED):
        raise Http404("The programme is not ready")
    audit.record(request, action, patient=patient, obj=job)
    name = f"programme-v{job.plan.version}.pdf"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


def programme_download(
    request: Request, public_id: str, plan_id: str, job_id: str
) -> HttpResponseBase:
    # Physiotherapists, and clinic admins with the clinical-lead permission (patients.access).
    plan = get_plan_for_user(request, public_id, plan_id, "programme_pdf")
    return _serve(request, _job_for(request, plan, job_id), plan.patient, "programme_downloaded")


LINK_CREATED = (
    "A link for the patient has been made. Download its handover sheet below, print it and "
    "give it to the patient: the link works from then on."
)
LINK_WAITING = "A link is already waiting for its handover sheet: download it below."
SHEET_GIVEN = (
    "This link's handover sheet has been downloaded already: it holds the link, so it is "
    "given once. If it is lost, revoke the link and make a new one."
)
SHEET_OF_REVOKED = "This link has been revoked, so it has no handover sheet: make a new link."


def _links_section(plan: Plan) -> HttpResponse:
    return redirect(reverse("rehab:plan", args=[plan.patient.public_id, plan.public_id]) + "#links")


@require_POST
def link_create(request: Request, public_id: str, plan_id: str) -> HttpResponse:
    """A download link for this plan version, listed on the plan page to download its
    handover sheet from (``link_sheet``): the page says what was made, and a second click
    makes no second link."""
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    try:
        _link, created = programmes.start_link(plan, request.user)
    except programmes.NotCurrent as refused:  # a draft, or a version since replaced
        messages.error(request, refused.message)
        return redirect("rehab:plan", plan.patient.public_id, plan.public_id)
    if created:
        messages.success(request, LINK_CREATED)
    else:
        messages.info(request, LINK_WAITING)
    return _links_section(plan)


@require_POST
def link_sheet(request: Request, public_id: str, plan_id: str, link_id: int) -> HttpResponse:
    """The one-page handover sheet of a waiting link, with its QR code: the token is made
    here and exists only in this response, once (programmes.give_sheet)."""
    from . import pdf

    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    link = get_object_or_404(plan.links, pk=link_id, purpose=PatientLink.Purpose.DOWNLOAD)
    token = programmes.give_sheet(link, request.user)
    if token is None:
        link.refresh_from_db()
        messages.error(request, SHEET_GIVEN if link.revoked_at is None else SHEET_OF_REVOKED)
        return _links_section(plan)
    url = request.build_absolute_uri(reverse("public:programme", args=[token]))
    sheet = pdf.render_handover_sheet(
        patient=plan.patient,
        clinic=plan.patient.clinic,
        plan=plan,
        url=url,
        expires_at=link.expires_at,
    )
    response = HttpResponse(sheet.content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="handover-sheet.pdf"'
    return response


@require_POST
def link_revoke(request: Request, public_id: str, plan_id: str, link_id: int) -> HttpResponse:
    plan = get_plan_for_user(request, public_id, plan_id, "edit_clinical")
    link = get_object_or_404(plan.links, pk=link_id)
    if link.revoked_at is not None:  # a second tab, or the button sent twice
        messages.info(request, "That link was already revoked: it no longer opens anything.")
    else:
        programmes.revoke_link(link, request.user)
        messages.success(request, "The link has been revoked: it no longer opens the programme.")
    return _links_section(plan)
