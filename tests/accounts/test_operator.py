"""The operator's tools: create_clinic, deactivate_clinic, the Django admin; inactive clinics."""

import io
import os
import re
import subprocess
import sys

import pytest
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Clinic, Invitation, User

from ..conftest import client_for
from ..factories import PASSWORD, make_user
from ..test_settings import ROOT
from .conftest import database_url, log_in


def create_clinic(*args):
    out = io.StringIO()
    call_command("create_clinic", *args, stdout=out)
    return out.getvalue()


def test_create_clinic_makes_a_clinic_and_an_invited_admin(db):
    output = create_clinic(
        "--name", "Harbour Physio", "--time-zone", "Europe/Dublin", "--admin-email", "Ann@X.org"
    )
    clinic = Clinic.objects.get(name="Harbour Physio")
    assert clinic.time_zone == "Europe/Dublin" and clinic.is_active
    admin_user = User.objects.get(clinic=clinic)
    assert (admin_user.username, admin_user.role) == ("ann@x.org", "clinic_admin")
    assert not admin_user.is_active and not admin_user.has_usable_password()
    link = re.search(r"http://127\.0\.0\.1:8000(/invitation/\S+/)", output).group(1)
    assert link in mail.outbox[0].body and mail.outbox[0].to == ["ann@x.org"]
    assert Invitation.objects.get(user=admin_user).token_hash not in output
    assert AuditEvent.objects.filter(action="clinic_created", clinic=clinic).exists()

    password = "harbour-admin-passphrase-1"
    Client().post(link, {"new_password1": password, "new_password2": password})
    page = log_in("ann@x.org", password).get(reverse("staff_list"))
    assert page.status_code == 200 and "Harbour Physio" in page.content.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-zone", "Mars/Olympus"], "--time-zone: Choose a time zone"),
        (["--admin-email", "not-an-email"], "--admin-email: Enter a valid email"),
        (["--admin-email", "treating@example.org"], "already an account"),
        (["--name", "riverside test clinic"], "--name: A clinic of this name exists"),
        (["--name", "  "], "--name: This field is required"),
    ],
)
def test_create_clinic_refuses_bad_input_and_creates_nothing(world, args, message):
    world.physio.email = "treating@example.org"
    world.physio.save()
    base = {"--name": "Harbour", "--time-zone": "Europe/London", "--admin-email": "a@x.org"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message):
        create_clinic(*[item for pair in base.items() for item in pair])
    assert Clinic.objects.count() == 2 and not Invitation.objects.exists()


def test_bad_input_exits_with_code_1_and_a_clear_message(db):
    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "create_clinic", "--name", "X"),
            *("--time-zone", "Nowhere/Atlantis", "--admin-email", "a@x.org"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Nothing was created. --time-zone: Choose a time zone" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("by", ["id", "name"])
def test_deactivate_clinic_locks_out_its_people_at_once(world, by):
    physio = log_in(world.physio)
    key = physio.cookies["sessionid"].value
    out = io.StringIO()
    key_arg = str(world.clinic.pk) if by == "id" else "Riverside Test Clinic"
    call_command("deactivate_clinic", key_arg, stdout=out)
    assert "Deactivated Riverside Test Clinic" in out.getvalue()

    world.clinic.refresh_from_db()
    assert not world.clinic.is_active
    assert not User.objects.filter(clinic=world.clinic, is_active=True).exists()
    assert User.objects.filter(clinic=world.clinic).count() == 3  # nobody deleted
    assert User.objects.get(pk=world.other_physio.pk).is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert physio.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action="clinic_deactivated", clinic=world.clinic).exists()


def test_deactivate_clinic_refuses_unknown_and_ambiguous_names(world):
    with pytest.raises(CommandError, match="No clinic"):
        call_command("deactivate_clinic", "Riverside")
    Clinic.objects.create(name="Riverside Test Clinic")
    with pytest.raises(CommandError, match="2 clinics"):
        call_command("deactivate_clinic", "Riverside Test Clinic")
    assert Clinic.objects.filter(is_active=False).count() == 0


def test_users_of_an_inactive_clinic_can_neither_log_in_nor_stay_in(world):
    """The authentication backend checks the clinic, even for a user still marked active."""
    physio = log_in(world.physio)
    Clinic.objects.filter(pk=world.clinic.pk).update(is_active=False)
    response = physio.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    refused = Client().post(
        reverse("login"), {"username": "treating", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    wrong = Client().post(
        reverse("login"), {"username": "outsider", "password": "nope"}, REMOTE_ADDR="10.0.0.9"
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors == wrong.context["form"].errors
    assert log_in(world.other_physio).get(reverse("dashboard")).status_code == 200


def test_invitations_of_an_inactive_clinic_cannot_be_accepted(world):
    person = make_user(world.clinic, User.Role.PHYSIO, is_active=False, password=None)
    token = Invitation.issue(person, world.admin)
    Clinic.objects.filter(pk=world.clinic.pk).update(is_active=False)
    assert Client().get(reverse("invitation_accept", args=[token])).status_code == 404


def test_the_operator_admin_lists_no_free_text():
    for model, model_admin in admin.site._registry.items():
        fields = {f.name: f for f in model._meta.get_fields()}
        for name in model_admin.list_display:
            field = fields.get(name)  # None for a method or the "__str__" column
            assert not isinstance(field, models.TextField | models.JSONField), (model, name)


def test_the_operator_admin_is_for_superusers_only_and_deletes_no_one(world):
    url = reverse("admin:accounts_user_changelist")
    assert client_for(world.admin).get(url).status_code == 302
    root = make_user(None, "", username="root", is_superuser=True, is_staff=True)
    assert client_for(root).get(url).status_code == 200
    delete = reverse("admin:accounts_user_delete", args=[world.physio.pk])
    assert client_for(root).get(delete).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_closing_the_clinic_while_an_invitation_is_sent_again_does_not_deadlock(world, monkeypatch):
    """Sending a patient's invitation again revokes their open one, then adds a new one (which
    needs the account's row). The closing must not hold the accounts while it waits for the
    invitations, or PostgreSQL ends one of the two with "deadlock detected"."""
    import secrets
    import threading

    import accounts.models
    from patients import services as patient_services

    from ..concurrency import close_clinic_while, require_row_locks
    from ..factories import make_patient

    require_row_locks()
    patient = make_patient(world.clinic, world.physio, email="pat@example.org")
    patient_services.invite_patient(None, patient, world.physio)  # an open invitation
    revoked, go = threading.Event(), threading.Event()

    class PausedSecrets:
        """Invitation.issue draws the token between revoking and creating: pause there."""

        @staticmethod
        def token_urlsafe(n: int) -> str:
            revoked.set()
            go.wait(10)
            return secrets.token_urlsafe(n)

    monkeypatch.setattr(accounts.models, "secrets", PausedSecrets)

    sent: list[str] = []

    def invite_again() -> None:
        sent.append(patient_services.invite_patient(None, patient, world.physio))

    assert close_clinic_while(invite_again, revoked, go, world.clinic.pk) == []
    world.clinic.refresh_from_db()
    assert not world.clinic.is_active
    assert not User.objects.filter(clinic=world.clinic, is_active=True).exists()
    assert Client().get(sent[0]).status_code == 404  # sent meanwhile: of a closed clinic
