"""The one place that decides who may manage a clinic, its staff and its audit trail.

Same shape as patients/access.py (STYLE.md 7): a person outside the admin's clinic answers
404 with nothing in the body; a role that may not do the thing asked answers 403 (the 403
handler, accounts.errors.forbidden, records the denial in the audit trail).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from . import audit
from .models import Clinic, User

STAFF_ROLES = (User.Role.PHYSIO, User.Role.CLINIC_ADMIN)


def require_clinic_admin(request: HttpRequest) -> Clinic:
    """The admin's own clinic; 403 for everyone else (SECURITY.md "users")."""
    user = request.user
    clinic = getattr(user, "clinic", None)
    if not getattr(user, "is_clinic_admin", False) or clinic is None:
        raise PermissionDenied
    return clinic


def require_clinic_staff(request: HttpRequest) -> Clinic:
    """The clinic of a physiotherapist or clinic admin (the audit trail); 403 for patients."""
    user = request.user
    clinic = getattr(user, "clinic", None)
    if not getattr(user, "is_clinic_staff", False) or clinic is None:
        raise PermissionDenied
    return clinic


def get_staff_member_for_admin(request: HttpRequest, public_id: UUID | str) -> User:
    """A staff member of the admin's clinic; 404 for anyone else (another clinic, a patient)."""
    clinic = require_clinic_admin(request)
    member = (
        User.objects.filter(clinic=clinic, role__in=STAFF_ROLES, public_id=public_id)
        .select_related("clinic")
        .first()
    )
    if member is None:
        audit.record(request, "access_denied", outcome="denied")
        raise Http404("No such staff member")
    return member


def may_revoke_clinical_lead(actor: object, member: User) -> bool:
    """A clinic admin takes away the clinical-lead permission of another active clinic admin
    of their own clinic, never their own (the operator's ``manage.py clinical_lead`` serves a
    clinic with a single admin)."""
    return bool(
        getattr(actor, "is_clinic_admin", False)
        and getattr(actor, "clinic_id", None) is not None
        and member.clinic_id == getattr(actor, "clinic_id", None)
        and member.pk != getattr(actor, "pk", None)
        and member.is_clinic_admin
        and member.is_active
    )


def may_grant_clinical_lead(actor: object, member: User) -> bool:
    """SECURITY.md "never above own level": only a clinical lead gives another admin of the
    clinic the permission to read clinical records, never to themself. A plain admin could
    otherwise invite a second admin account of their own and grant themself the permission
    through it. The clinic's first clinical lead is the operator's (``manage.py
    clinical_lead``)."""
    return bool(getattr(actor, "clinical_lead", False) and may_revoke_clinical_lead(actor, member))
