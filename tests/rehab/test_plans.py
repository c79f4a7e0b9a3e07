"""Exercise library and four-stage plans (issue 5)."""

import html
import itertools
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.forms import clinic_today
from patients.models import Patient
from pht_clinic.html import short_date
from rehab import forms, library_v1, plans, schedule
from rehab.models import Exercise, Plan

from ..conftest import client_for
from ..factories import make_assessment, make_patient

# PROTOCOL section 2, written out independently of rehab/library_v1.py: (stage range, max hip).
PROTOCOL_2 = {
    "S1-01": (1, 1, 0), "S1-02": (1, 1, 25), "S1-03": (1, 1, 10), "S1-04": (1, 1, 30),
    "S1-05": (1, 1, 0), "S1-06": (1, 1, 0), "S2-07": (2, 2, 15), "S2-08": (2, 2, 20),
    "S2-09": (2, 2, 40), "S2-10": (2, 2, 20), "S2-11": (2, 2, 0), "S3-12": (3, 3, 90),
    "S3-13": (3, 3, 90), "S3-14": (3, 3, 90), "S3-15": (3, 3, 90), "S3-16": (3, 3, 90),
    "S3-17": (3, 3, 70), "S4-18": (4, 4, 90), "S4-19": (4, 4, 90), "S4-20": (4, 4, 80),
    "S4-21": (4, 4, 90), "S4-22": (4, 4, 60), "SUP-23": (1, 4, 0), "SUP-24": (1, 4, 20),
    "SUP-25": (1, 4, 0), "SUP-26": (1, 4, 90),
}  # fmt: skip


@pytest.mark.django_db
def test_the_migration_loads_every_exercise_of_protocol_2():
    builtins = {e.code: e for e in Exercise.objects.filter(clinic=None)}
    assert set(builtins) == set(PROTOCOL_2)
    for code, (low, high, hip) in PROTOCOL_2.items():
        e = builtins[code]
        assert (e.stage_min, e.stage_max, e.hip_flexion_max_deg) == (low, high, hip), code
        assert e.patient_text and e.mistakes and e.progression_steps and e.dose_type
        assert e.illustration == f"exercises/{code}.svg" and e.illustration_alt
        assert e.printed_name == library_v1.PATIENT_NAMES[code]  # migration 0008
        assert e.illustration_alt == library_v1.ILLUSTRATION_ALT_PLAIN[code]  # migration 0011


@pytest.mark.parametrize(
    ("code", "stage", "allowed"),
    [
        ("S1-04", 1, True),  # 30 degrees: at the stage 1 limit
        ("S2-09", 1, False),  # stage 2 exercise in stage 1
        ("S2-09", 2, True),  # 40 degrees under 45
        ("S3-17", 2, False),  # 70 degrees over 45
        ("S3-12", 3, True),  # 90 degrees at the stage 3 limit
        ("S3-12", 4, True),  # stage 3 HSR on stage 4 strength days
        ("S4-18", 3, False),  # plyometrics wait for stage 4
        ("SUP-26", 1, True),  # supporting work is exempt
    ],
)
@pytest.mark.django_db
def test_stage_safety_of_library_exercises(code, stage, allowed):
    exercise = Exercise.objects.get(clinic=None, code=code)
    assert (plans.stage_use_error(exercise, stage) is None) is allowed


@pytest.fixture
def patient(world):
    patient = make_patient(world.clinic, world.physio)
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    from rehab.services import confirm

    confirm(first.decision, world.physio)  # stage 2
    patient.refresh_from_db()
    return patient


def test_a_plan_from_the_template_takes_one_click(world, patient):
    client = client_for(world.physio)
    response = client.post(reverse("rehab:plan_create", args=[patient.public_id]))
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert plan.stage == 2 and plan.is_draft and plan.version == 1
    assert [i.exercise.code for i in plan.items.all()] == list(library_v1.STAGE_TEMPLATES[2])
    hsr = plan.items.get(exercise__code="S2-07")
    assert (hsr.sets, hsr.reps, hsr.tempo, hsr.days_per_week) == (3, 15, "3-0-3-0", 3)


