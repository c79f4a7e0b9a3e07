"""Forms of the clinic admin's pages and the operator's commands (validation lives here)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import Q

from rehab import rules

from .access import STAFF_ROLES
from .models import Clinic, User, validate_time_zone

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if "/" in name or name == "UTC"
]
ROLE_CHOICES = [(role.value, role.label) for role in STAFF_ROLES]
VISAH_ITEMS = range(1, 9)

# Bidirectional overrides and isolates can make text display as something else.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,40}$")


def validate_plain_text(value: str, *, multiline: bool = False) -> None:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for char in value:
        if char not in allowed and (char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc"):
            raise ValidationError(
                "Remove the invisible control characters (for example text-direction "
                "overrides or pasted control codes)."
            )


def validate_new_email(value: str) -> str:
    """A lower-cased address that no account uses yet (it becomes the username)."""
    email = value.strip().lower()
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise ValidationError("There is already an account with this email address.")
    return email


class InviteForm(forms.Form):
    email = forms.EmailField(
        max_length=150, help_text="The invitation is sent here; it is also the username."
    )
    first_name = forms.CharField(max_length=150, validators=[validate_plain_text])
    last_name = forms.CharField(max_length=150, validators=[validate_plain_text])
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=User.Role.PHYSIO)

    def clean_email(self) -> str:
        return validate_new_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    # Only the two staff roles: nobody can be made a patient or anything above a clinic admin.
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class InvitationAcceptForm(SetPasswordForm):
    """Choose a password (Django's validators: 12+ characters, not common, not like the name)."""


class ClinicSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, help_text="Dates are shown and checked in this time zone."
    )
    overdue_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        label="Overdue after (days)",
        help_text="A patient without an assessment for this long is listed as overdue (1-365).",
    )
    patient_link_days = forms.IntegerField(
        min_value=1,
        max_value=90,
        label="Patient download links expire after (days)",
        help_text="1-90 days.",
    )

    class Meta:
        model = Clinic
        fields = ["name", "address", "phone", "time_zone", "overdue_days", "patient_link_days"]
        labels = {"phone": "Phone number"}
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wording = self.instance.visah_wording or {}
        for item in VISAH_ITEMS:
            self.fields[f"visah_{item}"] = forms.CharField(
                label=f"VISA-H question {item}: licensed wording",
                required=False,
                max_length=500,
                initial=wording.get(str(item), ""),
                validators=[lambda v: validate_plain_text(v, multiline=True)],
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Plain text. Leave empty to show the topic of the question only.",
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        validate_plain_text(name)
        return name

    def clean_address(self) -> str:
        address = self.cleaned_data["address"]
        validate_plain_text(address, multiline=True)
        return address

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not (_PHONE.match(phone) and sum(c.isdigit() for c in phone) >= 6):
            raise ValidationError("Enter a phone number of digits, spaces and + ( ) - only.")
        return phone

    def save(self, commit: bool = True) -> Clinic:
        self.instance.visah_wording = {
            str(item): text for item in VISAH_ITEMS if (text := self.cleaned_data[f"visah_{item}"])
        }
        return super().save(commit)


class RulesParametersForm(forms.Form):
    """One field per parameter of rehab.rules.Parameters; per-stage values as four fields."""

    def __init__(self, *args: Any, parameters: rules.Parameters, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        for field in dataclasses.fields(rules.Parameters):
            source = rules.Parameters.source(field.name)
            value = getattr(parameters, field.name)
            if isinstance(field.default, tuple):
                for stage in range(1, len(field.default) + 1):
                    self.fields[f"{field.name}_{stage}"] = forms.IntegerField(
                        label=f"{field.name}, stage {stage}",
                        help_text=source,
                        initial=value[stage - 1],
                        min_value=-10_000,
                        max_value=10_000,
                    )
            elif isinstance(field.default, float):
                self.fields[field.name] = forms.FloatField(
                    label=field.name, help_text=source, initial=value
                )
            else:
                self.fields[field.name] = forms.IntegerField(
                    label=field.name,
                    help_text=source,
                    initial=value,
                    min_value=-10_000,
                    max_value=10_000,
                )

    def _values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for field in dataclasses.fields(rules.Parameters):
            if isinstance(field.default, tuple):
                stages = range(1, len(field.default) + 1)
                values[field.name] = [data[f"{field.name}_{stage}"] for stage in stages]
            else:
                values[field.name] = data[field.name]
        return values

    def _fields_at_fault(self, name: str, values: dict[str, Any]) -> list[str]:
        """The form fields to mark for a failed check of parameter ``name``."""
        default = getattr(rules.DEFAULT, name)
        if not isinstance(default, tuple):
            return [name]
        at_fault = []
        for index in range(len(default)):
            alone = [*default]
            alone[index] = values[name][index]
            if name in rules.Parameters.from_dict({**values, name: alone}).validate():
                at_fault.append(f"{name}_{index + 1}")
        return at_fault or [f"{name}_1"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        values = self._values()
        try:
            parameters = rules.Parameters.from_dict(values)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        for name, message in parameters.validate().items():
            for field_name in self._fields_at_fault(name, values):
                self.add_error(field_name, message)
        self.parameters = parameters
        return cleaned


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.username})"


class AuditFilterForm(forms.Form):
    patient = forms.UUIDField(required=False, label="Patient (public id)")
    user = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Person",
        empty_label="Everyone",
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, clinic: Clinic, everyone: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if everyone:
            self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
                clinic=clinic, role__in=STAFF_ROLES
            ).order_by("last_name", "first_name", "id")
        else:
            del self.fields["user"]  # a physiotherapist sees their own actions only

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned


class CreateClinicForm(forms.Form):
    """The arguments of manage.py create_clinic."""

    name = forms.CharField(max_length=120, validators=[validate_plain_text])
    time_zone = forms.CharField(max_length=64, validators=[validate_time_zone])
    admin_email = forms.EmailField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False, validators=[validate_plain_text])
    last_name = forms.CharField(max_length=150, required=False, validators=[validate_plain_text])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Clinic.objects.filter(name__iexact=name).exists():
            raise ValidationError("A clinic of this name exists already.")
        return name

    def clean_admin_email(self) -> str:
        return validate_new_email(self.cleaned_data["admin_email"])
