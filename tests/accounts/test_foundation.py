import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, User

from ..conftest import client_for
from ..factories import PASSWORD, make_patient
from ..urlwalk import app_routes

PUBLIC_ROUTES = {
    "login",
    "healthz",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
}


@pytest.mark.django_db
@pytest.mark.parametrize("route", app_routes(), ids=lambda r: r.name)
def test_anonymous_requests_go_to_login(client, route):
    if route.name in PUBLIC_ROUTES or route.name.startswith("public:"):
        return  # public views are tested on their own
    response = client.get(route.url())
    assert response.status_code == 302, route.pattern
    assert response["Location"].startswith(reverse("login")), route.pattern


@pytest.mark.django_db
def test_public_pages_answer_without_login(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_without_data(client):
    response = client.get(reverse("healthz"))
    body = json.loads(response.content)
    assert set(body) == {"database", "broker"}
    assert body["database"] == "ok"
    assert response.status_code == (200 if body["broker"] == "ok" else 503)
    assert "no-store" in response["Cache-Control"]


def test_navigation_fits_the_role(world):
    physio_page = client_for(world.physio).get(reverse("dashboard")).content.decode()
    admin_page = client_for(world.admin).get(reverse("dashboard")).content.decode()
    assert "physiotherapist at Riverside Test Clinic" in physio_page
    assert "clinic admin of Riverside Test Clinic" in admin_page
    assert "Log out" in physio_page and "Log out" in admin_page


@pytest.mark.django_db
def test_login_rotates_session_and_is_audited(client, world):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = client.post(
        reverse("login"), {"username": "treating", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    event = AuditEvent.objects.get(action="login")
    assert event.actor == world.physio and event.clinic == world.clinic


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_get_the_same_message(client, world):
    wrong = client.post(reverse("login"), {"username": "treating", "password": "nope-nope-nope"})
    unknown = client.post(reverse("login"), {"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert AuditEvent.objects.filter(action="login_failed", outcome="failed").count() == 2


def test_error_pages_show_no_internals(world, settings):
    response = client_for(world.physio).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_the_refusal_page_tells_a_clinic_admin_whose_page_it_is(world):
    """A clinic admin refused a physiotherapist's page was told to "ask your clinic admin"."""
    patient = make_patient(world.clinic, world.physio)
    record = reverse("patients:assessment_create", args=[patient.public_id])
    refused = client_for(world.admin).get(record)
    assert refused.status_code == 403
    assert "for the patient's physiotherapist" in refused.content.decode()
    assert "ask your clinic admin" not in refused.content.decode()
    staff = client_for(world.physio).get(reverse("staff_list"))  # another role: as before
    assert staff.status_code == 403
    assert "ask your clinic admin" in staff.content.decode()


@pytest.mark.django_db
def test_passwords_need_twelve_characters(client, world):
    client.force_login(world.physio)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short-pw1", "new_password2": "short-pw1"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    world.physio.refresh_from_db()
    assert world.physio.check_password(PASSWORD)


def test_argon2_is_the_password_hasher():
    import pht_clinic.settings as configured  # the module, not the test-time override

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert {choice for choice, _ in User.Role.choices} == {"physio", "clinic_admin", "patient"}
