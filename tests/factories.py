"""Plain factory functions for test data (STYLE.md 13)."""

from __future__ import annotations

import itertools
from typing import Any

from accounts.models import Clinic, User

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery-staple"


def make_clinic(**overrides: Any) -> Clinic:
    fields: dict[str, Any] = {
        "name": f"Clinic {next(_counter)}",
        "phone": "+44 20 7946 0000",
        "time_zone": "Europe/London",
    }
    fields.update(overrides)
    return Clinic.objects.create(**fields)


def make_user(clinic: Clinic | None = None, role: str = User.Role.PHYSIO, **overrides: Any) -> User:
    n = next(_counter)
    fields: dict[str, Any] = {
        "username": f"user{n}",
        "email": f"user{n}@example.org",
        "first_name": "Test",
        "last_name": f"User{n}",
        "clinic": clinic,
        "role": role,
    }
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    user = User(**fields)
    user.set_password(password)
    user.save()
    return user
