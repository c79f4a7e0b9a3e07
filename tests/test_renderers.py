"""pht_clinic.renderers writes <input> widgets exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from pht_clinic.renderers import INPUT_TEMPLATES, FormRenderer

WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.ColorInput,
    forms.SearchInput,
    forms.TelInput,
    forms.CheckboxInput,
]
VALUES = [
    None,
    True,
    False,
    "",
    "plain",
    'a "quoted" <b>&amp; value</b>',
    7,
    0,
    2.5,
    mark_safe("<i>safe</i>"),
]
ATTRS = [
    {},
    {"id": "id_x", "class": "form-control is-invalid", "required": True},
    {"disabled": False, "min": 0, "max": 10, "aria-describedby": 'a "b" <c>', "step": "any"},
]


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
def test_inputs_match_djangos_templates(widget_class, value, attrs):
    widget = widget_class(attrs={"data-x": "1"})
    if widget_class is forms.PasswordInput:
        widget.render_value = True
    stock = widget.render("field", value, attrs=dict(attrs), renderer=DjangoTemplates())
    ours = widget.render("field", value, attrs=dict(attrs), renderer=FormRenderer())
    assert ours == stock


def test_every_template_it_replaces_is_only_the_input_include():
    engine = DjangoTemplates().engine
    for name in INPUT_TEMPLATES:
        source = engine.get_template(name).template.source.strip()
        assert source == '{% include "django/forms/widgets/input.html" %}', name


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), FormRenderer)
    finally:
        get_default_renderer.cache_clear()


CHOICES = [
    ("", "Any"),
    (1, "Stage 1"),
    ("x", 'Quote " and <tag> & amp'),
    ("Group <A>", [("a1", "First"), ("a2", "Second")]),
    (None, "None value"),
]


@pytest.mark.parametrize("widget_class", [forms.Select, forms.SelectMultiple])
@pytest.mark.parametrize("value", [None, "", 1, "1", "x", ["a1", "x"], "a2"])
@pytest.mark.parametrize("attrs", ATTRS)
def test_selects_match_djangos_templates(widget_class, value, attrs):
    widget = widget_class(choices=CHOICES)
    stock = widget.render("field", value, attrs=dict(attrs), renderer=DjangoTemplates())
    ours = widget.render("field", value, attrs=dict(attrs), renderer=FormRenderer())
    assert ours == stock


def test_null_boolean_select_and_an_empty_select_match():
    for widget in (forms.NullBooleanSelect(), forms.Select(choices=[])):
        for value in (None, True, False, "unknown"):
            stock = widget.render("f", value, renderer=DjangoTemplates())
            assert widget.render("f", value, renderer=FormRenderer()) == stock


def test_the_select_templates_are_the_ones_it_writes():
    engine = DjangoTemplates().engine
    select = engine.get_template("django/forms/widgets/select.html").template.source
    option = engine.get_template("django/forms/widgets/select_option.html").template.source
    assert "include option.template_name with widget=option" in select
    assert option.startswith("<option value=\"{{ widget.value|stringformat:'s' }}\"")


@pytest.mark.parametrize("widget_class", [forms.CheckboxSelectMultiple, forms.RadioSelect])
@pytest.mark.parametrize("value", [None, "", 1, "x", ["a1", "x"]])
@pytest.mark.parametrize("wrap_label", [False, True])
def test_each_choice_of_a_group_matches_djangos_templates(widget_class, value, wrap_label):
    """pht_forms draws a group's choices one by one (BoundWidget.tag, without the label)."""

    class Form(forms.Form):
        field = forms.MultipleChoiceField(choices=CHOICES[1:4], widget=widget_class)

    def tags(renderer):
        form = Form(initial={"field": value}, renderer=renderer)
        return [choice.tag(wrap_label=wrap_label) for choice in form["field"]]

    ours = tags(FormRenderer())
    assert ours == tags(DjangoTemplates())
    assert len(ours) == 4 and all(tag.lstrip().startswith(("<input", "<label")) for tag in ours)
