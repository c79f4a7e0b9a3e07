from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest as Request
from patients.access import get_assessment_for_user

from . import rules, services
from .forms import OverrideForm
from .models import StageDecision


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
    services.confirm(decision, request.user)
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
        services.override(decision, request.user, action, form.cleaned_data["reason"])
        messages.success(
            request, "Your decision and its reason are recorded beside the recommendation."
        )
        return _back(decision)
    return render(
        request,
        "rehab/decision_override.html",
        {"decision": decision, "form": form, "patient": decision.patient},
    )
