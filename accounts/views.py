import datetime as dt
import smtplib
import time
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from patients.models import Patient
from pht_clinic.celery import app as celery_app
from rehab import rules
from rehab.models import CaseStatus, RulesParameters, StageDecision, parameters_for

from . import audit, pending_form, services
from .access import (
    STAFF_ROLES,
    get_staff_member_for_admin,
    may_grant_clinical_lead,
    may_revoke_clinical_lead,
    require_clinic_admin,
    require_clinic_staff,
)
from .forms import (
    AuditFilterForm,
    ClinicalLeadForm,
    ClinicSettingsForm,
    DeactivateForm,
    InvitationAcceptForm,
    InviteForm,
    RoleForm,
    RulesParametersForm,
)
from .http import AuthenticatedHttpRequest as Request
from .middleware import SessionTimeoutMiddleware
from .models import AuditEvent, Clinic, Invitation, User

#: SECURITY.md "lockout": whatever the addresses, at most 100 failed attempts an hour per account
#: (axes counts per username and address, so that a clinic behind one NAT cannot lock itself out).
ACCOUNT_FAILURES_PER_HOUR = 100


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = str(request.POST.get("username", ""))[:150]
        failures = AuditEvent.objects.filter(
            action="login_failed",
            actor_label=username,
            at__gte=timezone.now() - dt.timedelta(hours=1),
        )
        if username and failures.count() >= ACCOUNT_FAILURES_PER_HOUR:
            audit.record(request, "login_throttled", outcome="denied", label=username)
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
        return super().post(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if notice := SessionTimeoutMiddleware.ended_message(request):
            messages.info(request, notice)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        # Kept before login() moves last_login to now: the account page shows this one.
        User.objects.filter(pk=user.pk).update(previous_login=user.last_login)
        response = super().form_valid(form)
        now = int(time.time())
        # login() has already rotated the session id; start both session clocks afresh.
        self.request.session[SessionTimeoutMiddleware.STARTED] = now
        self.request.session[SessionTimeoutMiddleware.LAST_SEEN] = now
        audit.record(self.request, "login")
        return response

    def form_invalid(self, form):
        audit.record(
            self.request,
            "login_failed",
            outcome="failed",
            label=str(form.data.get("username", ""))[:150],
        )
        return super().form_invalid(form)


def dashboard(request: HttpRequest) -> HttpResponse:
    """Where each person starts: staff see the queues that need action today."""
    user = request.user
    context: dict[str, object] = {}
    if getattr(user, "is_clinic_staff", False) and getattr(user, "clinic", None) is not None:
        from patients.forms import clinic_today
        from rehab import caseload

        base = caseload.caseload(user)  # type: ignore[arg-type]
        today = clinic_today(user.clinic)  # type: ignore[union-attr]
        queues = caseload.queues(
            base,
            user.clinic,  # type: ignore[union-attr, arg-type]
            today,
            whole_clinic=user.is_clinic_admin,  # type: ignore[union-attr]
        )
        # The caseload page's figures, from the same cache entry (rehab.caseload).
        figures = caseload.cached_figures(
            user,  # type: ignore[arg-type]
            today,
            lambda: caseload.figures(
                base,
                queues,
                user.clinic,  # type: ignore[union-attr, arg-type]
                whole_clinic=user.is_clinic_admin,  # type: ignore[union-attr]
            ),
        )
        counted = [{"queue": q, "count": figures["counts"][q.key]} for q in queues]
        # Referrals are shown apart from the routine queues (UX.md: never mixed up).
        referrals = next(c for c in counted if c["queue"].key == "referral")
        referrals["urgencies"] = [
            (number, urgency.lower())
            for urgency in CaseStatus.URGENCY_RANK
            if (number := figures["counts"].get(f"referral_{urgency}"))
        ]
        context["referrals"] = referrals
        context["queues"] = [c for c in counted if c["queue"].key != "referral"]
        context["patients"] = figures["total"]
        context["completed"] = figures["workload"]["completed"]
    elif getattr(user, "is_patient", False):
        # A red-flag referral pauses the programme: the patient reads it first thing.
        own = Patient.objects.visible_to(user).active()  # a patient sees their own record
        context["paused"] = own.filter(status=Patient.Status.PAUSED).exists()
    return render(request, "accounts/dashboard.html", context)


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"account": request.user})


