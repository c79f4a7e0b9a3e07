"""Every patient view tried by every persona (STYLE.md 13; SECURITY.md matrix)."""

import pytest
from django.urls import reverse

from ..conftest import client_for
from ..factories import make_assessment

PERSONAS = ["physio", "colleague", "other_physio", "admin", "patient", "anonymous"]


def user_of(world, patient, persona):
    if persona == "anonymous":
        return None
    if persona == "patient":
        return patient.user
    return getattr(world, persona)


@pytest.fixture
def signed(world, patient):
    return make_assessment(patient, world.physio, visit_date="2026-01-05")


def urls(patient, assessment):
    p, a = patient.public_id, assessment.public_id
    return {
        "detail": ("get", reverse("patients:detail", args=[p])),
        "edit": ("get", reverse("patients:edit", args=[p])),
        "archive": ("get", reverse("patients:archive", args=[p])),
        "restore": ("post", reverse("patients:restore", args=[p])),
        "assessment_create": ("get", reverse("patients:assessment_create", args=[p])),
        "assessment": ("get", reverse("patients:assessment", args=[p, a])),
        "assessment_edit": ("get", reverse("patients:assessment_edit", args=[p, a])),
        "decision_confirm": ("post", reverse("rehab:decision_confirm", args=[p, a])),
        "decision_override": ("get", reverse("rehab:decision_override", args=[p, a])),
    }


# Expected status per view and persona, for a patient of the persona's clinic.
EXPECTED = {
    #                    physio colleague other admin patient anonymous
    "detail": (200, 200, 404, 200, 302, 302),
    "edit": (200, 200, 404, 200, 403, 302),
    "archive": (200, 200, 404, 200, 403, 302),
    "restore": (302, 302, 404, 302, 403, 302),
    "assessment_create": (200, 200, 404, 403, 403, 302),
    "assessment": (200, 200, 404, 403, 403, 302),
    "assessment_edit": (200, 200, 404, 403, 403, 302),
    "decision_confirm": (302, 302, 404, 403, 403, 302),
    "decision_override": (200, 200, 404, 403, 403, 302),
}


@pytest.mark.parametrize("view", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_patient_views_answer_each_persona_as_the_matrix_says(
    world, patient, signed, view, persona
):
    method, url = urls(patient, signed)[view]
    response = getattr(client_for(user_of(world, patient, persona)), method)(url)
    expected = EXPECTED[view][PERSONAS.index(persona)]
    assert response.status_code == expected, (view, persona)
    if expected == 404:
        assert patient.last_name not in response.content.decode()
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["physio", "colleague", "admin"])
def test_another_clinics_patient_answers_404_with_nothing_of_it(world, other_patient, persona):
    assessment = make_assessment(other_patient, world.other_physio, visit_date="2026-01-05")
    client = client_for(getattr(world, persona))
    for view, (method, url) in urls(other_patient, assessment).items():
        response = getattr(client, method)(url)
        assert response.status_code == 404, view
        assert "Ottoline" not in response.content.decode(), view


def test_admin_sees_status_but_no_clinical_content(world, patient, signed):
    from rehab.services import confirm

    confirm(signed.decision, world.physio)
    page = client_for(world.admin).get(reverse("patients:detail", args=[patient.public_id]))
    body = page.content.decode()
    assert "Åberg" in body and "Stage 1" in body
    assert "Pain over time" not in body and "Record an assessment" not in body


def test_admin_reads_the_decisions_flags_in_words(world, patient, signed):
    from rehab.services import confirm

    decision = signed.decision
    decision.engine_flags = ["DWELL", "LOW_ADHERENCE"]
    decision.save(update_fields=["engine_flags"])
    confirm(decision, world.physio)
    page = client_for(world.admin).get(reverse("patients:detail", args=[patient.public_id]))
    body = page.content.decode()
    assert "flags: Minimum time or sessions in this stage not reached yet; Fewer than half" in body
    assert "LOW_ADHERENCE" not in body


def test_patient_list_shows_only_the_clinics_patients(world, patient, other_patient):
    body = client_for(world.other_physio).get(reverse("patients:list")).content.decode()
    assert "Ottoline" in body and "Åberg" not in body
    assert client_for(patient.user).get(reverse("patients:list")).status_code == 403


def test_access_denials_are_audited(world, patient):
    from accounts.models import AuditEvent

    client_for(world.other_physio).get(reverse("patients:detail", args=[patient.public_id]))
    event = AuditEvent.objects.get(action="access_denied")
    assert event.actor == world.other_physio and event.outcome == "denied"


def test_the_record_names_its_own_physiotherapist_whoever_opens_it(world, patient):
    """A physiotherapist's own patient reuses the request's loaded account and clinic rather
    than joining them again; a colleague's patient still names the colleague."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import make_patient

    theirs = make_patient(world.clinic, world.colleague, last_name="Colleagues")
    client = client_for(world.physio)
    client.get(reverse("patients:detail", args=[patient.public_id]))  # warm the session
    with CaptureQueriesContext(connection) as captured:
        own = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    record = next(q["sql"] for q in captured if q["sql"].startswith('SELECT "patients_patient"'))
    assert "JOIN" not in record, record
    assert f'<dd class="col-6">{world.physio.display_name}</dd>' in own
    other = client.get(reverse("patients:detail", args=[theirs.public_id])).content.decode()
    assert f'<dd class="col-6">{world.colleague.display_name}</dd>' in other
    admin = client_for(world.admin).get(reverse("patients:detail", args=[theirs.public_id]))
    assert f'<dd class="col-6">{world.colleague.display_name}</dd>' in admin.content.decode()
