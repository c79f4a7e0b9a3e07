"""Name search ignores case and accents: clinics type names fast and without accents."""

import importlib

import pytest
from django.urls import reverse

from patients.models import Patient
from patients.search import fold, searched, spellings, words

from ..conftest import client_for
from ..factories import make_patient


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Zoë", "zoe"),
        ("José", "jose"),
        ("MÜLLER", "muller"),
        ("Mu\u0308ller", "muller"),  # u + combining diaeresis, as some keyboards send it
        ("Søren", "soren"),
        ("Łukasz", "lukasz"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("\u1e9e", "ss"),  # capital sharp s
        ("ÆSIR", "aesir"),
        ("Œuvre", "oeuvre"),
        ("Đorđe", "dorde"),
        ("Guðrún", "gudrun"),
        ("Þórr", "thorr"),
        ("İstanbul", "istanbul"),  # capital I with a dot
        ("\u0131rmak", "irmak"),  # dotless i
        ("Nguyễn", "nguyen"),
        ("\uff3a\uff4f\uff45", "zoe"),  # fullwidth letters
        ("\ufb01ona", "fiona"),  # the "fi" ligature
        ("Ζωή", "ζωη"),  # other scripts: case and accents folded, letters kept
        ("Ёлкина", "елкина"),
        ("山田", "山田"),
        ("O'Brien-Smith", "o'brien-smith"),
    ],
)
def test_fold_ignores_case_and_accents(typed, folded):
    assert fold(typed) == folded


def test_the_words_of_a_query_are_folded_and_empty_ones_dropped():
    assert words("  Zoë\tÅBERG \u0301 ") == [["zoe"], ["aberg", "aaberg"]]
    assert words("") == []


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("Müller", ["muller", "mueller"]),
        ("MU\u0308LLER", ["muller", "mueller"]),  # decomposed, as some keyboards send it
        ("Schrödinger", ["schrodinger", "schroedinger"]),
        ("Jäger", ["jager", "jaeger"]),
        ("Åberg", ["aberg", "aaberg"]),
        ("Ørsted", ["orsted", "oersted"]),
        ("Mueller", ["mueller"]),
        ("Zoë", ["zoe"]),  # a diaeresis on e is not spelled out
    ],
)
def test_letters_typed_out_where_there_is_no_key_are_a_second_spelling(name, spelled):
    assert spellings(name) == spelled


def test_the_searched_name_holds_both_spellings():
    assert searched("Anna Müller") == "anna muller anna mueller"
    assert searched("Zoë Smith") == "zoe smith"


def _listed(world, query):
    response = client_for(world.physio).get(reverse("patients:list"), {"q": query})
    assert response.status_code == 200
    return {p.last_name for p in response.context["page"].object_list}


def _caseload(world, query):
    response = client_for(world.admin).get(reverse("rehab:caseload"), {"q": query})
    assert response.status_code == 200
    return {p["last_name"] for p in response.context["page"].object_list}


# Not named "page": that is Playwright's fixture, whose browser parameter would pull the
# browser tests in among these (pytest groups tests by session-scoped parameters).
@pytest.mark.parametrize("search_on", [_listed, _caseload])
def test_a_name_is_found_with_or_without_its_accents(world, search_on):
    make_patient(world.clinic, world.physio, first_name="Zoë", last_name="Åberg")
    make_patient(world.clinic, world.physio, first_name="Jose", last_name="Muller")
    make_patient(world.clinic, world.physio, first_name="Søren", last_name="Łukasiewicz")
    make_patient(world.clinic, world.physio, first_name="Anna", last_name="Straße")
    make_patient(world.clinic, world.physio, first_name="Zed", last_name="Other")
    assert search_on(world, "zoe") == {"Åberg"}
    assert search_on(world, "ZOE aberg") == {"Åberg"}
    assert search_on(world, "José Müller") == {"Muller"}  # accents typed, none stored
    assert search_on(world, "soren lukas") == {"Łukasiewicz"}
    assert search_on(world, "strasse") == search_on(world, "STRAßE") == {"Straße"}
    assert search_on(world, "zoe other") == set()  # every word must match
    assert search_on(world, "aaberg") == {"Åberg"}  # Å spelled out
    assert len(search_on(world, "")) == 5


def test_a_patient_of_another_clinic_is_not_found(world, other_patient):
    assert _listed(world, "outsider") == set()


