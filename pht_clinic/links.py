"""Links for many rows at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

_MARKER = "00000000-0000-0000-0000-000000000000"


def url_maker(name: str, *args: Any) -> Callable[[Any], str]:
    """``reverse(name, args=[*args, public_id])`` for many public ids: reversed once, then
    filled in (a UUID needs no quoting). Reversing takes ~25 us a link: 80 links were 2 ms
    of the caseload."""
    head, tail = reverse(name, args=[*args, _MARKER]).split(_MARKER)
    return lambda public_id: f"{head}{public_id}{tail}"
