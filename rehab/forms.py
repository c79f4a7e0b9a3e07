from typing import cast

from django import forms

from patients.validators import validate_notes

from . import rules

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

    def __init__(self, *args: object, decision: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        stage_before = getattr(decision, "stage_before", None)
        engine_action = getattr(decision, "engine_action", "")
        choices = INITIAL_CHOICES if stage_before is None else OVERRIDE_CHOICES
        if stage_before == 4:
            choices = [c for c in choices if c[0] != rules.Action.PROGRESS.value]
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            c for c in choices if c[0] != engine_action
        ]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for overriding the recommendation.")
        return reason
