"""pht_clinic.html: url_maker gives the links reverse() gives, prefix included; fill writes
what format_html writes."""

import uuid

import pytest
from django.urls import reverse, set_script_prefix
from django.utils.functional import lazystr
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from pht_clinic.html import fill, url_maker


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


values = st.one_of(
    st.text(),
    st.text(alphabet="<>&\"'= ab").map(mark_safe),
    st.text(alphabet="<>&\"'= ab").map(lazystr),
    st.integers(),
    st.none(),
    st.uuids(),
)


@given(st.lists(values, min_size=1, max_size=4))
def test_fill_escapes_as_format_html_does(parts):
    template = "<td>{}</td>" * len(parts)
    written = fill(template, *parts)
    assert written == format_html(template, *parts)
    assert isinstance(written, SafeString)


def test_fill_escapes_markup_and_quotes_but_keeps_safe_markup():
    assert fill('<a title="{}">{}</a>', '"><script>', mark_safe("<b>x</b>")) == (
        '<a title="&quot;&gt;&lt;script&gt;"><b>x</b></a>'
    )
