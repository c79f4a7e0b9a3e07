"""The idle-timeout warning, and a form posted after the timeout, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User

from ..factories import PASSWORD


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_IDLE_SECONDS = 6
    settings.SESSION_IDLE_WARNING_SECONDS = 4


def log_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_idle_warning_appears_and_a_form_posted_late_is_kept(
    live_server, page: Page, world, short_sessions
):
    page.goto(f"{live_server.url}/staff/invite/")
    log_in(page, "clinicadmin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invite a person")
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=5_000)  # shown 2 s after the page loaded
    expect(warning).to_contain_text("will end soon")

    page.get_by_label("Email").fill("late.typist@example.org")
    page.get_by_label("First name").fill("Late")
    page.get_by_label("Last name").fill("Typist")
    expect(warning).to_contain_text("Your session has ended", timeout=8_000)
    page.wait_for_timeout(1_500)  # the server counts whole seconds
    page.get_by_role("button", name="Send the invitation").click()

    expect(page).to_have_url(re.compile(r"/login/\?next=/staff/invite/$"))
    expect(page.get_by_text("What you typed has been kept.")).to_be_visible()
    assert not User.objects.filter(email="late.typist@example.org").exists()
    log_in(page, "clinicadmin")
    expect(page.get_by_label("Email")).to_have_value("late.typist@example.org")
    expect(page.get_by_label("First name")).to_have_value("Late")
    page.get_by_role("button", name="Send the invitation").click()
    expect(
        page.get_by_text("An invitation has been sent to late.typist@example.org")
    ).to_be_visible()
    assert User.objects.filter(email="late.typist@example.org", is_active=False).exists()
