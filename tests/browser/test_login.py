import pytest
from playwright.sync_api import Page, expect

from ..factories import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_physiotherapist_logs_in_and_sees_the_dashboard(live_server, page: Page, world):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    page.get_by_label("Username").fill("treating")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_text("physiotherapist at Riverside Test Clinic")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