@require_GET
def keepalive(request: HttpRequest) -> JsonResponse:
    """Called by the idle-timeout warning's "stay logged in" button."""
    return JsonResponse({"idle_seconds": settings.SESSION_IDLE_SECONDS})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the database and the broker answer; nothing else (no data, no versions)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


# Staff accounts (clinic admin) -------------------------------------------------------------


def _status(member: User, invitation_expires: dt.datetime | None, now: dt.datetime) -> str:
    if member.is_active:
        return "Active"
    if invitation_expires is not None:
        return "Invited" if invitation_expires > now else "Invitation expired"
    return "Deactivated"


def staff_list(request: Request) -> HttpResponse:
    clinic = require_clinic_admin(request)
    open_invitation = Invitation.objects.filter(user=OuterRef("pk")).pending()
    members = (
        User.objects.filter(clinic=clinic, role__in=STAFF_ROLES)
        .annotate(invitation_expires=Subquery(open_invitation.values("expires_at")[:1]))
        .order_by("-is_active", "last_name", "first_name", "id")
    )
    now = timezone.now()
    rows = [(m, _status(m, m.invitation_expires, now)) for m in members]
    return render(request, "accounts/staff_list.html", {"clinic": clinic, "rows": rows})


def _send_invitation(request: Request, member: User, token: str) -> None:
    try:
        services.send_invitation(member, services.invitation_link(token, request))
    except (smtplib.SMTPException, OSError):
        messages.error(
            request,
            f"The invitation email to {member.email} could not be sent. "
            "Try again later with “Send a new invitation”.",
        )
    else:
        messages.success(request, f"An invitation has been sent to {member.email}.")


def staff_invite(request: Request) -> HttpResponse:
    clinic = require_clinic_admin(request)
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = InviteForm(data)
    if request.method == "POST" and form.is_valid():
        member, token = services.invite_staff(
            request, clinic, invited_by=request.user, **form.cleaned_data
        )
        _send_invitation(request, member, token)
        return redirect("staff_list")
    return render(request, "accounts/staff_invite.html", {"form": form, "clinic": clinic})


def _caseload_of(member: User) -> dict[str, object]:
    """What a person leaves behind when deactivated: their current (not archived) patients,
    the recommendations on those patients still waiting for confirmation, and the caseload
    filtered to them, where the admin reassigns the patients (rehab.caseload_views)."""
    patients = Patient.objects.filter(clinic=member.clinic, physio=member).active()
    waiting = StageDecision.objects.filter(
        patient__in=patients, status=StageDecision.Status.PENDING
    )
    # The caseload's physiotherapist filter lists physiotherapists only (active or not).
    query = {"physio": member.pk} if member.is_physio else {"sort": "physio"}
    return {
        "patients": patients.count(),
        "waiting": waiting.count(),
        "url": f"{reverse('rehab:caseload')}?{urlencode(query)}",
    }


def staff_detail(request: Request, public_id: str) -> HttpResponse:
    """One person: their role (changed here), their caseload, and the buttons to reactivate
    or to deactivate (``?confirm=deactivate`` first shows what deactivating leaves behind)."""
    member = get_staff_member_for_admin(request, public_id)
    form = RoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_role(request, member, form.cleaned_data["role"])
        except services.LastAdminError:
            form.add_error("role", services.LastAdminError.message)
        else:
            messages.success(
                request, f"{member.display_name} is now {member.get_role_display().lower()}."
            )
            return redirect("staff_detail", member.public_id)
    open_invitation = member.invitations.pending().order_by("-created_at").first()
    ctx = {
        "member": member,
        "form": form,
        "status": _status(
            member, open_invitation.expires_at if open_invitation else None, timezone.now()
        ),
        "is_self": member.pk == request.user.pk,
        "may_grant_clinical_lead": may_grant_clinical_lead(request.user, member),
        "may_revoke_clinical_lead": may_revoke_clinical_lead(request.user, member),
        "caseload": _caseload_of(member),
        "confirming": member.is_active and request.GET.get("confirm") == "deactivate",
    }
    return render(request, "accounts/staff_detail.html", ctx)


