"""The audit trail page, and the audit table's append-only guarantee."""

import ast
import datetime as dt
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import audit
from accounts.models import AUDIT_ACTION_LABELS, AuditEvent

from ..conftest import client_for
from ..factories import make_patient


def event_at(when, actor, action="patient_viewed", **kwargs):
    """An audit row written at ``when`` (the column is filled by the clock on insert)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit.record(None, action, actor=actor, **kwargs)


class Ref:
    """Something with a public id and a clinic, as audit.record expects of a patient."""

    def __init__(self, clinic):
        self.public_id = uuid.uuid4()
        self.clinic = clinic


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def listed(response):
    return [(e.actor_label, e.action) for e in response.context["page"]]


def test_admin_sees_the_clinics_events_newest_first(world):
    event_at(utc(2026, 1, 1, 9), world.physio, "patient_viewed")
    event_at(utc(2026, 1, 2, 9), world.colleague, "assessment_created")
    event_at(utc(2026, 1, 3, 9), world.other_physio, "patient_viewed")
    response = client_for(world.admin).get(reverse("audit_log"))
    assert listed(response) == [
        ("colleague", "assessment_created"),
        ("treating", "patient_viewed"),
    ]
    assert "outsider" not in response.content.decode()


def test_a_physiotherapist_sees_only_their_own_actions(world):
    event_at(utc(2026, 1, 1, 9), world.physio, "patient_viewed")
    event_at(utc(2026, 1, 2, 9), world.colleague, "assessment_created")
    response = client_for(world.physio).get(reverse("audit_log"))
    assert listed(response) == [("treating", "patient_viewed")]
    assert "colleague" not in response.content.decode()
    # Asking for someone else's actions does not widen the view.
    url = reverse("audit_log") + f"?user={world.colleague.public_id}"
    assert listed(client_for(world.physio).get(url)) == [("treating", "patient_viewed")]


def test_rows_show_who_role_action_patient_outcome_and_both_times(world):
    world.clinic.time_zone = "Pacific/Auckland"
    world.clinic.save()
    patient = Ref(world.clinic)
    event_at(utc(2026, 1, 10, 12), world.physio, "pdf_downloaded", patient=patient)
    body = client_for(world.admin).get(reverse("audit_log")).content.decode()
    assert "2026-01-10 12:00:00" in body  # UTC
    assert "11 Jan 2026, 01:00:00" in body  # Auckland, UTC+13 in January
    for text in ("treating", "physio", "pdf_downloaded", str(patient.public_id), "Success"):
        assert text in body


def test_a_patients_name_leads_to_their_events_and_their_page_to_the_trail(world):
    patient = make_patient(world.clinic, world.physio, first_name="Ama", last_name="Owusu")
    other = make_patient(world.clinic, world.physio, first_name="Bo", last_name="Lind")
    event_at(utc(2026, 1, 10, 12), world.physio, "patient_viewed", patient=patient)
    event_at(utc(2026, 1, 10, 13), world.physio, "patient_viewed", patient=other)
    admin = client_for(world.admin)
    body = admin.get(reverse("audit_log")).content.decode()
    assert f'<a href="?patient={patient.public_id}" title="Only this patient' in body
    assert ">Ama Owusu</a>" in body and ">Bo Lind</a>" in body
    trail = f"{reverse('audit_log')}?patient={patient.public_id}"
    page = admin.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert f'href="{trail}"' in page
    events = admin.get(trail).context["page"]  # the physio's view and the admin's own
    assert [(e.actor_label, e.patient_ref) for e in events] == [
        ("clinicadmin", patient.public_id),
        ("treating", patient.public_id),
    ]
    # A physiotherapist reads their own actions from the trail, not a record's.
    mine = client_for(world.physio).get(reverse("patients:detail", args=[patient.public_id]))
    assert "audit trail" not in mine.content.decode()


def test_actions_and_roles_are_shown_in_words_with_their_codes_kept(world):
    event_at(utc(2026, 1, 10, 12), world.physio, "assessment_signed")
    event_at(utc(2026, 1, 10, 13), world.admin, "rules_parameters_reset")
    event_at(utc(2026, 1, 10, 14), world.physio, "something_new")  # no label yet
    body = client_for(world.admin).get(reverse("audit_log")).content.decode()
    assert '<td><span title="assessment_signed">Assessment signed</span></td>' in body
    assert (
        '<td><span title="rules_parameters_reset">'
        "Stage-rules parameters reset to the PROTOCOL defaults</span></td>"
    ) in body
    assert '<td><span title="something_new">Something new</span></td>' in body
    assert '<td><span title="physio">Physiotherapist</span></td>' in body
    assert '<td><span title="clinic_admin">Clinic admin</span></td>' in body
    assert ">assessment_signed<" not in body and ">clinic_admin<" not in body


def _literals(node):
    """The strings an expression can give (both arms of an ``if``), but not f-string parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        return set()
    return set().union(*(_literals(child) for child in ast.iter_child_nodes(node)))


def _recorded_actions():
    """Every action code passed to audit.record as a literal anywhere in the apps."""
    actions = set()
    for app in ("accounts", "patients", "rehab"):
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"
                    and len(node.args) > 1
                ):
                    actions |= _literals(node.args[1])
    return actions


