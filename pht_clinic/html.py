"""Helpers for the few tables written in Python rather than by the template engine.

STYLE 8 keeps markup in templates; the caseload's rows, the patient page's visit table and
the form fields (patients/templatetags/pht_forms.py) are the measured exceptions: a template
node costs microseconds, and those pages print hundreds of them (docs/benchmarks.md). They
are written with ``format_html``, which escapes every value, and their tests pin the markup.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.dates import MONTHS_3

#: An en dash: an empty cell.
NOTHING = "\u2013"

_MARKER = uuid.UUID(int=0)


def short_date(day: date) -> str:
    """``{{ day|date:"j M Y" }}`` ("5 Jan 2026") without the general date formatter, which
    took 13 us a date: a tenth of a caseload row."""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year:04d}"


def day_month(day: date) -> str:
    """ "5 Jan": a date within the year in view, as the pages write dates (UX.md)."""
    return f"{day.day} {MONTHS_3[day.month].title()}"


def url_maker(name: str, *args: Any) -> Callable[[uuid.UUID | str], str]:
    """``reverse(name, args=[*args, public_id])`` for many public ids: reversed once, then
    filled in. Reversing takes ~25 us a link: 80 links were 2 ms of the caseload. Only for
    routes whose last argument is a ``<uuid:...>``; anything else is refused."""
    head, tail = reverse(name, args=[*args, _MARKER]).split(str(_MARKER))

    def url(public_id: uuid.UUID | str) -> str:
        return f"{head}{uuid.UUID(str(public_id))}{tail}"

    return url
