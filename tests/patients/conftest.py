import pytest

from accounts.models import User

from ..factories import make_patient, make_user


@pytest.fixture
def patient(world):
    """A patient of the treating physiotherapist, with a patient account."""
    account = make_user(world.clinic, User.Role.PATIENT, username="patientaccount")
    return make_patient(
        world.clinic, world.physio, first_name="Zoë", last_name="Åberg", user=account
    )


@pytest.fixture
def other_patient(world):
    return make_patient(
        world.other_clinic, world.other_physio, first_name="Outsider", last_name="Ottoline"
    )
