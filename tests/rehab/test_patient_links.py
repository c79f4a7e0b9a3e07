"""A download link made on the plan page (SECURITY.md "patient links"): the page says what
was made, a second click makes no second link, and its handover sheet, the only place its
token is ever given, is downloaded once."""

import threading

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from rehab import pdf, programmes
from rehab.models import PatientLink
from rehab.views import LINK_CREATED, LINK_WAITING, SHEET_GIVEN, SHEET_OF_REVOKED

from ..conftest import client_for
from ..factories import make_patient
from .test_diary import issued_plan


@pytest.fixture
def plan(world):
    return issued_plan(world, make_patient(world.clinic, world.physio, last_name="Linked"))


def _make_url(plan):
    return reverse("rehab:link_create", args=[plan.patient.public_id, plan.public_id])


def _sheet_url(plan, link):
    return reverse("rehab:link_sheet", args=[plan.patient.public_id, plan.public_id, link.pk])


def _download_links(plan):
    return PatientLink.objects.filter(plan=plan, purpose=PatientLink.Purpose.DOWNLOAD)


@pytest.fixture
def sheets(monkeypatch):
    """The links the handover sheets were rendered with (the sheet itself is rendered)."""
    urls: list[str] = []
    render = pdf.render_handover_sheet

    def keeping_the_url(**kwargs):
        urls.append(kwargs["url"])
        return render(**kwargs)

    monkeypatch.setattr(pdf, "render_handover_sheet", keeping_the_url)
    return urls


def test_making_a_link_says_so_and_lists_it_waiting_for_its_sheet(world, plan):
    response = client_for(world.physio).post(_make_url(plan), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#links")
    assert LINK_CREATED in body
    link = _download_links(plan).get()
    assert link.waits_for_sheet and link.created_by == world.physio
    assert "Programme download: waiting for its handover sheet to be downloaded" in body
    assert f'action="{_sheet_url(plan, link)}"' in body
    assert ">Download the handover sheet</button>" in body
    assert ">Make a link for the patient</button>" not in body  # one waiting link at a time


def test_a_second_click_makes_no_second_link(world, plan):
    client = client_for(world.physio)
    client.post(_make_url(plan))
    again = client.post(_make_url(plan), follow=True)
    assert LINK_WAITING in again.content.decode()
    assert _download_links(plan).count() == 1
    assert AuditEvent.objects.filter(action="patient_link_created").count() == 1


def test_a_waiting_link_opens_nothing(world, plan):
    """Its stored hash is of a token no one was given; and no token opens a link whose
    sheet has not been given, even one stored under that token's hash."""
    link, _ = programmes.start_link(plan, world.physio)
    token = programmes.new_token()
    PatientLink.objects.filter(pk=link.pk).update(token_hash=programmes.token_hashes(token)[-1])
    assert programmes.find_link(token) is None
    assert client_for(None).get(reverse("public:programme", args=[token])).status_code == 404


def test_the_sheet_is_given_once_and_its_link_then_works(world, plan, sheets):
    client = client_for(world.physio)
    client.post(_make_url(plan))
    link = _download_links(plan).get()
    response = client.post(_sheet_url(plan, link))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="handover-sheet.pdf"'
    assert response.content.startswith(b"%PDF-")
    [url] = sheets
    token = url.rsplit("/", 2)[-2]
    assert programmes.find_link(token) == link
    assert client_for(None).get(url.partition("testserver")[2]).status_code == 200
    link.refresh_from_db()
    assert not link.waits_for_sheet
    assert AuditEvent.objects.filter(action="patient_link_sheet_given", actor=world.physio).exists()

    again = client.post(_sheet_url(plan, link), follow=True)
    assert again["Content-Type"].startswith("text/html")
    assert escape(SHEET_GIVEN) in again.content.decode()
    assert len(sheets) == 1
    # With the sheet given, the page offers to make a new link again.
    page = client.get(reverse("rehab:plan", args=[plan.patient.public_id, plan.public_id]))
    assert ">Make a link for the patient</button>" in page.content.decode()
    assert "Programme download: a handover sheet" in page.content.decode()


def test_the_sheet_of_a_revoked_link_is_not_given(world, plan, sheets):
    link, _ = programmes.start_link(plan, world.physio)
    programmes.revoke_link(link, world.physio)
    response = client_for(world.physio).post(_sheet_url(plan, link), follow=True)
    assert SHEET_OF_REVOKED in response.content.decode()
    assert sheets == []


def test_the_days_of_a_link_run_from_its_sheet(world, plan):
    link, _ = programmes.start_link(plan, world.physio)
    PatientLink.objects.filter(pk=link.pk).update(created_at=link.created_at.replace(year=2020))
    made_expiry = link.expires_at
    assert programmes.give_sheet(link, world.physio)
    assert link.expires_at > made_expiry
    assert (link.expires_at - link.token_given_at).days == world.clinic.patient_link_days


@pytest.mark.django_db(transaction=True)
def test_of_two_downloads_at_once_only_one_gets_the_sheet(world):
    """The first download holds the link's row; the second waits for it, then finds the
    sheet given. Read-then-write would give both a token, the first one then dead."""
    from ..concurrency import another_session_waits_for_a_lock, in_thread, require_row_locks

    require_row_locks()
    plan = issued_plan(world, make_patient(world.clinic, world.physio, last_name="Racer"))
    link, _ = programmes.start_link(plan, world.physio)
    held, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    tokens: dict[str, str | None] = {}

    def give() -> str | None:
        return programmes.give_sheet(PatientLink.objects.get(pk=link.pk), world.physio)

    def first() -> None:
        with transaction.atomic():
            tokens["first"] = give()
            held.set()
            go.wait(10)

    def second() -> None:
        tokens["second"] = give()

    one, two = in_thread(first, errors), in_thread(second, errors)
    one.start()
    assert held.wait(10)
    two.start()
    assert another_session_waits_for_a_lock()
    go.set()
    one.join(15)
    two.join(15)
    assert errors == []
    assert tokens["first"] and tokens["second"] is None
    assert programmes.find_link(tokens["first"]).pk == link.pk


def test_links_made_before_migration_0012_keep_working(world, plan):
    import importlib

    from django.apps import apps

    link, token = programmes.create_link(plan, world.physio)
    PatientLink.objects.filter(pk=link.pk).update(token_given_at=None)
    assert programmes.find_link(token) is None
    importlib.import_module("rehab.migrations.0012_patient_link_token_given").given_when_made(
        apps, None
    )
    link.refresh_from_db()
    assert link.token_given_at == link.created_at
    assert programmes.find_link(token) == link


def test_revoking_a_link_twice_says_it_was_already_revoked(world, plan):
    link, _ = programmes.start_link(plan, world.physio)
    url = reverse("rehab:link_revoke", args=[plan.patient.public_id, plan.public_id, link.pk])
    client = client_for(world.physio)
    first = client.post(url, follow=True)
    assert "The link has been revoked" in first.content.decode()
    second = client.post(url, follow=True)
    assert second.status_code == 200
    assert "That link was already revoked" in second.content.decode()
    assert AuditEvent.objects.filter(action="patient_link_revoked").count() == 1
