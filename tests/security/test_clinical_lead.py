"""The clinical-lead permission of a clinic admin (SECURITY.md "Who may do what").

A clinical-lead admin reads the assessments of their own clinic's patients and downloads
printed programmes, as a physiotherapist does and audited the same way; every clinical write
stays the physiotherapist's (403), a plain admin gets none of it (403), and another clinic's
patient answers 404 whatever the permission.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import AuditEvent, User
from patients.access import may
from patients.models import Assessment, Patient
from rehab import plans, programmes
from rehab.models import PatientLink, Plan, RenderJob, StageDecision
from rehab.services import confirm

from ..conftest import client_for
from ..factories import assessment_post, make_assessment, make_patient, make_user

NAME = "Quillfeather"  # the patient's surname: never in another clinic's answer


def make_ready(job: RenderJob) -> RenderJob:
    """A ready job without the render's cost: access, not PDF content, is tested here."""
    content = b"%PDF-1.7 test"
    job.file_name = programmes.programme_path(job).name
    programmes.write_atomically(programmes.programme_path(job), content)
    job.status, job.sha256 = RenderJob.Status.READY, hashlib.sha256(content).hexdigest()
    job.save()
    return job


@dataclass
class Scene:
    world: Any
    lead: User
    other_lead: User
    patient: Patient
    assessment: Assessment  # signed, its recommendation waiting for confirmation
    plan: Plan  # issued
    job: RenderJob  # ready

    def user(self, persona: str) -> User:
        return {"lead": self.lead, "other_lead": self.other_lead}.get(persona) or getattr(
            self.world, persona
        )


@pytest.fixture
def scene(world, settings, tmp_path) -> Scene:
    settings.PROGRAMME_DIR = tmp_path
    lead = make_user(world.clinic, User.Role.CLINIC_ADMIN, username="lead", clinical_lead=True)
    other_lead = make_user(
        world.other_clinic, User.Role.CLINIC_ADMIN, username="otherlead", clinical_lead=True
    )
    patient = make_patient(world.clinic, world.physio, last_name=NAME, email="q@example.org")
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    draft = plans.create_from_template(patient, patient.stage, world.physio)
    plan = plans.issue(draft, draft.lock_version, world.physio)
    job = make_ready(programmes.request_render(plan, world.physio))
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-20", G2_nprs="2")
    return Scene(world, lead, other_lead, patient, assessment, plan, job)


def url(scene: Scene, name: str) -> str:
    p, a = scene.patient.public_id, scene.assessment.public_id
    args = {
        "patients:detail": [p],
        "patients:invite": [p],
        "patients:assessment_create": [p],
        "patients:assessment": [p, a],
        "patients:assessment_edit": [p, a],
        "rehab:decision_confirm": [p, a],
        "rehab:decision_override": [p, a],
        "rehab:plans": [p],
        "rehab:plan": [p, scene.plan.public_id],
        "rehab:plan_revise": [p, scene.plan.public_id],
        "rehab:programme_request": [p, scene.plan.public_id],
        "rehab:programme_status": [p, scene.plan.public_id, scene.job.public_id],
        "rehab:programme_download": [p, scene.plan.public_id, scene.job.public_id],
        "rehab:link_create": [p, scene.plan.public_id],
    }.get(name)
    if name == "rehab:link_sheet":  # a link the physio made, waiting for its sheet
        args = [
            p,
            scene.plan.public_id,
            programmes.start_link(scene.plan, scene.world.physio)[0].pk,
        ]
    return reverse(name, args=args)


PERSONAS = ("physio", "lead", "admin", "other_lead")
# view: (method, answers of physio, clinical-lead admin, plain admin, another clinic's lead)
MATRIX = {
    "patients:detail": ("get", (200, 200, 200, 404)),
    "patients:assessment": ("get", (200, 200, 403, 404)),
    "rehab:programme_download": ("get", (200, 200, 403, 404)),
    "rehab:plans": ("get", (200, 200, 200, 404)),  # which plan and stage, not its content
    "rehab:plan": ("get", (200, 403, 403, 404)),  # a plan's content stays the physio's
    "rehab:programme_status": ("get", (200, 403, 403, 404)),
    "patients:assessment_create": ("get", (200, 403, 403, 404)),
    "patients:assessment_edit": ("get", (200, 403, 403, 404)),
    "rehab:decision_override": ("get", (200, 403, 403, 404)),
    "rehab:decision_confirm": ("post", (302, 403, 403, 404)),
    "rehab:programme_request": ("post", (302, 403, 403, 404)),
    "rehab:plan_revise": ("post", (302, 403, 403, 404)),
    "rehab:link_create": ("post", (302, 403, 403, 404)),
    "rehab:link_sheet": ("post", (200, 403, 403, 404)),  # the handover sheet
    "patients:invite": ("post", (302, 403, 403, 404)),
}


