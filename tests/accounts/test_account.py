"""Own account: the previous login is shown, not the current one."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

from .conftest import log_in


def test_the_account_page_shows_the_previous_login(world):
    first = log_in(world.physio)
    assert "none before this one" in first.get(reverse("account")).content.decode()
    first_login = User.objects.get(pk=world.physio.pk).last_login

    second = log_in(world.physio, ip="10.0.0.2")
    user = User.objects.get(pk=world.physio.pk)
    assert user.previous_login == first_login
    assert user.last_login > first_login
    shown = timezone.localtime(first_login, world.clinic.tzinfo).strftime("%-d %b %Y, %H:%M")
    assert f'id="previous-login">{shown}<' in second.get(reverse("account")).content.decode()


def test_a_failed_login_does_not_move_the_previous_login(world):
    log_in(world.physio)
    before = User.objects.get(pk=world.physio.pk)
    log_in(world.physio).post(reverse("logout"))
    Client().post(
        reverse("login"),
        {"username": "treating", "password": "wrong-one-123"},
        REMOTE_ADDR="1.2.3.4",
    )
    after = User.objects.get(pk=world.physio.pk)
    assert after.previous_login == before.last_login