@require_POST
def staff_deactivate(request: Request, public_id: str) -> HttpResponse:
    """Deactivate once confirmed on the staff page; unconfirmed, go there to confirm."""
    member = get_staff_member_for_admin(request, public_id)
    if not DeactivateForm(request.POST).is_valid():
        confirm_url = reverse("staff_detail", args=[member.public_id])
        return redirect(f"{confirm_url}?confirm=deactivate#deactivate")
    try:
        services.deactivate(request, member)
    except services.LastAdminError:
        messages.error(request, services.LastAdminError.message)
    else:
        if member.pk == request.user.pk:
            logout(request)  # their session row is gone already: start a fresh, anonymous one
            return redirect("login")
        messages.success(
            request, f"{member.display_name} has been deactivated and logged out everywhere."
        )
        if left := _caseload_of(member)["patients"]:
            whom = "1 current patient is" if left == 1 else f"{left} current patients are"
            messages.warning(
                request,
                f"{whom} still assigned to {member.display_name}: "
                "reassign them from the caseload (link below).",
            )
    return redirect("staff_detail", member.public_id)


@require_POST
def staff_clinical_lead(request: Request, public_id: str) -> HttpResponse:
    """Grant or revoke another admin's clinical-lead permission (SECURITY.md matrix: reading
    the clinic's assessments and downloading its printed programmes); never one's own, and
    granted only by a clinical lead."""
    member = get_staff_member_for_admin(request, public_id)
    if not may_revoke_clinical_lead(request.user, member):
        raise PermissionDenied
    form = ClinicalLeadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was changed: use the buttons on this page.")
        return redirect("staff_detail", member.public_id)
    if form.grant and not may_grant_clinical_lead(request.user, member):
        raise PermissionDenied
    name = member.display_name
    try:
        changed = services.set_clinical_lead(request, member, form.grant)
    except (services.NotClinicAdmin, services.NotClinicalLead) as refused:
        messages.error(request, refused.message)
        return redirect("staff_detail", member.public_id)
    if not changed:
        already = "is clinical lead already" if form.grant else "is not clinical lead"
        messages.info(request, f"Nothing was changed: {name} {already}.")
    elif form.grant:
        messages.success(
            request,
            f"{name} is now clinical lead: they can read this clinic's assessments and "
            "download printed programmes, but not record, sign or change anything clinical.",
        )
    else:
        messages.success(
            request, f"{name} is no longer clinical lead and cannot read assessments any more."
        )
    return redirect("staff_detail", member.public_id)


@require_POST
def staff_reactivate(request: Request, public_id: str) -> HttpResponse:
    member = get_staff_member_for_admin(request, public_id)
    if member.is_active:
        messages.info(request, f"{member.display_name} is active already.")
        return redirect("staff_detail", member.public_id)
    token = services.reactivate(request, member)
    if token:
        _send_invitation(request, member, token)
    else:
        messages.success(request, f"{member.display_name} can log in again.")
    return redirect("staff_detail", member.public_id)


