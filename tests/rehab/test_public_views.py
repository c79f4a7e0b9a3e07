"""The patient's pages on a phone: the links a physiotherapist gives or prints, and the
pages of a patient's own account (UX.md "Patients")."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from rehab import diary, plans, programmes
from rehab.models import PatientLink, Plan

from ..conftest import client_for
from ..factories import make_patient, make_user
from .test_diary import day, issued_plan


@pytest.fixture
def plan(world):
    account = make_user(world.clinic, User.Role.PATIENT, username="phoneuser")
    return issued_plan(
        world, make_patient(world.clinic, world.physio, user=account, last_name="Diarist")
    )


LINKS = [("public:programme", PatientLink.Purpose.DOWNLOAD), ("public:diary", "diary")]


@pytest.mark.parametrize(("url_name", "purpose"), LINKS)
@pytest.mark.parametrize("why", ["expired", "revoked", "mistyped"])
def test_a_link_that_no_longer_works_tells_the_patient_what_to_do(
    world, plan, url_name, purpose, why
):
    link, token = programmes.create_link(plan, world.physio, purpose)
    if why == "expired":
        PatientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    elif why == "revoked":
        programmes.revoke_link(link, world.physio)
    else:
        token = token[:-3]
    response = client_for(None).get(reverse(url_name, args=[token]))
    body = response.content.decode()
    assert response.status_code == 404
    # A patient has no account to go back to: the page says what to do, not "dashboard".
    assert "This link no longer works" in body and "Ask your clinic for a new link" in body
    assert "dashboard" not in body.lower() and "Log in" not in body
    # And it gives away nothing of the patient, nor which clinic the link was from.
    for secret in ("Diarist", world.clinic.name, world.clinic.phone):
        assert secret not in body


def test_a_token_is_typeable_from_paper():
    """Seven groups of four lower-case letters and digits, without i, l, o and u (they look
    like 1 and 0, or like v); 140 bits, more than SECURITY.md's 128."""
    tokens = {programmes.new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){6}", token), token
    assert len(programmes.TOKEN_ALPHABET) ** programmes.TOKEN_LENGTH >= 2**140


def test_a_typed_link_works_however_the_patient_types_it(world, plan):
    """Case, hyphens and spaces do not count, and the look-alikes o, i and l read as 0 and 1
    (a patient without a camera types the link from the handover sheet)."""
    link, token = programmes.create_link(plan, world.physio)
    compact = token.replace("-", "")
    looks_alike = compact.replace("0", "o").replace("1", "l")
    for typed in (token, token.upper(), compact, " ".join(token.split("-")), looks_alike):
        assert programmes.find_link(typed) == link, typed
        assert client_for(None).get(reverse("public:programme", args=[typed])).status_code == 200
    wrong = ("x" if compact[0] != "x" else "y") + compact[1:]
    assert programmes.find_link(wrong) is None


def test_a_link_made_before_typeable_tokens_still_works(world, plan):
    """Links printed earlier carry a URL-safe base64 token, where case and hyphens count."""
    import secrets

    old = secrets.token_urlsafe(32)
    link = PatientLink.objects.create(
        plan=plan,
        purpose=PatientLink.Purpose.DOWNLOAD,
        token_hash=programmes.hash_token(old),
        created_by=world.physio,
        expires_at=timezone.now() + timedelta(days=7),
        token_given_at=timezone.now(),  # as migration 0012 marks the links made before it
    )
    assert programmes.find_link(old) == link
    assert programmes.find_link(old.swapcase()) is None  # case counts in these
    assert client_for(None).get(reverse("public:programme", args=[old])).status_code == 200


def test_the_download_link_says_when_it_ends_in_the_clinics_time_zone(world, plan):
    world.clinic.time_zone = "Pacific/Auckland"  # 12 or 13 hours ahead of UTC
    world.clinic.save()
    link, token = programmes.create_link(plan, world.physio)
    in_utc = timezone.now().date() + timedelta(days=3)
    ends = datetime.combine(in_utc, time(12, 30), tzinfo=UTC)  # past midnight in Auckland
    PatientLink.objects.filter(pk=link.pk).update(expires_at=ends)
    body = client_for(None).get(reverse("public:programme", args=[token])).content.decode()
    next_day = in_utc + timedelta(days=1)
    assert f"This link works until {next_day.day} {next_day:%B %Y}." in body


def test_the_patients_own_diary_keeps_the_menu_and_log_out(world, plan):
    body = client_for(plan.patient.user).get(reverse("public:my_diary")).content.decode()
    assert f'href="{reverse("public:my_programmes")}"' in body
    assert f'action="{reverse("logout")}"' in body
    assert 'class="diary' in body  # the large touch targets of the phone pages
    # The link needs no account: its diary has no menu of an account.
    _, token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    by_link = client_for(None).get(reverse("public:diary", args=[token])).content.decode()
    assert f'action="{reverse("logout")}"' not in by_link


def test_the_diary_gives_pains_out_of_10(world, plan):
    diary.record(
        plan.patient, plan, day(world, 1),
        {"session_done": True, "exercise_pain": 6, "next_morning_pain": 4}, "link",
    )  # fmt: skip
    body = client_for(plan.patient.user).get(reverse("public:my_diary")).content.decode()
    table = body[body.index('id="entries-title"') :]
    assert "<td>6/10</td>" in table.replace(' class="border-bottom-0"', "")
    assert "4/10" in table


