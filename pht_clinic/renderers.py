"""The form renderer: Django's, with plain ``<input>`` and ``<select>`` widgets written
without a template.

Each of Django's input widget templates includes ``input.html``, which includes
``attrs.html``, and a select includes ``select_option.html`` for every option: about 0.4 ms
per field on the benchmark machine, and the assessment form has about 90 fields (make bench:
the form was the slowest page under load). ``render_input`` and ``render_select`` write the
same markup as those templates; tests/test_renderers.py compares the two for every input
type and for selects with groups.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

# Django's widget templates whose whole content is {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox", "color", "date", "datetime", "email", "hidden", "number", "password",
        "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


#: Django's templates for one choice of a group of checkboxes or radio buttons: the input,
#: wrapped in its label unless ``wrap_label`` is false (``BoundWidget.tag()``, as the field
#: groups of patients/templatetags/pht_forms.py draw them).
OPTION_INPUT_TEMPLATES = frozenset(
    {"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"}
)


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescaping (Django's ``escape`` is
    ``html.escape`` behind a check for lazy strings, which "%s" has already turned into text)."""
    text = "%s" % (value,)  # noqa: UP031 - exactly the stringformat filter
    return text if isinstance(value, SafeData) else html.escape(text)


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(widget: dict[str, Any]) -> SafeString:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    html = f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
    return mark_safe(html + _attrs(widget["attrs"]) + ">")  # noqa: S308 - escaped above


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """``select.html`` with ``select_option.html``; None for options of another template."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(localize(option['label']))}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        if template_name in OPTION_INPUT_TEMPLATES and not context["widget"]["wrap_label"]:
            return render_input(context["widget"])
        if template_name == SELECT_TEMPLATE:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