@login_not_required
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a password, then log in. Unknown, used or expired: 404."""
    invitation = (
        Invitation.objects.usable()
        .select_related("user__clinic")
        .filter(token_hash=Invitation.hash_token(token), user__clinic__is_active=True)
        .first()
    )
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", {}, status=404)
    form = InvitationAcceptForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                request, invitation, form.cleaned_data["new_password1"]
            )
        except Invitation.DoesNotExist:
            return render(request, "accounts/invitation_invalid.html", {}, status=404)
        messages.success(request, f"Your password is set. Log in with the username {user}.")
        return redirect("login")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitee": invitation.user}
    )


# Clinic settings (clinic admin) ------------------------------------------------------------


def clinic_settings(request: Request) -> HttpResponse:
    clinic = require_clinic_admin(request)
    data = request.POST if request.method == "POST" else pending_form.pop(request)
    form = ClinicSettingsForm(data, instance=clinic)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            with transaction.atomic():
                form.save()
                audit.record(request, "clinic_settings_changed", obj=clinic)
            messages.success(request, "The clinic settings have been saved.")
        else:
            messages.info(request, "Nothing was changed.")
        return redirect("clinic_settings")
    history = clinic.history.select_related("history_user")[:10]
    ctx = {"form": form, "clinic": clinic, "history": history}
    return render(request, "accounts/clinic_settings.html", ctx)


def _save_rules(
    request: Request, clinic: Clinic, parameters: rules.Parameters, action: str
) -> None:
    with transaction.atomic():
        RulesParameters.objects.update_or_create(
            clinic=clinic,
            defaults={"values": parameters.to_dict(), "updated_by": request.user},
        )
        audit.record(request, action)


def clinic_rules(request: Request) -> HttpResponse:
    """The stage-rules thresholds of PROTOCOL 3.2, with a reset to the PROTOCOL defaults."""
    clinic = require_clinic_admin(request)
    if request.method == "POST" and "reset" in request.POST:
        _save_rules(request, clinic, rules.DEFAULT, "rules_parameters_reset")
        messages.success(request, "The PROTOCOL defaults are restored.")
        return redirect("clinic_rules")
    form = RulesParametersForm(request.POST or None, parameters=parameters_for(clinic))
    if request.method == "POST" and form.is_valid():
        _save_rules(request, clinic, form.parameters, "rules_parameters_changed")
        messages.success(request, "The rules parameters are saved.")
        return redirect("clinic_rules")
    row = RulesParameters.objects.filter(clinic=clinic).select_related("updated_by").first()
    return render(request, "accounts/clinic_rules.html", {"form": form, "row": row})


# Audit trail -----------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _describe_objects(events: Any, clinic: Clinic) -> None:
    """Set ``event.regarding``: what an event was about besides the patient, in words (a
    staff member is named, other records by their kind), and ``event.patient_name``."""
    users = {
        ref.split(":", 1)[1]
        for ref in (event.object_ref for event in events)
        if ref.startswith("accounts.user:")
    }
    names = {
        str(u.public_id): f"{u.display_name} ({u.username})"
        for u in User.objects.filter(clinic=clinic, public_id__in=users)
    }
    # The patients by name, for the people who read the trail (one query for the page).
    patients = {
        public_id: f"{first} {last}"
        for public_id, first, last in Patient.objects.filter(
            clinic=clinic, public_id__in={e.patient_ref for e in events if e.patient_ref}
        ).values_list("public_id", "first_name", "last_name")
    }
    for event in events:
        event.patient_name = patients.get(event.patient_ref, "")
        label, _, key = event.object_ref.partition(":")
        if label == "accounts.user":
            event.regarding = names.get(key, "a staff member")
        elif label:
            try:
                event.regarding = str(apps.get_model(label)._meta.verbose_name)
            except (LookupError, ValueError):
                event.regarding = label
        else:
            event.regarding = ""


def audit_log(request: Request) -> HttpResponse:
    """SECURITY.md "audit log": an admin sees the clinic's events, a physio their own."""
    clinic = require_clinic_staff(request)
    everyone = request.user.is_clinic_admin
    form = AuditFilterForm(request.GET or None, clinic=clinic, everyone=everyone)
    events = AuditEvent.objects.filter(clinic=clinic)
    if not everyone:
        events = events.filter(actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        tz = clinic.tzinfo
        if data["patient"]:
            events = events.filter(patient_ref=data["patient"])
        if data.get("user"):
            events = events.filter(actor=data["user"])
        if data["date_from"]:
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz)
            events = events.filter(at__gte=start)
        if data["date_to"]:
            end = dt.datetime.combine(
                data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
            events = events.filter(at__lt=end)
    elif form.is_bound:
        events = events.none()
    page = Paginator(events.order_by("-at", "-id"), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _describe_objects(page.object_list, clinic)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "everyone": everyone,
        "clinic": clinic,
    }
    return render(request, "accounts/audit_log.html", ctx)
