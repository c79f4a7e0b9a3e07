"""Helpers for the few tables written in Python rather than by the template engine.

STYLE 8 keeps markup in templates; the caseload's rows, the patient page's visit table and
the form fields (patients/templatetags/pht_forms.py) are the measured exceptions: a template
node costs microseconds, and those pages print hundreds of them (docs/benchmarks.md). They
are written with :func:`fill`, which escapes every value as ``format_html`` does, and their
tests pin the markup.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

#: An en dash: an empty cell.
NOTHING = "\u2013"

_MARKER = uuid.UUID(int=0)


def escaped(value: object) -> str:
    """``conditional_escape(value)``: safe markup as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def fill(template: str, *values: object) -> SafeString:
    """``format_html(template, *values)``, the same escaping at about half its cost: Django's
    ``escape`` checks every call for lazy strings and wraps each value in a SafeString, and
    a caseload page makes some 700 such calls (docs/benchmarks.md)."""
    return mark_safe(template.format(*map(escaped, values)))  # noqa: S308 - escaped above


def fill_each(template: str, rows: Iterable[Iterable[object]]) -> SafeString:
    """``format_html_join("", template, rows)``, by :func:`fill`'s escaping."""
    return mark_safe("".join(template.format(*map(escaped, row)) for row in rows))  # noqa: S308


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
