import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User

from ..factories import PASSWORD, make_user

PERSONAS = ["physio", "colleague", "other_physio", "admin", "patient", "anonymous"]


@pytest.fixture
def patient_account(world):
    """A patient's login (role patient) at the world's clinic."""
    return make_user(world.clinic, User.Role.PATIENT, username="patientaccount")


def persona_user(world, patient_account, persona):
    if persona == "anonymous":
        return None
    if persona == "patient":
        return patient_account
    return getattr(world, persona)


def log_in(user_or_name, password=PASSWORD, ip="10.0.0.1", client=None):
    """A client logged in through the real login form (axes, rotation, audit)."""
    client = client or Client()
    username = getattr(user_or_name, "username", user_or_name)
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def database_url() -> str:
    """The URL of the database the tests use, for a manage.py subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
