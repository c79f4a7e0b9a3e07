"""Forms of the clinic admin's pages and the operator's commands (validation lives here)."""

from __future__ import annotations

import dataclasses
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html
from django.utils.safestring import SafeString

from patients import visah
from patients.validators import validate_phone, validate_plain_text
from pht_clinic import formfields
from rehab import rules

from .access import STAFF_ROLES
from .models import Clinic, User, validate_time_zone, with_invitation_state

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if "/" in name or name == "UTC"
]
ROLE_CHOICES = [(role.value, role.label) for role in STAFF_ROLES]
VISAH_ITEMS = range(1, 9)


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


class ClinicalLeadForm(forms.Form):
    """The staff page's "Make clinical lead" or "Revoke" button."""

    clinical_lead = forms.ChoiceField(choices=[("grant", "Grant"), ("revoke", "Revoke")])

    @property
    def grant(self) -> bool:
        return bool(self.cleaned_data["clinical_lead"] == "grant")


class DeactivateForm(forms.Form):
    """The confirmation sent by the staff page once it has shown what deactivating leaves
    behind (the person's current patients and waiting recommendations)."""

    confirm = forms.BooleanField()


class InvitationAcceptForm(SetPasswordForm):
    """Choose a password (Django's validators: 12+ characters, not common, not like the name)."""


class ClinicSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, help_text="Dates are shown and checked in this time zone."
    )
    overdue_days = formfields.IntegerField(
        min_value=1,
        max_value=365,
        unit="days",
        label="Overdue after (days)",
        help_text="A patient without an assessment for this long is listed as overdue (1-365).",
    )
    patient_link_days = formfields.IntegerField(
        min_value=1,
        max_value=90,
        unit="days",
        label="Patient download links expire after (days)",
        help_text="1-90 days.",
    )

    min_patient_age = formfields.IntegerField(
        min_value=0,
        max_value=18,
        unit="years",
        label="Youngest patient (years)",
        help_text="A date of birth that makes a new patient younger is refused (0-18).",
    )
    apophyseal_prompt_age = formfields.IntegerField(
        min_value=10,
        max_value=40,
        unit="years",
        label="Ask about an apophyseal injury below (years)",
        help_text=(
            "Patients younger than this are asked about sudden sit-bone pain in a sprint or "
            "kick at every red-flag screen (PROTOCOL 6; 25 by default, 10-40)."
        ),
    )

    class Meta:
        model = Clinic
        formfield_callback = formfields.model_formfield
        fields = [
            "name",
            "address",
            "phone",
            "time_zone",
            "overdue_days",
            "patient_link_days",
            "min_patient_age",
            "apophyseal_prompt_age",
        ]
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
        licensed = wording.get(visah.BANDS_KEY)
        self.fields["visah_8_bands"] = forms.CharField(
            label="VISA-H question 8: licensed duration bands",
            required=False,
            initial="\n".join(licensed) if isinstance(licensed, list) else "",
            validators=[lambda v: validate_plain_text(v, multiline=True)],
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=(
                f"Five lines, shortest first, as on the licensed form (each scores the "
                f"branch's points in that order). Leave empty for the default bands: "
                f"{', '.join(visah.DEFAULT_ITEM8_BANDS)}."
            ),
        )

    def clean_visah_8_bands(self) -> list[str]:
        text = self.cleaned_data["visah_8_bands"]
        bands = [line.strip() for line in text.splitlines() if line.strip()]
        count = len(visah.DEFAULT_ITEM8_BANDS)
        if bands and len(bands) != count:
            raise ValidationError(f"Give {count} bands, one a line: this has {len(bands)}.")
        if any(len(band) > 40 for band in bands):
            raise ValidationError("Keep each band to at most 40 characters.")
        return bands

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
        if phone:
            validate_phone(phone)
        return phone

    def save(self, commit: bool = True) -> Clinic:
        self.instance.visah_wording = {
            str(item): text for item in VISAH_ITEMS if (text := self.cleaned_data[f"visah_{item}"])
        }
        if bands := self.cleaned_data["visah_8_bands"]:
            self.instance.visah_wording[visah.BANDS_KEY] = bands
        return super().save(commit)


