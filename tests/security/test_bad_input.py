"""The kinds of bad input of SECURITY.md not covered beside their features."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from patients.forms import clinic_today
from patients.models import Patient
from rehab import plans, programmes
from rehab.models import Plan

from ..conftest import client_for
from ..factories import PASSWORD, assessment_post, make_assessment, make_patient
from ..urlwalk import app_routes


@pytest.mark.parametrize(
    ("utc_moment", "zone", "local_day"),
    [
        # Europe/London springs forward at 01:00 UTC on 29 March 2026.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/London", "2026-03-29"),
        (datetime(2026, 3, 28, 23, 59, tzinfo=UTC), "Europe/London", "2026-03-28"),
        # and falls back at 01:00 UTC on 25 October 2026.
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "Europe/London", "2026-10-25"),
        # Across the date line the clinic's day is already tomorrow.
        (datetime(2026, 10, 25, 11, 0, tzinfo=UTC), "Pacific/Kiritimati", "2026-10-26"),
    ],
)
def test_today_is_the_clinics_day_across_daylight_saving_edges(
    world, monkeypatch, utc_moment, zone, local_day
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: utc_moment)
    world.clinic.time_zone = zone
    assert clinic_today(world.clinic).isoformat() == local_day


def test_combining_accents_are_kept_as_typed(world):
    client = client_for(world.physio)
    name = "Zoe\u0308 Bjo\u0308rk"  # combining diaeresis, not the precomposed letters
    from ..patients.test_validation import patient_post

    assert (
        client.post(reverse("patients:create"), patient_post(world, first_name=name)).status_code
        == 302
    )
    assert Patient.objects.get().first_name == name


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver@evil.example/"]
)
def test_login_never_redirects_off_site(world, target):
    response = Client().post(
        reverse("login") + f"?next={target}",
        {"username": "treating", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_post_without_a_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.physio)
    from ..patients.test_validation import patient_post

    response = client.post(reverse("patients:create"), patient_post(world))
    assert response.status_code == 403
    assert not Patient.objects.exists()


POST_ONLY = [
    r for r in app_routes()
    if r.name in {
        "patients:restore", "patients:invite", "rehab:decision_confirm", "rehab:plan_create",
        "rehab:plan_save", "rehab:plan_add", "rehab:plan_issue", "rehab:plan_revise",
        "rehab:programme_request", "rehab:link_create", "rehab:link_revoke", "rehab:reassign",
        "rehab:exercise_toggle", "staff_deactivate", "staff_reactivate", "logout",
    }
]  # fmt: skip


@pytest.mark.parametrize("route", POST_ONLY, ids=lambda r: r.name)
def test_state_never_changes_on_a_get(world, route):
    patient = make_patient(world.clinic, world.physio)
    before = Patient.objects.get(pk=patient.pk).archived_at
    response = client_for(world.admin).get(route.url(public_id=str(patient.public_id)))
    assert response.status_code == 405
    assert Patient.objects.get(pk=patient.pk).archived_at == before


def test_extra_fields_cannot_sign_or_move_an_assessment(world):
    patient = make_patient(world.clinic, world.physio)
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial",
        visit_date="2026-01-05",
        sign=None,
        signed_at="2020-01-01T00:00:00Z",
        visah_total="100",
        stage_before="4",
        patient=str(make_patient(world.other_clinic, world.other_physio).pk),
    )
    assert client_for(world.physio).post(url, data).status_code == 302
    assessment = patient.assessments.get()
    assert assessment.signed_at is None and assessment.stage_before is None
    assert assessment.visah_total is None and assessment.patient == patient


def test_a_plan_edited_while_it_renders_prints_the_issued_version(world):
    from rehab.services import confirm

    patient = make_patient(world.clinic, world.physio)
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    draft = plans.create_from_template(patient, patient.stage, world.physio)
    issued = plans.issue(draft, draft.lock_version, world.physio)
    job = programmes.request_render(issued, world.physio)
    new = plans.new_draft_from(issued, world.physio)  # someone edits meanwhile
    item = new.items.first()
    item.sets = 9
    item.save()
    assert programmes.content_hash(Plan.objects.get(pk=issued.pk), job.paused) == job.content_hash
    assert issued.items.first().sets != 9
