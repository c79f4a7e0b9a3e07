"""Every field is labelled in plain words with its unit (UX.md), not with its name spelled
out: "Knee flexion strength left n", "Hold s min" and "Plyo sessions since last" are a
database's words, not a physiotherapist's."""

import importlib
import inspect

from django import forms
from django.forms.utils import pretty_name

FORM_MODULES = ["accounts.forms", "patients.forms", "rehab.forms"]
#: Parts of a field name that are a unit or shorthand, not words to show.
SHORTHAND = {"n", "km", "deg", "s", "min", "max", "h", "cm", "kg", "m", "w", "week"}
SHORTHAND |= {"plyo", "text", "nprs", "adl", "visah", "groc", "slr"}


def _has_shorthand(name):
    return bool(SHORTHAND & set(name.split("_"))) or name.endswith("_since_last")


def _forms():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module_name:
                yield form


def test_no_label_is_a_field_name_with_its_shorthand_spelled_out():
    spelled_out = [
        f"{form.__name__}.{name}: {field.label or pretty_name(name)!r}"
        for form in _forms()
        for name, field in form.base_fields.items()
        if not isinstance(field.widget, forms.HiddenInput)
        and SHORTHAND & set(name.split("_"))
        and str(field.label or pretty_name(name)).lower() == pretty_name(name).lower()
    ]
    assert spelled_out == []
