from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from accounts.models import User
from pht_clinic import formfields
from pht_clinic.html import short_date

from . import psfs, search, visah
from .models import (
    RED_FLAG_CHOICES,
    RED_FLAG_CODES,
    STAGE_FILTER_CHOICES,
    Assessment,
    LoadTest,
    Patient,
)
from .validators import validate_name, validate_notes, validate_phone

PAIN_HELP = "0 = no pain, 10 = worst imaginable"


def bounded(field: forms.Field, low: float, high: float, unit: str = "") -> forms.Field:
    """Enforce a range on a model form field (the database has the same CheckConstraint);
    its message names the range and ``unit`` (formfields.PlainRange)."""
    field.validators += [MinValueValidator(low), MaxValueValidator(high)]
    if low >= 0:  # the digit keypad has no minus sign (formfields.TypedAsText)
        field.widget.attrs.setdefault("inputmode", cast(formfields.TypedAsText, field).keypad)
    cast(formfields.PlainRange, field).unit = unit
    return field


#: PROTOCOL 4.2: VISA-H every 2-4 weeks [CFG]; the form asks for it from the shorter end.
VISAH_DUE_DAYS = 14


def clinic_today(clinic: Any) -> date:
    """Today in the clinic's time zone (UX.md "Everyone"; SECURITY.md dates)."""
    return timezone.now().astimezone(clinic.tzinfo).date()


class _FewChoices(forms.models.ModelChoiceIterator):
    """A clinic's physiotherapists are few: one plain query, not a server-side cursor (three
    round trips to PostgreSQL) as ModelChoiceIterator opens for possibly long lists."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def one_a_day(day: date) -> str:
    """Said when a visit is dated on the day of another: one assessment a day per patient
    (the database's one_assessment_per_day), added to by amending it."""
    return (
        f"This patient already has an assessment on {short_date(day)}; there is one a day. "
        "To add to it, open it from the patient's page and edit or amend it."
    )


class PhysioChoiceField(forms.ModelChoiceField):
    iterator = _FewChoices

    def offer(self, choices: Iterable[tuple[object, str]]) -> None:
        """Draw the widget's options from ``choices`` (value, label), read beforehand, rather
        than query the queryset; the queryset still decides what a submitted value may be."""
        empty = [] if self.empty_label is None else [("", self.empty_label)]
        self.choices = [*empty, *choices]

    def label_from_instance(self, obj: Any) -> str:
        if obj.is_active:
            return str(obj.display_name)
        return f"{obj.display_name} ({obj.inactive_word})"


class PatientForm(forms.ModelForm):
    physio = PhysioChoiceField(
        queryset=User.objects.none(), label="Assigned physiotherapist", empty_label=None
    )

    class Meta:
        model = Patient
        formfield_callback = formfields.model_formfield
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "physio",
            "affected_side",
            "onset",
            "symptom_duration_weeks",
            "sport_activity",
            "sport_level",
            "needs_energy_storage",
            "height_cm",
            "weight_kg",
            "menopausal_status",
            "diabetes_or_metabolic",
            "inflammatory_arthritis",
            "hypercholesterolaemia",
            "fluoroquinolone_last_6m",
            "systemic_corticosteroid",
            "injection_last_6w",
            "prior_hamstring_injury",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {
            "symptom_duration_weeks": "Symptom duration (weeks)",
            "height_cm": "Height (cm)",
            "weight_kg": "Weight (kg)",
            "needs_energy_storage": "Goals need running, sprinting or jumping (stage 4)",
        }

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        cast(PhysioChoiceField, self.fields["physio"]).queryset = User.objects.filter(
            clinic=clinic, role=User.Role.PHYSIO, is_active=True
        ).order_by("last_name", "first_name")
        for name in ("first_name", "last_name", "sport_activity", "phone"):
            if name in self.fields:
                self.fields[name].validators.append(validate_name)
        self.fields["phone"].validators.append(validate_phone)
        #: Patients already recorded with the same name and date of birth (clean()).
        self.duplicates: list[Patient] = []
        if self.instance.pk is None:
            # Asked for only when a possible duplicate is found (clean() shows the box).
            self.fields["different_person"] = forms.BooleanField(
                required=False,
                widget=forms.HiddenInput,
                label="This is a different person with the same name and date of birth",
            )
        for name, low, high, unit in (
            ("symptom_duration_weeks", 0, 520, "weeks"),
            ("height_cm", 50, 250, "cm"),
            ("weight_kg", 20, 350, "kg"),
        ):
            if name in self.fields:
                bounded(self.fields[name], low, high, unit)

    def clean_date_of_birth(self) -> date:
        dob: date = self.cleaned_data["date_of_birth"]
        if dob > clinic_today(self.clinic):
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if dob < date(1900, 1, 1):
            raise forms.ValidationError("Check the year: the date of birth is before 1900.")
        if self.instance.pk:  # as a visit may not be dated before birth (AssessmentForm)
            visits = self.instance.assessments.order_by("visit_date")
            first = visits.values_list("visit_date", flat=True).first()
            if first is not None and dob > first:
                raise forms.ValidationError(
                    f"The first recorded visit is on {short_date(first)}: the date of birth "
                    "must be before it."
                )
        age = Patient(date_of_birth=dob).age_on(clinic_today(self.clinic))
        youngest = self.clinic.min_patient_age
        if age < youngest and dob != self.instance.date_of_birth:  # a record kept as it is
            raise forms.ValidationError(
                f"Check the date of birth: the patient would be {age}. The programme is "
                f"written for patients aged {youngest} or over (a clinic setting)."
            )
        return dob

    def clean(self) -> dict[str, Any]:
        """A new patient with the name and date of birth of one already recorded (a form
        sent twice, or the same person added again) is saved only once the clinician
        confirms that they are a different person."""
        data = super().clean() or {}
        first, last, dob = (data.get(k) for k in ("first_name", "last_name", "date_of_birth"))
        if "different_person" not in self.fields or not (first and last and dob):
            return data
        self.duplicates = list(
            Patient.objects.filter(
                clinic=self.clinic,
                date_of_birth=dob,
                search_name=search.searched(f"{first} {last}"),
            ).order_by("created_at")
        )
        if self.duplicates and not data.get("different_person"):
            self.fields["different_person"].widget = forms.CheckboxInput()
            self.add_error(
                "different_person",
                "A patient with this name and date of birth is already recorded (listed "
                "above). Open their record instead, or tick this box if this is a different "
                "person.",
            )
        return data


class PatientContactForm(PatientForm):
    """What a clinic admin may change: contact details and the assigned physiotherapist."""

    class Meta(PatientForm.Meta):
        fields = ["first_name", "last_name", "email", "phone", "physio"]


#: A pain score outside the scale, in the clinician's words rather than Django's.
PAIN_RANGE_ERROR = "Pain is scored from 0 (no pain) to 10 (worst imaginable)."


def _pain_field(label: str, required: bool = False) -> forms.IntegerField:
    return formfields.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        error_messages={"min_value": PAIN_RANGE_ERROR, "max_value": PAIN_RANGE_ERROR},
    )


