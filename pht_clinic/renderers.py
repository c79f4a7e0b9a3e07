"""The form renderer: Django's, with the plain ``<input>`` widgets written without a template.

Each of Django's input widget templates includes ``input.html``, which includes
``attrs.html``: about 0.4 ms per field on the benchmark machine, and the assessment form has
about 90 fields (make bench: the form was the slowest page under load). ``render_input``
writes the same markup as those two templates; tests/test_renderers.py compares the two
for every input type.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import escape
from django.utils.safestring import SafeData, SafeString, mark_safe

# Django's widget templates whose whole content is {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox", "color", "date", "datetime", "email", "hidden", "number", "password",
        "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescaping."""
    text = "%s" % (value,)  # noqa: UP031 - exactly the stringformat filter
    return text if isinstance(value, SafeData) else str(escape(text))


def render_input(widget: dict[str, Any]) -> SafeString:
    parts = [f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"']
    if widget["value"] is not None:
        parts.append(f' value="{_text(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    parts.append(">")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        return super().render(template_name, context, request=request)