#: Each stage-rules parameter in words: (label, what it controls, with the PROTOCOL rule it
#: feeds). The form shows the parameter's code and PROTOCOL 3.2 row (rules.Parameters.source)
#: beneath, so a clinician can match the field to the protocol. Per-stage parameters get
#: ", stage N" after the label. Every parameter needs an entry (tests/accounts).
RULES_PARAMETER_TEXT: dict[str, tuple[str, str]] = {
    "EX_PAIN_OK": (
        "Highest exercise pain that allows progressing (/10)",
        "Progress only if the worst pain during the exercises since the last visit is at "
        "most this; above it (and below the regress level) is amber (PROTOCOL 3.3 P1).",
    ),
    "EX_PAIN_REGRESS": (
        "Exercise pain that means going back a stage (/10)",
        "Pain during the exercises at or above this sends the patient back a stage "
        "(PROTOCOL 3.3 R3a).",
    ),
    "DELTA24_OK": (
        "Next-morning pain rise that still allows progressing (points /10)",
        "Progress only if, the morning after the hardest session, pain is at most this many "
        "points above the usual morning pain; 0 means back to usual (PROTOCOL 3.3 P2).",
    ),
    "DELTA24_REGRESS": (
        "Next-morning pain rise that means going back a stage (points /10)",
        "A rise of this many points or more above the usual morning pain, the morning after "
        "the hardest session, sends the patient back a stage (PROTOCOL 3.3 R3b).",
    ),
    "ADL_OK": (
        "Highest daily-activity pain that allows progressing (/10)",
        "Progress only if typical pain with walking, stairs and getting up from a chair over "
        "the last 7 days is at most this (PROTOCOL 3.3 P3).",
    ),
    "ADL_WORSEN_REGRESS": (
        "Rise in daily-activity pain that means going back a stage (points /10)",
        "A rise of this many points or more since the last visit sends the patient back a "
        "stage (PROTOCOL 3.3 R3c).",
    ),
    "GATE_PAIN_OK": (
        "Highest load-test pain that allows progressing (/10)",
        "Progress only if the stage's load test (G1 to G4), done at this visit, hurts at most "
        "this much (PROTOCOL 3.3 P4).",
    ),
    "HOP_PAIN_OK": (
        "Highest hop-test pain that allows stage 4 (/10)",
        "A stage 3 patient who needs stage 4 progresses only if the H10 hop test hurts at "
        "most this much (PROTOCOL 3.3 P8).",
    ),
    "SIT_MIN_REQUIRED": (
        "Sitting time needed to progress (minutes)",
        "Progress only if the patient can sit for at least this long (PROTOCOL 3.3 P5).",
    ),
    "SIT_DROP_REGRESS": (
        "Fall in sitting time that means going back a stage (fraction)",
        "Sitting time below this fraction of the last visit's (0.5 = half) sends the patient "
        "back a stage (PROTOCOL 3.3 R3d).",
    ),
    "SIT_DROP_MIN_PREV": (
        "Shortest earlier sitting time the sitting-fall rule applies to (minutes)",
        "A fall in sitting time counts only if the last visit's sitting time was at least "
        "this (PROTOCOL 3.3 R3d).",
    ),
    "MIN_DAYS": (
        "Minimum days in the stage before progressing",
        "Progress only after this many days in the stage; until then the decision is stay, "
        "flagged DWELL (PROTOCOL 3.3 P6).",
    ),
    "MIN_SESSIONS": (
        "Minimum sessions in the stage before progressing",
        "Progress only after this many completed sessions in the stage; in stage 4, "
        "plyometric sessions (PROTOCOL 3.3 P6).",
    ),
    "REENTRY_DAYS": (
        "Minimum days after going back a stage",
        "Used instead of the minimum days when the patient entered the stage by going back "
        "(PROTOCOL 3.3 P6).",
    ),
    "REENTRY_SESSIONS": (
        "Minimum sessions after going back a stage",
        "Used instead of the minimum sessions when the patient entered the stage by going "
        "back (PROTOCOL 3.3 P6).",
    ),
    "VISAH_DROP_BLOCK": (
        "VISA-H fall that stops progressing (points /100)",
        "A fall of this many points or more since the last visit blocks progressing, "
        "flagged VISAH_DROP (PROTOCOL 3.3 P7).",
    ),
    "NONRESPONSE_DAYS": (
        "Days in the programme before a non-response referral",
        "After this many days, a patient still in stage 1 or 2 who has not improved enough "
        "is referred for review (PROTOCOL 3.3 R2).",
    ),
    "NONRESPONSE_VISAH_GAIN": (
        "VISA-H gain that counts as a response (points /100)",
        "For the non-response referral: a VISA-H gain since the programme start smaller "
        "than this counts as no response (PROTOCOL 3.3 R2).",
    ),
    "NONRESPONSE_ADL_DROP": (
        "Fall in daily-activity pain that counts as a response (points /10)",
        "For the non-response referral: a fall in daily-activity pain since the programme "
        "start smaller than this counts as no response (PROTOCOL 3.3 R2).",
    ),
    "REPEAT_FLARE_WINDOW": (
        "Days within which a second flare means a referral",
        "A flare within this many days of the last time the patient went back a stage is "
        "referred for review instead (PROTOCOL 3.3 R2b).",
    ),
    "PLATEAU_DAYS": (
        "Days in one stage before the plateau flag",
        "More days than this in the same stage flags PLATEAU; a flag only, it blocks "
        "nothing (PROTOCOL 3.3 R5).",
    ),
    "PLYO_MIN_INTERVAL_H": (
        "Minimum hours between plyometric sessions",
        "In stage 4, completing needs plyometric sessions at least this many hours apart; "
        "closer sessions are flagged PLYO_FREQ (PROTOCOL 3.3 P9).",
    ),
    "RTS_VISAH_MIN": (
        "VISA-H needed to complete stage 4 (points /100)",
        "In stage 4, completing the programme needs a VISA-H of at least this (PROTOCOL 3.3 P9).",
    ),
    "ADHERENCE_FLAG": (
        "Share of sessions done below which adherence is flagged (fraction)",
        "Fewer than this fraction of the prescribed sessions done (0.5 = half) flags "
        "LOW_ADHERENCE; a flag only (PROTOCOL 3.3 R5).",
    ),
    "A2_ADL_PAIN": (
        "First visit: daily-activity pain that means starting in stage 1 (/10)",
        "At the first visit, daily-activity pain of this or more starts the patient in "
        "stage 1 instead of stage 2 (PROTOCOL 1.2 A2).",
    ),
    "A2_SIT_MIN": (
        "First visit: sitting time below which the patient starts in stage 1 (minutes)",
        "At the first visit, sitting for less than this starts the patient in stage 1 "
        "instead of stage 2 (PROTOCOL 1.2 A2).",
    ),
    "A2_G1_PAIN": (
        "First visit: G1 load-test pain above which the patient starts in stage 1 (/10)",
        "At the first visit, pain on the G1 load test above this starts the patient in "
        "stage 1 instead of stage 2 (PROTOCOL 1.2 A2).",
    ),
}


