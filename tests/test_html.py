"""pht_clinic.html.url_maker gives the links reverse() gives, prefix included."""

import uuid

import pytest
from django.urls import reverse, set_script_prefix

from pht_clinic.html import url_maker


@pytest.mark.parametrize("prefix", ["/", "/clinic/"])
def test_links_match_reverse_under_a_script_prefix(prefix):
    set_script_prefix(prefix)
    try:
        patient, visit = uuid.uuid4(), uuid.uuid4()
        assert url_maker("patients:detail")(patient) == reverse("patients:detail", args=[patient])
        assert url_maker("patients:assessment", patient)(str(visit)) == reverse(
            "patients:assessment", args=[patient, visit]
        )
        assert url_maker("patients:detail")(patient).startswith(prefix)
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("bad", [None, "", "../admin", "1"])
def test_anything_but_a_uuid_is_refused(bad):
    with pytest.raises(ValueError):
        url_maker("patients:detail")(bad)