def test_too_deep_an_exercise_is_refused_with_a_message(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    rdl = Exercise.objects.get(clinic=None, code="S3-12")
    response = client_for(world.physio).post(
        reverse("rehab:plan_add", args=[patient.public_id, plan.public_id]),
        {"exercise": rdl.pk, "lock_version": plan.lock_version},
    )
    assert response.status_code == 200
    assert "stage 2 allows at most 45°" in response.content.decode() or "belongs to stage 3" in (
        response.content.decode()
    )
    assert not plan.items.filter(exercise=rdl).exists()


def test_issuing_freezes_and_a_change_makes_a_new_draft_version(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    plan.refresh_from_db()
    assert plan.status == "issued"
    client = client_for(world.physio)
    item = plan.items.first()
    response = client.post(
        reverse("rehab:plan_save", args=[patient.public_id, plan.public_id]),
        {"lock_version": plan.lock_version, "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    assert Plan.objects.count() == 1  # nothing changed on the frozen version
    client.post(reverse("rehab:plan_revise", args=[patient.public_id, plan.public_id]))
    draft = Plan.objects.get(status="draft")
    assert (
        draft.version == 2 and draft.based_on == plan and draft.items.count() == plan.items.count()
    )
    plans.issue(draft, draft.lock_version, world.physio)
    plan.refresh_from_db()
    assert plan.status == "superseded" and item.sets == plan.items.first().sets


def test_at_most_one_issued_plan_is_a_database_constraint(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            patient=patient, stage=2, version=9, status="issued", created_by=world.physio
        )


def _formset(plan, **changes):
    data = {
        "lock_version": str(plan.lock_version),
        "items-TOTAL_FORMS": str(plan.items.count()),
        "items-INITIAL_FORMS": str(plan.items.count()),
    }
    for n, item in enumerate(plan.items.all()):
        data |= {
            f"items-{n}-item_id": str(item.pk),
            f"items-{n}-position": str(item.position),
            f"items-{n}-sets": str(item.sets or ""),
            f"items-{n}-reps": str(item.reps or ""),
            f"items-{n}-hold_s": str(item.hold_s or ""),
            f"items-{n}-rest_s": str(item.rest_s if item.rest_s is not None else ""),
            f"items-{n}-tempo": item.tempo,
            f"items-{n}-days_per_week": str(item.days_per_week or ""),
            f"items-{n}-times_per_day": str(item.times_per_day or ""),
        }
    data.update(changes)
    return data


def test_two_editors_first_save_wins_and_the_second_keeps_what_was_typed(
    world, patient, on_postgresql
):
    plan = plans.create_from_template(patient, 2, world.physio)
    url = reverse("rehab:plan_save", args=[patient.public_id, plan.public_id])
    mine = _formset(plan, **{"items-0-sets": "4"})
    theirs = _formset(plan, **{"items-0-sets": "2", "items-0-note": "their typing"})
    assert client_for(world.physio).post(url, mine).status_code == 302
    second = client_for(world.colleague).post(url, theirs)
    assert second.status_code == 409
    body = second.content.decode()
    assert "Someone else saved this plan" in body
    assert 'value="their typing"' in body and 'value="2"' in body
    assert plan.items.first().sets == 4


@pytest.mark.parametrize("action", ["rehab:plan_save", "rehab:plan_add", "rehab:plan_issue"])
def test_an_altered_plan_form_is_answered_with_a_page_not_an_error(world, patient, action):
    """A post without a usable plan version saves nothing and says so; extra empty item
    forms (a raised items-TOTAL_FORMS) change nothing, and the real items' doses are saved."""
    plan = plans.create_from_template(patient, 2, world.physio)
    url = reverse(action, args=[patient.public_id, plan.public_id])
    client = client_for(world.physio)
    sets = plan.items.first().sets
    changed = {"items-0-sets": str(1 if sets != 1 else 2)}
    junk = client.post(url, _formset(plan, lock_version="junk", **changed), follow=True)
    assert junk.status_code == 200
    assert "Nothing was saved: the form was incomplete." in junk.content.decode()
    assert plan.items.first().sets == sets
    extra = client.post(url, _formset(plan, **{"items-TOTAL_FORMS": "99", **changed}))
    assert extra.status_code in (200, 302)
    assert str(plan.items.first().sets) == changed["items-0-sets"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("50", "Enter a number from 1 to 10."),
        ("\u0664", "Type the number with the digits 0 to 9."),  # an Arabic-Indic four
    ],
)
def test_bad_doses_are_refused_beside_the_field(world, patient, typed, message):
    plan = plans.create_from_template(patient, 2, world.physio)
    url = reverse("rehab:plan_save", args=[patient.public_id, plan.public_id])
    response = client_for(world.physio).post(url, _formset(plan, **{"items-0-sets": typed}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert plan.items.first().sets == 3


@pytest.mark.parametrize(
    ("field", "typed", "message", "next_field"),
    [
        ("sets", "0", "Enter a number from 1 to 10.", "reps"),
        ("hold_s", "301", "Enter a number from 1 to 300 (seconds).", "rest_s"),
        ("rest_s", "901", "Enter a number from 0 to 900 (seconds).", "tempo"),
        ("days_per_week", "8", "Enter a number from 1 to 7 (days a week).", "times_per_day"),
        ("days_per_week", "daily", "Enter a whole number.", "times_per_day"),
    ],
)
def test_a_dose_out_of_range_says_the_range_beside_the_field(
    world, patient, field, typed, message, next_field
):
    plan = plans.create_from_template(patient, 2, world.physio)
    url = reverse("rehab:plan_save", args=[patient.public_id, plan.public_id])
    response = client_for(world.physio).post(url, _formset(plan, **{f"items-0-{field}": typed}))
    body = response.content.decode()
    assert response.status_code == 200
    # After the field's input and before the next field's, and in the summary at the top.
    start = body.index(f'id="id_items-0-{field}"')
    assert start < body.index(message, start) < body.index(f'id="id_items-0-{next_field}"')
    assert f"</a>: {message}</li>" in body


def _plan_url(name, plan):
    return reverse(name, args=[plan.patient.public_id, plan.public_id])


# -- Times a day (PROTOCOL 1.3: stage-1 isometrics 1-2 times a day) ---------------------------


@pytest.fixture
def stage1_plan(world):
    patient = make_patient(world.clinic, world.physio, stage=1)
    return plans.create_from_template(patient, 1, world.physio)


@pytest.mark.parametrize("model", ["exercise", "item"])
@pytest.mark.parametrize("times", [0, 6])
def test_times_a_day_outside_1_to_5_is_refused_by_the_database(stage1_plan, model, times):
    item = stage1_plan.items.select_related("exercise").first()
    row = item.exercise if model == "exercise" else item
    row.times_per_day = times
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


@pytest.mark.django_db
def test_the_library_sets_once_a_day_on_the_stage1_isometrics_only():
    times = dict(Exercise.objects.filter(clinic=None).values_list("code", "times_per_day"))
    isometrics = {"S1-01", "S1-02", "S1-03", "S1-04", "S1-05", "S1-06"}
    assert {code for code, n in times.items() if n is not None} == isometrics
    assert {times[code] for code in isometrics} == {1}  # the lower end of "1-2 times a day"


def test_the_migration_leaves_clinic_exercises_alone(world):
    from importlib import import_module

    from django.apps import apps

    own = Exercise.objects.create(
        clinic=world.clinic, code="S1-01", name="Own hold", stage_min=1, stage_max=1,
        hip_flexion_max_deg=0, dose_type="isometric_hold", patient_text="Hold.",
    )  # fmt: skip
    import_module("rehab.migrations.0009_times_per_day").set_builtin_defaults(apps, None)
    own.refresh_from_db()
    assert own.times_per_day is None


def test_migration_0015_describes_the_pallof_drawing_as_seen_from_the_side(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("rehab.migrations.0015_pallof_drawing_seen_from_the_side")
    own = Exercise.objects.create(
        clinic=world.clinic, code="SUP-25", name="Own press", stage_min=1, stage_max=4,
        hip_flexion_max_deg=0, dose_type="reps", patient_text="Press.",
        illustration_alt="Our own words.",
    )  # fmt: skip
    builtin = Exercise.objects.filter(clinic=None, code="SUP-25")
    builtin.update(illustration_alt=migration.SEEN_FROM_THE_FRONT)  # as migration 0011 left it
    migration.seen_from_the_side(apps, None)
    assert builtin.get().illustration_alt == library_v1.ILLUSTRATION_ALT_PLAIN["SUP-25"]
    assert builtin.get().illustration_alt.startswith("Seen from the side:")
    own.refresh_from_db()
    assert own.illustration_alt == "Our own words."
    migration.seen_from_the_front(apps, None)
    assert builtin.get().illustration_alt == migration.SEEN_FROM_THE_FRONT


def test_new_plans_take_the_exercise_default_and_new_versions_keep_the_items(world, stage1_plan):
    times = dict(stage1_plan.items.values_list("exercise__code", "times_per_day"))
    assert times == {
        "S1-01": 1, "S1-03": 1, "S1-04": 1, "S1-05": 1, "SUP-23": None, "SUP-25": None,
    }  # fmt: skip
    stage1_plan.items.filter(exercise__code="S1-01").update(times_per_day=2)
    plans.issue(stage1_plan, stage1_plan.lock_version, world.physio)
    draft = plans.new_draft_from(stage1_plan, world.physio)
    assert draft.items.get(exercise__code="S1-01").times_per_day == 2
    assert draft.items.get(exercise__code="S1-03").times_per_day == 1
    heel_dig = Exercise.objects.get(clinic=None, code="S1-02")
    added = plans.add_exercise(draft, draft.lock_version, heel_dig, world.physio)
    assert added.times_per_day == 1


def test_the_editor_saves_times_a_day_and_the_plan_shows_it(world, stage1_plan):
    client = client_for(world.physio)
    page = client.get(_plan_url("rehab:plan", stage1_plan)).content.decode()
    assert 'for="id_items-0-times_per_day"' in page and "Times a day" in page
    assert 'name="items-0-times_per_day" value="1" inputmode="numeric"' in page  # S1-01's
    data = _formset(stage1_plan, **{"items-0-times_per_day": "2", "items-4-times_per_day": ""})
    assert client.post(_plan_url("rehab:plan_save", stage1_plan), data).status_code == 302
    assert stage1_plan.items.get(exercise__code="S1-01").times_per_day == 2
    assert stage1_plan.items.get(exercise__code="SUP-23").times_per_day is None
    plans.issue(stage1_plan, stage1_plan.lock_version + 1, world.physio)
    body = client.get(_plan_url("rehab:plan", stage1_plan)).content.decode()
    assert "30 s hold; rest 60 s; 5 days a week; 2 times a day</p>" in body
    assert "30 s hold; rest 60 s; 7 days a week; once a day</p>" in body


@pytest.mark.parametrize("typed", ["0", "6"])
def test_times_a_day_outside_1_to_5_is_refused_beside_the_field(world, stage1_plan, typed):
    data = _formset(
        stage1_plan,
        **{"items-0-times_per_day": typed, "items-0-sets": "4", "items-1-note": "Keep this"},
    )
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", stage1_plan), data)
    body = response.content.decode()
    assert response.status_code == 200
    message = "Enter 1 to 5 times a day, or leave it empty."
    # Beside the field: after its input and before the next field's.
    field = body.index('id="id_items-0-times_per_day"')
    assert field < body.index(message, field) < body.index('id="id_items-0-note"')
    # And in the summary at the top, linked to the field.
    assert f'<a href="#id_items-0-times_per_day">{html.escape(_first_name(stage1_plan))}, ' in body
    assert f"times a day</a>: {message}" in body
    # What else was typed is still on the page, and nothing was saved or issued.
    assert 'name="items-0-times_per_day" value="' + typed + '"' in body
    assert 'name="items-0-sets" value="4"' in body and 'value="Keep this"' in body
    stage1_plan.refresh_from_db()
    first = stage1_plan.items.first()
    assert stage1_plan.is_draft and (first.times_per_day, first.sets) == (1, 5)


def _first_name(plan):
    return plan.items.select_related("exercise").first().exercise.name


def test_issuing_saves_the_doses_on_screen_first(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    data = _formset(plan, **{"items-0-sets": "5", "items-0-note": "Slow lowering"})
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", plan), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    first = plan.items.first()
    assert plan.status == "issued"
    assert (first.sets, first.note) == (5, "Slow lowering")


def test_a_bad_dose_stops_the_issue_and_keeps_what_was_typed(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    data = _formset(plan, **{"items-0-sets": "50", "items-1-note": "Keep this"})
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", plan), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was issued: correct the doses marked below first." in body
    first = html.escape(plan.items.first().exercise.name)  # the summary names the exercise
    assert f"{first}, sets</a>: Enter a number from 1 to 10." in body
    assert 'value="Keep this"' in body
    plan.refresh_from_db()
    assert plan.is_draft and plan.items.first().sets == 3


# -- A dose the patient can follow: reps or a hold time (PROTOCOL 2) ---------------------------

# The field each exercise's PROTOCOL 2 dose is counted in, written out independently of the
# library: reps, a hold time, or neither for the two plyometrics run over a distance.
DOSED_BY = {
    "S1-01": "hold_s", "S1-02": "hold_s", "S1-03": "hold_s", "S1-04": "hold_s",
    "S1-05": "hold_s", "S1-06": "hold_s", "S2-07": "reps", "S2-08": "reps", "S2-09": "reps",
    "S2-10": "reps", "S2-11": "reps", "S3-12": "reps", "S3-13": "reps", "S3-14": "reps",
    "S3-15": "reps", "S3-16": "reps", "S3-17": "reps", "S4-18": "reps", "S4-19": "reps",
    "S4-20": None, "S4-21": None, "S4-22": "reps", "SUP-23": "hold_s", "SUP-24": "reps",
    "SUP-25": "reps", "SUP-26": "reps",
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "field"), DOSED_BY.items())
def test_a_dose_without_reps_or_hold_lacks_what_its_protocol_dose_counts(code, field):
    exercise = Exercise.objects.get(clinic=None, code=code)
    assert exercise.missing_dose(reps=None, hold_s=None) == field
    dose = plans.default_dose(exercise, exercise.stage_min)
    assert exercise.missing_dose(dose["reps"], dose["hold_s"]) is None  # the template's


def _index(plan, code):
    return list(plan.items.values_list("exercise__code", flat=True)).index(code)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("days_per_week", "4", "need 48 hours between them: at most 3 days a week."),
        ("days_per_week", "7", "need 48 hours between them: at most 3 days a week."),
        ("times_per_day", "2", "need 48 hours between them: once a day."),
    ],
)
@pytest.mark.parametrize("action", ["rehab:plan_save", "rehab:plan_issue"])
def test_heavy_slow_resistance_keeps_its_48_hours_between_sessions(
    world, patient, field, typed, message, action
):
    """PROTOCOL 1.4: HSR three days a week on non-consecutive days (48 h between sessions);
    the printout says never two days in a row, so a plan may not say every day."""
    plan = plans.create_from_template(patient, 2, world.physio)
    n = _index(plan, "S2-07")
    response = client_for(world.physio).post(
        _plan_url(action, plan), _formset(plan, **{f"items-{n}-{field}": typed})
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[n].errors[field] == [
        f"Sessions of this exercise {message}"
    ]
    plan.refresh_from_db()
    item = plan.items.get(exercise__code="S2-07")
    assert plan.is_draft and (item.days_per_week, item.times_per_day) == (3, None)
    three = _formset(plan, **{f"items-{n}-days_per_week": "3"})
    assert (
        client_for(world.physio).post(_plan_url("rehab:plan_save", plan), three).status_code == 302
    )


@pytest.mark.parametrize(
    ("stage", "code", "field", "next_field"),
    [(2, "SUP-24", "reps", "hold_s"), (1, "S1-03", "hold_s", "rest_s")],
)
def test_issuing_a_dose_without_reps_or_hold_is_refused_beside_its_fields(
    world, stage, code, field, next_field
):
    plan = plans.create_from_template(
        make_patient(world.clinic, world.physio, stage=stage), stage, world.physio
    )
    n = _index(plan, code)
    saved = plan.items.get(exercise__code=code)
    data = _formset(
        plan, **{f"items-{n}-reps": "", f"items-{n}-hold_s": "", "items-0-note": "Keep this"}
    )
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", plan), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was issued: correct the doses marked below first." in body
    message = html.escape(forms.MISSING_DOSE_ERROR)
    start = body.index(f'id="id_items-{n}-{field}"')
    assert start < body.index(message, start) < body.index(f'id="id_items-{n}-{next_field}"')
    name = html.escape(saved.exercise.name)
    assert f'<a href="#id_items-{n}-{field}">{name}, ' in body and f"</a>: {message}</li>" in body
    assert body.count(message) == 2  # that exercise only, beside its field and in the summary
    assert 'value="Keep this"' in body  # what was typed is still on the page
    plan.refresh_from_db()
    assert plan.is_draft and plan.items.first().note == ""  # nothing saved, nothing lost
    assert plan.items.get(pk=saved.pk).reps == saved.reps
    assert plan.items.get(pk=saved.pk).hold_s == saved.hold_s


def test_a_draft_is_saved_without_reps_or_hold_but_is_not_issued(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    n = _index(plan, "SUP-24")
    data = _formset(plan, **{f"items-{n}-reps": "", f"items-{n}-hold_s": ""})
    client = client_for(world.physio)
    assert client.post(_plan_url("rehab:plan_save", plan), data).status_code == 302
    plan.refresh_from_db()
    lateral_walk = plan.items.get(exercise__code="SUP-24")
    assert (lateral_walk.reps, lateral_walk.hold_s) == (None, None)
    with pytest.raises(plans.PlanError, match="has neither reps nor a hold time"):
        plans.issue(plan, plan.lock_version, world.physio)
    plan.refresh_from_db()
    assert plan.is_draft
    # An Issue post without the doses on screen is refused by the service, with the message.
    response = client.post(
        _plan_url("rehab:plan_issue", plan), {"lock_version": plan.lock_version}, follow=True
    )
    assert html.escape(lateral_walk.exercise.name) + " has neither reps nor a hold time" in (
        response.content.decode()
    )
    plan.refresh_from_db()
    assert plan.is_draft


def test_removing_the_exercise_without_a_dose_lets_the_plan_issue(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    n = _index(plan, "SUP-24")
    data = _formset(plan, **{f"items-{n}-reps": "", f"items-{n}-delete": "on"})
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", plan), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "issued" and not plan.items.filter(exercise__code="SUP-24").exists()


def test_bounding_and_build_ups_are_issued_by_distance_without_reps_or_hold(world):
    plan = plans.create_from_template(
        make_patient(world.clinic, world.physio, stage=4), 4, world.physio
    )
    runs = plan.items.filter(exercise__code__in=["S4-20", "S4-21"])
    assert set(runs.values_list("reps", "hold_s")) == {(None, None)}  # PROTOCOL 2.4
    response = client_for(world.physio).post(_plan_url("rehab:plan_issue", plan), _formset(plan))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "issued"


def _addable(plan):
    """A built-in exercise not yet in the plan that its stage accepts."""
    return next(
        e
        for e in Exercise.objects.filter(clinic=None).exclude(pk__in=plan.items.values("exercise"))
        if plans.stage_use_error(e, plan.stage) is None
    )


def test_adding_an_exercise_saves_the_doses_on_screen_first(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    extra = _addable(plan)
    data = _formset(plan, **{"items-0-sets": "4"}, exercise=str(extra.pk))
    response = client_for(world.physio).post(_plan_url("rehab:plan_add", plan), data)
    assert response.status_code == 302
    assert plan.items.first().sets == 4
    assert plan.items.filter(exercise=extra).exists()


def test_add_without_an_exercise_saves_the_doses_and_asks_for_one(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    data = _formset(plan, **{"items-0-note": "Typed before Add"}, exercise="")
    response = client_for(world.physio).post(_plan_url("rehab:plan_add", plan), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Your dose changes have been saved." in body
    assert "Choose the exercise to add." in body
    assert plan.items.first().note == "Typed before Add"
    offered = response.context["add_form"].fields["exercise"].queryset
    assert not offered.filter(code__in=["S3-17", "S4-18"]).exists()  # still the stage's menu


def test_a_bad_dose_on_add_keeps_the_chosen_exercise(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    chosen = _addable(plan)
    data = _formset(plan, **{"items-0-sets": "50"}, exercise=str(chosen.pk))
    response = client_for(world.physio).post(_plan_url("rehab:plan_add", plan), data)
    assert response.status_code == 200
    assert f'<option value="{chosen.pk}" selected>' in response.content.decode()
    assert not plan.items.filter(exercise=chosen).exists()


def test_issuing_without_changes_does_not_claim_to_have_saved_any(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    patient.stage = 3  # a progression confirmed since the draft was made
    patient.save()
    response = client_for(world.physio).post(
        _plan_url("rehab:plan_issue", plan), _formset(plan), follow=True
    )
    body = response.content.decode()
    assert "This plan is for stage 2, but the patient is now in stage 3" in body
    assert "Your changes have been saved" not in body
    plan.refresh_from_db()
    assert plan.is_draft and plan.lock_version == 0


def test_the_menu_offers_only_exercises_the_stage_accepts(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    page = client_for(world.physio).get(_plan_url("rehab:plan", plan))
    offered = {
        int(pk)
        for pk in page.context["add_form"].fields["exercise"].queryset.values_list("pk", flat=True)
    }
    refused = Exercise.objects.get(clinic=None, code="S3-17")  # 70 degrees in stage 2
    later = Exercise.objects.get(clinic=None, code="S4-18")
    assert refused.pk not in offered and later.pk not in offered
    in_plan = set(plan.items.values_list("exercise", flat=True))
    accepted = {
        e.pk for e in Exercise.objects.filter(clinic=None) if plans.stage_use_error(e, 2) is None
    }
    assert offered == accepted - in_plan and offered


# -- Exercises that start some days into a stage (PROTOCOL 1.4: Nordics from day 14 of stage 2)


def _stage2_plan(world, days_in, **patient_fields):
    entered = clinic_today(world.clinic) - timedelta(days=days_in)
    patient = make_patient(
        world.clinic, world.physio, stage=2, stage_entered_on=entered, **patient_fields
    )
    return plans.create_from_template(patient, 2, world.physio)


def test_the_assisted_nordic_is_added_from_day_14_of_stage_2(world):
    nordic = Exercise.objects.get(clinic=None, code="S2-11")
    early = _stage2_plan(world, 13)
    response = client_for(world.physio).post(
        _plan_url("rehab:plan_add", early), _formset(early, exercise=str(nordic.pk))
    )
    assert response.status_code == 200
    tomorrow = short_date(clinic_today(world.clinic) + timedelta(days=1))
    assert (
        f"{nordic.name} starts no earlier than 14 days into stage 2 (PROTOCOL 1.4): this "
        f"patient is 13 days in, so it can be added from {tomorrow}."
    ) in html.unescape(response.content.decode())
    assert not early.items.filter(exercise=nordic).exists()

    on_time = _stage2_plan(world, 14)
    plans.add_exercise(on_time, on_time.lock_version, nordic, world.physio)
    assert on_time.items.filter(exercise=nordic).exists()


@pytest.mark.parametrize("days_in", [3, None])  # no entry date: counted as its first day
def test_a_plan_holding_it_too_early_is_not_issued(world, days_in):
    plan = _stage2_plan(world, 0)
    Patient.objects.filter(pk=plan.patient_id).update(
        stage_entered_on=None
        if days_in is None
        else clinic_today(world.clinic) - timedelta(days=days_in)
    )
    nordic = Exercise.objects.get(clinic=None, code="S2-11")
    plan.items.create(exercise=nordic, position=99, sets=2, reps=3)
    plan.refresh_from_db()
    with pytest.raises(plans.PlanError, match="starts no earlier than 14 days into stage 2"):
        plans.issue(plan, plan.lock_version, world.physio)
    plan.refresh_from_db()
    assert plan.is_draft


def test_only_stage_2_counts_its_days(world):
    """After stage 2 the Nordic curl may stay as a bridge whatever the day."""
    nordic = Exercise.objects.get(clinic=None, code="S2-11")
    patient = make_patient(
        world.clinic, world.physio, stage=3, stage_entered_on=clinic_today(world.clinic)
    )
    plan = plans.create_from_template(patient, 3, world.physio)
    assert plans.start_day_error(nordic, plan) is None
    plans.add_exercise(plan, plan.lock_version, nordic, world.physio)


def test_after_progression_the_new_template_keeps_a_bridge(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    bridge = Exercise.objects.get(clinic=None, code="S2-09")
    patient.stage = 3
    patient.save()
    response = client_for(world.physio).post(
        reverse("rehab:plan_create", args=[patient.public_id]), {"bridge": [bridge.pk]}
    )
    assert response.status_code == 302
    new = Plan.objects.get(status="draft")
    first = new.items.first()
    assert new.stage == 3 and first.exercise == bridge and first.bridge


def test_stage_3_hsr_kept_by_stage_4_is_not_offered_as_a_bridge_nor_made_one(world):
    """PROTOCOL 1.6: stage 4 keeps the stage-3 HSR twice a week; a bridge lasts a week
    (PROTOCOL 3.5). Bridging the template's own HSR left stage 4 without strength work."""
    patient = make_patient(world.clinic, world.physio, stage=3)
    first = plans.create_from_template(patient, 3, world.physio)
    plans.issue(first, first.lock_version, world.physio)
    patient.stage = 4
    patient.save()
    page = client_for(world.physio).get(reverse("rehab:plans", args=[patient.public_id]))
    offered = set(
        page.context["template_form"].fields["bridge"].queryset.values_list("code", flat=True)
    )
    assert offered and not offered & {"S3-12", "S3-15"}
    kept = list(Exercise.objects.filter(clinic=None, code__in=["S3-12", "S3-15"]))
    plan = plans.create_from_template(patient, 4, world.physio, bridge=kept)
    for item in plan.items.filter(exercise__code__in=["S3-12", "S3-15"]):
        assert not item.bridge and item.days_per_week == library_v1.STAGE4_HSR_DAYS_PER_WEEK
    assert plan.items.filter(exercise__code="S3-12").count() == 1


def test_three_bridge_exercises_are_refused_beside_the_boxes_and_stay_ticked(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    patient.stage = 3
    patient.save()
    ticked = list(
        Exercise.objects.filter(clinic=None, code__in=["S2-07", "S2-08", "S2-09"]).order_by("code")
    )
    response = client_for(world.physio).post(
        reverse("rehab:plan_create", args=[patient.public_id]), {"bridge": [e.pk for e in ticked]}
    )
    body = response.content.decode()
    assert response.status_code == 200
    message = "Keep at most two exercises as a bridge."
    # Beside the boxes, named by their group for a screen reader, and in the summary.
    group = body[body.index("<fieldset") : body.index("</fieldset>")]
    assert 'aria-describedby="id_bridge_error"' in group
    assert f'<div class="invalid-feedback d-block" id="id_bridge_error">{message}</div>' in group
    assert '<a href="#id_bridge_0">Keep from the previous plan' in body
    # The three ticks are kept, and no plan was made.
    for exercise in ticked:
        assert re.search(
            rf'<input type="checkbox" name="bridge" value="{exercise.pk}"[^>]* checked', group
        )
    assert group.count(" checked") == 3
    assert not Plan.objects.filter(status="draft").exists()


def test_amber_offers_a_reduced_dose(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    draft = plans.reduce_dose(plan, 20, world.physio)
    before = {i.exercise.code: i for i in plan.items.select_related("exercise")}
    after = {i.exercise.code: i for i in draft.items.select_related("exercise")}
    assert after["S2-10"].reps == int(before["S2-10"].reps * 0.8)  # a repetitions exercise
    # HSR keeps its RM step (15 repeats): fewer repeats would mean a heavier weight.
    assert after["S2-07"].reps == before["S2-07"].reps == 15
    assert after["S2-07"].load == (
        "About 20% lighter than the weight you could just lift this many times"
    )
    # A second cut combines with the first; a weight the physio wrote stays named.
    assert plans.lighter(after["S2-07"].load, 15) == (
        "About 32% lighter than the weight you could just lift this many times"
    )
    assert plans.lighter("20 kg", 10) == "About 10% lighter than 20 kg"
    assert after["SUP-23"].hold_s == before["SUP-23"].hold_s  # supporting work is left alone
    with pytest.raises(plans.PlanError):
        plans.reduce_dose(plan, 50, world.physio)


def test_an_amber_cut_lightens_hsr_and_its_printout_asks_for_no_heavier_weight(world, patient):
    import io

    import pypdf

    from rehab import pdf

    first = plans.create_from_template(patient, 2, world.physio)
    plan = plans.issue(first, first.lock_version, world.physio)
    draft = plans.reduce_dose(plan, 15, world.physio)
    plans.issue(draft, draft.lock_version, world.physio)
    content = pdf.render_programme(draft, paused=False).content
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "About 15% lighter than the weight you could just lift this many times" in text
    assert "Choose a weight you can lift 15 times" not in text
    assert "about 15% easier for now (a lighter weight" in text


def test_an_amber_cut_tells_bounding_and_build_ups_to_do_less(world):
    """PROTOCOL 3.5: cut by 10-20 %. A set fewer of 3 would be a third: exercises dosed by
    sets and distance keep their sets and are told to do about that much less."""
    stage4 = make_patient(world.clinic, world.physio, stage=4)
    plan = plans.create_from_template(stage4, 4, world.physio)
    plan = plans.issue(plan, plan.lock_version, world.physio)
    draft = plans.reduce_dose(plan, 20, world.physio)
    said = "For now do about 20% less: shorter distances, at a little less effort."
    for code in ("S4-20", "S4-21"):  # dosed by sets and distance, no repeats or hold
        before, after = (p.items.get(exercise__code=code) for p in (plan, draft))
        assert after.sets == before.sets and after.note.startswith(said)
    assert plans.less(said + " Keep it smooth.", 10) == (
        "For now do about 10% less: shorter distances, at a little less effort. Keep it smooth."
    )  # a second cut replaces the first's words


def test_stage4_schedule_puts_plyometrics_every_third_day():
    days = schedule.stage4_days(weeks=4)
    plyo = [d.index for d in days if d.kind == "plyometric"]
    assert all(b - a == 3 for a, b in itertools.pairwise(plyo))  # 72 h apart
    for week in schedule.weeks_of(days):
        strength = [d.index for d in week if d.kind == "strength"]
        assert len(strength) == 2
        assert all(b - a > 1 for a, b in itertools.pairwise(strength))
    assert not {d.index for d in days if d.kind == "strength"} & set(plyo)


def test_stage4_plan_page_shows_the_weekly_calendar(world):
    patient = make_patient(world.clinic, world.physio)
    patient.stage = 4
    patient.save()
    plan = plans.create_from_template(patient, 4, world.physio)
    page = client_for(world.physio).get(
        reverse("rehab:plan", args=[patient.public_id, plan.public_id])
    )
    assert "Stage 4 weekly calendar" in page.content.decode()
    # The clinician sees what the patient's sheet will call each exercise.
    assert "Kettlebell swing" in page.content.decode()
    assert "(printed as “Kettlebell swing”)" not in page.content.decode()  # the same words
    assert "(printed as “One-leg hops forward”)" in page.content.decode()


def test_the_library_shows_how_to_do_it_as_the_patient_reads_it(world):
    body = client_for(world.physio).get(reverse("rehab:exercises")).content.decode()
    swing = library_v1.BY_CODE["S4-18"]
    assert html.escape(swing.patient_text) in body  # PROTOCOL's words, for the clinician
    printed = library_v1.PATIENT_INSTRUCTIONS["S4-18"]
    assert f"Printed as: “{html.escape(printed)}”" in body
    assert body.count("Printed as:") == len(library_v1.PATIENT_INSTRUCTIONS)


PERSONAS = ["physio", "colleague", "other_physio", "admin", "anonymous"]
EXPECTED = {
    #           physio colleague other admin anonymous
    "plans": (200, 200, 404, 200, 302),
    "plan": (200, 200, 404, 403, 302),
    "plan_issue": (302, 302, 404, 403, 302),
    "plan_revise": (302, 302, 404, 403, 302),
}


@pytest.mark.parametrize("view", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_views_for_every_persona(world, patient, view, persona):
    plan = plans.create_from_template(patient, 2, world.physio)
    args = [patient.public_id] if view == "plans" else [patient.public_id, plan.public_id]
    user = None if persona == "anonymous" else getattr(world, persona)
    method = "get" if view in ("plans", "plan") else "post"
    response = getattr(client_for(user), method)(
        reverse(f"rehab:{view}", args=args), {"lock_version": "0"}
    )
    assert response.status_code == EXPECTED[view][PERSONAS.index(persona)]


def test_a_clinic_exercise_keeps_its_own_gap_between_sessions(world):
    bridge = {
        "name": "Heavy bridge", "stage_min": "2", "stage_max": "2", "hip_flexion_max_deg": "10",
        "dose_type": "hsr", "days_per_week": "5", "times_per_day": "2",
        "min_hours_between_sessions": "48", "reps_min": "8", "patient_text": "Bridge.",
    }  # fmt: skip
    response = client_for(world.admin).post(reverse("rehab:exercise_create"), bridge)
    errors = response.context["form"].errors
    assert errors["days_per_week"] == [
        "Sessions of this exercise need 48 hours between them: at most 3 days a week."
    ]
    assert errors["times_per_day"] == [
        "Sessions of this exercise need 48 hours between them: once a day."
    ]
    assert not Exercise.objects.filter(clinic=world.clinic).exists()


def test_clinic_admin_hides_builtins_and_adds_own_exercises(world):
    squat = Exercise.objects.get(clinic=None, code="S3-14")
    admin = client_for(world.admin)
    admin.post(reverse("rehab:exercise_toggle", args=[squat.pk]))
    assert squat in world.clinic.hidden_exercises.all()
    assert squat not in Exercise.objects.for_clinic(world.clinic)
    assert squat in Exercise.objects.for_clinic(world.other_clinic)
    wall_sit = {
        "name": "Wall sit hold", "stage_min": "1", "stage_max": "2", "hip_flexion_max_deg": "90",
        "dose_type": "isometric_hold", "days_per_week": "5", "min_hours_between_sessions": "0",
        "patient_text": "Sit against a wall.",
    }  # fmt: skip
    response = admin.post(reverse("rehab:exercise_create"), wall_sit)
    assert response.status_code == 200  # 90 degrees: no use in stage 1 (PROTOCOL 2)
    assert "reaches 90° hip flexion; stage 1 allows at most 30°" in response.content.decode()
    response = admin.post(
        reverse("rehab:exercise_create"),
        wall_sit | {"hip_flexion_max_deg": "20", "patient_name": "Sit with your back to a wall"},
    )
    assert response.status_code == 302
    own = Exercise.objects.get(clinic=world.clinic)
    assert own.code == "C-01" and plans.stage_use_error(own, 1) is None
    assert own.printed_name == "Sit with your back to a wall"  # the patient's words
    own.patient_name = ""
    assert own.printed_name == "Wall sit hold"  # none given: the clinic's name is printed
    assert own.hip_flexion_text == "≤20°"  # the library shows the angle, not a dash
    assert own.times_per_day is None  # not said
    assert (
        client_for(world.physio).post(reverse("rehab:exercise_toggle", args=[squat.pk])).status_code
        == 403
    )


@pytest.mark.parametrize(("typed", "saved"), [("2", 2), ("", None), ("6", "refused")])
def test_a_clinic_exercise_can_say_how_many_times_a_day(world, typed, saved):
    hold = {
        "name": "Wall press hold", "stage_min": "1", "stage_max": "1", "hip_flexion_max_deg": "0",
        "dose_type": "isometric_hold", "days_per_week": "5", "times_per_day": typed,
        "min_hours_between_sessions": "0", "patient_text": "Press your heel into the wall.",
    }  # fmt: skip
    response = client_for(world.admin).post(reverse("rehab:exercise_create"), hold)
    if saved == "refused":
        assert response.status_code == 200
        assert "Enter 1 to 5 times a day, or leave it empty." in response.content.decode()
        assert not Exercise.objects.filter(clinic=world.clinic).exists()
        return
    assert response.status_code == 302
    assert Exercise.objects.get(clinic=world.clinic).times_per_day == saved


def test_the_clinic_exercise_form_names_its_fields_in_plain_words(world):
    wall_sit = {
        "name": "Wall sit hold", "stage_min": "0", "stage_max": "2", "hip_flexion_max_deg": "200",
        "dose_type": "isometric_hold", "hold_s_min": "30", "hold_s_max": "10",
        "days_per_week": "5", "min_hours_between_sessions": "0",
        "patient_text": "Sit against a wall.",
    }  # fmt: skip
    response = client_for(world.admin).post(reverse("rehab:exercise_create"), wall_sit)
    body = response.content.decode()
    assert response.status_code == 200
    summary = re.search(r'id="error-summary".*?</ul>', body, re.S).group(0)
    for field, label in [
        ("stage_min", "Earliest stage"),
        ("hip_flexion_max_deg", "Hip flexion, at most (°)"),
        ("hold_s_max", "Hold, at most (s)"),
    ]:
        assert f'<a href="#id_{field}">{label}</a>:' in summary
    for field, label in [
        ("stage_max", "Latest stage"),
        ("hip_flexion_min_deg", "Hip flexion, at least (°)"),
        ("hold_s_min", "Hold, at least (s)"),
        ("rest_s", "Rest (s)"),
        ("sets_min", "Sets, at least"),
        ("reps_max", "Reps, at most"),
        ("days_per_week", "Days a week"),
        ("min_hours_between_sessions", "Shortest gap between sessions (hours)"),
    ]:
        assert re.search(rf'<label\s+for="id_{field}"[^>]*>\s*{re.escape(label)}', body), field
    for raw in ("Stage min", "Hip flexion max deg", "Hold s min", "Rest s", "Min hours"):
        assert raw not in body


def test_a_clinic_exercise_without_a_frequency_shows_no_stray_separator(world, patient):
    wall_sit = {
        "name": "Wall sit hold", "stage_min": "2", "stage_max": "2", "hip_flexion_max_deg": "20",
        "dose_type": "isometric_hold", "days_per_week": "5", "min_hours_between_sessions": "0",
        "patient_text": "Sit against a wall.",
    }  # fmt: skip
    assert (
        client_for(world.admin).post(reverse("rehab:exercise_create"), wall_sit).status_code == 302
    )
    own = Exercise.objects.get(clinic=world.clinic)
    assert own.frequency == ""  # the clinic's form does not ask for it
    plan = plans.create_from_template(patient, 2, world.physio)
    plans.add_exercise(plan, plan.lock_version, own, world.physio)
    body = client_for(world.physio).get(_plan_url("rehab:plan", plan)).content.decode()
    assert '<p class="small mb-2">Hip flexion ≤20°</p>' in body
    assert " · </p>" not in body
    hsr = library_v1.BY_CODE["S2-07"]  # a built-in exercise still says how often
    assert f"Hip flexion {hsr.hip_flexion_text} · {html.escape(hsr.frequency)}</p>" in body


@pytest.mark.parametrize(("typed", "refused"), [("168", False), ("169", True), ("999999", True)])
def test_the_gap_between_sessions_is_at_most_a_week(world, typed, refused):
    hold = {
        "name": "Wall press hold", "stage_min": "1", "stage_max": "1", "hip_flexion_max_deg": "0",
        "dose_type": "isometric_hold", "days_per_week": "1", "min_hours_between_sessions": typed,
        "patient_text": "Press your heel into the wall.",
    }  # fmt: skip
    response = client_for(world.admin).post(reverse("rehab:exercise_create"), hold)
    if refused:
        assert response.status_code == 200
        errors = response.context["form"].errors["min_hours_between_sessions"]
        assert errors == ["Enter 0 to 168 hours (a week)."]
        assert not Exercise.objects.filter(clinic=world.clinic).exists()
    else:
        assert response.status_code == 302
        assert Exercise.objects.get(clinic=world.clinic).min_hours_between_sessions == 168


# -- An archived patient's plans are read-only ------------------------------------------------


def _archive(patient):
    Patient.objects.filter(pk=patient.pk).update(archived_at=timezone.now())
    patient.refresh_from_db()


@pytest.mark.parametrize("action", ["rehab:plan_save", "rehab:plan_add", "rehab:plan_issue"])
def test_a_draft_of_an_archived_patient_is_not_changed_and_the_page_says_why(
    world, patient, action
):
    plan = plans.create_from_template(patient, 2, world.physio)
    _archive(patient)
    client = client_for(world.physio)
    before = [(i.pk, i.sets) for i in plan.items.all()]
    data = _formset(plan, **{"items-0-sets": "4"}) | {"exercise": ""}
    response = client.post(_plan_url(action, plan), data, follow=True)
    plan.refresh_from_db()
    assert plan.is_draft and [(i.pk, i.sets) for i in plan.items.all()] == before
    html = response.content.decode()
    assert "is archived, so their plans can be read but not changed" in html
    page = client.get(_plan_url("rehab:plan", plan)).content.decode()
    assert "this plan can be read but not changed" in page
    assert 'id="plan-form"' not in page and "Issue this plan" not in page


def test_no_plan_is_made_or_revised_for_an_archived_patient(world, patient):
    draft = plans.create_from_template(patient, 2, world.physio)
    issued = plans.issue(draft, draft.lock_version, world.physio)
    _archive(patient)
    client = client_for(world.physio)
    client.post(reverse("rehab:plan_create", args=[patient.public_id]))
    client.post(_plan_url("rehab:plan_revise", issued), {"percent": "10"})
    client.post(_plan_url("rehab:plan_revise", issued))
    assert list(Plan.objects.filter(patient=patient)) == [issued]
    page = client.get(reverse("rehab:plans", args=[patient.public_id])).content.decode()
    assert "their plans can be read but not changed" in page
    assert "Or change the current programme" not in page and "stage 2 template" not in page
    assert f'href="{_plan_url("rehab:plan", issued)}"' in page  # still readable
    detail = client.get(_plan_url("rehab:plan", issued)).content.decode()
    assert "Make changes (new version)" not in detail
    assert 'id="programme"' in detail  # the issued programme can still be printed


def test_restoring_the_patient_makes_the_plans_changeable_again(world, patient):
    plan = plans.create_from_template(patient, 2, world.physio)
    _archive(patient)
    client = client_for(world.physio)
    client.post(reverse("patients:restore", args=[patient.public_id]))
    response = client.post(
        _plan_url("rehab:plan_save", plan), _formset(plan, **{"items-0-sets": "4"})
    )
    assert response.status_code == 302 and plan.items.first().sets == 4


def test_after_completing_the_template_builds_a_maintenance_programme(world):
    """PROTOCOL 1.5: a stage-3 COMPLETE keeps a maintenance programme of HSR twice a week."""
    from rehab import pdf

    patient = make_patient(world.clinic, world.physio, stage=3, status="completed")
    page = client_for(world.physio).get(reverse("rehab:plans", args=[patient.public_id]))
    assert "Programme completed: build the maintenance programme" in page.content.decode()
    plan = plans.create_from_template(patient, 3, world.physio)
    days = dict(plan.items.values_list("exercise__code", "days_per_week"))
    assert days["S3-12"] == days["S3-13"] == library_v1.STAGE4_HSR_DAYS_PER_WEEK == 2
    assert days["SUP-24"] == library_v1.BY_CODE["SUP-24"].days_per_week  # supporting work
    assert plan.note == library_v1.MAINTENANCE_NOTE
    context = pdf.programme_context(plan, paused=False)
    assert context["plan"]["note"] == library_v1.MAINTENANCE_NOTE_PLAIN
    active = make_patient(world.clinic, world.physio, stage=3)
    usual = plans.create_from_template(active, 3, world.physio)
    assert usual.note == "" and usual.items.get(exercise__code="S3-12").days_per_week == 3


def test_a_stage_4_completion_builds_no_maintenance_programme(world):
    """PROTOCOL 1.6: a stage-4 COMPLETE hands over to graded return to sport; maintenance
    (PROTOCOL 1.5) follows a stage-3 COMPLETE only."""
    patient = make_patient(world.clinic, world.physio, stage=4, status="completed")
    plan = plans.create_from_template(patient, 4, world.physio)
    assert plan.note == ""
    page = client_for(world.physio).get(reverse("rehab:plans", args=[patient.public_id]))
    assert "build the maintenance programme" not in page.content.decode()


def test_plans_refuse_changes_for_a_patient_archived_meanwhile(world, patient):
    """The views refuse first; the plans module refuses too, under the patient's lock, for
    an archive that came in between."""
    draft = plans.create_from_template(patient, 2, world.physio)
    _archive(patient)
    with pytest.raises(plans.PatientArchived):
        plans.issue(draft, draft.lock_version, world.physio)
    item = draft.items.first()
    change = plans.ItemChange(
        item_id=item.pk, position=item.position, delete=False, dose={"sets": (item.sets or 1) + 1}
    )
    with pytest.raises(plans.PatientArchived):
        plans.save_items(draft, draft.lock_version, [change], world.physio)
    draft.refresh_from_db()
    assert draft.is_draft and draft.items.get(pk=item.pk).sets == item.sets


def test_a_gap_shorter_than_a_day_allows_several_sessions_a_day():
    assert forms.spacing_errors(12, {"times_per_day": 2, "days_per_week": 7}) == {}
    assert forms.spacing_errors(12, {"times_per_day": 3}) == {
        "times_per_day": "Sessions of this exercise need 12 hours between them: at most 2 "
        "times a day."
    }
    assert forms.spacing_errors(0, {"times_per_day": 5, "days_per_week": 7}) == {}
