"""Archiving a patient: asked first with a reason, warned of what would drop out of the
caseload, separate from restoring, and closing new assessments and the diary."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from patients.forms import clinic_today
from patients.models import Assessment, Patient
from rehab import caseload
from rehab.models import StageDecision
from rehab.services import confirm

from ..conftest import client_for
from ..factories import assessment_post, make_assessment


def archive_url(patient):
    return reverse("patients:archive", args=[patient.public_id])


def restore_url(patient):
    return reverse("patients:restore", args=[patient.public_id])


def said(response):
    """The message this response added (the earlier ones wait unread in the session)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def archived(patient):
    return Patient.objects.get(pk=patient.pk).is_archived


def events(action):
    return AuditEvent.objects.filter(action=action)


# -- Two steps: a confirmation page, then the POST ------------------------------------------


def test_the_patient_page_leads_to_a_confirmation_not_an_archiving_form(world, patient):
    body = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    html = body.content.decode()
    assert f'href="{archive_url(patient)}"' in html
    assert f'action="{archive_url(patient)}"' not in html  # no one-click archiving
    assert f'action="{restore_url(patient)}"' not in html  # a current patient has no restore


@pytest.mark.parametrize("persona", ["physio", "admin"])
def test_opening_the_confirmation_says_what_archiving_does_and_archives_nothing(
    world, patient, persona
):
    response = client_for(getattr(world, persona)).get(archive_url(patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What archiving does" in html and "every caseload queue" in html
    assert "Why is this patient being archived?" in html and 'type="radio"' in html
    assert "Warning" not in html  # nothing waiting for this patient
    assert not archived(patient) and not events("patient_archived").exists()


def test_a_waiting_red_flag_referral_is_warned_of_prominently(world, patient):
    make_assessment(
        patient, world.physio, visit_date="2026-01-05", red_flags_none=None,
        red_flags=["RF_CAUDA_EQUINA"],
    )  # fmt: skip
    html = client_for(world.physio).get(archive_url(patient)).content.decode()
    assert 'class="alert alert-danger" role="alert"' in html
    assert "Warning: this patient still needs attention" in html
    assert "a referral on red flags" in html and "nobody has confirmed it yet" in html


def test_a_confirmed_referral_and_a_paused_programme_are_warned_of(world, patient):
    first = make_assessment(
        patient, world.physio, visit_date="2026-01-05", red_flags_none=None,
        red_flags=["RF_CAUDA_EQUINA"],
    )  # fmt: skip
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    Patient.objects.filter(pk=patient.pk).update(status=Patient.Status.PAUSED)
    patient.refresh_from_db()
    concerns = caseload.archiving_concerns(patient, clinic_today(patient.clinic))
    assert any("latest decision is a referral" in c for c in concerns), concerns
    assert any("programme is paused" in c for c in concerns), concerns
    html = client_for(world.admin).get(archive_url(patient)).content.decode()
    assert "queue of red flags and referrals" in html and "programme is paused" in html


def test_any_recommendation_still_waiting_is_warned_of(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    assert first.decision.status == StageDecision.Status.PENDING
    html = client_for(world.physio).get(archive_url(patient)).content.decode()
    assert "The recommendation of 5 Jan 2026" in html
    assert "still waiting for a physiotherapist to confirm or override it" in html
    confirm(first.decision, world.physio)
    html = client_for(world.physio).get(archive_url(patient)).content.decode()
    assert "Warning" not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "reason", "Choose why the patient is being archived."),
        ({"reason": "moved_to_mars"}, "reason", "Select a valid choice."),
        ({"reason": "other"}, "note", "Say in a few words why"),
        ({"reason": "other", "note": "x" * 91}, "note", "at most 90 characters"),
        ({"reason": "other", "note": "a\u202eb"}, "note", "invisible control characters"),
    ],
)
def test_a_bad_reason_archives_nothing_and_says_so_beside_the_field(
    world, patient, data, field, message
):
    response = client_for(world.physio).post(archive_url(patient), data)
    assert response.status_code == 200
    assert not archived(patient) and not events("patient_archived").exists()
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'id="error_1_id_{field}"' in html
    if data.get("note"):
        assert data["note"] in html  # what was typed is shown again, not lost


def test_archiving_stores_the_reason_in_the_audit_and_the_note_in_the_history(world, patient):
    response = client_for(world.physio).post(
        archive_url(patient), {"reason": "transferred", "note": "Moved to Leeds"}
    )
    assert response.status_code == 302 and archived(patient)
    assert "has been archived" in said(response)
    event = events("patient_archived").get()
    assert event.reason == "Care moved to another clinic or clinician"
    assert event.actor == world.physio and event.patient_ref == patient.public_id
    assert "Leeds" not in event.reason  # typed text never reaches the audit trail
    latest = Patient.objects.get(pk=patient.pk).history.latest()
    assert latest.history_change_reason == "Archived: Moved to Leeds"


