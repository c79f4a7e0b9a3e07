from types import SimpleNamespace
from typing import Any, cast

from django import forms

from patients.validators import validate_notes
from pht_clinic import formfields

from . import diary, library_v1, rules
from .models import DiaryEntry, Exercise, ReferralUrgency

OVERRIDE_CHOICES = [
    (rules.Action.STAY.value, "Stay in the current stage"),
    (rules.Action.PROGRESS.value, "Progress to the next stage"),
    (rules.Action.REGRESS.value, "Regress to the previous stage (stage 1: reduced dose)"),
    (rules.Action.COMPLETE.value, "Complete the programme"),
    (rules.Action.REFER.value, "Refer"),
]
INITIAL_CHOICES = [
    (rules.Action.START_STAGE_1.value, "Start at stage 1"),
    (rules.Action.START_STAGE_2.value, "Start at stage 2"),
    (rules.Action.REFER.value, "Refer"),
]


class OverrideForm(forms.Form):
    action = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_notes],
        help_text="Required. It is kept beside the rules' recommendation.",
    )
    # Nothing is preselected: a silent default would file a referral under an urgency nobody
    # chose (PROTOCOL 6 names none for a clinician's own referral), so whoever refers picks
    # one, and the form says so beside this field (clean). Ignored for other decisions.
    urgency = forms.ChoiceField(
        label="If you refer: how urgent is the referral?",
        choices=ReferralUrgency.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Required when you refer. It orders the clinic's referral queue.",
    )
    pause = forms.BooleanField(
        label="If you refer: pause the programme until the patient has been seen",
        required=False,
        initial=True,  # the conservative choice, as a red-flag referral does
        help_text="The patient's printout, diary and home page then say to stop the exercises "
        "and see the clinician.",
    )

    def __init__(self, *args: object, decision: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        stage_before = getattr(decision, "stage_before", None)
        engine_action = getattr(decision, "engine_action", "")
        choices = INITIAL_CHOICES if stage_before is None else OVERRIDE_CHOICES
        if stage_before == 4:
            choices = [c for c in choices if c[0] != rules.Action.PROGRESS.value]
        allowed = [c for c in choices if c[0] != engine_action]
        cast(forms.ChoiceField, self.fields["action"]).choices = allowed
        if rules.Action.REFER.value not in {value for value, _ in allowed}:
            del self.fields["urgency"]
            del self.fields["pause"]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for overriding the recommendation.")
        return reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "urgency" not in self.fields:
            return cleaned
        if cleaned.get("action") != rules.Action.REFER.value:
            cleaned["urgency"] = ""
        elif not cleaned.get("urgency"):
            self.add_error("urgency", "Choose how urgent the referral is.")
        return cleaned


# The range of the times_per_day constraints (rehab.models); empty means not said.
TIMES_PER_DAY_ERROR = "Enter 1 to 5 times a day, or leave it empty."
# Beside the field Exercise.missing_dose names, when a plan is issued.
MISSING_DOSE_ERROR = (
    "Enter the reps or a hold time before issuing: from the sets alone the patient cannot "
    "tell how much to do."
)


def spacing_errors(gap: int | None, data: dict[str, Any]) -> dict[str, str]:
    """What a dose's days a week and times a day break of a shortest gap between sessions
    (48 h for heavy slow resistance, non-consecutive days; 72 h for plyometrics, PROTOCOL
    1.4-1.6): a week's hours divided by the gap is the most days a week, and a day's the
    most times a day."""
    if not gap:
        return {}
    errors = {}
    days, times = data.get("days_per_week"), data.get("times_per_day")
    most = max(1, 7 * 24 // gap)
    if days and days > most:
        errors["days_per_week"] = (
            f"Sessions of this exercise need {gap} hours between them: at most {most} days a week."
        )
    most_a_day = max(1, 24 // gap)
    if times and times > most_a_day:
        errors["times_per_day"] = f"Sessions of this exercise need {gap} hours between them: " + (
            "once a day." if most_a_day == 1 else f"at most {most_a_day} times a day."
        )
    return errors


class PlanItemForm(forms.Form):
    """The dose of one exercise in a draft plan (ranges as the PlanItem constraints)."""

    item_id = formfields.IntegerField(widget=forms.HiddenInput)
    position = formfields.IntegerField(label="Order", min_value=1, max_value=99)
    sets = formfields.IntegerField(min_value=1, max_value=10, required=False)
    reps = formfields.IntegerField(min_value=1, max_value=100, required=False)
    hold_s = formfields.IntegerField(
        label="Hold (s)", min_value=1, max_value=300, unit="seconds", required=False
    )
    rest_s = formfields.IntegerField(
        label="Rest (s)", min_value=0, max_value=900, unit="seconds", required=False
    )
    tempo = forms.CharField(max_length=20, required=False, validators=[validate_notes])
    load = forms.CharField(max_length=120, required=False, validators=[validate_notes])
    days_per_week = formfields.IntegerField(
        label="Days/week", min_value=1, max_value=7, unit="days a week", required=False
    )
    times_per_day = formfields.IntegerField(
        label="Times a day",
        min_value=1,
        max_value=5,
        required=False,
        error_messages={
            "min_value": TIMES_PER_DAY_ERROR,
            "max_value": TIMES_PER_DAY_ERROR,
            "invalid": TIMES_PER_DAY_ERROR,
        },
    )
    note = forms.CharField(max_length=300, required=False, validators=[validate_notes])
    delete = forms.BooleanField(label="Remove", required=False)

    DOSE_FIELDS = (
        "sets",
        "reps",
        "hold_s",
        "rest_s",
        "tempo",
        "load",
        "days_per_week",
        "times_per_day",
        "note",
    )

    def __init__(
        self,
        *args: Any,
        exercises: dict[int, Exercise] | None = None,
        issuing: bool = False,
        **kwargs: Any,
    ) -> None:
        """``exercises`` are each item's, by item id. Sessions must keep the exercise's
        shortest gap; when the plan is being ``issuing``, every dose must also say how much
        to do (rehab.plans.dose_error). A draft is work in progress and may be saved
        without."""
        super().__init__(*args, **kwargs)
        self.exercises = exercises or {}
        self.issuing = issuing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item_id = data.get("item_id")  # None when the hidden field was tampered with
        exercise = self.exercises.get(item_id) if item_id else None
        if exercise is None or data.get("delete"):
            return data
        self._check_spacing(exercise, data)
        if self.issuing and not {"reps", "hold_s"} & set(self.errors):
            field = exercise.missing_dose(data.get("reps"), data.get("hold_s"))
            if field:
                self.add_error(field, MISSING_DOSE_ERROR)
        return data

    def _check_spacing(self, exercise: Exercise, data: dict[str, Any]) -> None:
        gap = exercise.min_hours_between_sessions
        for field, message in spacing_errors(gap, data).items():
            if field not in self.errors:
                self.add_error(field, message)


PlanItemFormSet = forms.formset_factory(PlanItemForm, extra=0)


class AddExerciseForm(forms.Form):
    # Not required: the plan's form carries it, and Save leaves it empty (the Add view asks).
    exercise = forms.ModelChoiceField(
        queryset=Exercise.objects.none(), label="Add an exercise", required=False
    )

    def __init__(self, *args: Any, exercises: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["exercise"]).queryset = exercises


class TemplateForm(forms.Form):
    """Create the stage's default plan, keeping up to two bridge exercises (PROTOCOL 3.5)."""

    bridge: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=Exercise.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Keep from the previous plan for the first week (at most two)",
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["bridge"]).queryset = candidates

    def clean_bridge(self) -> Any:
        bridge = self.cleaned_data["bridge"]
        if len(bridge) > 2:
            raise forms.ValidationError("Keep at most two exercises as a bridge.")
        return bridge


class ReduceDoseForm(forms.Form):
    percent = forms.TypedChoiceField(
        choices=[(10, "10 %"), (15, "15 %"), (20, "20 %")],
        coerce=int,
        initial=15,
        label="Reduce reps and hold times by",
    )


class ClinicExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        formfield_callback = formfields.model_formfield
        fields = [
            "name",
            "patient_name",
            "stage_min",
            "stage_max",
            "hip_flexion_min_deg",
            "hip_flexion_max_deg",
            "hip_flexion_text",
            "dose_type",
            "sets_min",
            "sets_max",
            "reps_min",
            "reps_max",
            "hold_s_min",
            "hold_s_max",
            "rest_s",
            "tempo",
            "load_guidance",
            "days_per_week",
            "times_per_day",
            "min_hours_between_sessions",
            "patient_text",
            "supporting",
            "plyometric",
        ]
        # Plain words with the unit, not the field names ("Hold s min").
        labels = {
            "stage_min": "Earliest stage",
            "stage_max": "Latest stage",
            "hip_flexion_min_deg": "Hip flexion, at least (°)",
            "hip_flexion_max_deg": "Hip flexion, at most (°)",
            "hip_flexion_text": "Hip flexion in words",
            "sets_min": "Sets, at least",
            "sets_max": "Sets, at most",
            "reps_min": "Reps, at least",
            "reps_max": "Reps, at most",
            "hold_s_min": "Hold, at least (s)",
            "hold_s_max": "Hold, at most (s)",
            "rest_s": "Rest (s)",
            "days_per_week": "Days a week",
            "min_hours_between_sessions": "Shortest gap between sessions (hours)",
            "patient_text": "How to do it, in the patient's words",
        }
        help_texts = {
            "hip_flexion_text": "As the library and the plan show it, e.g. 0-20°. Left empty, "
            "it is made from the angles above.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "patient_name", "hip_flexion_text", "tempo"):
            self.fields[name].validators.append(validate_notes)
        for name in ("load_guidance", "patient_text"):
            self.fields[name].validators.append(validate_notes)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("stage_min"), data.get("stage_max")
        for name in ("stage_min", "stage_max"):
            if data.get(name) is not None and not 1 <= data[name] <= 4:
                self.add_error(name, "Stages are 1 to 4.")
        if low and high and low > high:
            self.add_error("stage_max", "The latest stage cannot come before the earliest.")
        hip = data.get("hip_flexion_max_deg")
        if hip is not None and not -30 <= hip <= 150:
            self.add_error("hip_flexion_max_deg", "Enter an angle from -30 to 150 degrees.")
        # Supporting work is exempt from the stage limits (PROTOCOL 2) because it does not
        # load the hamstring in hip flexion: a clinic exercise may claim that only up to 30°.
        if data.get("supporting") and (hip is None or hip > 30):
            self.add_error(
                "supporting",
                "Supporting exercises must stay within 30° of hip flexion under load; "
                "record the hip flexion, or untick 'supporting'.",
            )
        low_hip = data.get("hip_flexion_min_deg")
        if low_hip is not None and hip is not None and low_hip > hip:
            self.add_error("hip_flexion_max_deg", "The maximum cannot be below the minimum.")
        for a, b in (
            ("sets_min", "sets_max"),
            ("reps_min", "reps_max"),
            ("hold_s_min", "hold_s_max"),
        ):
            if data.get(a) and data.get(b) and data[a] > data[b]:
                self.add_error(b, "The maximum cannot be below the minimum.")
        days = data.get("days_per_week")
        if days is not None and not 1 <= days <= 7:
            self.add_error("days_per_week", "Enter 1 to 7 days a week.")
        times = data.get("times_per_day")
        if times is not None and not 1 <= times <= 5:
            self.add_error("times_per_day", TIMES_PER_DAY_ERROR)
        rest = data.get("min_hours_between_sessions")
        if rest is not None and not 0 <= rest <= 168:  # the longest in PROTOCOL 2 is 72 h
            self.add_error("min_hours_between_sessions", "Enter 0 to 168 hours (a week).")
        self._check_stages(data)
        if "min_hours_between_sessions" not in self.errors:
            for field, message in spacing_errors(rest, data).items():
                if field not in self.errors:
                    self.add_error(field, message)
        if not data.get("hip_flexion_text") and hip is not None:
            # The library and the printout show this text (an empty one reads as a dash).
            data["hip_flexion_text"] = f"{low_hip}-{hip}°" if low_hip is not None else f"≤{hip}°"
        return data

    def _check_stages(self, data: dict[str, Any]) -> None:
        """An exercise must be usable from its first stage on: what a plan would refuse
        there is refused here, beside the field to change (PROTOCOL 2 and 1.6)."""
        low, high = data.get("stage_min"), data.get("stage_max")
        if not (low and high) or "stage_min" in self.errors or "stage_max" in self.errors:
            return
        if data.get("plyometric"):
            if low < 4:
                # PROTOCOL 1.6: plyometric (energy storage) work waits for stage 4's gate.
                self.add_error("stage_min", "Plyometric exercises belong to stage 4.")
            if data.get("days_per_week", 0) > 3:
                self.add_error(
                    "days_per_week", "Plyometric sessions are every third day: at most 3 a week."
                )
            gap = rules.DEFAULT.PLYO_MIN_INTERVAL_H
            if (data.get("min_hours_between_sessions") or 0) < gap:
                self.add_error(
                    "min_hours_between_sessions",
                    f"Plyometric sessions are at least {gap:g} h apart.",
                )
        spec = SimpleNamespace(
            name=data.get("name") or "This exercise",
            supporting=bool(data.get("supporting")),
            hip_flexion_max_deg=data.get("hip_flexion_max_deg"),
        )
        refusal = library_v1.check_stage_safety(spec, low)
        if refusal and "hip_flexion_max_deg" not in self.errors:
            self.add_error("hip_flexion_max_deg", refusal)


PAIN_CHOICES = [(str(n), str(n)) for n in range(11)]
#: A patient sees these, not Django's defaults ("This field is required.").
PICK_ONE = {"invalid_choice": "Choose one of the answers shown."}


class DiaryForm(forms.Form):
    """One day of the patient's diary: large touch targets, no JavaScript (issue 9).

    Given the day's saved entry, the form starts from it and remembers which version it
    started from (`started_from`), so that saving never replaces answers the patient did
    not see (diary.save_day)."""

    day = forms.DateField(
        label="Which day is this about?",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Choose the day this is about.",
            "invalid": "That is not a date we know. Choose the day again.",
        },
    )
    session_done = forms.TypedChoiceField(
        label="Did you do your exercises that day?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={**PICK_ONE, "required": "Answer “Yes” or “No”."},
    )
    plyometric_day = forms.TypedChoiceField(
        label="Was it a jump day (hops, bounds, swings)?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
        error_messages=PICK_ONE,
    )
    exercise_pain = forms.TypedChoiceField(
        label="Worst pain in your buttock during the exercises (0 = none, 10 = worst)",
        choices=PAIN_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only if you exercised. If you answer “No” above, this is left empty.",
        error_messages=PICK_ONE,
    )
    next_morning_pain = forms.TypedChoiceField(
        label="Pain the next morning when you got up (0 = none, 10 = worst)",
        # "Not yet" lets the patient clear a pain ticked by mistake: a radio cannot be unticked.
        choices=[*PAIN_CHOICES, ("", "Not yet")],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
        error_messages=PICK_ONE,
    )
    note = forms.CharField(
        label="Anything else? (optional)",
        max_length=500,
        error_messages={
            "max_length": "Please keep the note to %(limit_value)d characters or fewer "
            "(it has %(show_value)d)."
        },
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        validators=[validate_notes],
    )
    started_from = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        stage: int,
        first_day: Any,
        today: Any,
        entry: DiaryEntry | None = None,
        version: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first_day, self.today, self.entry = first_day, today, entry
        self.version = version  # of the plan: a later one started after the programme did
        #: An exercise pain ticked and then left behind by answering "No" (dropped in clean).
        self.ignored_exercise_pain: int | None = None
        if entry is not None:
            yes_no = {True: "yes", False: "no"}
            self.initial.update(
                day=entry.day,
                session_done=yes_no[entry.session_done],
                plyometric_day=yes_no[entry.plyometric_day],
                exercise_pain=entry.exercise_pain,
                next_morning_pain=entry.next_morning_pain,
                note=entry.note,
                started_from=diary.version(entry),
            )
        self.initial.setdefault("day", today)
        if stage != 4:
            del self.fields["plyometric_day"]

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if day > self.today:
            raise forms.ValidationError(
                "This day has not happened yet. Choose today or an earlier day."
            )
        if self.first_day and day < self.first_day:
            started = f"{self.first_day.day} {self.first_day:%B %Y}"
            if self.version > 1:
                raise forms.ValidationError(
                    f"This version of your programme started on {started}. Choose a day from "
                    "then on, and tell your physiotherapist about earlier days at your next visit."
                )
            raise forms.ValidationError(
                f"Your programme started on {started}. Choose a day from then on."
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("session_done") is False and data.get("exercise_pain") is not None:
            # Not an error: the patient may have ticked a pain, then answered "No", and a
            # radio cannot be unticked. "No" wins and the page says the pain was left out.
            self.ignored_exercise_pain = data["exercise_pain"]
            data["exercise_pain"] = None
        if data.get("day") == self.today and data.get("next_morning_pain") is not None:
            self.add_error(
                "next_morning_pain",
                "The next morning has not come yet: add this pain tomorrow morning, "
                "on today's entry.",
            )
        if data.get("session_done") and data.get("exercise_pain") is None:
            self.add_error(
                "exercise_pain", "Tell us the worst pain during the exercises (0 if none)."
            )
        return data
