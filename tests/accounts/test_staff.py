"""Staff accounts managed by the clinic admin: invite, accept, roles, deactivate, reactivate."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, User
from patients.models import Patient
from rehab.models import StageDecision

from ..conftest import client_for
from ..factories import PASSWORD, make_assessment, make_patient, make_user
from .conftest import log_in

NEW_PASSWORD = "a-long-and-new-passphrase-41"
CONFIRMED = {"confirm": "on"}  # what the staff page's confirmation sends with "Deactivate"


def invite(client, **overrides):
    data = {
        "email": "New.Person@Example.org",
        "first_name": "Noor",
        "last_name": "Haddad",
        "role": "physio",
        **overrides,
    }
    return client.post(reverse("staff_invite"), data)


def emailed_link():
    assert len(mail.outbox) == 1
    match = re.search(r"http://testserver(/invitation/[^/\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def accept(path, password=NEW_PASSWORD):
    return Client().post(path, {"new_password1": password, "new_password2": password})


def test_admin_invites_a_physiotherapist_who_sets_a_password_and_logs_in(world):
    response = invite(client_for(world.admin))
    assert response.status_code == 302 and response["Location"] == reverse("staff_list")

    person = User.objects.get(email="new.person@example.org")
    assert (person.username, person.role, person.clinic) == (
        "new.person@example.org",
        "physio",
        world.clinic,
    )
    assert not person.is_active and not person.has_usable_password()
    assert mail.outbox[0].to == ["new.person@example.org"]
    path = emailed_link()
    token = path.split("/")[2]
    invitation = Invitation.objects.get(user=person)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    hours = (invitation.expires_at - invitation.created_at) / timedelta(hours=1)
    assert round(hours) == 72
    event = AuditEvent.objects.get(action="staff_invited")
    assert event.actor == world.admin and event.object_ref.endswith(str(person.public_id))

    page = Client().get(path)
    assert page.status_code == 200 and "new.person@example.org" in page.content.decode()
    response = accept(path)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.is_active and person.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(user=person).used_at is not None
    assert AuditEvent.objects.filter(action="invitation_accepted", actor=person).exists()
    log_in("new.person@example.org", NEW_PASSWORD)


def test_an_invitation_works_once(world):
    invite(client_for(world.admin))
    path = emailed_link()
    assert accept(path).status_code == 302
    assert Client().get(path).status_code == 404
    assert accept(path, "another-long-passphrase-77").status_code == 404
    assert User.objects.get(username="new.person@example.org").check_password(NEW_PASSWORD)


def test_an_invitation_expires_after_72_hours(world):
    invite(client_for(world.admin))
    path = emailed_link()
    invitation = Invitation.objects.get()
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    response = Client().get(path)
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert accept(path).status_code == 404
    assert not User.objects.get(username="new.person@example.org").is_active


def test_unknown_tokens_answer_404(world):
    assert Client().get(reverse("invitation_accept", args=["x" * 43])).status_code == 404


def test_the_invitation_password_follows_the_password_rules(world):
    invite(client_for(world.admin))
    response = accept(emailed_link(), "short-pw1")
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.get(username="new.person@example.org").is_active


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "treating@example.org", "already an account"),
        ("email", "not-an-email", "valid email"),
        ("role", "patient", "valid choice"),
        ("role", "superuser", "valid choice"),
        ("first_name", "Evil\u202eName", "control characters"),
        ("last_name", "   ", "required"),
    ],
)
def test_invite_refuses_bad_input(world, field, value, message):
    world.physio.email = "treating@example.org"
    world.physio.save()
    response = invite(client_for(world.admin), **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(first_name="Noor").exists()
    assert not mail.outbox


def test_invite_ignores_forged_clinic_and_privilege_fields(world):
    invite(
        client_for(world.admin),
        clinic=str(world.other_clinic.pk),
        is_superuser="on",
        is_staff="on",
        is_active="on",
    )
    person = User.objects.get(email="new.person@example.org")
    assert person.clinic == world.clinic
    assert not (person.is_superuser or person.is_staff or person.is_active)


def test_staff_list_shows_role_last_login_and_status(world, patient_account):
    world.colleague.last_login = timezone.now()
    world.colleague.save()
    make_user(world.clinic, User.Role.PHYSIO, username="gone", is_active=False)
    invite(client_for(world.admin))
    expired = make_user(world.clinic, User.Role.PHYSIO, username="late", is_active=False)
    Invitation.issue(expired, world.admin)
    Invitation.objects.filter(user=expired).update(expires_at=timezone.now())
    response = client_for(world.admin).get(reverse("staff_list"))
    status = {member.username: text for member, text in response.context["rows"]}
    assert status == {
        "treating": "Active",
        "colleague": "Active",
        "clinicadmin": "Active",
        "gone": "Deactivated",
        "new.person@example.org": "Invited",
        "late": "Invitation expired",
    }
    body = response.content.decode()
    assert "outsider" not in body and "patientaccount" not in body
    assert "Physiotherapist" in body and "Clinic admin" in body
    local = timezone.localtime(world.colleague.last_login, world.clinic.tzinfo)
    assert local.strftime("%-d %b %Y, %H:%M") in body


def test_admin_changes_a_role_within_the_clinic(world):
    url = reverse("staff_detail", args=[world.colleague.public_id])
    response = client_for(world.admin).post(url, {"role": "clinic_admin", "clinic": "999"})
    assert response.status_code == 302
    world.colleague.refresh_from_db()
    assert world.colleague.role == "clinic_admin" and world.colleague.clinic == world.clinic
    assert AuditEvent.objects.filter(action="staff_role_set_clinic_admin").count() == 1


@pytest.mark.parametrize("role", ["patient", "superuser", ""])
def test_no_role_outside_the_staff_roles(world, role):
    url = reverse("staff_detail", args=[world.colleague.public_id])
    response = client_for(world.admin).post(url, {"role": role})
    assert response.status_code == 200
    world.colleague.refresh_from_db()
    assert world.colleague.role == "physio" and not world.colleague.is_superuser


def test_the_last_active_admin_cannot_demote_or_deactivate_themself(world):
    client = client_for(world.admin)
    own = world.admin.public_id
    response = client.post(reverse("staff_detail", args=[own]), {"role": "physio"})
    assert response.status_code == 200
    assert "at least one active clinic admin" in response.content.decode()
    response = client.post(reverse("staff_deactivate", args=[own]), CONFIRMED, follow=True)
    assert "at least one active clinic admin" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.is_active and world.admin.role == "clinic_admin"
    assert not AuditEvent.objects.filter(action__in=["staff_deactivated", "staff_role_set_physio"])


def test_with_another_active_admin_an_admin_may_step_down(world):
    make_user(world.clinic, User.Role.CLINIC_ADMIN, username="second")
    client = client_for(world.admin)
    response = client.post(
        reverse("staff_detail", args=[world.admin.public_id]), {"role": "physio"}
    )
    assert response.status_code == 302
    world.admin.refresh_from_db()
    assert world.admin.role == "physio"


def test_an_inactive_admin_does_not_count_as_the_other_admin(world):
    make_user(world.clinic, User.Role.CLINIC_ADMIN, username="former", is_active=False)
    client_for(world.admin).post(
        reverse("staff_detail", args=[world.admin.public_id]), {"role": "physio"}
    )
    world.admin.refresh_from_db()
    assert world.admin.role == "clinic_admin"


def test_deactivation_ends_the_persons_sessions_at_once_and_keeps_the_account(world):
    colleague = log_in(world.colleague, ip="10.0.0.7")
    assert colleague.get(reverse("dashboard")).status_code == 200
    key = colleague.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()

    admin = log_in(world.admin)
    response = admin.post(reverse("staff_deactivate", args=[world.colleague.public_id]), CONFIRMED)
    assert response.status_code == 302

    assert not Session.objects.filter(session_key=key).exists()
    response = colleague.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    world.colleague.refresh_from_db()
    assert not world.colleague.is_active
    assert User.objects.filter(pk=world.colleague.pk).exists()
    assert admin.get(reverse("dashboard")).status_code == 200  # only their sessions end
    assert AuditEvent.objects.filter(action="staff_deactivated", actor=world.admin).count() == 1
    refused = Client().post(
        reverse("login"), {"username": "colleague", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )
    assert refused.status_code == 200


def test_deactivation_finds_a_session_whose_key_rotated_after_login(world):
    colleague = log_in(world.colleague)
    new_password = "another-long-passphrase-77"
    colleague.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    key = colleague.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    client_for(world.admin).post(
        reverse("staff_deactivate", args=[world.colleague.public_id]), CONFIRMED
    )
    assert not Session.objects.filter(session_key=key).exists()


def test_reactivation_lets_the_person_log_in_again(world):
    admin = client_for(world.admin)
    admin.post(reverse("staff_deactivate", args=[world.colleague.public_id]), CONFIRMED)
    admin.post(reverse("staff_reactivate", args=[world.colleague.public_id]))
    world.colleague.refresh_from_db()
    assert world.colleague.is_active
    assert AuditEvent.objects.filter(action="staff_reactivated").count() == 1
    log_in(world.colleague)


def test_reactivating_someone_who_never_set_a_password_sends_a_new_invitation(world):
    admin = client_for(world.admin)
    invite(admin)
    first = emailed_link()
    person = User.objects.get(email="new.person@example.org")
    admin.post(reverse("staff_deactivate", args=[person.public_id]), CONFIRMED)
    assert Client().get(first).status_code == 404  # deactivation revokes the open invitation
    mail.outbox.clear()
    admin.post(reverse("staff_reactivate", args=[person.public_id]))
    second = emailed_link()
    person.refresh_from_db()
    assert not person.is_active
    assert accept(second).status_code == 302
    person.refresh_from_db()
    assert person.is_active


def test_a_new_invitation_replaces_the_previous_one(world):
    person = make_user(world.clinic, User.Role.PHYSIO, is_active=False, password=None)
    first = Invitation.issue(person, world.admin)
    second = Invitation.issue(person, world.admin)
    assert Client().get(reverse("invitation_accept", args=[first])).status_code == 404
    assert Client().get(reverse("invitation_accept", args=[second])).status_code == 200


def test_a_double_submitted_acceptance_sets_the_password_once(world, rf):
    from accounts import services

    person = make_user(world.clinic, User.Role.PHYSIO, is_active=False, password=None)
    Invitation.issue(person, world.admin)
    stale = Invitation.objects.get(user=person)  # both submissions loaded it before saving
    request = rf.post("/")
    request.user = person
    services.accept_invitation(request, stale, NEW_PASSWORD)
    with pytest.raises(Invitation.DoesNotExist):
        services.accept_invitation(request, stale, "a-second-passphrase-99")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="invitation_accepted").count() == 1


def test_an_admin_who_deactivates_themself_is_logged_out_cleanly(world):
    make_user(world.clinic, User.Role.CLINIC_ADMIN, username="second")
    admin = log_in(world.admin)
    session = admin.session
    session["_pht_last_seen"] -= 20  # this request rewrites the session (it is then gone)
    session.save()
    response = admin.post(reverse("staff_deactivate", args=[world.admin.public_id]), CONFIRMED)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    world.admin.refresh_from_db()
    assert not world.admin.is_active
    assert admin.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


# Deactivating someone who still has patients (issue: "deactivation leaves patients stranded")


def give_caseload(world, physio):
    """Two current patients of ``physio``, one with a recommendation waiting for
    confirmation; an archived one with a waiting recommendation and a colleague's patient,
    neither of which counts."""
    waiting = make_patient(world.clinic, physio, last_name="Waitingrec")
    make_assessment(waiting, physio, visit_date="2026-01-05", G1_nprs="2")
    make_patient(world.clinic, physio, last_name="Plainpatient")
    archived = make_patient(world.clinic, physio, last_name="Archivedpat")
    make_assessment(archived, physio, visit_date="2026-01-05", G1_nprs="2")
    Patient.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    other = make_patient(world.clinic, world.colleague, last_name="Colleaguespat")
    make_assessment(other, world.colleague, visit_date="2026-01-05", G1_nprs="2")
    assert StageDecision.objects.filter(status="pending").count() == 3


def caseload_link(physio):
    return f"{reverse('rehab:caseload')}?physio={physio.pk}"


def test_the_staff_page_shows_what_deactivating_leaves_behind_before_it_is_done(world):
    give_caseload(world, world.physio)
    admin = client_for(world.admin)
    detail = reverse("staff_detail", args=[world.physio.public_id])
    action = reverse("staff_deactivate", args=[world.physio.public_id])

    page = admin.get(detail).content.decode()
    assert f'action="{action}"' not in page  # no one-click deactivation
    assert f'href="{detail}?confirm=deactivate#deactivate"' in page

    response = admin.get(detail, {"confirm": "deactivate"})
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "Deactivate Test " in page and "?</h3>" in page
    assert "<strong>2 current patients</strong> are assigned to" in page
    assert "<strong>1 recommendation</strong> for" in page and "waits for confirmation" in page
    assert f'href="{caseload_link(world.physio)}"' in page
    assert f'action="{action}"' in page and 'name="confirm" value="on"' in page
    world.physio.refresh_from_db()
    assert world.physio.is_active
    assert not AuditEvent.objects.filter(action="staff_deactivated").exists()


def test_a_deactivation_that_was_not_confirmed_changes_nothing_and_asks_first(world):
    give_caseload(world, world.physio)
    colleague = log_in(world.physio)
    url = reverse("staff_deactivate", args=[world.physio.public_id])
    response = client_for(world.admin).post(url, {"confirm": ""})
    assert response.status_code == 302
    detail = reverse("staff_detail", args=[world.physio.public_id])
    assert response["Location"] == f"{detail}?confirm=deactivate#deactivate"
    world.physio.refresh_from_db()
    assert world.physio.is_active
    assert colleague.get(reverse("dashboard")).status_code == 200  # still logged in
    assert not AuditEvent.objects.filter(action="staff_deactivated").exists()


def test_the_caseload_link_lists_the_persons_patients_to_reassign(world):
    give_caseload(world, world.physio)
    response = client_for(world.admin).get(caseload_link(world.physio))
    assert response.status_code == 200
    table = response.context["rows"]  # the table's rows; the queues above name everyone
    assert "Waitingrec" in table and "Plainpatient" in table
    assert "Colleaguespat" not in table and "Archivedpat" not in table
    assert "Reassign the ticked patients to" in response.content.decode()


def test_after_deactivation_the_patients_still_assigned_are_pointed_out(world):
    give_caseload(world, world.physio)
    admin = client_for(world.admin)
    url = reverse("staff_deactivate", args=[world.physio.public_id])
    response = admin.post(url, CONFIRMED, follow=True)
    page = " ".join(response.content.decode().split())
    assert "has been deactivated and logged out everywhere" in page
    assert "2 current patients are still assigned to" in page
    assert '<span class="badge text-bg-secondary">Deactivated</span>' in page
    assert f'href="{caseload_link(world.physio)}"' in page
    world.physio.refresh_from_db()
    assert not world.physio.is_active
    # The caseload still filters on a deactivated physiotherapist: the patients can be found.
    table = admin.get(caseload_link(world.physio)).context["rows"]
    assert "Waitingrec" in table and "Colleaguespat" not in table


def test_deactivating_someone_without_patients_says_so(world):
    admin = client_for(world.admin)
    detail = reverse("staff_detail", args=[world.colleague.public_id])
    page = " ".join(admin.get(detail, {"confirm": "deactivate"}).content.decode().split())
    assert "<strong>0 current patients</strong> are assigned to" in page
    assert "<strong>0 recommendations</strong>" in page
    assert "rehab:caseload" not in page and "/caseload/?physio" not in page
    url = reverse("staff_deactivate", args=[world.colleague.public_id])
    response = admin.post(url, CONFIRMED, follow=True)
    assert "still assigned" not in response.content.decode()


def test_deactivated_people_are_marked_wherever_staff_are_listed(world):
    gone = make_user(world.clinic, User.Role.PHYSIO, username="gone", is_active=False)
    invited = make_user(world.clinic, User.Role.PHYSIO, username="invitee", is_active=False)
    invited.set_unusable_password()
    invited.save()
    Invitation.issue(invited, world.admin)
    admin = client_for(world.admin)

    staff = admin.get(reverse("staff_list")).content.decode()
    assert '<span class="badge text-bg-secondary">Deactivated</span>' in staff
    assert '<span class="badge text-bg-secondary">Invited</span>' in staff

    audit_filter = admin.get(reverse("audit_log")).content.decode()  # its "Person" list
    assert f">{gone.display_name} (gone), deactivated</option>" in audit_filter
    assert f">{invited.display_name} (invitee), invited</option>" in audit_filter
    assert f">{world.physio.display_name} (treating)</option>" in audit_filter
