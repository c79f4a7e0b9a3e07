"""Number fields that take only the digits 0-9 (SECURITY.md "Kinds of bad input").

Django's number fields read any script's decimal digits as numbers: U+0663 (Arabic-Indic
three) and U+FF13 (full-width three) become 3, and U+09EA (Bengali four) looks like an 8. A
clinical value typed or pasted that way is refused with a message beside the field rather
than read as something the clinician may not have meant. Every number field of the app's
forms is one of these: declare them from this module, and give a ModelForm
``formfield_callback = model_formfield`` (tests/test_formfields.py checks both).

They are typed into a text box (``NumberText``), not an ``<input type="number">``: a browser
sends a number box holding "e" or "--" as empty, so an optional field (a VISA-H item, a
weight) was saved blank with no word to the clinician. As text, what was typed reaches the
server and is refused beside the field ("Enter a whole number."). ``inputmode`` still brings
up the digit keypad on phones; a field that takes negatives (global rating of change) keeps
the full keyboard, since the digit keypads have no minus sign.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

OTHER_DIGITS = "Type the number with the digits 0 to 9."


class AsciiDigits:
    """Refuses decimal digits of other scripts before the field reads the number."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and any(c.isdecimal() and not c.isascii() for c in value):
            raise ValidationError(OTHER_DIGITS, code="other_digits")
        return super().to_python(value)  # type: ignore[misc]


RANGE_CODES = ("min_value", "max_value")
#: A decimal's digit limits, which refuse what the range refuses too ("no more than 3 digits
#: before the decimal point" for a weight of 1000 kg): said once, as the range.
DIGIT_CODES = ("max_digits", "max_whole_digits")


class PlainRange:
    """Says a number out of range as "Enter a number from 0 to 240 (minutes).", not as
    Django's "Ensure this value is less than or equal to 240.".

    The range is read from the field's validators when it refuses a value, so it includes
    those a form adds later (patients.forms.bounded); ``unit`` is what the number counts,
    where it counts something other than itself. A message the field is given for
    ``min_value`` or ``max_value`` (pain's scale) is kept.
    """

    def __init__(self, *args: Any, unit: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit

    def range_message(self) -> str:
        validators: list[Any] = self.validators  # type: ignore[attr-defined]
        lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
        highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
        unit = f" ({self.unit})" if self.unit else ""
        if not highs:
            return f"Enter a number of {max(lows)} or more{unit}."
        if not lows:
            return f"Enter a number of {min(highs)} or less{unit}."
        return f"Enter a number from {max(lows)} to {min(highs)}{unit}."

    def run_validators(self, value: Any) -> None:
        try:
            super().run_validators(value)  # type: ignore[misc]
        except ValidationError as refused:
            own = self.error_messages  # type: ignore[attr-defined]
            errors, out_of_range = [], None
            for error in refused.error_list:
                if error.code in RANGE_CODES and error.code not in own:
                    # Once, though two validators refuse (a model's 0 and a form's range).
                    out_of_range = ValidationError(self.range_message(), code=error.code)
                else:
                    errors.append(error)
            if out_of_range:
                errors = [e for e in errors if e.code not in DIGIT_CODES] + [out_of_range]
            raise ValidationError(errors) from None


class NumberText(forms.TextInput):
    """A number's text box; its field sets ``inputmode``."""


class TypedAsText:
    """Gives a number field a ``NumberText`` box with the keypad its numbers need."""

    widget = NumberText
    #: The keypad of a field that takes no negatives: digits, or digits and a decimal point.
    keypad = "numeric"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs: dict[str, Any] = super().widget_attrs(widget)  # type: ignore[misc]
        low = self.min_value  # type: ignore[attr-defined]
        if isinstance(widget, NumberText) and low is not None and low >= 0:
            attrs.setdefault("inputmode", self.keypad)
        return attrs


class IntegerField(AsciiDigits, PlainRange, TypedAsText, forms.IntegerField):
    pass


class DecimalField(AsciiDigits, PlainRange, TypedAsText, forms.DecimalField):
    keypad = "decimal"


class FloatField(AsciiDigits, PlainRange, TypedAsText, forms.FloatField):
    keypad = "decimal"


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
