"""Bad input gets a clear message beside the field, saves nothing, and never a 500
(SECURITY.md "Kinds of bad input"). Run on PostgreSQL in CI: SQLite accepts over-length
strings and NUL bytes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.forms import clinic_today
from patients.models import Assessment, Patient

from ..conftest import client_for
from ..factories import assessment_post, make_assessment

pytestmark = pytest.mark.usefixtures("on_postgresql")


def patient_post(world, **overrides):
    data = {
        "first_name": "Ana",
        "last_name": "Souza",
        "date_of_birth": "1980-05-02",
        "sex": "female",
        "physio": str(world.physio.pk),
        "affected_side": "right",
        "onset": "gradual",
        "symptom_duration_weeks": "12",
        "sport_level": "recreational",
        "menopausal_status": "not_applicable",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def tomorrow_in(tz_name):
    import zoneinfo

    return (timezone.now().astimezone(zoneinfo.ZoneInfo(tz_name)) + timedelta(days=1)).date()


BAD_PATIENTS = [
    ("first_name", "", "This field is required"),
    ("first_name", "   ", "This field is required"),
    ("first_name", "A" * 101, "at most 100 characters"),
    ("first_name", "Ann\u202egnidoc", "invisible control characters"),
    ("last_name", "Nul\x00Byte", "Null characters are not allowed"),
    ("date_of_birth", "2026-02-30", "Enter a valid date"),
    ("date_of_birth", "1899-12-31", "before 1900"),
    ("symptom_duration_weeks", "521", "Enter a number from 0 to 520 (weeks)."),
    ("symptom_duration_weeks", "-1", "Enter a number from 0 to 520 (weeks)."),
    ("symptom_duration_weeks", "12.5", "Enter a whole number"),
    ("symptom_duration_weeks", "99999999999999999999", "from 0 to 520 (weeks)"),
    ("height_cm", "NaN", "Enter a whole number"),
    ("weight_kg", "NaN", "Enter a number"),
    ("weight_kg", "1e400", "Enter a number from 20 to 350 (kg)."),
    ("weight_kg", "Infinity", "Enter a number"),
    ("physio", "999999", "Select a valid choice"),
    ("sex", "robot", "Select a valid choice"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_PATIENTS)
def test_bad_patient_input_is_refused_with_a_message(world, field, value, message):
    client = client_for(world.physio)
    response = client.post(reverse("patients:create"), patient_post(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Patient.objects.exists()


def test_date_of_birth_in_the_future_of_the_clinic_time_zone(world):
    world.clinic.time_zone = "Pacific/Kiritimati"  # UTC+14: its tomorrow is often UTC's today+1
    world.clinic.save()
    world.physio.refresh_from_db()
    tomorrow = tomorrow_in("Pacific/Kiritimati")
    response = client_for(world.physio).post(
        reverse("patients:create"), patient_post(world, date_of_birth=tomorrow.isoformat())
    )
    assert "cannot be in the future" in response.content.decode()
    assert not Patient.objects.exists()


def test_a_date_of_birth_too_recent_for_the_programme_is_refused_beside_the_field(world):
    today = clinic_today(world.clinic)
    client = client_for(world.physio)
    response = client.post(
        reverse("patients:create"), patient_post(world, date_of_birth=today.isoformat())
    )
    assert response.context["form"].errors["date_of_birth"] == [
        "Check the date of birth: the patient would be 0. The programme is written for "
        "patients aged 12 or over (a clinic setting)."
    ]
    assert not Patient.objects.exists()
    world.clinic.min_patient_age = 0  # the clinic's own limit [CFG]
    world.clinic.save()
    accepted = client.post(
        reverse("patients:create"), patient_post(world, date_of_birth=today.isoformat())
    )
    assert accepted.status_code == 302 and Patient.objects.count() == 1
    # A record kept with its date of birth is not refused when the limit rises later.
    world.clinic.min_patient_age = 12
    world.clinic.save()
    young = Patient.objects.get()
    url = reverse("patients:edit", args=[young.public_id])
    edit = patient_post(world, date_of_birth=today.isoformat(), phone="01632 960999")
    assert client.post(url, edit).status_code == 302
    young.refresh_from_db()
    assert young.phone == "01632 960999"


def test_date_of_birth_cannot_be_moved_after_a_recorded_visit(world, patient):
    make_assessment(patient, world.physio, visit_date="2026-01-05")
    url = reverse("patients:edit", args=[patient.public_id])
    client = client_for(world.physio)
    late = client.post(url, patient_post(world, date_of_birth="2026-01-06"))
    assert late.status_code == 200
    assert late.context["form"].errors["date_of_birth"] == [
        "The first recorded visit is on 5 Jan 2026: the date of birth must be before it."
    ]
    patient.refresh_from_db()
    assert str(patient.date_of_birth) != "2026-01-06"
    assert client.post(url, patient_post(world, date_of_birth="1979-03-04")).status_code == 302


def test_another_clinics_physiotherapist_cannot_be_assigned(world):
    response = client_for(world.physio).post(
        reverse("patients:create"), patient_post(world, physio=str(world.other_physio.pk))
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Patient.objects.exists()


def test_extra_post_fields_cannot_choose_the_clinic_or_stage(world):
    response = client_for(world.physio).post(
        reverse("patients:create"),
        patient_post(world, clinic=str(world.other_clinic.pk), stage="4", status="completed"),
    )
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.clinic == world.clinic and patient.stage is None
    assert patient.status == "not_started"


def test_names_in_every_script_are_kept_exactly(world):
    name = "Ζωή Ёлкина محمد 山田 👩🏽‍⚕️ Amélie"
    response = client_for(world.physio).post(
        reverse("patients:create"), patient_post(world, first_name=name, last_name="Nguyễn")
    )
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.first_name == name
    page = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    assert name in page.content.decode()


def test_markup_in_names_and_notes_is_shown_as_text(world, patient):
    payload = '<script>alert(1)</script>{{ 7|add:1 }}<img src="file:///etc/passwd">'
    make_assessment(patient, world.physio, visit_date="2026-01-05", notes=payload)
    assessment = patient.assessments.get()
    page = client_for(world.physio).get(
        reverse("patients:assessment", args=[patient.public_id, assessment.public_id])
    )
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7|add:1 }}" in body
    assert '<img src="file:///etc/passwd">' not in body


@pytest.mark.parametrize(
    ("activity", "level", "shown"),
    [("Walking", "none", "Walking</dd>"), ("Running", "competitive", "Running (competitive)</dd>")],
)
def test_the_summary_gives_a_sport_level_only_when_there_is_one(world, activity, level, shown):
    """A level of "none" read "Walking (None)", as if a value were missing."""
    patient = Patient.objects.create(
        clinic=world.clinic, physio=world.physio, first_name="Ana", last_name="Level",
        date_of_birth="1980-01-01", sex="female", affected_side="left", onset="gradual",
        symptom_duration_weeks=10, sport_activity=activity, sport_level=level,
    )  # fmt: skip
    body = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    assert f'<dd class="col-6">{shown}' in body.content.decode()


BAD_ASSESSMENTS = [
    ("nprs_morning_baseline", "11", "Pain is scored from 0 (no pain) to 10 (worst imaginable)."),
    ("nprs_morning_baseline", "-1", "Pain is scored from 0 (no pain) to 10"),
    ("nprs_morning_baseline", "", "This field is required"),
    ("nprs_morning_baseline", "three", "Enter a whole number"),
    ("nprs_morning_baseline", "2.5", "Enter a whole number"),
    ("nprs_adl_typical_7d", "99999999999999999999", "Pain is scored from 0 (no pain) to 10"),
    ("sitting_tolerance_min", "241", "Enter a number from 0 to 240 (minutes)."),
    ("min_plyo_interval_h", "NaN", "Enter a number"),
    ("visit_date", "2026-13-01", "Enter a valid date"),
    ("visit_date", "1984-01-01", "before the patient"),
    ("night_pain", "sometimes", "Select a valid choice"),
    ("red_flags", "RF_UNKNOWN", "Select a valid choice"),
    ("notes", "A" * 5001, "at most 5000 characters"),
    ("notes", "note\x00with NUL", "Null characters are not allowed"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_ASSESSMENTS)
def test_bad_assessment_input_is_refused_with_a_message(world, patient, field, value, message):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", **{"visit_date": "2026-01-05", field: value})
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sitting_tolerance_min", "241", "Enter a number from 0 to 240 (minutes)."),
        ("sitting_tolerance_min", "-5", "Enter a number from 0 to 240 (minutes)."),
        ("visah_1", "11", "Enter a number from 0 to 10."),
        ("G1_load_kg", "301", "Enter a number from 0 to 300 (kg)."),
        ("min_plyo_interval_h", "400", "Enter a number from 0 to 336 (hours)."),
        ("groc", "-8", "Enter a number from -7 to 7."),
        ("psfs_1_score", "12", "Enter a number from 0 to 10."),
        # Letters are not a number at all: Django's own words say so.
        ("sitting_tolerance_min", "ten", "Enter a whole number."),
        ("visah_1", "seven", "Enter a whole number."),
        ("G1_load_kg", "heavy", "Enter a number."),
    ],
)
def test_a_number_out_of_range_says_the_range_beside_the_field(
    world, patient, field, value, message
):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", **{field: value})
    response = client_for(world.physio).post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    # Beside the field, and named by its aria-describedby for a screen reader.
    assert f'<div class="invalid-feedback d-block" id="id_{field}_error">{message}</div>' in body
    control = body[body.index(f'name="{field}"') :]
    assert f"id_{field}_error" in control[: control.index(">")]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [
        "\uff13",  # full-width three
        "\u0663",  # Arabic-Indic three
        "\u09ea",  # Bengali four, which looks like an 8
        "1\u0660",  # a 1 and an Arabic-Indic zero
    ],
)
def test_digits_of_other_scripts_are_refused_beside_the_field(world, patient, typed):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05")
    data["nprs_morning_baseline"] = typed
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["nprs_morning_baseline"] == [
        "Type the number with the digits 0 to 9."
    ]
    assert not Assessment.objects.exists()


def test_future_visit_date_in_the_clinic_time_zone(world, patient):
    tomorrow = tomorrow_in(world.clinic.time_zone)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date=tomorrow.isoformat())
    response = client_for(world.physio).post(url, data)
    assert "cannot be in the future" in response.content.decode()
    assert not Assessment.objects.exists()


def test_red_flags_need_an_explicit_none(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", red_flags_none=None)
    response = client_for(world.physio).post(url, data)
    assert "tick &#x27;no red flags found&#x27;" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_neurological_screen_feeds_the_red_flags(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", saddle_anaesthesia="on")
    response = client_for(world.physio).post(url, data)
    assert "is a red flag" in response.content.decode()
    assert not Assessment.objects.exists()


def test_visah_total_is_computed_and_cannot_be_typed(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    items = {f"visah_{i}": "7" for i in range(1, 7)}
    data = assessment_post(
        visit_type="initial",
        visit_date="2026-01-05",
        visah_7="4",
        visah_8_branch="B",
        visah_8_band="2",
        visah_total="100",
        **items,
    )
    assert client_for(world.physio).post(url, data).status_code == 302
    assert Assessment.objects.get().visah_total == 42 + 4 + 10


def test_a_part_answered_visah_is_said_beside_the_first_item_left_out(world, patient):
    """Saved, it had no total and the rules read it as not recorded, with no word to the
    clinician (a tester signed one with item 1 only)."""
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", visah_1="5")
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["visah_2"] == [
        "VISA-H: 1 of 8 items answered. Answer them all for a score, or clear them to leave "
        "the questionnaire for another visit."
    ]
    assert not Assessment.objects.exists()


def test_a_red_flags_referral_does_not_wait_for_a_part_answered_visah(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial", visit_date="2026-01-05", visah_1="5", red_flags=["RF_AVULSION"]
    )
    data.pop("red_flags_none", None)
    assert client_for(world.physio).post(url, data).status_code == 302
    assert Assessment.objects.get().visah_total is None


def test_double_submission_creates_one_record(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(visit_type="initial", visit_date="2026-01-05")
    client = client_for(world.physio)
    assert client.post(url, data).status_code == 302
    second = client.post(url, data)
    assert second.status_code == 200
    [error] = second.context["form"].errors["visit_date"]
    assert error.startswith("This patient already has an assessment on 5 Jan 2026; there is one")
    assert Assessment.objects.count() == 1


def test_database_constraints_back_the_form(world, patient):
    from django.db import IntegrityError, transaction

    assessment = make_assessment(patient, world.physio, visit_date="2026-01-05")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(nprs_morning_baseline=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(sitting_tolerance_min=500)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(red_flags_none=False)


def test_more_sessions_done_than_prescribed_is_refused_beside_the_field(world, patient):
    """PROTOCOL 0: sessions are those of the prescribed programme; the rules count them
    towards the minimum stay (P6), so 20 of 10 would shorten it."""
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial",
        visit_date="2026-01-05",
        sessions_prescribed_since_last="10",
        sessions_done_since_last="20",
    )
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    [error] = response.context["form"].errors["sessions_done_since_last"]
    assert error.startswith("More sessions done than prescribed (10)")
    assert not Assessment.objects.exists()
    data["sessions_done_since_last"] = "10"
    assert client_for(world.physio).post(url, data).status_code == 302


def test_a_patient_added_twice_is_saved_once_unless_confirmed_as_another_person(world):
    """A form sent twice (Back and Save, two tabs) or the same person added again: the
    second is shown the record already there and saved only when confirmed."""
    client = client_for(world.physio)
    url = reverse("patients:create")
    assert client.post(url, patient_post(world)).status_code == 302
    again = client.post(url, patient_post(world, first_name="ANA", last_name="souza"))
    assert again.status_code == 200
    body = again.content.decode()
    first = Patient.objects.get()
    assert f'href="/patients/{first.public_id}/"' in body
    assert 'type="checkbox" name="different_person"' in body
    assert "already recorded" in again.context["form"].errors["different_person"][0]
    assert Patient.objects.count() == 1
    confirmed = client.post(url, patient_post(world, different_person="on"))
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2
    other_birthday = client.post(url, patient_post(world, date_of_birth="1981-05-02"))
    assert other_birthday.status_code == 302  # not the same person: no question asked
    assert 'type="checkbox" name="different_person"' not in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("+44 20 7946 0958", True), ("(020) 7946-0958", True), ("<script>", False), ("12", False)],
)
def test_a_patients_phone_number_is_digits_and_spacing(world, typed, accepted):
    response = client_for(world.physio).post(
        reverse("patients:create"), patient_post(world, phone=typed)
    )
    if accepted:
        assert response.status_code == 302
        assert Patient.objects.get().phone == typed
    else:
        assert response.context["form"].errors["phone"] == [
            "Enter a phone number of digits, spaces and + ( ) - only."
        ]
        assert not Patient.objects.exists()
