"""A light field renderer for long forms (the assessment form has ~100 fields; crispy's
templates made it the slowest page of the app, and a template included per field still
made it the slowest page under load)."""

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from pht_clinic.html import fill, fill_each

register = template.Library()


def _base_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def _described_by(field: forms.BoundField) -> str:
    """The ids of the field's help and errors, as written by :func:`field_group`."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    return " ".join(described)


@register.filter
def control(field: forms.BoundField) -> SafeString:
    """The field's widget with Bootstrap classes, its error state and its descriptions."""
    css = _base_class(field.field.widget) + (" is-invalid" if field.errors else "")
    attrs: dict[str, str | bool] = {"class": css}
    if described := _described_by(field):
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple)


_CHECKBOX = (
    '<div class="form-check mb-2">\n  {}\n  <label class="form-check-label" for="{}">{}</label>\n\n'
    "  {}\n  {}\n</div>\n"
)
_CHOICES = (
    '<fieldset class="mb-2"{}>\n  <legend class="form-label fs-6">{}</legend>\n  {}\n\n'
    "  {}\n  {}\n</fieldset>\n"
)
_CHOICE = '<div class="form-check">{}<label class="form-check-label" for="{}">{}</label></div>'
_OTHER = (
    '<div class="mb-2">\n  <label class="form-label" for="{}">{}{}</label>\n  {}\n\n'
    "  {}\n  {}\n</div>\n"
)
_REQUIRED = mark_safe('<span aria-hidden="true">*</span>')


@register.filter
def field_group(field: forms.BoundField) -> SafeString:
    """The field in Bootstrap's markup: its label, its control, the errors next to it and
    its help, the last two named by the control's aria-describedby (see :func:`control`), or
    by the fieldset's for a group of checkboxes."""
    errors = ""
    if field.errors:
        errors = fill_each(
            '<div class="invalid-feedback d-block" id="{}_error">{}</div>',
            ((field.auto_id, error) for error in field.errors),
        )
    help_text = ""
    if field.help_text:
        help_text = fill(
            '<div class="form-text" id="{}_help">{}</div>', field.auto_id, field.help_text
        )
    if is_checkbox(field):
        return fill(_CHECKBOX, control(field), field.id_for_label, field.label, errors, help_text)
    if is_multiple_checkbox(field):
        choices = fill_each(_CHOICE, ((c.tag(), c.id_for_label, c.choice_label) for c in field))
        # The group's error and help are read out on entering it (as GOV.UK's checkboxes do).
        described = _described_by(field)
        group = fill(' aria-describedby="{}"', described) if described else ""
        return fill(_CHOICES, group, field.label, choices, errors, help_text)
    required = _REQUIRED if field.field.required else ""
    label: object = field.label
    if short := getattr(field.field, "short_label", ""):
        # A field in a grid whose row names it: the short label is shown, the full one read.
        label = fill(
            '<span class="visually-hidden">{}</span><span aria-hidden="true">{}</span>',
            field.label,
            short,
        )
    return fill(_OTHER, field.id_for_label, label, required, control(field), errors, help_text)