FAMILIAR_CHOICES = [("", "not recorded"), ("yes", "Yes"), ("no", "No")]
GATE_BY_STAGE = {
    None: ["G1"],
    1: ["G1"],
    2: ["G2"],
    3: ["G3_LUNGE", "G3_SLDL"],
    4: ["G4"],
}
ALL_TESTS = [code for code, _ in LoadTest.Code.choices]
DIAGNOSTIC_TESTS = ["PURANEN_ORAVA", "BENT_KNEE", "MOD_BENT_KNEE"]
NEURO_FLAGS = {
    "saddle_anaesthesia": "RF_CAUDA_EQUINA",
    "bladder_bowel_change": "RF_CAUDA_EQUINA",
    "dermatomal_sensory_loss": "RF_NEURO_SIGNS",
    "myotomal_weakness": "RF_NEURO_SIGNS",
    "reflex_change": "RF_NEURO_SIGNS",
    "slump_reproduces_distal": "RF_NEURO_SIGNS",
    "slr_positive": "RF_NEURO_SIGNS",
}
RED_FLAG_LABELS = dict(RED_FLAG_CHOICES)
#: The examined numbers shown with last visit's value beside them (UX.md), and their units.
#: The fields of one load test, in the order of the form's grid (PROTOCOL 4.2 load tests).
LOAD_TEST_PARTS = ("nprs", "reps", "load_kg", "hip_flexion_deg", "familiar")

PREVIOUS_UNITS = {
    "nprs_morning_baseline": "/10",
    "nprs_24h_after_hardest": "/10",
    "nprs_exercise_max": "/10",
    "nprs_adl_typical_7d": "/10",
    "nprs_worst_7d": "/10",
    "sitting_tolerance_min": " min",
    "ischial_tenderness": "/10",
    "groc": "",
    "knee_flexion_strength_left_n": " N",
    "knee_flexion_strength_right_n": " N",
    "running_km_week": " km",
    "sport_sessions_week": "",
    "sessions_prescribed_since_last": "",
    "sessions_done_since_last": "",
    "plyo_sessions_since_last": "",
    "min_plyo_interval_h": " h",
}
#: A review's session counts and follow-up pains: optional when a red flag is recorded.
REVIEW_BOOKKEEPING = (
    "nprs_24h_after_hardest",
    "nprs_exercise_max",
    "sessions_prescribed_since_last",
    "sessions_done_since_last",
    "plyo_sessions_since_last",
)


