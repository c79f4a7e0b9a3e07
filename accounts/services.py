"""Changes to clinics and staff accounts that touch several rows (STYLE.md 3).

Each one runs in a transaction with its audit record (SECURITY.md "audit").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import audit
from .models import Clinic, Invitation, User

if TYPE_CHECKING:
    from django.http import HttpRequest


class LastAdminError(Exception):
    """The change would leave the clinic without an active clinic admin."""

    message = "The clinic needs at least one active clinic admin: make someone else an admin first."


def end_sessions(user_ids: Iterable[int]) -> int:
    """Delete every live session of these users; the next request of theirs goes to login.

    The unexpired sessions are decoded rather than tracked at login: there are few of them
    (none lives longer than 12 hours), and this also finds a session whose key was rotated
    after login (a password change cycles it).
    """
    wanted = {str(pk) for pk in user_ids}
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) in wanted
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def invitation_link(token: str, request: HttpRequest | None = None) -> str:
    path = reverse("invitation_accept", args=[token])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(user: User, link: str) -> None:
    context = {"user": user, "clinic": user.clinic, "link": link, "hours": 72}
    send_mail(
        f"Your account at {user.clinic}",
        render_to_string("accounts/email/invitation.txt", context),
        None,
        [user.email],
    )


def invite_staff(
    request: HttpRequest | None,
    clinic: Clinic,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    invited_by: User | None,
) -> tuple[User, str]:
    """Create an inactive account that the invitation activates; return it and the token."""
    with transaction.atomic():
        user = User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            clinic=clinic,
            role=role,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        token = Invitation.issue(user, invited_by)
        audit.record(
            request,
            "staff_invited",
            obj=user,
            actor=invited_by,
            clinic=clinic,
            label="" if invited_by else "operator",
        )
    return user, token


def accept_invitation(request: HttpRequest, invitation: Invitation, password: str) -> User:
    with transaction.atomic():
        # Locked and checked again: a double submission sets the password once.
        locked = Invitation.objects.select_for_update().usable().filter(pk=invitation.pk).first()
        if locked is None:
            raise Invitation.DoesNotExist
        user = invitation.user
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        audit.record(request, "invitation_accepted", actor=user, obj=user)
    return user


def _keep_an_admin(member: User) -> None:
    """Refuse a change that takes away the clinic's last active admin (call in a transaction)."""
    # Lock the clinic row: two admins demoting each other concurrently are serialised here.
    Clinic.objects.select_for_update(of=("self",)).filter(users=member).first()
    if not (member.is_clinic_admin and member.is_active):
        return
    others = User.objects.filter(
        clinic=member.clinic, role=User.Role.CLINIC_ADMIN, is_active=True
    ).exclude(pk=member.pk)
    if not others.exists():
        raise LastAdminError


class NotClinicAdmin(Exception):
    """Only an active clinic admin can be given the clinical-lead permission."""

    message = "Only an active clinic admin can be clinical lead."


class NotClinicalLead(Exception):
    """The admin granting the permission has lost their own since the page was loaded."""

    message = "Only a clinical lead can make another admin clinical lead; nothing was changed."


def set_clinical_lead(
    request: HttpRequest | None, member: User, grant: bool, *, label: str = ""
) -> bool:
    """Grant or revoke the clinical-lead permission (who may is ``access.
    may_grant_clinical_lead``'s and ``may_revoke_clinical_lead``'s, or the operator's, with
    no request). Returns whether anything changed; a change is audited."""
    actor = getattr(request, "user", None) if grant else None
    with transaction.atomic():
        # The clinic's row first, as deactivating, changing a role (_keep_an_admin) and
        # closing the clinic take it: a grant while the granter is being deactivated waits
        # instead of deadlocking on the audit row's reference to the clinic. Then the
        # granter's row and the member's, in the order of their keys.
        # (FOR NO KEY UPDATE: rows that merely refer to the clinic are still written meanwhile.)
        if member.clinic_id is not None:
            Clinic.objects.select_for_update(no_key=True).filter(pk=member.clinic_id).first()
        pks = sorted({member.pk, *([actor.pk] if actor is not None else [])})
        rows = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=pks).order_by("pk")}
        locked = rows[member.pk]
        if grant and not (locked.is_clinic_admin and locked.is_active):
            raise NotClinicAdmin
        if actor is not None and not (rows[actor.pk].clinical_lead and rows[actor.pk].is_active):
            raise NotClinicalLead
        if locked.clinical_lead == grant:
            member.clinical_lead = grant
            return False
        locked.clinical_lead = member.clinical_lead = grant
        locked.save(update_fields=["clinical_lead"])
        audit.record(
            request,
            "clinical_lead_granted" if grant else "clinical_lead_revoked",
            obj=member,
            clinic=member.clinic,
            label=label,
        )
    return True


