"""Every page's assets are the app's own (no CDN at run time): the icon included."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login"])
def test_pages_link_the_apps_own_icon_and_assets(url_name):
    body = Client().get(reverse(url_name)).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', body)
    assert icon, "no icon: browsers ask for /favicon.ico and get a 404 on every page"
    assert finders.find(icon.group(1).removeprefix("/static/"))
    for asset in re.findall(r'(?:href|src)="([^"]+\.(?:css|js|svg))"', body):
        assert asset.startswith("/static/"), asset