def _holds_value(field: forms.BoundField) -> bool:
    """The field has a value to show: posted, saved or filled in (0 counts; unticked not)."""
    value = field.value()
    return value is not False and value not in (None, "", [])


class AssessmentForm(forms.ModelForm):
    """A visit's findings, in the order a physiotherapist examines (UX.md).

    Load tests and PSFS activities are extra fields turned into child rows by the service.
    """

    red_flags = forms.MultipleChoiceField(
        choices=RED_FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Red flags found",
    )
    visah_8_band = forms.TypedChoiceField(
        label="Item 8: duration band",
        choices=[("", "not answered")]
        + [(str(i), b) for i, b in enumerate(visah.DEFAULT_ITEM8_BANDS)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Assessment
        formfield_callback = formfields.model_formfield
        fields = [
            "visit_date",
            "visit_type",
            "nprs_morning_baseline",
            "nprs_24h_after_hardest",
            "nprs_exercise_max",
            "nprs_adl_typical_7d",
            "nprs_worst_7d",
            "night_pain",
            "sitting_tolerance_min",
            "sitting_surface",
            "ischial_tenderness",
            "sessions_prescribed_since_last",
            "sessions_done_since_last",
            "plyo_sessions_since_last",
            "min_plyo_interval_h",
            "visah_1",
            "visah_2",
            "visah_3",
            "visah_4",
            "visah_5",
            "visah_6",
            "visah_7",
            "visah_8_branch",
            "groc",
            "knee_flexion_strength_left_n",
            "knee_flexion_strength_right_n",
            "running_km_week",
            "sport_sessions_week",
            "slump_reproduces_distal",
            "slr_positive",
            "dermatomal_sensory_loss",
            "myotomal_weakness",
            "reflex_change",
            "saddle_anaesthesia",
            "bladder_bowel_change",
            "red_flags_none",
            "notes",
        ]
        widgets = {
            "visit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        patient: Patient,
        previous: Assessment | None = None,
        stage: int | None = None,
        prefill: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.previous = previous
        self.stage = stage
        if not self.instance.pk:
            self.initial.setdefault("visit_date", clinic_today(patient.clinic))
        self._configure_fields()
        self._add_test_fields()
        self._add_psfs_fields()
        if self.instance.pk:
            self._load_children()
        if previous is not None:
            self._show_previous(previous)
        if prefill is not None:
            self._prefill(prefill)
        # In the order of the screen, so the error summary lists errors as the page shows them.
        self.order_fields([name for s in self.section_names() for name in s["fields"]])

    # -- set-up -------------------------------------------------------------------------
    def _red_flag_posted(self) -> bool:
        """A red flag other than the caution code is ticked in the posted form."""
        if not self.is_bound:
            return False
        getlist = getattr(self.data, "getlist", None)
        posted = getlist("red_flags") if getlist else self.data.get("red_flags") or []
        return any(code in RED_FLAG_CODES and code != "RF_MEDICATION" for code in posted)

    def _configure_fields(self) -> None:
        f = self.fields
        initial_visit = self.stage is None
        cast(forms.ChoiceField, f["visit_type"]).choices = (
            [("initial", "Initial")]
            if initial_visit
            else [(v, label) for v, label in Assessment.VisitType.choices if v != "initial"]
        )
        pains = {
            "nprs_morning_baseline": True,
            "nprs_24h_after_hardest": not initial_visit,
            "nprs_exercise_max": not initial_visit,
            "nprs_adl_typical_7d": True,
            "nprs_worst_7d": False,
            "ischial_tenderness": False,
        }
        for name, required in pains.items():
            f[name] = _pain_field(str(f[name].label).capitalize(), required)
            f[name].help_text = PAIN_HELP
        bounded(f["sitting_tolerance_min"], 0, 240, "minutes")
        f[
            "sitting_tolerance_min"
        ].help_text = (
            "Continuous sitting until the familiar pain starts or rises (PROTOCOL 4.2), 0-240"
        )
        for name in ("sessions_prescribed_since_last", "sessions_done_since_last"):
            bounded(f[name], 0, 100, "sessions").required = not initial_visit
        bounded(f["plyo_sessions_since_last"], 0, 50, "sessions").required = self.stage == 4
        bounded(f["min_plyo_interval_h"], 0, 336, "hours")
        if self._red_flag_posted():
            # A red flag is referred now (PROTOCOL 6): the review's session bookkeeping must
            # not stand between the clinician and signing the referral; it may follow later
            # as an amendment. What the rules read for R1 (the flags) is still required.
            for name in REVIEW_BOOKKEEPING:
                f[name].required = False
        for i in range(1, 7):
            field = f[f"visah_{i}"] = formfields.IntegerField(
                label=self._visah_label(i), min_value=0, max_value=10, required=False
            )
            field.help_text = "0-10, 10 = no pain or no limitation"
        f["visah_7"] = forms.TypedChoiceField(
            label=self._visah_label(7),
            choices=[("", "not answered")] + [(str(p), str(p)) for p in visah.ITEM7_POINTS],
            coerce=int,
            empty_value=None,
            required=False,
        )
        f["visah_8_branch"].label = self._visah_label(8) + ": branch"
        bounded(f["groc"], -7, 7)
        for name in ("knee_flexion_strength_left_n", "knee_flexion_strength_right_n"):
            bounded(f[name], 0, 1000, "newtons")
        bounded(f["running_km_week"], 0, 300, "km a week")
        bounded(f["sport_sessions_week"], 0, 21, "sessions a week")
        f["notes"].validators.append(validate_notes)
        f["notes"].help_text = "Plain text; shown only to clinicians."
        bands = visah.item8_bands(self.patient.clinic.visah_wording)
        cast(forms.TypedChoiceField, f["visah_8_band"]).choices = [
            ("", "not answered"),
            *((str(i), band) for i, band in enumerate(bands)),
        ]
        if self.instance.pk:
            f["red_flags"].initial = list(self.instance.red_flags)
            if self.instance.visah_8_branch and self.instance.visah_8 is not None:
                points = visah.ITEM8_POINTS[self.instance.visah_8_branch]
                f["visah_8_band"].initial = str(points.index(self.instance.visah_8))

    def _visah_label(self, item: int) -> str:
        wording = (self.patient.clinic.visah_wording or {}).get(str(item))
        return f"Item {item}: {wording}" if wording else visah.TOPIC_LABELS[item]

    def test_codes_first(self) -> list[str]:
        """The current stage's gate (and H10 before stage 4) first, the rest after."""
        first = list(GATE_BY_STAGE[self.stage])
        if self.stage == 3 and self.patient.needs_energy_storage:
            first.append("H10")
        if self.stage is None:
            first += DIAGNOSTIC_TESTS
        return first

    def _add_test_fields(self) -> None:
        labels = dict(LoadTest.Code.choices)
        for code in ALL_TESTS:
            # Each label names its test: a screen reader and the error summary read one field
            # at a time ("G2 …: reps", not "Reps" four times over). On the screen the row
            # starts with the test's name, so the others show a short label (field_group).
            test = labels[code]
            self.fields[f"{code}_nprs"] = _pain_field(f"{test}: pain")
            self.fields[f"{code}_reps"] = formfields.IntegerField(
                label=f"{test}: reps", min_value=0, max_value=100, required=False
            )
            self.fields[f"{code}_load_kg"] = formfields.DecimalField(
                label=f"{test}: load (kg)",
                min_value=0,
                max_value=300,
                unit="kg",
                max_digits=4,
                decimal_places=1,
                required=False,
            )
            # PROTOCOL 4.2: the hip flexion the test was done in (stage 3 loads 70-90°).
            self.fields[f"{code}_hip_flexion_deg"] = formfields.IntegerField(
                label=f"{test}: hip flexion (°)",
                min_value=0,
                max_value=120,
                unit="degrees",
                required=False,
            )
            self.fields[f"{code}_familiar"] = forms.ChoiceField(
                label=f"{test}: reproduces the familiar pain",
                choices=FAMILIAR_CHOICES,
                required=False,
            )
            for part, short in (
                ("reps", "Reps"),
                ("load_kg", "Load (kg)"),
                ("hip_flexion_deg", "Hip flexion (°)"),
                ("familiar", "Reproduces the familiar pain"),
            ):
                self.fields[f"{code}_{part}"].short_label = short  # type: ignore[attr-defined]

    def _add_psfs_fields(self) -> None:
        for i in range(1, 6):
            self.fields[f"psfs_{i}_activity"] = forms.CharField(
                label=f"Activity {i}", max_length=120, required=False, validators=[validate_name]
            )
            self.fields[f"psfs_{i}_score"] = formfields.IntegerField(
                label=f"Activity {i}: score (0 unable, 10 as before)",
                min_value=0,
                max_value=10,
                required=False,
            )

    def _load_children(self) -> None:
        for test in self.instance.load_tests.all():
            self.initial[f"{test.code}_nprs"] = test.nprs
            self.initial[f"{test.code}_reps"] = test.reps
            self.initial[f"{test.code}_load_kg"] = test.load_kg
            self.initial[f"{test.code}_hip_flexion_deg"] = test.hip_flexion_deg
            familiar = test.reproduces_familiar_pain
            self.initial[f"{test.code}_familiar"] = (
                "" if familiar is None else ("yes" if familiar else "no")
            )
        for item in self.instance.psfs_items.all():
            self.initial[f"psfs_{item.position}_activity"] = item.activity
            self.initial[f"psfs_{item.position}_score"] = item.score

    def _show_previous(self, previous: Assessment) -> None:
        """Last visit's values beside each field (UX.md: physiotherapists)."""
        for name, unit in PREVIOUS_UNITS.items():
            value = getattr(previous, name)
            if value is not None:
                self._add_previous(name, f"{value}{unit}")
        for name in ("night_pain", "sitting_surface"):
            if getattr(previous, name):
                self._add_previous(name, getattr(previous, f"get_{name}_display")().lower())
        if previous.red_flags:
            found = "; ".join(RED_FLAG_LABELS.get(c, c) for c in previous.red_flags)
            self._add_previous("red_flags", found)
        elif previous.red_flags_none:
            self._add_previous("red_flags", "none found")
        for test in previous.load_tests.all():
            familiar = test.reproduces_familiar_pain
            for part, value in (
                ("nprs", None if test.nprs is None else f"{test.nprs}/10"),
                ("reps", test.reps),
                ("load_kg", None if test.load_kg is None else f"{test.load_kg} kg"),
                (
                    "hip_flexion_deg",
                    None if test.hip_flexion_deg is None else f"{test.hip_flexion_deg}°",
                ),
                ("familiar", None if familiar is None else ("yes" if familiar else "no")),
            ):
                if value is not None:
                    self._add_previous(f"{test.code}_{part}", value)

    def _add_previous(self, name: str, value: Any) -> None:
        help_text = self.fields[name].help_text
        self.fields[name].help_text = f"Last visit: {value}" + (
            f". {help_text}" if help_text else ""
        )

    def _prefill(self, prefill: Any) -> None:
        """Values from the patient's diary since the last visit (issue 9), each saying where
        it came from; the physiotherapist can change them before signing."""
        for name, value in prefill.values.items():
            if name in self.fields:
                self.initial[name] = value
                self.fields[name].help_text = f"{prefill.origin}. " + str(
                    self.fields[name].help_text or ""
                )

    # -- sections for the template ---------------------------------------------------------
    def sections(self) -> list[dict[str, Any]]:
        """The sections with their bound fields, in the order a physiotherapist examines.
        A section holding a field with an error is open, so that the error beside the field
        shows and the error summary's link lands on a visible field; so is one holding a value
        (typed before a failed submit, saved in a draft, or from the diary), so that nothing
        recorded is hidden, such as the neurological sign behind a red-flag error."""
        sections = []
        for section in self.section_names():
            fields = [self[name] for name in section["fields"]]
            is_open = section["open"] or any(
                field.errors or _holds_value(field) for field in fields
            )
            sections.append({**section, "fields": fields, "open": is_open})
        return sections

    def section_names(self) -> list[dict[str, Any]]:
        first_tests = self.test_codes_first()
        other_tests = [c for c in ALL_TESTS if c not in first_tests]

        def test_fields(codes: list[str]) -> list[str]:
            return [f"{c}_{part}" for c in codes for part in LOAD_TEST_PARTS]

        initial_visit = self.stage is None
        sessions = ["sessions_prescribed_since_last", "sessions_done_since_last"]
        if self.stage == 4:
            sessions += ["plyo_sessions_since_last", "min_plyo_interval_h"]
        pain = ["nprs_morning_baseline", "nprs_adl_typical_7d", "nprs_worst_7d", "night_pain"]
        if not initial_visit:
            pain[1:1] = ["nprs_exercise_max", "nprs_24h_after_hardest"]
        neuro = list(NEURO_FLAGS)
        return [
            {"title": "Visit", "fields": ["visit_date", "visit_type"], "open": True},
            {"title": "Pain", "fields": pain, "open": True},
            {
                "title": "Sitting",
                "fields": ["sitting_tolerance_min", "sitting_surface", "ischial_tenderness"],
                "open": True,
            },
            {
                "title": "Load test for this stage",
                "fields": test_fields(first_tests),
                "open": True,
                "grid": True,
            },
            *(
                []
                if initial_visit
                else [{"title": "Sessions since the last visit", "fields": sessions, "open": True}]
            ),
            {
                "title": "VISA-H questionnaire",
                "fields": [f"visah_{i}" for i in range(1, 8)] + ["visah_8_branch", "visah_8_band"],
                "open": initial_visit or self._visah_due,
                "prompts": self.visah_prompts(),
            },
            {"title": "Neurological screen", "fields": neuro, "open": False},
            {
                "title": "Red flags",
                "fields": ["red_flags", "red_flags_none"],
                "open": True,
                "prompts": self.screening_prompts(),
            },
            {
                "title": "Other load tests",
                "fields": test_fields(other_tests),
                "open": False,
                "grid": True,
            },
            {
                "title": "Patient-specific functional scale",
                "fields": [f"psfs_{i}_{p}" for i in range(1, 6) for p in ("activity", "score")],
                "open": False,
            },
            {
                "title": "Other measures",
                "fields": [
                    "groc",
                    "knee_flexion_strength_left_n",
                    "knee_flexion_strength_right_n",
                    "running_km_week",
                    "sport_sessions_week",
                    *(
                        ["plyo_sessions_since_last", "min_plyo_interval_h"]
                        if self.stage != 4
                        else []
                    ),
                ],
                "open": False,
            },
            {"title": "Clinical notes", "fields": ["notes"], "open": True},
        ]

    def screening_prompts(self) -> list[str]:
        """What this patient's record says to screen for in particular (PROTOCOL 4.1): an
        acute-event onset prompts the avulsion screen, an age under the clinic's limit
        (25 by default, PROTOCOL 6 [CFG]) the apophyseal one, and a recorded medicine the
        medication caution. Shown at every visit, as red flags are screened at every visit
        (PROTOCOL 6)."""
        prompts = []
        if self.patient.onset == Patient.Onset.ACUTE_EVENT:
            prompts.append(
                "The pain began with an acute event: screen for an avulsion (a felt or heard "
                "pop, bruising at the back of the thigh, a gap felt below the sit bone, marked "
                "weakness, a stiff-legged gait)."
            )
        visit = self.initial.get("visit_date") or self.instance.visit_date
        age = self.patient.age_on(visit or clinic_today(self.patient.clinic))
        limit = self.patient.clinic.apophyseal_prompt_age
        if age < limit:
            prompts.append(
                f"The patient is {age}, under {limit}: ask about a sudden ischial pain during "
                "a sprint or a kick (apophyseal injury)."
            )
        medicines = [
            label
            for flag, label in (
                ("fluoroquinolone_last_6m", "a fluoroquinolone antibiotic in the last 6 months"),
                ("systemic_corticosteroid", "a systemic corticosteroid"),
            )
            if getattr(self.patient, flag)
        ]
        if medicines:  # PROTOCOL 4.1 and 6, RF_MEDICATION (Beatty 2017)
            prompts.append(
                f"The patient's record notes {' and '.join(medicines)}: tick the medication "
                "flag if it still applies (a caution: suggest a routine GP review; the "
                "programme goes on)."
            )
        return prompts

    @functools.cached_property
    def _last_visah(self) -> date | None:
        """The day of the patient's latest VISA-H total. Asked once per form (the fields'
        order, the page's sections and their prompts all need it)."""
        return (
            self.patient.assessments.exclude(visah_total=None)
            .order_by("-visit_date")
            .values_list("visit_date", flat=True)
            .first()
        )

    @property
    def _visah_due(self) -> bool:
        """VISA-H every 2-4 weeks [CFG, PROTOCOL 4.2]: open the section after 14 days."""
        last = self._last_visah
        return last is None or (clinic_today(self.patient.clinic) - last).days >= VISAH_DUE_DAYS

    def visah_prompts(self) -> list[str]:
        """Why the questionnaire is asked at this visit (PROTOCOL 4.2: at the initial visit,
        every 2 to 4 weeks and at discharge), on a new assessment when it is due."""
        if self.instance.pk is not None or not self._visah_due:
            return []
        last = self._last_visah
        if last is None:
            return [
                "No VISA-H total is recorded yet: the first is the baseline that the rules' "
                "non-response check (R2) compares later totals with."
            ]
        days = (clinic_today(self.patient.clinic) - last).days
        return [
            f"VISA-H is due: the last total was on {short_date(last)}, {days} days ago (it is "
            "asked every 2 to 4 weeks, and at discharge)."
        ]

    # -- validation ---------------------------------------------------------------------------
    def clean_visit_date(self) -> date:
        day: date = self.cleaned_data["visit_date"]
        if day > clinic_today(self.patient.clinic):
            raise forms.ValidationError("The visit date cannot be in the future.")
        if day < self.patient.date_of_birth:
            raise forms.ValidationError("The visit date is before the patient's date of birth.")
        if self.instance.pk and day == self.instance.visit_date:
            return day  # an edit or amendment that keeps the date keeps its place
        # Visits are kept in order: the rules count days from one visit to the next.
        others = self.patient.assessments.exclude(pk=self.instance.pk)
        if self.instance.pk:
            before = others.filter(visit_date__lt=self.instance.visit_date)
            after = others.filter(visit_date__gt=self.instance.visit_date)
        else:
            before, after = others, others.none()
        previous = before.order_by("-visit_date").first()
        following = after.order_by("visit_date").first()
        if day in (getattr(previous, "visit_date", None), getattr(following, "visit_date", None)):
            raise forms.ValidationError(one_a_day(day))
        if previous is not None and day <= previous.visit_date:
            raise forms.ValidationError(
                f"Visits are recorded in order: the visit before this one is on "
                f"{short_date(previous.visit_date)}. Choose a later date."
            )
        if following is not None and day >= following.visit_date:
            raise forms.ValidationError(
                f"Visits are recorded in order: the next visit is on "
                f"{short_date(following.visit_date)}. Choose an earlier date."
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        flags = data.get("red_flags") or []
        if flags and data.get("red_flags_none"):
            self.add_error("red_flags_none", "You ticked red flags: untick 'no red flags found'.")
        if not flags and not data.get("red_flags_none"):
            self.add_error(
                "red_flags_none",
                "Screen for red flags: tick each one found, or tick 'no red flags found'.",
            )
        for field, code in NEURO_FLAGS.items():
            if data.get(field) and code not in flags:
                self.add_error(
                    "red_flags",
                    f"{self.fields[field].label} is a red flag: tick '{RED_FLAG_LABELS[code]}'.",
                )
        if data.get("night_pain") == Assessment.NightPain.CONSTANT and "RF_NIGHT_PAIN" not in flags:
            self.add_error(
                "red_flags",
                "Constant non-mechanical night pain is a red flag: tick it, "
                "or correct the night pain.",
            )
        branch, band = data.get("visah_8_branch"), data.get("visah_8_band")
        if bool(branch) != (band is not None):
            self.add_error(
                "visah_8_band", "For item 8, choose both the branch and the duration band."
            )
        self._check_visah_whole(data)
        done, prescribed = (data.get(f"sessions_{k}_since_last") for k in ("done", "prescribed"))
        if done is not None and prescribed is not None and done > prescribed:
            # PROTOCOL 0 "Sessions": the rules count sessions of the prescribed programme.
            self.add_error(
                "sessions_done_since_last",
                f"More sessions done than prescribed ({prescribed}): the rules count sessions "
                "of the prescribed programme. Correct either number, or put extra sessions "
                "in the notes.",
            )
        plyo, gap = data.get("plyo_sessions_since_last"), data.get("min_plyo_interval_h")
        if gap is not None and (plyo is None or plyo < 2):
            self.add_error(
                "min_plyo_interval_h",
                "A gap between sessions needs at least 2 plyometric sessions.",
            )
        for i in range(1, 6):
            activity, score = data.get(f"psfs_{i}_activity"), data.get(f"psfs_{i}_score")
            if bool(activity) != (score is not None):
                self.add_error(
                    f"psfs_{i}_score", "Give both the activity and its score, or neither."
                )
        self._check_psfs_count(data)
        return data

    def _check_psfs_count(self, data: dict[str, Any]) -> None:
        """The PSFS takes 3 to 5 activities (PROTOCOL 4.2); one or two have no score. Said
        beside the first empty activity. A red flag's referral does not wait for it, and an
        amendment that leaves a signed visit's activities as they were is not held up by
        them (visits signed before this check, or under a red flag, may have one or two)."""
        used = [
            i
            for i in range(1, 6)
            if data.get(f"psfs_{i}_activity") or data.get(f"psfs_{i}_score") is not None
        ]
        posted = [(i, data.get(f"psfs_{i}_activity"), data.get(f"psfs_{i}_score")) for i in used]
        if self.instance.signed_at is not None and posted == [
            (item.position, item.activity, item.score) for item in self.instance.psfs_items.all()
        ]:
            return
        if 0 < len(used) < psfs.MIN_ACTIVITIES and not self._red_flag_posted():
            missing = psfs.MIN_ACTIVITIES - len(used)
            first_empty = next(i for i in range(1, 6) if i not in used)
            self.add_error(
                f"psfs_{first_empty}_activity",
                f"The PSFS takes {psfs.MIN_ACTIVITIES} to {psfs.MAX_ACTIVITIES} activities: add "
                f"{missing} more, or clear the {len(used)} entered to leave the scale out.",
            )

    def _check_visah_whole(self, data: dict[str, Any]) -> None:
        """A part-answered VISA-H has no total (visah.total), so the rules would read it as
        not recorded (P7 ignores it, P9 and R2 go without): said beside the first item left
        out, rather than saved as if the questionnaire had not been asked. A red flag's
        referral does not wait for it (as the review's bookkeeping, above)."""
        answered = {f"visah_{i}": data.get(f"visah_{i}") is not None for i in range(1, 8)}
        answered["visah_8_branch"] = bool(data.get("visah_8_branch"))
        count = sum(answered.values())
        if 0 < count < len(answered) and not self._red_flag_posted():
            first_missing = next(name for name, given in answered.items() if not given)
            self.add_error(
                first_missing,
                f"VISA-H: {count} of 8 items answered. Answer them all for a score, or "
                "clear them to leave the questionnaire for another visit.",
            )

    # -- results for the service ---------------------------------------------------------------
    def item8_points(self) -> int | None:
        branch, band = (
            self.cleaned_data.get("visah_8_branch"),
            self.cleaned_data.get("visah_8_band"),
        )
        if not branch or band is None:
            return None
        return visah.ITEM8_POINTS[branch][band]

    def load_test_rows(self, side: str) -> list[dict[str, Any]]:
        rows = []
        for code in ALL_TESTS:
            values = {
                part: self.cleaned_data.get(f"{code}_{part}")
                for part in ("nprs", "reps", "load_kg", "hip_flexion_deg")
            }
            familiar = self.cleaned_data.get(f"{code}_familiar") or ""
            if all(v is None for v in values.values()) and not familiar:
                continue
            rows.append(
                {
                    "code": code,
                    "side": side,
                    **values,
                    "reproduces_familiar_pain": {"yes": True, "no": False}.get(familiar),
                }
            )
        return rows

    def psfs_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "position": i,
                "activity": self.cleaned_data[f"psfs_{i}_activity"],
                "score": self.cleaned_data[f"psfs_{i}_score"],
            }
            for i in range(1, 6)
            if self.cleaned_data.get(f"psfs_{i}_activity")
        ]


class AmendmentForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the amendment",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_notes],
        help_text=(
            "Required: the signed original stays readable in the history. The latest visit is "
            "then decided again from the amended record; a changed recommendation waits for you."
        ),
    )


def style_filter_widgets(form: forms.Form) -> None:
    """Bootstrap classes for filter forms rendered field by field (no crispy layout)."""
    for field in form.fields.values():
        is_select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault("class", "form-select" if is_select else "form-control")


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Name", required=False, max_length=100)
    stage = forms.ChoiceField(choices=STAGE_FILTER_CHOICES, required=False)
    status = forms.ChoiceField(
        choices=[("current", "Current"), ("archived", "Archived"), ("all", "All")],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_filter_widgets(self)


#: Why a patient is archived. The audit trail keeps the label chosen, never typed text (it
#: may hold no clinical values, SECURITY.md "audit"); a note goes to the patient's history.
ARCHIVE_REASONS = [
    ("completed", "Discharged: the programme is completed"),
    ("stopped", "Stopped attending, or chose not to continue"),
    ("transferred", "Care moved to another clinic or clinician"),
    ("referred", "Referred on and discharged from this programme"),
    ("duplicate", "Duplicate or mistaken record"),
    ("other", "Another reason (say which in the note)"),
]

#: The patient's history keeps "Archived: <note>" in a column of 100 characters.
ARCHIVE_NOTE_LENGTH = 90


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is this patient being archived?",
        choices=ARCHIVE_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the patient is being archived."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=ARCHIVE_NOTE_LENGTH,
        validators=[validate_name],
        help_text=(
            f"Required for another reason; at most {ARCHIVE_NOTE_LENGTH} characters. Kept in "
            "the patient's record history, not in the audit trail."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "other" and not data.get("note") and "note" not in self.errors:
            self.add_error("note", "Say in a few words why the patient is being archived.")
        return data

    @property
    def reason_label(self) -> str:
        return dict(ARCHIVE_REASONS)[self.cleaned_data["reason"]]