@pytest.mark.parametrize("view", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_view_answers_as_the_matrix_says(scene, view, persona):
    method, answers = MATRIX[view]
    response = getattr(client_for(scene.user(persona)), method)(url(scene, view))
    assert response.status_code == answers[PERSONAS.index(persona)], (view, persona)
    if response.status_code in (403, 404):
        assert NAME not in response.content.decode()


def test_a_clinical_lead_changes_nothing_clinical(scene):
    """Every write a clinical lead might post is refused and leaves everything as it was."""
    client = client_for(scene.lead)
    posts = {
        "patients:assessment_create": assessment_post(visit_date="2026-02-01"),
        "patients:assessment_edit": assessment_post(
            visit_date="2026-01-20", nprs_morning_baseline="7", reason="Typo in the pain score"
        ),
        "rehab:decision_confirm": {},
        "rehab:decision_override": {"action": "STAY", "reason": "Not convinced"},
        "rehab:programme_request": {},
        "rehab:plan_revise": {},
        "rehab:link_create": {},
        "rehab:link_sheet": {},
        "patients:invite": {},
    }
    for view, data in posts.items():
        assert client.post(url(scene, view), data).status_code == 403, view
    scene.assessment.refresh_from_db()
    assert scene.assessment.nprs_morning_baseline == 2 and scene.assessment.amended_at is None
    assert Assessment.objects.filter(patient=scene.patient).count() == 2
    decision = StageDecision.objects.get(assessment=scene.assessment)
    assert decision.status == StageDecision.Status.PENDING
    assert Plan.objects.filter(patient=scene.patient).count() == 1
    # No link of the lead's, and the physio's still waits for its sheet.
    assert RenderJob.objects.count() == 1 and not PatientLink.objects.filter(
        purpose=PatientLink.Purpose.DOWNLOAD
    ).exclude(created_by=scene.world.physio, token_given_at__isnull=True)
    assert not User.objects.filter(role=User.Role.PATIENT).exists()
    denied = AuditEvent.objects.filter(actor=scene.lead, action="access_denied")
    assert denied.count() == len(posts)


def test_the_download_is_the_programme(scene):
    response = client_for(scene.lead).get(url(scene, "rehab:programme_download"))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"


def test_reads_and_downloads_are_audited_as_a_physiotherapists_are(scene):
    views = ("patients:detail", "patients:assessment", "rehab:programme_download")

    def events(user):
        since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        client = client_for(user)
        for view in views:
            response = client.get(url(scene, view))
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return list(AuditEvent.objects.filter(id__gt=since).order_by("id"))

    physio, lead = events(scene.world.physio), events(scene.lead)
    same = ("action", "patient_ref", "object_ref", "route", "outcome", "clinic_id")
    assert [[getattr(e, f) for f in same] for e in lead] == [
        [getattr(e, f) for f in same] for e in physio
    ]
    assert [e.action for e in lead] == [
        "patient_viewed",
        "assessment_viewed",
        "programme_downloaded",
    ]
    assert all(e.role == "clinic_admin" and e.clinical_lead for e in lead)
    assert not any(e.clinical_lead for e in physio)
    assert lead[0].role_label == "Clinic admin, clinical lead"
    client_for(scene.world.admin).get(url(scene, "patients:detail"))
    plain = AuditEvent.objects.get(actor=scene.world.admin, action="patient_viewed")
    assert not plain.clinical_lead and plain.role_label == "Clinic admin"
    body = client_for(scene.world.admin).get(reverse("audit_log")).content.decode()
    assert '<span title="clinic_admin">Clinic admin, clinical lead</span>' in body


def test_the_patient_page_shows_a_lead_the_clinical_section_read_only(scene):
    body = client_for(scene.lead).get(url(scene, "patients:detail")).content.decode()
    assessment = reverse(
        "patients:assessment", args=[scene.patient.public_id, scene.assessment.public_id]
    )
    assert "Pain over time" in body and f'href="{assessment}"' in body
    assert "Waiting for the physiotherapist to confirm or override." in body
    for button in ("Record an assessment", "Confirm:", "Override", "Invite the patient"):
        assert button not in body, button
    assert f'href="{url(scene, "rehab:programme_download")}"' in body
    assert f"Version {scene.plan.version} (stage {scene.plan.stage})" in body
    # Still an admin's page: details and archive, and the plans' list (not their content).
    assert reverse("patients:edit", args=[scene.patient.public_id]) in body
    plan = reverse("rehab:plan", args=[scene.patient.public_id, scene.plan.public_id])
    assert f'href="{plan}"' not in body


def test_the_assessment_page_shows_a_lead_no_button_that_would_be_refused(scene):
    body = client_for(scene.lead).get(url(scene, "patients:assessment")).content.decode()
    assert "Usual morning pain" in body
    assert url(scene, "patients:assessment_edit") not in body and "Amend" not in body
    assert url(scene, "rehab:decision_confirm") not in body
    assert url(scene, "rehab:decision_override") not in body
    physio = client_for(scene.world.physio).get(url(scene, "patients:assessment"))
    assert url(scene, "rehab:decision_confirm") in physio.content.decode()


def test_a_plain_admin_and_a_physio_see_their_pages_as_before(scene):
    admin = client_for(scene.world.admin).get(url(scene, "patients:detail")).content.decode()
    assert "Pain over time" not in admin and "printed programme" not in admin
    assert (
        reverse("patients:assessment", args=[scene.patient.public_id, scene.assessment.public_id])
        not in admin
    )
    physio = client_for(scene.world.physio).get(url(scene, "patients:detail")).content.decode()
    assert "Record an assessment" in physio and "Confirm:" in physio
    assert url(scene, "rehab:programme_download") not in physio  # on the plan's page instead


def test_no_download_link_until_the_current_programme_is_ready(scene):
    RenderJob.objects.filter(pk=scene.job.pk).update(status=RenderJob.Status.QUEUED)
    body = client_for(scene.lead).get(url(scene, "patients:detail")).content.decode()
    assert "Download the printed programme" not in body
    # After a red-flag referral only the "programme paused" document may be handed out.
    RenderJob.objects.filter(pk=scene.job.pk).update(status=RenderJob.Status.READY)
    Patient.objects.filter(pk=scene.patient.pk).update(status=Patient.Status.PAUSED)
    body = client_for(scene.lead).get(url(scene, "patients:detail")).content.decode()
    assert "Download the printed programme" not in body
    response = client_for(scene.lead).get(url(scene, "rehab:programme_download"))
    assert response.status_code == 404


def test_another_clinics_lead_gets_nothing_of_the_patient(scene):
    client = client_for(scene.other_lead)
    for view in ("patients:detail", "patients:assessment", "rehab:programme_download"):
        response = client.get(url(scene, view))
        assert response.status_code == 404 and NAME not in response.content.decode(), view
    assert not AuditEvent.objects.filter(
        actor=scene.other_lead, action__in=["patient_viewed", "assessment_viewed"]
    )


def test_revoking_the_permission_takes_access_away_at_once(scene):
    client = client_for(scene.lead)
    assert client.get(url(scene, "patients:assessment")).status_code == 200
    account_services.set_clinical_lead(None, scene.lead, grant=False, label="operator")
    assert client.get(url(scene, "patients:assessment")).status_code == 403
    assert client.get(url(scene, "rehab:programme_download")).status_code == 403
    body = client.get(url(scene, "patients:detail")).content.decode()
    assert "Pain over time" not in body and "printed programme" not in body


@pytest.mark.parametrize(
    ("role", "lead", "wanted"),
    [
        (
            "clinic_admin",
            True,
            {"status", "assessments", "programme_pdf", "edit_record", "archive"},
        ),
        ("clinic_admin", False, {"status", "edit_record", "archive"}),
        ("patient", True, {"status"}),  # a stray flag grants nothing to another role
        ("", True, set()),
    ],
)
def test_the_permission_adds_reading_to_a_clinic_admin_only(role, lead, wanted):
    needs = ("status", "clinical", "assessments", "programme_pdf", "edit_record")
    needs += ("edit_clinical", "archive")
    user = SimpleNamespace(role=role, clinical_lead=lead)
    assert {need for need in needs if may(user, need)} == wanted  # type: ignore[arg-type]
