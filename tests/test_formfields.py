"""Number fields take only the digits 0-9 (pht_clinic/formfields.py), in every form."""

import importlib
import re
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError

from pht_clinic import formfields

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "patients", "rehab", "pht_clinic"]
FORM_MODULES = ["accounts.forms", "accounts.admin", "patients.forms", "rehab.forms"]
NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


@pytest.mark.parametrize("field", [formfields.IntegerField, formfields.DecimalField])
@pytest.mark.parametrize(
    "typed",
    ["\uff13", "\u0663", "\u09ea", "1\u0660", "\U0001d7d1"],  # last: mathematical bold 3
)
def test_other_scripts_digits_are_refused(field, typed):
    with pytest.raises(ValidationError) as refused:
        field().clean(typed)
    assert refused.value.messages == [formfields.OTHER_DIGITS]


@pytest.mark.parametrize(
    ("field", "typed", "value"),
    [
        (formfields.IntegerField, " 3 ", 3),
        (formfields.IntegerField, "-7", -7),
        (formfields.FloatField, "0.75", 0.75),
        (formfields.IntegerField, "", None),
    ],
)
def test_the_digits_0_to_9_still_read_as_numbers(field, typed, value):
    assert field(required=False).clean(typed) == value


def test_other_errors_keep_djangos_messages():
    with pytest.raises(ValidationError) as refused:
        formfields.IntegerField().clean("²")  # a superscript is no decimal digit
    assert refused.value.messages == ["Enter a whole number."]


def test_the_apps_code_declares_no_plain_django_number_field():
    plain = re.compile(r"\bforms\.(Integer|Decimal|Float)Field\(")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.name != "formfields.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if plain.search(line)
    ]
    assert found == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_model_forms_number_fields_refuse_other_scripts():
    for module in FORM_MODULES:
        importlib.import_module(module)
    checked = 0
    for form in _subclasses(forms.ModelForm):
        if form.__module__.split(".")[0] not in APPS:
            continue  # Django's own (admin, auth)
        for name, field in form.base_fields.items():
            if isinstance(field, NUMBER_FIELDS):
                assert isinstance(field, formfields.AsciiDigits), f"{form.__name__}.{name}"
                checked += 1
    assert checked > 30  # the assessment form alone has more


def test_the_operators_clinic_form_refuses_other_scripts_too():
    from django.contrib import admin

    from accounts.models import Clinic

    form = admin.site._registry[Clinic].get_form(None)
    numbers = [name for name, f in form.base_fields.items() if isinstance(f, NUMBER_FIELDS)]
    assert numbers == [
        "overdue_days", "patient_link_days", "min_patient_age", "apophyseal_prompt_age"
    ]  # fmt: skip
    for name in numbers:
        assert isinstance(form.base_fields[name], formfields.AsciiDigits), name


WEEKDAYS = {"min_value": 1, "max_value": 7, "unit": "days a week"}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (formfields.IntegerField(**WEEKDAYS), "8", "Enter a number from 1 to 7 (days a week)."),
        (formfields.IntegerField(**WEEKDAYS), "0", "Enter a number from 1 to 7 (days a week)."),
        (
            formfields.DecimalField(min_value=0, max_value=300, unit="kg"),
            "300.5",
            "Enter a number from 0 to 300 (kg).",
        ),
        (formfields.IntegerField(min_value=-7, max_value=7), "8", "Enter a number from -7 to 7."),
        (formfields.IntegerField(min_value=0), "-1", "Enter a number of 0 or more."),
        (formfields.FloatField(max_value=1), "1.5", "Enter a number of 1 or less."),
    ],
)
def test_a_number_out_of_range_is_told_its_range_in_plain_words(field, typed, message):
    with pytest.raises(ValidationError) as refused:
        field.clean(typed)
    assert refused.value.messages == [message]


