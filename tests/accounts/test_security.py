"""Lockout, password reset, sessions and headers (SECURITY.md "Promises, with numbers")."""

import json
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SessionTimeoutMiddleware
from accounts.models import User

from ..factories import PASSWORD
from ..test_settings import GOOD_KEY, run_django
from .conftest import log_in

pytestmark = pytest.mark.django_db


def attempt(username, password, ip, client=None):
    client = client or Client()
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail_five_times(username, ip="10.0.0.1"):
    statuses = [attempt(username, "wrong-password-123", ip).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks


# Lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_username_from_that_address(world):
    fail_five_times("treating")
    response = attempt("treating", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_four_failures_do_not_lock(world):
    for _ in range(4):
        attempt("treating", "wrong-password-123", "10.0.0.1")
    assert attempt("treating", PASSWORD, "10.0.0.1").status_code == 302


def test_the_same_username_from_another_address_is_not_locked(world):
    fail_five_times("treating", ip="10.0.0.1")
    assert attempt("treating", PASSWORD, "10.0.0.2").status_code == 302
    # ... and other people behind the first address are not locked either.
    assert attempt("colleague", PASSWORD, "10.0.0.1").status_code == 302


def test_the_lock_lifts_after_the_15_minute_cool_off(world):
    fail_five_times("treating")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert attempt("treating", PASSWORD, "10.0.0.1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=5))
    assert attempt("treating", PASSWORD, "10.0.0.1").status_code == 302


def test_unknown_users_and_wrong_passwords_look_the_same_even_when_locked(world):
    wrong = attempt("treating", "wrong-password-123", "10.0.0.3")
    unknown = attempt("nobody-here", "wrong-password-123", "10.0.0.3")
    assert wrong.context["form"].errors == unknown.context["form"].errors
    fail_five_times("treating", ip="10.0.0.4")
    fail_five_times("nobody-here", ip="10.0.0.4")
    locked_real = attempt("treating", "wrong-password-123", "10.0.0.4")
    locked_unknown = attempt("nobody-here", "wrong-password-123", "10.0.0.4")
    assert locked_real.status_code == locked_unknown.status_code == 429

    def without_nonce(response):
        return re.sub(r'nonce="[^"]+"', "", response.content.decode())

    assert without_nonce(locked_real) == without_nonce(locked_unknown)


def test_at_most_100_failures_an_hour_per_account_whatever_the_address(world):
    from accounts import audit

    an_hour_ago = timezone.now() - timedelta(minutes=61)
    with mock.patch("django.utils.timezone.now", return_value=an_hour_ago):
        audit.record(None, "login_failed", outcome="failed", label="treating")
    for _ in range(99):
        audit.record(None, "login_failed", outcome="failed", label="treating")
    assert attempt("treating", "wrong-password-123", "10.9.9.1").status_code == 200  # the 100th
    response = attempt("treating", PASSWORD, "10.9.9.2")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert attempt("colleague", PASSWORD, "10.9.9.2").status_code == 302


# Password reset ----------------------------------------------------------------------------


def reset_link():
    match = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_reset_answers_the_same_for_unknown_emails(world):
    world.physio.email = "treating@example.org"
    world.physio.save()
    known = Client().post(reverse("password_reset"), {"email": "treating@example.org"})
    unknown = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["treating@example.org"]


@pytest.mark.parametrize(("minutes", "valid"), [(59, True), (61, False)])
def test_reset_links_are_valid_for_one_hour(world, minutes, valid):
    world.physio.email = "treating@example.org"
    world.physio.save()
    Client().post(reverse("password_reset"), {"email": "treating@example.org"})
    later = PasswordResetTokenGenerator()._now() + timedelta(minutes=minutes)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = Client().get(reset_link(), follow=True)
    assert page.context["validlink"] is valid
    assert ("This link cannot be used" in page.content.decode()) is not valid


def test_the_configured_reset_timeout_is_one_hour():
    import pht_clinic.settings as configured

    assert configured.PASSWORD_RESET_TIMEOUT == 3600


# Sessions ----------------------------------------------------------------------------------


def age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    if "idle" in seconds_ago:
        session[SessionTimeoutMiddleware.LAST_SEEN] = now - seconds_ago["idle"]
    if "started" in seconds_ago:
        session[SessionTimeoutMiddleware.STARTED] = now - seconds_ago["started"]
    session.save()


def test_a_session_survives_14_minutes_idle(world):
    client = log_in(world.admin)
    age_session(client, idle=14 * 60)
    assert client.get(reverse("dashboard")).status_code == 200


def test_15_minutes_idle_logs_out_and_a_posted_form_survives_the_login(world):
    client = log_in(world.admin)
    assert client.get(reverse("staff_invite")).status_code == 200
    age_session(client, idle=15 * 60 + 5)
    form = {"email": "kept@example.org", "first_name": "Kept", "last_name": "Typing"}
    response = client.post(reverse("staff_invite"), {**form, "role": "clinic_admin"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('staff_invite')}"
    assert not User.objects.filter(email="kept@example.org").exists()

    login_page = client.get(response["Location"]).content.decode()
    assert "What you typed has been kept." in login_page
    response = client.post(
        response["Location"],
        {"username": "clinicadmin", "password": PASSWORD, "next": reverse("staff_invite")},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response["Location"] == reverse("staff_invite")
    page = client.get(reverse("staff_invite"))
    assert page.context["form"].data["email"] == "kept@example.org"
    body = page.content.decode()
    assert 'value="kept@example.org"' in body and 'value="clinic_admin" selected' in body
    assert not User.objects.filter(email="kept@example.org").exists()  # offered, not saved
    # Offered once: the next visit starts empty.
    assert 'value="kept@example.org"' not in client.get(reverse("staff_invite")).content.decode()


def test_a_kept_form_is_never_offered_to_someone_else(world):
    client = log_in(world.admin)
    age_session(client, idle=15 * 60 + 5)
    form = {"email": "secret@example.org", "first_name": "Secret", "last_name": "Typing"}
    client.post(reverse("staff_invite"), {**form, "role": "physio"})
    # Another person logs in on the same browser (a shared clinic PC).
    client.post(
        reverse("login"),
        {"username": "otheradmin", "password": PASSWORD, "next": reverse("staff_invite")},
        REMOTE_ADDR="10.0.0.1",
    )
    page = client.get(reverse("staff_invite")).content.decode()
    assert "secret@example.org" not in page and "Secret" not in page


def test_sessions_end_after_12_hours_however_active(world):
    client = log_in(world.admin)
    age_session(client, idle=1, started=12 * 3600 + 5)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_session_id_rotates_at_login(world):
    client = Client()
    before = client.session
    before["anonymous"] = True
    before.save()
    old_key = before.session_key
    log_in(world.physio, client=client)
    assert client.cookies["sessionid"].value != old_key
    assert not Session.objects.filter(session_key=old_key).exists()


def test_logout_ends_the_session_on_the_server(world):
    client = log_in(world.physio)
    key = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    response = replay.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["dashboard", "staff_list", "login"])
def test_pages_send_the_security_headers(world, url_name):
    client = log_in(world.admin) if url_name != "login" else Client()
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script [^>]*nonce=\"([^\"]+)\"", response.content.decode())
    assert scripts and set(scripts) == {nonce}
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    other = client.get(reverse(url_name))
    assert re.search(r"'nonce-([^']+)'", other["Content-Security-Policy"]).group(1) != nonce


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None)"
    " for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
    " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
    " 'SECURE_HSTS_PRELOAD']}))"
)


def settings_of(env):
    result = run_django(env, "shell", "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mode_sets_secure_cookies_and_hsts():
    production = settings_of(
        {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "clinic.example.org"}
    )
    assert production == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }
    development = settings_of({"DEBUG": "1"})
    assert development["SESSION_COOKIE_SECURE"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