def test_the_audit_trail_shows_the_reason(world, patient):
    client_for(world.admin).post(archive_url(patient), {"reason": "duplicate"})
    html = client_for(world.admin).get(reverse("audit_log")).content.decode()
    assert "reason: Duplicate or mistaken record" in html


# -- Archive and restore are separate and idempotent -----------------------------------------


def test_archiving_again_from_a_stale_tab_keeps_the_patient_archived(world, patient):
    client = client_for(world.physio)
    client.post(archive_url(patient), {"reason": "completed"})
    again = client.post(archive_url(patient), {"reason": "completed"})
    assert again.status_code == 302 and archived(patient)
    assert said(again) == f"{patient.full_name} was already archived: nothing has changed."
    assert events("patient_archived").count() == 1 and not events("patient_restored").exists()
    opened = client.get(archive_url(patient))  # the confirmation of an archived patient
    assert opened.status_code == 302 and archived(patient)


def test_restoring_is_its_own_action_and_restoring_again_changes_nothing(world, patient):
    client = client_for(world.admin)
    client.post(archive_url(patient), {"reason": "stopped"})
    page = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert f'action="{restore_url(patient)}"' in page and "Archived on" in page
    restored = client.post(restore_url(patient))
    assert restored.status_code == 302 and not archived(patient)
    assert said(restored) == f"{patient.full_name} is back in the current list."
    again = client.post(restore_url(patient))
    assert not archived(patient)
    assert said(again) == (
        f"{patient.full_name} is already in the current list: nothing has changed."
    )
    assert events("patient_restored").count() == 1 and events("patient_archived").count() == 1


def test_a_restore_is_never_a_get(world, patient):
    Patient.objects.filter(pk=patient.pk).update(archived_at=timezone.now())
    assert client_for(world.physio).get(restore_url(patient)).status_code == 405
    assert archived(patient)


# -- An archived patient takes no new assessment ---------------------------------------------


@pytest.fixture
def archived_patient(world, patient):
    make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    Patient.objects.filter(pk=patient.pk).update(archived_at=timezone.now())
    patient.refresh_from_db()
    return patient


def test_the_new_assessment_form_is_refused_for_an_archived_patient(world, archived_patient):
    url = reverse("patients:assessment_create", args=[archived_patient.public_id])
    response = client_for(world.physio).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[archived_patient.public_id])
    assert "is archived, so no assessment can be recorded" in said(response)


def test_an_assessment_posted_for_an_archived_patient_is_not_saved_but_kept(
    world, archived_patient
):
    client = client_for(world.physio)
    url = reverse("patients:assessment_create", args=[archived_patient.public_id])
    data = assessment_post(visit_date="2026-01-20", G2_nprs="2", notes="Kept for later")
    response = client.post(url, data)
    assert response.status_code == 302
    assert Assessment.objects.filter(patient=archived_patient).count() == 1
    assert "your entries are kept" in said(response)
    client.post(restore_url(archived_patient))
    reopened = client.get(url)
    assert reopened.status_code == 200 and "Kept for later" in reopened.content.decode()


# -- The diary of an archived patient --------------------------------------------------------


@pytest.fixture
def diary_link(world, patient):
    from rehab import plans, programmes
    from rehab.models import PatientLink

    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    draft = plans.create_from_template(patient, patient.stage, world.physio)
    plan = plans.issue(draft, draft.lock_version, world.physio)
    _, token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    return token


@pytest.mark.parametrize("patient_side", ["link", "account"])
def test_an_archived_patients_diary_says_the_programme_ended_and_takes_no_entry(
    world, patient, diary_link, patient_side
):
    from rehab.models import DiaryEntry

    world.clinic.phone = "01632 960123"
    world.clinic.save()
    if patient_side == "link":
        client, url = client_for(None), reverse("public:diary", args=[diary_link])
    else:
        client, url = client_for(patient.user), reverse("public:my_diary")
    Patient.objects.filter(pk=patient.pk).update(archived_at=timezone.now())
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "has ended" in html and "please call the clinic" in html
    assert 'href="tel:01632 960123"' in html
    assert 'id="diary-form"' not in html
    today = clinic_today(world.clinic)
    posted = client.post(
        url,
        {
            "day": (today - timedelta(days=1)).isoformat(),
            "session_done": "yes",
            "exercise_pain": "8",
            "next_morning_pain": "8",
        },
    )
    body = posted.content.decode()
    assert posted.status_code == 200 and "Your entry was not saved." in body
    assert "can see this entry now" not in body and "has ended" in body
    assert not DiaryEntry.objects.filter(patient=patient).exists()


def test_an_archived_patients_programme_link_still_downloads_and_says_the_programme_ended(
    world, patient, diary_link
):
    from rehab import programmes
    from rehab.models import Plan

    plan = Plan.objects.get(patient=patient, status=Plan.Status.ISSUED)
    _, token = programmes.create_link(plan, world.physio)
    Patient.objects.filter(pk=patient.pk).update(archived_at=timezone.now())
    page = client_for(None).get(reverse("public:programme", args=[token]))
    assert page.status_code == 200
    assert "Your programme with Riverside Test Clinic has ended" in page.content.decode()