def test_a_decimal_too_big_is_told_its_range_not_its_digits():
    weight = formfields.DecimalField(
        min_value=20, max_value=350, max_digits=4, decimal_places=1, unit="kg"
    )
    for typed in ("1000", "99999"):
        with pytest.raises(ValidationError) as refused:
            weight.clean(typed)
        assert refused.value.messages == ["Enter a number from 20 to 350 (kg)."], typed


def test_the_range_message_reads_the_limits_a_form_adds_later():
    from patients.forms import bounded

    field = formfields.IntegerField(min_value=0)  # as a PositiveSmallIntegerField's
    bounded(field, 0, 240, "minutes")
    with pytest.raises(ValidationError) as refused:
        field.clean("241")
    assert refused.value.messages == ["Enter a number from 0 to 240 (minutes)."]


def test_a_fields_own_range_message_is_kept():
    own = {"min_value": "Pain is scored from 0 to 10.", "max_value": "Pain is scored from 0 to 10."}
    field = formfields.IntegerField(min_value=0, max_value=10, error_messages=own)
    with pytest.raises(ValidationError) as refused:
        field.clean("11")
    assert refused.value.messages == ["Pain is scored from 0 to 10."]


def _number_fields_of_the_apps_forms():
    """(form name, field name, field) of every number field a form of the app shows."""
    from patients.forms import AssessmentForm

    for module in FORM_MODULES:
        importlib.import_module(module)
    for form in _subclasses(forms.Form):
        if form.__module__.split(".")[0] not in APPS or form is AssessmentForm:
            continue
        for name, field in form.base_fields.items():
            yield form.__name__, name, field


def test_every_number_is_typed_as_text_with_a_keypad():
    """A number box sends "e" as empty, so a typed letter was lost without a word; text
    reaches the server and is refused beside the field (tests/browser/test_assessment_keyboard)."""
    checked = 0
    for form, name, field in _number_fields_of_the_apps_forms():
        if not isinstance(field, NUMBER_FIELDS) or isinstance(field.widget, forms.HiddenInput):
            continue
        html = field.widget.render(name, None)
        assert html.startswith('<input type="text"'), f"{form}.{name}: {html}"
        if field.min_value is not None and field.min_value >= 0:
            keypad = "numeric" if isinstance(field, forms.IntegerField) else "decimal"
            assert f'inputmode="{keypad}"' in html, f"{form}.{name}"
        checked += 1
    assert checked > 5  # the forms' declared ones; the assessment form's are added below


@pytest.mark.parametrize(
    ("field", "inputmode"),
    [
        (formfields.IntegerField(min_value=0), "numeric"),
        (formfields.DecimalField(min_value=0), "decimal"),
        (formfields.FloatField(min_value=0.5), "decimal"),
        (formfields.IntegerField(min_value=-7), None),  # the keypads have no minus sign
        (formfields.IntegerField(), None),
    ],
)
def test_the_keypad_fits_the_numbers_the_field_takes(field, inputmode):
    assert field.widget.attrs.get("inputmode") == inputmode


def test_a_range_a_form_adds_later_brings_the_keypad_unless_it_takes_negatives():
    from patients.forms import bounded

    plyo = bounded(formfields.DecimalField(), 0, 336, "hours")
    groc = bounded(formfields.IntegerField(), -7, 7)
    assert plyo.widget.attrs.get("inputmode") == "decimal"
    assert "inputmode" not in groc.widget.attrs


def test_the_assessment_forms_numbers_are_text_boxes_too(world):
    from patients.forms import AssessmentForm

    from .factories import make_patient

    patient = make_patient(world.clinic, world.physio)
    form = AssessmentForm(patient=patient, stage=2)
    html = str(form["visah_1"]) + str(form["sitting_tolerance_min"]) + str(form["groc"])
    assert 'type="number"' not in html
    assert str(form["visah_1"]).count('inputmode="numeric"') == 1
    assert 'inputmode="numeric"' in str(form["sitting_tolerance_min"])
    assert "inputmode" not in str(form["groc"])
