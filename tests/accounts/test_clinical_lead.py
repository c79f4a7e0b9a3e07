"""Granting and revoking the clinical-lead permission: on the staff page granted by a clinical
lead and revoked by any other admin of the clinic, never by oneself; by the operator's
command; gone with the role or the account."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent, User

from ..concurrency import (
    another_session_waits_for_a_lock,
    close_clinic_while,
    in_thread,
    require_row_locks,
)
from ..conftest import client_for
from ..factories import make_user

GRANT, REVOKE = {"clinical_lead": "grant"}, {"clinical_lead": "revoke"}
CONFIRMED = {"confirm": "on"}


@pytest.fixture
def second(world):
    """Another active clinic admin of the world's clinic."""
    return make_user(world.clinic, User.Role.CLINIC_ADMIN, username="second")


@pytest.fixture
def lead(world):
    """The world's clinic admin, made clinical lead (as the operator's command does)."""
    User.objects.filter(pk=world.admin.pk).update(clinical_lead=True)
    world.admin.refresh_from_db()
    return world.admin


def lead_url(member):
    return reverse("staff_clinical_lead", args=[member.public_id])


def is_lead(user):
    user.refresh_from_db()
    return user.clinical_lead


def test_a_lead_grants_it_and_another_admin_revokes_it(world, lead, second):
    client = client_for(lead)
    response = client.post(lead_url(second), GRANT, follow=True)
    assert response.redirect_chain == [(reverse("staff_detail", args=[second.public_id]), 302)]
    body = response.content.decode()
    assert f"{second.display_name} is now clinical lead" in body
    assert "not record, sign or change anything clinical" in body
    assert is_lead(second)
    event = AuditEvent.objects.get(action="clinical_lead_granted")
    assert (event.actor, event.role, event.clinic) == (lead, "clinic_admin", world.clinic)
    assert event.object_ref == f"accounts.user:{second.public_id}" and event.patient_ref is None

    plain = make_user(world.clinic, User.Role.CLINIC_ADMIN, username="plain")
    body = client_for(plain).post(lead_url(second), REVOKE, follow=True).content.decode()
    assert f"{second.display_name} is no longer clinical lead" in body
    assert not is_lead(second)
    assert AuditEvent.objects.filter(action="clinical_lead_revoked", actor=plain).count() == 1


def test_a_plain_admin_cannot_grant_it_not_even_through_a_second_account(world, second):
    """SECURITY.md "never above own level": an admin who is not clinical lead could otherwise
    invite a second admin account and, logged in as it, make themself clinical lead."""
    for granter, member in ((world.admin, second), (second, world.admin)):
        response = client_for(granter).post(lead_url(member), GRANT)
        assert response.status_code == 403
        assert not is_lead(member)
        assert AuditEvent.objects.filter(action="access_denied", actor=granter).count() == 1
    assert not AuditEvent.objects.filter(action__startswith="clinical_lead_")


def test_a_lead_who_has_just_lost_the_permission_grants_nothing(world, lead, second):
    """The page was loaded while they were lead; the grant finds their row changed since."""
    User.objects.filter(pk=lead.pk).update(clinical_lead=False)
    request = RequestFactory().post(lead_url(second), GRANT)
    request.user = lead  # as loaded before the revocation: still clinical_lead in memory
    with pytest.raises(services.NotClinicalLead):
        services.set_clinical_lead(request, second, grant=True)
    assert not is_lead(second)
    assert not AuditEvent.objects.filter(action="clinical_lead_granted")


def test_a_repeated_grant_changes_and_audits_nothing_more(world, lead, second):
    client = client_for(lead)
    client.post(lead_url(second), GRANT)
    body = client.post(lead_url(second), GRANT, follow=True).content.decode()
    assert "Nothing was changed" in body and "is clinical lead already" in body
    assert AuditEvent.objects.filter(action="clinical_lead_granted").count() == 1


@pytest.mark.parametrize("data", [GRANT, REVOKE])
def test_nobody_changes_their_own_permission(world, second, data):
    """Not a plain admin granting it to themself, nor a lead revoking their own."""
    User.objects.filter(pk=world.admin.pk).update(clinical_lead=data == REVOKE)
    before = is_lead(world.admin)
    response = client_for(world.admin).post(lead_url(world.admin), data)
    assert response.status_code == 403
    assert is_lead(world.admin) == before
    assert not AuditEvent.objects.filter(action__startswith="clinical_lead_")
    assert AuditEvent.objects.get(action="access_denied").actor == world.admin


