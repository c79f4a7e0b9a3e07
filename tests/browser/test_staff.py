"""The clinic admin's staff page in a real browser: invite, accept, log in, deactivate."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from ..factories import PASSWORD

NEW_PASSWORD = "river-otter-morning-tea-42"


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_invites_a_physiotherapist_and_later_deactivates_them(
    live_server, page: Page, world, request
):
    base = live_server.url
    log_in(page, base, "clinicadmin", PASSWORD)
    page.get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("Email").fill("robin.new@example.org")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Nakamura")
    page.get_by_label("Role").select_option(label="Physiotherapist")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("An invitation has been sent to robin.new@example.org")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Robin Nakamura.*Invited"))).to_be_visible()

    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    physio_context = page.context.browser.new_context()
    request.addfinalizer(physio_context.close)  # ends its keep-alive connections to the server
    physio = physio_context.new_page()
    physio.goto(link)
    physio.get_by_label("New password").first.fill(NEW_PASSWORD)
    physio.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    physio.get_by_role("button", name="Set my password").click()
    expect(physio.get_by_text("Your password is set")).to_be_visible()
    physio.get_by_label("Username").fill("robin.new@example.org")
    physio.get_by_label("Password").fill(NEW_PASSWORD)
    physio.get_by_role("button", name="Log in").click()
    expect(physio.get_by_text("physiotherapist at Riverside Test Clinic")).to_be_visible()

    page.reload()
    page.get_by_role("link", name="Robin Nakamura").click()
    page.get_by_role("link", name="Deactivate Robin Nakamura").click()  # asks first
    expect(page.get_by_role("heading", name="Deactivate Robin Nakamura?")).to_be_visible()
    expect(page.get_by_text("0 current patients are assigned to Robin Nakamura")).to_be_visible()
    page.get_by_role("button", name="Deactivate Robin Nakamura").click()
    expect(page.get_by_text("has been deactivated and logged out everywhere")).to_be_visible()

    physio.reload()
    expect(physio).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(physio.get_by_role("heading", level=1)).to_have_text("Log in")