def _drop_clinical_lead(request: HttpRequest | None, member: User) -> None:
    """Take the permission away with the role or the account that carried it (call in the
    transaction that changes them, before saving them: the database refuses a clinical lead
    who is not an active clinic admin)."""
    # An UPDATE, not the loaded flag: it waits for, and then undoes, a grant made meanwhile.
    if User.objects.filter(pk=member.pk, clinical_lead=True).update(clinical_lead=False):
        audit.record(request, "clinical_lead_revoked", obj=member, clinic=member.clinic)
    member.clinical_lead = False


def set_role(request: HttpRequest, member: User, role: str) -> None:
    with transaction.atomic():
        if role != User.Role.CLINIC_ADMIN:
            _keep_an_admin(member)
            _drop_clinical_lead(request, member)
        member.role = role
        member.save(update_fields=["role"])
        audit.record(request, f"staff_role_set_{role}", obj=member)


def deactivate(request: HttpRequest, member: User) -> None:
    """Block the person and end their sessions; everything they authored stays."""
    with transaction.atomic():
        _keep_an_admin(member)
        _drop_clinical_lead(request, member)
        member.is_active = False
        member.save(update_fields=["is_active"])
        member.invitations.pending().update(revoked_at=timezone.now())
        end_sessions([member.pk])
        audit.record(request, "staff_deactivated", obj=member)


def reactivate(request: HttpRequest, member: User) -> str | None:
    """Let the person in again; one who never set a password gets a new invitation (token)."""
    with transaction.atomic():
        if not member.has_usable_password():
            token = Invitation.issue(member, request.user)  # type: ignore[arg-type]
            audit.record(request, "staff_invited", obj=member)
            return token
        member.is_active = True
        member.save(update_fields=["is_active"])
        audit.record(request, "staff_reactivated", obj=member)
    return None


def create_clinic(
    *, name: str, time_zone: str, admin_email: str, first_name: str = "", last_name: str = ""
) -> tuple[Clinic, User, str]:
    """The operator's new clinic with its first admin, invited (manage.py create_clinic)."""
    with transaction.atomic():
        clinic = Clinic.objects.create(name=name, time_zone=time_zone)
        audit.record(None, "clinic_created", obj=clinic, clinic=clinic, label="operator")
        admin, token = invite_staff(
            None,
            clinic,
            email=admin_email,
            first_name=first_name,
            last_name=last_name,
            role=User.Role.CLINIC_ADMIN,
            invited_by=None,
        )
    return clinic, admin, token


def deactivate_clinic(clinic: Clinic) -> int:
    """Close a clinic: nobody of it can log in any more; nothing is deleted."""
    with transaction.atomic():
        clinic.is_active = False
        clinic.save(update_fields=["is_active"])
        # The invitations before the people, in the order of accept_invitation and
        # Invitation.issue (an invitation's row, then its person's): holding the people while
        # waiting for an invitation being sent again would deadlock with it.
        Invitation.objects.filter(user__clinic=clinic).pending().update(revoked_at=timezone.now())
        # Then its people: a clinical-lead grant committed between reading the leads
        # and deactivating everyone would break the database's check and undo the closing.
        # (The clinic's row, saved above, already holds off a grant that has not started.)
        user_ids = list(
            clinic.users.select_for_update().order_by("pk").values_list("pk", flat=True)
        )
        for lead in clinic.users.filter(clinical_lead=True):
            set_clinical_lead(None, lead, grant=False, label="operator")
        clinic.users.update(is_active=False)
        end_sessions(user_ids)
        audit.record(None, "clinic_deactivated", obj=clinic, clinic=clinic, label="operator")
    return len(user_ids)