def test_rows_say_whom_a_staff_event_was_about_and_what_else_an_event_concerned(world):
    event_at(utc(2026, 1, 1), world.admin, "staff_deactivated", obj=world.colleague)
    event_at(utc(2026, 1, 2), world.admin, "staff_invited", obj=world.other_physio)
    event_at(utc(2026, 1, 3), world.admin, "clinic_settings_changed", obj=world.clinic)
    body = client_for(world.admin).get(reverse("audit_log")).content.decode()
    row = next(r for r in body.split("<tr>") if "Staff member deactivated" in r)
    assert f"<td>{world.colleague.display_name} ({world.colleague.username})</td>" in row
    other = next(r for r in body.split("<tr>") if "Staff member invited" in r)
    assert "<td>a staff member</td>" in other  # another clinic's person is not named
    assert world.other_physio.username not in other
    settings_row = next(r for r in body.split("<tr>") if "Clinic settings changed" in r)
    assert "<td>clinic</td>" in settings_row


def test_every_recorded_action_has_a_label():
    # Codes passed through a variable: the assessment service, the rules page, downloads.
    indirect = {
        "assessment_saved", "assessment_signed", "assessment_amended",
        "rules_parameters_changed", "rules_parameters_reset",
        "programme_downloaded", "programme_downloaded_by_link",
        *(f"staff_role_set_{role}" for role in ("physio", "clinic_admin")),
    }  # fmt: skip
    found = _recorded_actions()
    assert {"login", "patient_viewed", "diary_flagged", "caseload_exported"} <= found
    missing = sorted((found | indirect) - set(AUDIT_ACTION_LABELS))
    assert not missing, f"Add these to accounts.models.AUDIT_ACTION_LABELS: {missing}"


def test_filters_by_patient_user_and_dates_in_the_clinic_time_zone(world):
    world.clinic.time_zone = "Pacific/Auckland"
    world.clinic.save()
    patient = Ref(world.clinic)
    event_at(utc(2026, 1, 10, 12), world.physio, "a", patient=patient)  # 11 Jan in Auckland
    event_at(utc(2026, 1, 9, 12), world.physio, "b")  # 10 Jan in Auckland
    event_at(utc(2026, 1, 10, 13), world.colleague, "c", patient=patient)  # 11 Jan
    client = client_for(world.admin)

    def actions(query):
        return [e.action for e in client.get(reverse("audit_log"), query).context["page"]]

    assert actions({"patient": str(patient.public_id)}) == ["c", "a"]
    assert actions({"user": str(world.physio.public_id)}) == ["a", "b"]
    assert actions({"date_from": "2026-01-11", "date_to": "2026-01-11"}) == ["c", "a"]
    assert actions({"date_to": "2026-01-10"}) == ["b"]
    assert actions({"user": str(world.physio.public_id), "date_from": "2026-01-11"}) == ["a"]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-01-12", "date_to": "2026-01-11"},
        {"patient": "not-a-uuid"},
        {"user": "00000000-0000-0000-0000-000000000001"},
        {"date_from": "2026-02-30"},
    ],
)
def test_bad_filters_show_a_message_and_no_rows(world, query):
    event_at(utc(2026, 1, 10, 12), world.physio)
    response = client_for(world.admin).get(reverse("audit_log"), query)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert listed(response) == []


def test_another_clinics_person_is_not_a_filter_choice(world):
    event_at(utc(2026, 1, 10, 12), world.other_physio)
    url = reverse("audit_log") + f"?user={world.other_physio.public_id}"
    response = client_for(world.admin).get(url)
    assert listed(response) == []
    assert "outsider" not in response.content.decode()


def test_the_page_is_paginated_and_its_query_count_does_not_grow(world):
    def queries_for_page(page):
        client = client_for(world.admin)
        client.get(reverse("audit_log"))  # warm up the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("audit_log"), {"page": page})
        assert response.status_code == 200
        return len(ctx), response

    event_at(utc(2026, 1, 1), world.physio)
    few, _ = queries_for_page(1)
    for minute in range(59):
        event_at(utc(2026, 1, 2, 0, minute), world.colleague)
    many, response = queries_for_page(1)
    assert few == many <= 8
    assert len(response.context["page"]) == 50
    _, last = queries_for_page(2)
    assert len(last.context["page"]) == 10
    assert "Page 2 of 2" in last.content.decode()


# Append-only ------------------------------------------------------------------------------


def test_updating_or_deleting_an_audit_row_fails_in_postgresql(world, on_postgresql):
    event = audit.record(None, "login", actor=world.physio)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        world.physio.delete()  # SET_NULL on the audit rows is an UPDATE too
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_audit_rows_roll_back_with_their_transaction(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(None, "patient_created", actor=world.physio)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="patient_created").exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_runner_can_still_empty_the_audit_table(world):
    # Committed rows; the flush after this test TRUNCATEs, which fires no row trigger.
    audit.record(None, "login", actor=world.physio)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_audit_table_is_empty(world):
    assert AuditEvent.objects.count() == 0
