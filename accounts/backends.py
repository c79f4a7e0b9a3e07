"""The authentication backend: users of a deactivated clinic can neither log in nor stay in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class ClinicBackend(ModelBackend):
    """Django's ModelBackend, refusing users whose clinic is no longer active.

    ``user_can_authenticate`` is asked both at login and by ``get_user`` on every request,
    so deactivating a clinic ends its users' access at once, whatever their sessions.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        clinic = getattr(user, "clinic", None)
        return super().user_can_authenticate(user) and (clinic is None or clinic.is_active)

    def get_user(self, user_id: Any) -> User | None:
        # The clinic is needed on every request (time zone, navigation): fetch it with the user.
        user = User.objects.select_related("clinic").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