def test_waiting_for_a_slow_programme_does_not_use_up_the_link(world, plan, monkeypatch):
    """The page looks again by itself while the programme is prepared, and every look is a
    use of the link (USES_PER_HOUR): a patient left waiting while the worker is down must
    not find the link refused for an hour."""
    from rehab import public_views

    monkeypatch.setattr(programmes, "enqueue", lambda job_id: True)  # never rendered
    job = programmes.request_render(plan, world.physio)
    _, token = programmes.create_link(plan, world.physio)
    client, url = client_for(None), reverse("public:programme", args=[token])
    waited, looks, statuses = 0, 0, set()
    while waited < 3600:
        type(job).objects.filter(pk=job.pk).update(
            requested_at=timezone.now() - timedelta(seconds=waited)
        )
        response = client.get(url)
        looks += 1
        statuses.add(response.status_code)
        again = re.search(r'http-equiv="refresh" content="(\d+)"', response.content.decode())
        if again is None:
            break
        waited += int(again.group(1))
    assert statuses == {200} and looks < public_views.USES_PER_HOUR
    body = response.content.decode()
    assert "taking longer than usual" in body and world.clinic.phone in body


def test_the_plan_page_lists_only_the_links_that_still_work(world, plan):
    working, _ = programmes.create_link(plan, world.physio)
    expired, _ = programmes.create_link(plan, world.physio)
    PatientLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    url = reverse("rehab:plan", args=[plan.patient.public_id, plan.public_id])
    listed = client_for(world.physio).get(url).context["links"]
    assert listed == [working]


def test_a_new_programme_stops_the_old_ones_links(world, plan):
    """Links are bound to one plan version (SECURITY.md): an old handover sheet must not
    download exercises that have been replaced."""
    client = client_for(None)
    old = {purpose: programmes.create_link(plan, world.physio, purpose)[1] for _, purpose in LINKS}
    draft = plans.new_draft_from(plan, world.physio)
    newer = plans.issue(draft, draft.lock_version, world.physio)
    for url_name, purpose in LINKS:
        gone = client.get(reverse(url_name, args=[old[purpose]]))
        assert gone.status_code == 404 and "no longer works" in gone.content.decode()
        _, token = programmes.create_link(newer, world.physio, purpose)
        assert client.get(reverse(url_name, args=[token])).status_code == 200


def _working_links(plan):
    return PatientLink.objects.filter(
        plan=plan, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def test_a_programme_rendered_after_a_newer_version_prints_no_working_diary_link(
    world, plan, tmp_path, settings, monkeypatch
):
    """The worker was behind (or a physiotherapist prints an old version from its history):
    the render of a superseded version must not make it a new diary link, which would work
    for DIARY_LINK_DAYS although the plan is no longer the patient's."""
    from rehab import pdf, tasks
    from rehab.models import RenderJob

    settings.PROGRAMME_DIR = tmp_path
    monkeypatch.setattr(programmes, "enqueue", lambda job_id: True)  # rendered below
    job = programmes.request_render(plan, world.physio)
    draft = plans.new_draft_from(plan, world.physio)
    plans.issue(draft, draft.lock_version, world.physio)
    printed: list[str | None] = []
    render = pdf.render_programme

    def spy(plan, *, paused, diary_url=None):
        printed.append(diary_url)
        return render(plan, paused=paused, diary_url=diary_url)

    monkeypatch.setattr(pdf, "render_programme", spy)
    tasks.render_programme(job.pk)
    assert RenderJob.objects.get(pk=job.pk).status == RenderJob.Status.READY
    assert not _working_links(plan).exists()
    for url in filter(None, printed):
        assert client_for(None).get(url.split("//", 1)[-1].partition("/")[2]).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_link_made_while_a_new_version_is_issued_does_not_outlive_it(world, monkeypatch):
    """A download link for the current plan, made while a colleague issues the next version:
    the link is made before the issue (and revoked by it) or refused, never left working
    for the superseded plan."""
    import contextlib
    import threading

    from ..concurrency import another_session_waits_for_a_lock, in_thread, require_row_locks

    require_row_locks()
    account = make_user(world.clinic, User.Role.PATIENT, username="racer")
    old = issued_plan(world, make_patient(world.clinic, world.physio, user=account))
    draft = plans.new_draft_from(old, world.physio)
    superseding, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    made: list[str] = []
    refresh = plans.refresh_case_status

    def paused_refresh(patient):  # inside issue's transaction, after the links are revoked
        superseding.set()
        go.wait(10)
        return refresh(patient)

    monkeypatch.setattr(plans, "refresh_case_status", paused_refresh)

    def make_link() -> None:
        with contextlib.suppress(programmes.NotCurrent):  # refused: the plan is superseded
            made.append(programmes.create_link(old, world.colleague)[1])

    issuer = in_thread(lambda: plans.issue(draft, draft.lock_version, world.physio), errors)
    issuer.start()
    assert superseding.wait(10)
    linker = in_thread(make_link, errors)
    linker.start()
    linker.join(3)  # made at once (the hole), or waiting for the issue to finish
    assert not linker.is_alive() or another_session_waits_for_a_lock()
    go.set()
    issuer.join(15)
    linker.join(15)
    assert errors == []
    assert Plan.objects.get(pk=old.pk).status == Plan.Status.SUPERSEDED
    for token in made:
        assert programmes.find_link(token) is None
    assert not _working_links(old).exists()


def test_a_link_is_refused_for_a_draft_with_a_message(world, plan):
    draft = plans.new_draft_from(plan, world.physio)
    url = reverse("rehab:link_create", args=[plan.patient.public_id, draft.public_id])
    response = client_for(world.physio).post(url, follow=True)
    assert "Links are for the issued (current) programme." in response.content.decode()
    assert not PatientLink.objects.filter(plan=draft).exists()
