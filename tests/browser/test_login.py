import re

import pytest
from playwright.sync_api import Page, expect

from ..factories import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_physiotherapist_logs_in_and_sees_the_dashboard(live_server, page: Page, world):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    # A field's edge is visible: at least 3:1 against the page (WCAG 1.4.11); a focused
    # field has the focus ring instead.
    page.evaluate("document.activeElement.blur()")
    page.wait_for_timeout(300)  # Bootstrap's border transition
    edges = page.evaluate(
        """() => [...document.querySelectorAll('.form-control')].map(
            f => getComputedStyle(f).borderTopColor)"""
    )
    assert edges and all(contrast(edge, "rgb(255, 255, 255)") >= 3 for edge in edges), edges
    page.get_by_label("Username").fill("treating")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_text("physiotherapist at Riverside Test Clinic")).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheets, before reading computed colours
    # The navigation's links are readable: at least 4.5:1 against the bar (WCAG 1.4.3).
    colours = page.evaluate(
        """() => [...document.querySelectorAll('nav.navbar .nav-link')].map(
            a => getComputedStyle(a).color)"""
    )
    bar = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert colours and all(contrast(c, bar) >= 4.5 for c in colours), (colours, bar)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast of two computed colours ('rgb(...)' or 'rgba(...)' over the background)."""

    def channels(colour: str) -> list[float]:
        return [float(v) for v in re.findall(r"[\d.]+", colour)]

    back = channels(background)[:3]
    fore = channels(foreground)
    alpha = fore[3] if len(fore) == 4 else 1.0
    fore = [alpha * f + (1 - alpha) * b for f, b in zip(fore[:3], back, strict=True)]

    def luminance(rgb: list[float]) -> float:
        def linear(channel: float) -> float:
            c = channel / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(fore), luminance(back)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["treating", "clinicadmin"])
def test_on_a_phone_the_navigation_leaves_room_for_the_page(live_server, browser, world, who):
    """The links wrap in rows instead of stacking one per line (they took 296 px of an
    844 px phone before the page began), and nothing scrolls sideways; no script needed."""
    phone = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").count() >= 5  # the brand, the pages and the account
    for link in nav.get_by_role("link").all():
        expect(link).to_be_in_viewport(ratio=1)  # every link there, without a menu button
    assert nav.bounding_box()["height"] <= 200
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()
