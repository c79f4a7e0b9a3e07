"""Clinic settings and the stage-rules parameters, edited by the clinic admin."""

import dataclasses
import re

import pytest
from django.urls import reverse

from accounts.forms import RULES_PARAMETER_TEXT
from accounts.models import AuditEvent, Clinic
from rehab import rules
from rehab.models import RulesParameters, parameters_for

from ..conftest import client_for


def settings_post(**overrides):
    data = {
        "name": "Riverside Physio & Sports",
        "address": "1 Quay Street\nRiverside",
        "phone": "+44 (0)20 7946 0999",
        "time_zone": "Pacific/Auckland",
        "overdue_days": "28",
        "patient_link_days": "14",
        "min_patient_age": "12",
        "apophyseal_prompt_age": "25",
        "visah_1": "How many minutes can you sit pain free?",
        **{f"visah_{i}": "" for i in range(2, 9)},
    }
    data.update(overrides)
    return data


def test_admin_saves_the_clinic_settings_with_history_and_audit(world):
    response = client_for(world.admin).post(reverse("clinic_settings"), settings_post())
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=world.clinic.pk)
    assert clinic.name == "Riverside Physio & Sports"
    assert clinic.time_zone == "Pacific/Auckland"
    assert (clinic.overdue_days, clinic.patient_link_days) == (28, 14)
    assert clinic.visah_wording == {"1": "How many minutes can you sit pain free?"}
    latest = clinic.history.first()
    assert latest.history_user == world.admin and latest.history_type == "~"
    event = AuditEvent.objects.get(action="clinic_settings_changed")
    assert event.actor == world.admin and event.clinic == world.clinic


