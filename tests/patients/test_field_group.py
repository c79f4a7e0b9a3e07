"""The field_group filter writes each kind of field with its label, errors and help."""

from django import forms

from patients.templatetags.pht_forms import field_group


class Sample(forms.Form):
    agree = forms.BooleanField(label="Agrees <b>", help_text="Tick if so.")
    flags = forms.MultipleChoiceField(
        label="Flags",
        choices=[("a", "First"), ("b", "Second & last")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Any that apply.",
    )
    side = forms.ChoiceField(label="Side", choices=[("", "-"), ("L", "Left")])
    note = forms.CharField(label="Note", required=False, help_text='Say "why".')


def test_a_checkbox_has_its_label_after_it_and_its_help_described():
    html = field_group(Sample()["agree"])
    assert html == (
        '<div class="form-check mb-2">\n'
        '  <input type="checkbox" name="agree" class="form-check-input" '
        'aria-describedby="id_agree_help" required id="id_agree">\n'
        '  <label class="form-check-label" for="id_agree">Agrees &lt;b&gt;</label>\n\n'
        "  \n"
        '  <div class="form-text" id="id_agree_help">Tick if so.</div>\n'
        "</div>\n"
    )


def test_choices_are_a_fieldset_with_escaped_labels():
    html = field_group(Sample({"flags": ["b"]})["flags"])
    assert html.startswith(
        '<fieldset class="mb-2" aria-describedby="id_flags_help">\n'
        '  <legend class="form-label fs-6">Flags'
    )
    assert html.count('<div class="form-check">') == 2
    assert '<label class="form-check-label" for="id_flags_1">Second &amp; last</label>' in html
    assert 'value="b" id="id_flags_1" checked' in html
    assert html.endswith("</fieldset>\n")


def test_help_text_is_escaped():
    html = field_group(Sample()["note"])
    assert '<div class="form-text" id="id_note_help">Say &quot;why&quot;.</div>' in html
    assert "<span aria-hidden" not in html  # not required


def test_a_required_field_with_an_error_is_written_in_full():
    form = Sample({"side": "X"})
    assert not form.is_valid()
    error = form.errors["side"][0]
    assert field_group(form["side"]) == (
        '<div class="mb-2">\n'
        '  <label class="form-label" for="id_side">Side<span aria-hidden="true">*</span></label>\n'
        '  <select name="side" class="form-select is-invalid" aria-describedby="id_side_error" '
        'aria-invalid="true" required id="id_side">\n'
        '  <option value="">-</option>\n\n'
        '  <option value="L">Left</option>\n\n'
        "</select>\n\n"
        f'  <div class="invalid-feedback d-block" id="id_side_error">{error}</div>\n'
        "  \n"
        "</div>\n"
    )


def test_choices_with_an_error_keep_the_error_and_help_inside_the_fieldset():
    """The fieldset names them, so that a screen reader reads the error on entering the group
    (the checkboxes have no aria-describedby of their own)."""
    form = Sample({"flags": ["z"]})
    assert not form.is_valid()
    error = form.errors["flags"][0]
    html = field_group(form["flags"])
    choices = "".join(
        f'<div class="form-check">{choice.tag()}<label class="form-check-label" '
        f'for="id_flags_{i}">{label}</label></div>'
        for i, (choice, label) in enumerate(
            zip(form["flags"], ["First", "Second &amp; last"], strict=True)
        )
    )
    assert html == (
        '<fieldset class="mb-2" aria-describedby="id_flags_help id_flags_error">\n'
        '  <legend class="form-label fs-6">Flags</legend>\n'
        f"  {choices}\n\n"
        f'  <div class="invalid-feedback d-block" id="id_flags_error">{error}</div>\n'
        '  <div class="form-text" id="id_flags_help">Any that apply.</div>\n'
        "</fieldset>\n"
    )


def test_choices_without_help_or_errors_describe_nothing():
    class Bare(forms.Form):
        flags = forms.MultipleChoiceField(
            choices=[("a", "First")], widget=forms.CheckboxSelectMultiple, required=False
        )

    assert field_group(Bare()["flags"]).startswith('<fieldset class="mb-2">\n')


def test_a_short_label_is_shown_and_the_full_one_read():
    form = Sample()
    form.fields["note"].label = "G1 bridge: note"
    form.fields["note"].short_label = "Note"
    html = field_group(form["note"])
    assert (
        '<label class="form-label" for="id_note"><span class="visually-hidden">G1 bridge: note'
        '</span><span aria-hidden="true">Note</span></label>'
    ) in html
