"""Writing the audit trail (SECURITY.md "audit").

Call ``record`` inside the transaction that makes the change, so the row commits or rolls
back with it. Never pass clinical values or tokens: the row names the patient by public id,
and a ``reason`` is the label of a fixed choice, never text someone typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Clinic, User


def record(
    request: HttpRequest | None,
    action: str,
    *,
    patient: Any = None,
    obj: Any = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    actor: User | None = None,
    clinic: Clinic | None = None,
    label: str = "",
    reason: str = "",
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if clinic is None:
        clinic = getattr(patient, "clinic", None) or getattr(actor, "clinic", None)
    route = ""
    ip = None
    if request is not None:
        match = getattr(request, "resolver_match", None)
        route = (match.route if match else "")[:200]
        ip = request.META.get("REMOTE_ADDR") or None
    object_ref = ""
    if obj is not None:
        object_ref = f"{obj._meta.label_lower}:{getattr(obj, 'public_id', obj.pk)}"[:80]
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(actor.username if actor else label)[:150],
        role=getattr(actor, "role", "")
        or ("superuser" if getattr(actor, "is_superuser", False) else ""),
        clinical_lead=bool(getattr(actor, "clinical_lead", False)),
        clinic=clinic,
        action=action,
        patient_ref=getattr(patient, "public_id", None),
        object_ref=object_ref,
        outcome=outcome,
        ip_address=ip,
        route=route,
        reason=reason[:100],
    )
