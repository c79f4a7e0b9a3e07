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


def test_short_dates_are_what_the_date_filter_writes():
    from datetime import date

    from django.utils import dateformat

    from pht_clinic.html import short_date

    for day in [date(2026, month, 1 + month) for month in range(1, 13)] + [date(999, 1, 5)]:
        assert short_date(day) == dateformat.format(day, "j M Y")