def test_only_an_active_clinic_admin_can_be_given_it(world, lead):
    client = client_for(lead)
    inactive = make_user(world.clinic, User.Role.CLINIC_ADMIN, is_active=False)
    for member in (world.physio, inactive):
        assert client.post(lead_url(member), GRANT).status_code == 403
        assert not is_lead(member)
    assert not AuditEvent.objects.filter(action__startswith="clinical_lead_")


def test_only_within_the_admins_own_clinic(world, lead):
    response = client_for(lead).post(lead_url(world.other_admin), GRANT)
    assert response.status_code == 404
    assert world.other_admin.display_name not in response.content.decode()
    assert not is_lead(world.other_admin)


@pytest.mark.parametrize("persona", ["physio", "patient", "anonymous"])
def test_only_clinic_admins_grant_it(world, second, persona):
    user = {
        "physio": world.physio,
        "patient": make_user(world.clinic, User.Role.PATIENT),
        "anonymous": None,
    }[persona]
    response = client_for(user).post(lead_url(second), GRANT)
    assert response.status_code == (302 if persona == "anonymous" else 403)
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    assert not is_lead(second)


def test_a_get_changes_nothing(world, lead, second):
    response = client_for(lead).get(lead_url(second), GRANT)
    assert response.status_code == 405
    assert not is_lead(second)


def test_a_post_without_the_csrf_token_is_refused(world, lead, second):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert client.post(lead_url(second), GRANT).status_code == 403
    assert not is_lead(second)


