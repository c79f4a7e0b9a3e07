"""A light field renderer for long forms (the assessment form has ~100 fields; crispy's
templates made it the slowest page of the app)."""

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


def _base_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def control(field: forms.BoundField) -> SafeString:
    """The field's widget with Bootstrap classes, its error state and its descriptions."""
    css = _base_class(field.field.widget) + (" is-invalid" if field.errors else "")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, str | bool] = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple)