def test_the_settings_page_shows_current_values_and_recent_changes(world):
    world.clinic.visah_wording = {"3": "Sitting wording"}
    world.clinic.save()
    body = client_for(world.admin).get(reverse("clinic_settings")).content.decode()
    assert "Sitting wording" in body
    assert '<option value="Europe/London" selected>' in body
    assert "Recent changes" in body and "changed by" in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overdue_days", "0", "Enter a number from 1 to 365 (days)."),
        ("overdue_days", "366", "Enter a number from 1 to 365 (days)."),
        ("overdue_days", "", "required"),
        ("overdue_days", "1e3", "whole number"),
        ("overdue_days", "\uff13\uff10", "digits 0 to 9"),  # full-width 30
        ("patient_link_days", "91", "Enter a number from 1 to 90 (days)."),
        ("min_patient_age", "19", "Enter a number from 0 to 18 (years)."),
        ("apophyseal_prompt_age", "9", "Enter a number from 10 to 40 (years)."),
        ("time_zone", "Mars/Olympus_Mons", "valid choice"),
        ("name", "   ", "required"),
        ("name", "x" * 121, "at most 120"),
        ("phone", "call reception", "phone number"),
        ("visah_2", "x" * 501, "at most 500"),
        ("visah_4", "Sit\u202eting", "control characters"),
        ("visah_5", "nul\x00byte", "Null characters"),
        ("visah_8_bands", "none\nup to 10 min\n11-20 min", "Give 5 bands, one a line: this has 3."),
        ("visah_8_bands", "a\nb\nc\nd\n" + "e" * 41, "at most 40 characters"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_saved(world, field, value, message):
    response = client_for(world.admin).post(
        reverse("clinic_settings"), settings_post(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    clinic = Clinic.objects.get(pk=world.clinic.pk)
    assert clinic.name == "Riverside Test Clinic" and clinic.visah_wording == {}
    assert not AuditEvent.objects.filter(action="clinic_settings_changed").exists()


LICENSED_BANDS = ["nil", "1-20 min", "21-40 min", "41-100 min", ">100 min"]


def test_the_licensed_item_8_bands_are_kept_and_offered_and_scored_in_the_form(world):
    """PROTOCOL 5: put the item-8 bands in configuration and copy them from the licensed
    form; each band scores its branch's points in order."""
    from patients.forms import AssessmentForm
    from patients.models import Patient

    from ..factories import assessment_post, make_patient

    admin = client_for(world.admin)
    admin.post(reverse("clinic_settings"), settings_post(visah_8_bands="\n".join(LICENSED_BANDS)))
    clinic = Clinic.objects.get(pk=world.clinic.pk)
    assert clinic.visah_wording["8_bands"] == LICENSED_BANDS
    assert "&gt;100 min" in admin.get(reverse("clinic_settings")).content.decode()
    patient: Patient = make_patient(clinic, world.physio)
    items = {f"visah_{i}": "5" for i in range(1, 7)} | {"visah_7": "7"}
    posted = assessment_post(visit_type="initial", visah_8_branch="B", visah_8_band="3", **items)
    form = AssessmentForm(posted, patient=patient)
    assert [label for _, label in form.fields["visah_8_band"].choices][1:] == LICENSED_BANDS
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visah_8_band"] == 3  # "41-100 min", 14 points in branch B
    admin.post(reverse("clinic_settings"), settings_post(visah_8_bands=""))
    assert "8_bands" not in Clinic.objects.get(pk=world.clinic.pk).visah_wording


def test_forged_fields_do_not_reach_the_clinic(world):
    client_for(world.admin).post(
        reverse("clinic_settings"), settings_post(is_active="", id=str(world.other_clinic.pk))
    )
    clinic = Clinic.objects.get(pk=world.clinic.pk)
    assert clinic.is_active and clinic.name == "Riverside Physio & Sports"
    assert Clinic.objects.get(pk=world.other_clinic.pk).name == "Northside Test Clinic"


def test_html_in_the_wording_is_shown_as_text(world):
    client_for(world.admin).post(
        reverse("clinic_settings"), settings_post(visah_1="<script>alert(1)</script>")
    )
    body = client_for(world.admin).get(reverse("clinic_settings")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# Stage-rules parameters ---------------------------------------------------------------------


def rules_post(parameters=rules.DEFAULT, **overrides):
    data = {}
    for field in dataclasses.fields(rules.Parameters):
        value = getattr(parameters, field.name)
        if isinstance(value, tuple):
            data.update({f"{field.name}_{i}": str(v) for i, v in enumerate(value, start=1)})
        else:
            data[field.name] = str(value)
    data.update(overrides)
    return data


def test_the_rules_form_has_one_field_per_parameter_with_its_source(world):
    response = client_for(world.admin).get(reverse("clinic_rules"))
    form = response.context["form"]
    expected = set()
    for field in dataclasses.fields(rules.Parameters):
        if isinstance(field.default, tuple):
            expected |= {f"{field.name}_{stage}" for stage in range(1, 5)}
        else:
            expected.add(field.name)
    assert set(form.fields) == expected
    assert form.fields["MIN_DAYS_2"].initial == 21
    assert rules.Parameters.source("EX_PAIN_OK").replace("<", "&lt;") in str(
        form.fields["EX_PAIN_OK"].help_text
    )
    body = response.content.decode()
    assert "PROTOCOL 3.2 SIT_MIN_REQUIRED [CFG]" in body
    assert 'for="id_SIT_MIN_REQUIRED_3"' in body


def test_rules_fields_are_labelled_in_words_with_the_parameter_code_in_small_print(world):
    response = client_for(world.admin).get(reverse("clinic_rules"))
    form = response.context["form"]
    for name, field in form.fields.items():
        code = re.sub(r"_[1-4]$", "", name)
        assert code not in field.label, name  # a plain-language label, not the constant
        assert not re.search(r"[A-Z]{2,}_[A-Z]", field.label), field.label
        assert f"PROTOCOL {'1.2' if code.startswith('A2_') else '3.3'} " in field.help_text
        small_print = re.search(
            r'<span class="d-block font-monospace">(.*)</span>$', field.help_text
        )
        assert small_print and "PROTOCOL " in small_print.group(1)
        assert code in small_print.group(1)
    assert form.fields["EX_PAIN_OK"].label == "Highest exercise pain that allows progressing (/10)"
    assert form.fields["SIT_MIN_REQUIRED_3"].label == (
        "Sitting time needed to progress, stage 3 (minutes)"
    )
    body = response.content.decode()
    label = re.search(r'<label\s+for="id_EX_PAIN_OK"[^>]*>\s*(.*?)<', body)
    assert label and label.group(1).strip() == "Highest exercise pain that allows progressing (/10)"
    assert (
        '<div id="id_EX_PAIN_OK_helptext" class="form-text">Progress only if the worst pain '
        "during the exercises since the last visit is at most this; above it (and below the "
        "regress level) is amber (PROTOCOL 3.3 P1). "
        '<span class="d-block font-monospace">PROTOCOL 3.2 EX_PAIN_OK [D] (P1: ex_pain &lt;= 3)'
        "</span></div>"
    ) in body

    # A parameter whose PROTOCOL row has another name shows its own code first.
    assert form.fields["A2_SIT_MIN"].help_text.endswith(
        '<span class="d-block font-monospace">A2_SIT_MIN · PROTOCOL 1.2 A2 [CFG] '
        "(stage 1 when sitting &lt; 20 min)</span>"
    )


def test_every_rules_parameter_has_its_words():
    assert set(RULES_PARAMETER_TEXT) == {f.name for f in dataclasses.fields(rules.Parameters)}


def test_admin_saves_rules_parameters_used_by_the_rules(world):
    response = client_for(world.admin).post(
        reverse("clinic_rules"), rules_post(MIN_DAYS_2="14", ADHERENCE_FLAG="0.6")
    )
    assert response.status_code == 302
    row = RulesParameters.objects.get(clinic=world.clinic)
    assert row.updated_by == world.admin
    expected = dataclasses.replace(rules.DEFAULT, MIN_DAYS=(7, 14, 21, 28), ADHERENCE_FLAG=0.6)
    assert row.values == expected.to_dict()
    assert parameters_for(world.clinic) == expected
    assert parameters_for(world.other_clinic) == rules.DEFAULT
    assert row.history.count() == 1
    assert AuditEvent.objects.filter(action="rules_parameters_changed").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"EX_PAIN_REGRESS": "2"},
            "EX_PAIN_REGRESS",
            "must be higher than the highest exercise pain that allows progressing (3)",
        ),
        (
            {"DELTA24_REGRESS": "0"},
            "DELTA24_REGRESS",
            "must be higher than the next-morning pain rise that still allows progressing (0)",
        ),
        ({"SIT_MIN_REQUIRED_3": "500"}, "SIT_MIN_REQUIRED_3", "from 0 to 240 minutes"),
        ({"MIN_SESSIONS_4": "-1"}, "MIN_SESSIONS_4", "cannot be negative"),
        ({"ADHERENCE_FLAG": "1.5"}, "ADHERENCE_FLAG", "fraction between 0 and 1"),
        ({"ADHERENCE_FLAG": "nan"}, "ADHERENCE_FLAG", "Enter a number"),
        ({"EX_PAIN_OK": "2.5"}, "EX_PAIN_OK", "whole number"),
        ({"ADHERENCE_FLAG": "0.\u0668"}, "ADHERENCE_FLAG", "digits 0 to 9"),  # Arabic-Indic
        ({"REENTRY_DAYS": "99999999999999999999"}, "REENTRY_DAYS", "from -10000 to 10000"),
        ({"HOP_PAIN_OK": ""}, "HOP_PAIN_OK", "required"),
    ],
)
def test_bad_rules_parameters_are_refused_beside_the_field(world, overrides, field, message):
    response = client_for(world.admin).post(reverse("clinic_rules"), rules_post(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not RulesParameters.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rules_parameters").exists()


def test_reset_restores_the_protocol_defaults(world):
    client = client_for(world.admin)
    client.post(reverse("clinic_rules"), rules_post(MIN_DAYS_1="3", PLATEAU_DAYS="70"))
    assert parameters_for(world.clinic) != rules.DEFAULT
    response = client.post(reverse("clinic_rules"), rules_post(MIN_DAYS_1="999", reset="1"))
    assert response.status_code == 302
    row = RulesParameters.objects.get(clinic=world.clinic)
    assert row.values == rules.DEFAULT.to_dict()
    assert row.history.count() == 2
    assert AuditEvent.objects.filter(action="rules_parameters_reset").count() == 1