@pytest.mark.parametrize(
    "data", [{}, {"clinical_lead": "yes"}, {"clinical_lead_": "grant", "role": "clinic_admin"}]
)
def test_a_forged_form_changes_nothing(world, lead, second, data):
    response = client_for(lead).post(lead_url(second), data, follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert not is_lead(second)


def test_the_staff_pages_show_who_is_clinical_lead_and_offer_only_what_is_allowed(world, second):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    client = client_for(world.admin)
    listing = client.get(reverse("staff_list")).content.decode()
    row = next(r for r in listing.split("<tr>") if f"<td>{second.username}</td>" in r)
    assert "<td>Clinic admin, clinical lead</td>" in row
    own_row = next(r for r in listing.split("<tr>") if f"<td>{world.admin.username}</td>" in r)
    assert "clinical lead" not in own_row

    page = client.get(reverse("staff_detail", args=[second.public_id])).content.decode()
    assert f'action="{lead_url(second)}"' in page and 'value="revoke"' in page
    assert f"Revoke {second.display_name}'s clinical-lead permission" in page
    own = client.get(reverse("staff_detail", args=[world.admin.public_id])).content.decode()
    assert lead_url(world.admin) not in own and "Nobody changes their own" in own
    physio = client.get(reverse("staff_detail", args=[world.physio.public_id])).content.decode()
    assert lead_url(world.physio) not in physio and "Clinical lead" not in physio
    User.objects.filter(pk=second.pk).update(clinical_lead=False)
    page = client.get(reverse("staff_detail", args=[second.public_id])).content.decode()
    assert 'value="grant"' not in page and lead_url(second) not in page
    assert "Only a clinical lead of the clinic, or whoever runs the app, can make" in page
    User.objects.filter(pk=world.admin.pk).update(clinical_lead=True)
    page = client.get(reverse("staff_detail", args=[second.public_id])).content.decode()
    assert f"Make {second.display_name} clinical lead" in page and 'value="grant"' in page


def test_the_leads_own_account_page_says_so(world, second):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    body = client_for(second).get(reverse("account")).content.decode()
    assert "Clinic admin, clinical lead" in body


# Gone with the role or the account -------------------------------------------------------


def test_deactivating_a_lead_clears_it_and_reactivating_does_not_restore_it(world, second):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    client = client_for(world.admin)
    client.post(reverse("staff_deactivate", args=[second.public_id]), CONFIRMED)
    second.refresh_from_db()
    assert not second.is_active and not second.clinical_lead
    revoked = AuditEvent.objects.get(action="clinical_lead_revoked")
    assert revoked.actor == world.admin and revoked.object_ref.endswith(str(second.public_id))
    client.post(reverse("staff_reactivate", args=[second.public_id]))
    second.refresh_from_db()
    assert second.is_active and not second.clinical_lead


def test_a_lead_made_physiotherapist_loses_it(world, second):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    url = reverse("staff_detail", args=[second.public_id])
    assert client_for(world.admin).post(url, {"role": "physio"}).status_code == 302
    second.refresh_from_db()
    assert second.role == "physio" and not second.clinical_lead
    assert AuditEvent.objects.filter(action="clinical_lead_revoked").count() == 1


def test_deactivating_the_clinic_clears_it(world, second):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    call_command("deactivate_clinic", str(world.clinic.pk), stdout=io.StringIO())
    second.refresh_from_db()
    assert not second.is_active and not second.clinical_lead
    event = AuditEvent.objects.get(action="clinical_lead_revoked")
    assert event.actor is None and event.actor_label == "operator" and event.clinic == world.clinic


@pytest.mark.parametrize(
    "change",
    [
        {"role": User.Role.PHYSIO},
        {"role": User.Role.PATIENT},
        {"is_active": False},
    ],
)
def test_the_database_refuses_a_lead_who_is_not_an_active_clinic_admin(world, second, change):
    User.objects.filter(pk=second.pk).update(clinical_lead=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=second.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(world.clinic, User.Role.PHYSIO, clinical_lead=True)


def operator_editing_a_lead(lead, **fields):
    """Make ``lead`` clinical lead; a superuser, the admin's change URL of ``lead`` and the
    change form's data with ``fields`` (clinic, role) as posted."""
    User.objects.filter(pk=lead.pk).update(clinical_lead=True)
    root = make_user(None, "", username="root", is_superuser=True, is_staff=True)
    url = reverse("admin:accounts_user_change", args=[lead.pk])
    form = {
        "username": lead.username,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        **fields,
    }
    return root, url, form


def test_the_operators_admin_refuses_to_change_a_leads_role_or_deactivate_them(world, second):
    from django.contrib import admin

    root, url, form = operator_editing_a_lead(second, clinic=world.clinic.pk, role="physio")
    response = client_for(root).post(url, form)
    assert response.status_code == 200
    assert f"manage.py clinical_lead {second.username} --revoke" in response.content.decode()
    second.refresh_from_db()
    assert second.role == "clinic_admin" and second.clinical_lead
    assert "clinical_lead" in admin.site._registry[User].readonly_fields
    # The same form with the role unchanged saves: only the lead's role and status are held.
    response = client_for(root).post(url, {**form, "role": "clinic_admin", "first_name": "Kit"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.first_name == "Kit" and second.clinical_lead


def test_the_operators_admin_refuses_to_move_a_lead_to_another_clinic(world, second):
    """Granted by an admin of one clinic, the permission must not read another clinic's
    assessments because the operator moved the person there (review h7)."""
    from ..factories import make_assessment, make_patient

    root, url, form = operator_editing_a_lead(
        second, clinic=world.other_clinic.pk, role="clinic_admin"
    )
    response = client_for(root).post(url, form)
    assert response.status_code == 200
    assert f"manage.py clinical_lead {second.username} --revoke" in response.content.decode()
    second.refresh_from_db()
    assert second.clinic == world.clinic and second.clinical_lead
    farside = make_patient(world.other_clinic, world.other_physio, last_name="Farside")
    visit = make_assessment(farside, world.other_physio, visit_date="2026-01-05")
    page = client_for(second).get(
        reverse("patients:assessment", args=[farside.public_id, visit.public_id])
    )
    assert page.status_code == 404 and "Farside" not in page.content.decode()


# The operator's command ---------------------------------------------------------------------


def clinical_lead(*args):
    out = io.StringIO()
    call_command("clinical_lead", *args, stdout=out)
    return out.getvalue()


def test_the_operator_grants_and_revokes_it_for_a_clinic_with_one_admin(world):
    output = clinical_lead(world.admin.username, "--grant")
    assert "clinicadmin of Riverside Test Clinic is now clinical lead" in output
    assert is_lead(world.admin)
    event = AuditEvent.objects.get(action="clinical_lead_granted")
    assert (event.actor, event.actor_label, event.clinic) == (None, "operator", world.clinic)
    assert event.object_ref == f"accounts.user:{world.admin.public_id}"

    assert "is clinical lead already" in clinical_lead(world.admin.username, "--grant")
    assert AuditEvent.objects.filter(action="clinical_lead_granted").count() == 1
    assert "is no longer clinical lead" in clinical_lead(world.admin.username, "--revoke")
    assert not is_lead(world.admin)
    assert AuditEvent.objects.filter(action="clinical_lead_revoked").count() == 1


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nobody", "No user with the username 'nobody'"),
        ("treating", "treating is not an active clinic admin"),
        ("former", "former is not an active clinic admin"),
    ],
)
def test_the_command_refuses_anyone_but_an_active_clinic_admin(world, who, message):
    make_user(world.clinic, User.Role.CLINIC_ADMIN, username="former", is_active=False)
    with pytest.raises(CommandError, match=message):
        clinical_lead(who, "--grant")
    assert not User.objects.filter(clinical_lead=True).exists()
    assert not AuditEvent.objects.filter(action__startswith="clinical_lead_")


@pytest.mark.parametrize("flags", [[], ["--grant", "--revoke"]])
def test_the_command_needs_exactly_one_of_grant_or_revoke(world, flags):
    with pytest.raises(CommandError):
        clinical_lead(world.admin.username, *flags)
    assert not is_lead(world.admin)


@pytest.mark.django_db(transaction=True)
def test_closing_the_clinic_waits_for_a_grant_in_progress_and_then_revokes_it(world, second):
    """A grant committed while the clinic is being closed: the closing waits for it and takes
    the permission away, instead of failing on the database's check and rolling back."""
    require_row_locks()
    granting, go = threading.Event(), threading.Event()

    def grant() -> None:
        with transaction.atomic():
            User.objects.select_for_update().get(pk=second.pk)
            User.objects.filter(pk=second.pk).update(clinical_lead=True)
            granting.set()
            go.wait(10)

    assert close_clinic_while(grant, granting, go, world.clinic.pk) == []
    second.refresh_from_db()
    assert not second.is_active and not second.clinical_lead
    world.clinic.refresh_from_db()
    assert not world.clinic.is_active
    assert AuditEvent.objects.filter(action="clinical_lead_revoked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_closing_the_clinic_waits_for_a_leads_grant_and_revokes_both(world, lead, second):
    """A lead's grant in progress when the clinic closes: the closing waits for it, then
    takes the permission away from both."""
    require_row_locks()
    granting, go = threading.Event(), threading.Event()
    request = RequestFactory().post(lead_url(second), GRANT)
    request.user = lead

    def grant() -> None:
        with transaction.atomic():  # keeps the grant's locks until the closing waits for them
            services.set_clinical_lead(request, second, grant=True)
            granting.set()
            go.wait(10)

    assert close_clinic_while(grant, granting, go, world.clinic.pk) == []
    assert not is_lead(lead) and not is_lead(second)
    assert AuditEvent.objects.filter(action="clinical_lead_granted").count() == 1
    assert AuditEvent.objects.filter(action="clinical_lead_revoked").count() == 2


@pytest.mark.django_db(transaction=True)
def test_deactivating_a_lead_while_they_grant_waits_instead_of_deadlocking(
    world, lead, second, monkeypatch
):
    """The grant has locked the lead's row and the member's and is about to write its audit
    row (which refers to the clinic); another admin deactivating the lead locks the clinic's
    row, then waits for the lead's. Unless the grant took the clinic's row first, each waits
    for the other and PostgreSQL aborts one with "deadlock detected"."""
    require_row_locks()
    other_admin = RequestFactory().post("/")
    other_admin.user = make_user(world.clinic, User.Role.CLINIC_ADMIN, username="third")
    granting, go = threading.Event(), threading.Event()
    record = services.audit.record

    def record_after_a_pause(request, action, **kwargs):
        if action == "clinical_lead_granted":
            granting.set()
            go.wait(10)
        return record(request, action, **kwargs)

    monkeypatch.setattr(services.audit, "record", record_after_a_pause)
    request = RequestFactory().post(lead_url(second), GRANT)
    request.user = lead
    errors: list[BaseException] = []
    granter = in_thread(lambda: services.set_clinical_lead(request, second, grant=True), errors)
    granter.start()
    assert granting.wait(10)
    deactivating = User.objects.get(pk=lead.pk)
    closer = in_thread(lambda: services.deactivate(other_admin, deactivating), errors)
    closer.start()
    assert another_session_waits_for_a_lock()
    go.set()
    granter.join(15)
    closer.join(15)
    assert errors == []
    assert is_lead(second)  # granted before the lead was deactivated
    lead.refresh_from_db()
    assert not lead.is_active and not lead.clinical_lead
