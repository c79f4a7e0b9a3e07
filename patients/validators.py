"""Checks for free text typed into the app (SECURITY.md "Kinds of bad input")."""

import re
import unicodedata

from django.core.exceptions import ValidationError

# Bidirectional overrides and isolates can make a name display as something else.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def validate_plain_text(value: str, *, multiline: bool = False) -> None:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for char in value:
        if char in allowed:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            raise ValidationError(
                "Remove the invisible control characters (for example text-direction "
                "overrides or pasted control codes)."
            )


def validate_name(value: str) -> None:
    validate_plain_text(value)


def validate_notes(value: str) -> None:
    validate_plain_text(value, multiline=True)


_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,40}$")


def validate_phone(value: str) -> None:
    """Digits, spaces and + ( ) - . only, with at least 6 digits (a clinic's or a
    patient's number; the app shows it as a tel: link)."""
    if not (_PHONE.match(value) and sum(c.isdigit() for c in value) >= 6):
        raise ValidationError("Enter a phone number of digits, spaces and + ( ) - only.")