def _per_stage(label: str, stage: int) -> str:
    """The label of one stage's value, the stage before the unit: "..., stage 2 (minutes)"."""
    words, bracket, unit = label.partition(" (")
    return f"{words}, stage {stage}{bracket}{unit}"


def _called(name: str) -> str:
    """A parameter as another's error message names it: its label without the unit, e.g.
    "the highest exercise pain that allows progressing" (rules.Parameters.validate)."""
    words = RULES_PARAMETER_TEXT[name][0].partition(" (")[0]
    return f"the {words[:1].lower()}{words[1:]}"


def _parameter_help(name: str) -> SafeString:
    """What the parameter controls, then its code and PROTOCOL row in small print (the
    code first where the row is named after another parameter or a rule, e.g. A2)."""
    source = rules.Parameters.source(name)
    code = source if f" {name} " in f" {source} " else f"{name} · {source}"
    return format_html(
        '{} <span class="d-block font-monospace">{}</span>', RULES_PARAMETER_TEXT[name][1], code
    )


class RulesParametersForm(forms.Form):
    """One field per parameter of rehab.rules.Parameters; per-stage values as four fields.
    Labels are plain words (RULES_PARAMETER_TEXT); the code is in each field's help."""

    def __init__(self, *args: Any, parameters: rules.Parameters, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        for field in dataclasses.fields(rules.Parameters):
            label = RULES_PARAMETER_TEXT[field.name][0]
            help_text = _parameter_help(field.name)
            value = getattr(parameters, field.name)
            if isinstance(field.default, tuple):
                for stage in range(1, len(field.default) + 1):
                    self.fields[f"{field.name}_{stage}"] = formfields.IntegerField(
                        label=_per_stage(label, stage),
                        help_text=help_text,
                        initial=value[stage - 1],
                        min_value=-10_000,
                        max_value=10_000,
                    )
            elif isinstance(field.default, float):
                self.fields[field.name] = formfields.FloatField(
                    label=label, help_text=help_text, initial=value
                )
            else:
                self.fields[field.name] = formfields.IntegerField(
                    label=label,
                    help_text=help_text,
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
        names = {name: _called(name) for name in RULES_PARAMETER_TEXT}
        for name, message in parameters.validate(names).items():
            for field_name in self._fields_at_fault(name, values):
                self.add_error(field_name, message)
        self.parameters = parameters
        return cleaned


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.display_name} ({obj.username})"
        if obj.is_active:
            return label
        return f"{label}, {obj.inactive_word}"


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
            self.fields["user"].queryset = with_invitation_state(  # type: ignore[attr-defined]
                User.objects.filter(clinic=clinic, role__in=STAFF_ROLES)
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