def test_search_name_follows_every_way_a_name_is_written(world):
    from .test_validation import patient_post

    physio = client_for(world.physio)
    physio.post(reverse("patients:create"), patient_post(world, first_name="Zoë"))
    patient = Patient.objects.get()
    assert patient.search_name == "zoe souza"

    data = patient_post(world, first_name="José", last_name="Müller")
    physio.post(reverse("patients:edit", args=[patient.public_id]), data)
    patient.refresh_from_db()
    assert patient.search_name == "jose muller jose mueller"

    patient.last_name = "Søren"
    patient.save(update_fields=["last_name"])
    patient.refresh_from_db()
    assert patient.search_name == "jose soren jose soeren"

    created = make_patient(world.clinic, world.physio, first_name="Łukasz", last_name="Nowak")
    assert Patient.objects.get(pk=created.pk).search_name == "lukasz nowak"
    Patient.objects.bulk_create([Patient(**_fields(world), first_name="Ève", last_name="Ørsted")])
    assert Patient.objects.get(last_name="Ørsted").search_name == "eve orsted eve oersted"


def _fields(world):
    return {
        "clinic": world.clinic,
        "physio": world.physio,
        "date_of_birth": "1980-01-01",
        "sex": "female",
        "affected_side": "left",
        "onset": "gradual",
        "symptom_duration_weeks": 4,
    }


def test_migration_0002_fills_in_the_search_name_of_existing_patients(world):
    from django.apps import apps

    zoe = make_patient(world.clinic, world.physio, first_name="Zoë", last_name="Åberg")
    other = make_patient(world.clinic, world.physio, first_name="ÆSIR", last_name="Straße")
    Patient.objects.update(search_name="")  # as the column was added
    importlib.import_module("patients.migrations.0002_patient_search_name").backfill(apps, None)
    names = dict(Patient.objects.values_list("pk", "search_name"))
    assert names == {zoe.pk: "zoe aberg", other.pk: "aesir strasse"}


@pytest.mark.parametrize("list_name", ["patients:list", "rehab:caseload"])
def test_the_stage_filter_lists_a_completed_programme_apart_from_its_last_stage(world, list_name):
    make_patient(world.clinic, world.physio, last_name="Waiting")
    make_patient(world.clinic, world.physio, last_name="Fourth", stage=4, status="active")
    make_patient(world.clinic, world.physio, last_name="Finished", stage=4, status="completed")
    client = client_for(world.admin)

    def found(stage):
        page = client.get(reverse(list_name), {"stage": stage}).context["page"]
        return {p.last_name if isinstance(p, Patient) else p["last_name"] for p in page}

    assert found("4") == {"Fourth"}  # in stage 4 still
    assert found("completed") == {"Finished"}
    assert found("0") == {"Waiting"}
    assert found("") == {"Waiting", "Fourth", "Finished"}


def test_a_filter_that_cannot_be_used_on_the_patient_list_says_so(world):
    make_patient(world.clinic, world.physio, last_name="Shown")
    client = client_for(world.physio)
    text = client.get(reverse("patients:list"), {"stage": "9"}).content.decode()
    assert "This filter could not be used, so every current patient is shown:" in text
    assert "Stage: Select a valid choice." in text
    assert "Shown, " in text
    assert (
        "could not be used"
        not in client.get(reverse("patients:list"), {"stage": "1"}).content.decode()
    )


@pytest.mark.parametrize("search_on", [_listed, _caseload])
def test_a_name_is_found_as_typed_without_its_umlaut(world, search_on):
    make_patient(world.clinic, world.physio, first_name="Anna", last_name="Müller")
    make_patient(world.clinic, world.physio, first_name="Ben", last_name="Mueller")
    make_patient(world.clinic, world.physio, first_name="Cleo", last_name="Muller")
    assert search_on(world, "mueller") == {"Müller", "Mueller"}
    assert search_on(world, "Müller") == {"Müller", "Mueller", "Muller"}
    assert search_on(world, "muller") == {"Müller", "Muller"}
    assert search_on(world, "anna mueller") == {"Müller"}


def test_migration_0003_adds_the_spelled_out_form_to_existing_patients(world):
    from django.apps import apps

    anna = make_patient(world.clinic, world.physio, first_name="Anna", last_name="Müller")
    zoe = make_patient(world.clinic, world.physio, first_name="Zoë", last_name="Smith")
    Patient.objects.update(search_name="")
    importlib.import_module("patients.migrations.0003_search_name_spelled_out").recompute(
        apps, None
    )
    names = dict(Patient.objects.values_list("pk", "search_name"))
    assert names == {anna.pk: "anna muller anna mueller", zoe.pk: "zoe smith"}
