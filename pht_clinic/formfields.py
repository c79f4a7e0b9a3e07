"""Number fields that take only the digits 0-9 (SECURITY.md "Kinds of bad input").

Django's number fields read any script's decimal digits as numbers: U+0663 (Arabic-Indic
three) and U+FF13 (full-width three) become 3, and U+09EA (Bengali four) looks like an 8. A
clinical value typed or pasted that way is refused with a message beside the field rather
than read as something the clinician may not have meant. Every number field of the app's
forms is one of these: declare them from this module, and give a ModelForm
``formfield_callback = model_formfield`` (tests/test_formfields.py checks both).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

OTHER_DIGITS = "Type the number with the digits 0 to 9."


class AsciiDigits:
    """Refuses decimal digits of other scripts before the field reads the number."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and any(c.isdecimal() and not c.isascii() for c in value):
            raise ValidationError(OTHER_DIGITS, code="other_digits")
        return super().to_python(value)  # type: ignore[misc]


class IntegerField(AsciiDigits, forms.IntegerField):
    pass


class DecimalField(AsciiDigits, forms.DecimalField):
    pass


class FloatField(AsciiDigits, forms.FloatField):
    pass


_FORM_CLASS: list[tuple[type[models.Field[Any, Any]], type[forms.Field]]] = [
    (models.DecimalField, DecimalField),
    (models.FloatField, FloatField),
    (models.IntegerField, IntegerField),  # every size of integer subclasses it
]


def model_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A ModelForm's ``formfield_callback``: the model's own form field, with the number
    fields of this module (choices keep Django's choice field)."""
    if not db_field.choices:
        for model_class, form_class in _FORM_CLASS:
            if isinstance(db_field, model_class):
                kwargs.setdefault("form_class", form_class)
                break
    return db_field.formfield(**kwargs)
