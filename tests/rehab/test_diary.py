"""The patient's diary between visits (issue 9)."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import AuditEvent, User
from patients.forms import clinic_today
from patients.models import Patient
from rehab import caseload, diary, plans, programmes
from rehab.models import DiaryEntry, PatientLink
from rehab.services import confirm

from ..conftest import client_for
from ..factories import make_assessment, make_patient, make_user


def day(world, days_ago):
    return clinic_today(world.clinic) - timedelta(days=days_ago)


def issued_plan(world, patient):
    first = make_assessment(
        patient, world.physio, visit_date=day(world, 20).isoformat(), G1_nprs="2",
        nprs_morning_baseline="2",
    )  # fmt: skip
    confirm(first.decision, world.physio)  # stage 2, usual morning pain 2
    patient.refresh_from_db()
    draft = plans.create_from_template(patient, patient.stage, world.physio)
    issued = plans.issue(draft, draft.lock_version, world.physio)
    issued.issued_at = timezone.now() - timedelta(days=19)
    issued.save()
    return issued


@pytest.fixture
def plan(world):
    account = make_user(world.clinic, User.Role.PATIENT, username="diarist")
    return issued_plan(
        world, make_patient(world.clinic, world.physio, user=account, last_name="Diarist")
    )


@pytest.fixture
def link(plan, world):
    _, token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    return token


def post_day(client, url, when, **values):
    data = {
        "day": when.isoformat(),
        "session_done": "yes",
        "exercise_pain": "2",
        "next_morning_pain": "2",
    }
    data.update(values)
    # A save redirects to the diary (POST/redirect/GET): the page after it is what the patient sees.
    return client.post(url, {k: v for k, v in data.items() if v is not None}, follow=True)


@pytest.mark.parametrize(
    ("exercise", "morning", "flagged"),
    [
        ("5", "3", False),  # exercise below 6, morning +1
        ("6", "2", True),  # exercise pain reaches 6 (R3a threshold)
        ("2", "4", True),  # next morning 2 above usual (R3b threshold)
        ("2", "3", False),  # one above usual: not a flag
        (None, "4", True),  # no session, still a morning rise
    ],
)
def test_the_flag_rule_at_its_boundaries(world, plan, link, exercise, morning, flagged):
    url = reverse("public:diary", args=[link])
    session = "yes" if exercise is not None else "no"
    response = post_day(
        client_for(None), url, day(world, 1), exercise_pain=exercise, next_morning_pain=morning,
        session_done=session,
    )  # fmt: skip
    assert response.status_code == 200
    entry = DiaryEntry.objects.get()
    assert entry.flagged is flagged and entry.usual_morning_pain == 2
    body = response.content.decode()
    assert ("Your pain went up" in body) is flagged
    if flagged:
        assert world.clinic.phone in body


@pytest.mark.parametrize(
    ("exercise", "morning", "advice"),
    [
        ("3", "2", "Thank you: keep going."),  # green: up to 3, morning as usual
        ("4", "2", "Your pain during exercise was 4 out of 10: amber."),
        ("5", "1", "Ease off: do a little less until it settles."),
        ("2", "3", "Your pain was worse than usual the next morning."),  # +1: no flag yet
    ],
)
def test_the_patient_is_told_what_the_pain_rule_says_even_below_the_flag(
    world, plan, link, exercise, morning, advice
):
    """PROTOCOL 2: "If it is worse, or exercise pain goes above 5, do less next time and tell
    your physio"; the traffic light: 4-5 ease off. The clinician's flag waits for a rise of
    2 or pain of 6, but the patient was told to keep going below it."""
    url = reverse("public:diary", args=[link])
    response = post_day(
        client_for(None), url, day(world, 1), exercise_pain=exercise, next_morning_pain=morning
    )
    body = response.content.decode()
    assert not DiaryEntry.objects.get().flagged
    assert advice in body
    assert ("keep going" in body) is (advice == "Thank you: keep going.")


def test_a_flag_shows_on_the_caseload_and_the_patient_page_at_once(world, plan, link):
    post_day(
        client_for(None), reverse("public:diary", args=[link]), day(world, 1), exercise_pain="7"
    )
    base = caseload.caseload(world.admin)
    flare = next(
        q
        for q in caseload.queues(base, world.clinic, clinic_today(world.clinic))
        if q.key == "flare"
    )
    assert [p.last_name for p in flare.patients] == ["Diarist"]
    page = client_for(world.physio).get(reverse("patients:detail", args=[plan.patient.public_id]))
    assert "Diary flag" in page.content.decode()


BAD = [
    ({"exercise_pain": "11"}, "exercise_pain"),
    ({"exercise_pain": "-1"}, "exercise_pain"),
    ({"exercise_pain": "2.5"}, "exercise_pain"),
    ({"next_morning_pain": "ten"}, "next_morning_pain"),
    ({"session_done": "maybe"}, "session_done"),
    ({"session_done": None}, "session_done"),
    ({"day": "2026-02-30"}, "day"),
    ({"session_done": "yes", "exercise_pain": None}, "exercise_pain"),
    ({"note": "x" * 501}, "note"),
    ({"note": "bad\x00byte"}, "note"),
]


@pytest.mark.parametrize(("values", "field"), BAD)
def test_bad_input_on_every_field(world, plan, link, values, field):
    response = post_day(
        client_for(None), reverse("public:diary", args=[link]), day(world, 1), **values
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not DiaryEntry.objects.exists()


def test_future_days_and_days_before_the_programme_are_refused(world, plan, link):
    url = reverse("public:diary", args=[link])
    client = client_for(None)
    assert "has not happened yet" in post_day(client, url, day(world, -1)).content.decode()
    assert "Choose a day from then on" in post_day(client, url, day(world, 40)).content.decode()
    assert not DiaryEntry.objects.exists()


def test_next_mornings_pain_waits_for_the_next_morning(world, plan, link):
    """Pain "the next morning" of today's session cannot be known yet (a tester saved 2/10
    for today): it is asked again tomorrow, on today's entry."""
    response = post_day(client_for(None), reverse("public:diary", args=[link]), day(world, 0))
    assert response.context["form"].errors["next_morning_pain"] == [
        "The next morning has not come yet: add this pain tomorrow morning, on today's entry."
    ]
    assert not DiaryEntry.objects.exists()
    saved = post_day(
        client_for(None), reverse("public:diary", args=[link]), day(world, 0),
        next_morning_pain=None,
    )  # fmt: skip
    assert saved.status_code == 200 and DiaryEntry.objects.get().next_morning_pain is None


def test_a_later_version_says_it_is_the_version_that_started_then(world, plan):
    """A new version issued today: yesterday was in the programme, not in this version."""
    draft = plans.new_draft_from(plan, world.physio)
    plans.issue(draft, draft.lock_version, world.physio)
    client = client_for(plan.patient.user)
    response = post_day(client, reverse("public:my_diary"), day(world, 1))
    today = day(world, 0)
    assert response.context["form"].errors["day"] == [
        f"This version of your programme started on {today.day} {today:%B %Y}. Choose a day "
        "from then on, and tell your physiotherapist about earlier days at your next visit."
    ]


def test_the_token_expired_revoked_tampered_or_for_downloads_answers_404(world, plan):
    link, token = programmes.create_link(plan, world.physio, PatientLink.Purpose.DIARY)
    client = client_for(None)
    assert client.get(reverse("public:diary", args=[token])).status_code == 200
    assert (
        client.get(
            # Another symbol, not another case: tokens are read back case-insensitively.
            reverse("public:diary", args=[token[:-1] + ("0" if token[-1] != "0" else "1")])
        ).status_code
        == 404
    )
    _, download_token = programmes.create_link(plan, world.physio)
    assert client.get(reverse("public:diary", args=[download_token])).status_code == 404
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    expired = client.get(reverse("public:diary", args=[token]))
    assert expired.status_code == 404 and "Diarist" not in expired.content.decode()
    link.expires_at = timezone.now() + timedelta(days=1)
    link.revoked_at = timezone.now()
    link.save()
    assert client.get(reverse("public:diary", args=[token])).status_code == 404


def test_another_patients_link_records_on_that_patient_only(world, plan, link):
    other = make_patient(world.clinic, world.physio, last_name="Other")
    post_day(client_for(None), reverse("public:diary", args=[link]), day(world, 1))
    assert DiaryEntry.objects.get().patient == plan.patient
    assert not other.diary.exists()


def test_wrong_tokens_are_rate_limited(world, plan, monkeypatch):
    from rehab import public_views

    monkeypatch.setattr(public_views, "INVALID_PER_HOUR", 3)
    client = client_for(None)
    codes = [client.get(reverse("public:diary", args=[f"wrong-{n}"])).status_code for n in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_a_link_is_rate_limited(world, plan, link, monkeypatch):
    from rehab import public_views

    monkeypatch.setattr(public_views, "DIARY_USES_PER_HOUR", 2)
    client = client_for(None)
    codes = [client.get(reverse("public:diary", args=[link])).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize(("refusal", "status"), [("rate_limited", 429), ("revoked", 404)])
def test_a_saved_notice_is_not_kept_when_the_page_after_the_save_is_refused(
    world, plan, link, monkeypatch, refusal, status
):
    from rehab import public_views

    client = client_for(None)
    url = reverse("public:diary", args=[link])
    answers = {"session_done": "yes", "exercise_pain": "2", "next_morning_pain": "2"}
    saved = client.post(url, {"day": day(world, 1).isoformat(), "note": "Stiff", **answers})
    assert saved.status_code == 302 and DiaryEntry.objects.count() == 1
    assert any(k.startswith("diary_saved:") for k in client.session.keys())  # noqa: SIM118
    if refusal == "rate_limited":
        monkeypatch.setattr(public_views, "DIARY_USES_PER_HOUR", 1)  # the post used it up
    else:
        PatientLink.objects.update(revoked_at=timezone.now())
    assert client.get(url).status_code == status
    # The answers and the note do not wait in the session for a page that never came.
    assert not any(k.startswith("diary_saved:") for k in client.session.keys())  # noqa: SIM118


def test_a_patient_can_catch_up_on_two_weeks_within_the_diary_links_hourly_limit(world, plan, link):
    client = client_for(None)
    url = reverse("public:diary", args=[link])
    assert client.get(url).status_code == 200
    for days_ago in range(1, 15):
        opened = client.get(url, {"day": day(world, days_ago).isoformat()})
        assert opened.status_code == 200, days_ago
        saved = post_day(client, url, day(world, days_ago))  # the post and the page after it
        assert saved.status_code == 200, days_ago
    assert DiaryEntry.objects.count() == 14


def test_the_patient_account_reaches_the_diary(world, plan):
    response = post_day(client_for(plan.patient.user), reverse("public:my_diary"), day(world, 2))
    assert response.status_code == 200
    assert DiaryEntry.objects.get().source == "account"


def test_the_next_assessment_is_prefilled_from_the_diary(world, plan):
    patient = plan.patient
    for days_ago, done, pain, morning in [
        (9, True, 3, 2),
        (7, True, 5, 3),
        (5, False, None, 2),
        (3, True, 5, 4),
    ]:
        diary.record(
            patient, plan, day(world, days_ago),
            {"session_done": done, "exercise_pain": pain, "next_morning_pain": morning},
            "link",
        )  # fmt: skip
    prefill = diary.prefill(patient, day(world, 0))
    assert prefill.values == {
        "sessions_done_since_last": 3,
        "nprs_exercise_max": 5,
        "nprs_24h_after_hardest": 4,  # the latest of the hardest sessions
    }
    page = client_for(world.physio).get(
        reverse("patients:assessment_create", args=[patient.public_id])
    )
    body = page.content.decode()
    assert "diary: 4 entries" in body
    assert page.context["form"].initial["sessions_done_since_last"] == 3


def test_plyometric_sessions_and_their_shortest_gap(world, plan):
    patient = plan.patient
    patient.stage = 4
    patient.save()
    for days_ago, plyo in [(10, True), (9, False), (7, True), (5, True), (4, False)]:
        values = {"session_done": True, "plyometric_day": plyo, "exercise_pain": 2}
        values["next_morning_pain"] = days_ago % 3
        diary.record(patient, plan, day(world, days_ago), values, "link")
    values = diary.prefill(patient, day(world, 0)).values
    assert values["plyo_sessions_since_last"] == 3
    assert values["min_plyo_interval_h"] == 48  # days 7 and 5 ago
    assert values["nprs_24h_after_hardest"] == 5 % 3  # stage 4: after the last plyometric day


def test_only_entries_since_the_last_visit_count(world, plan):
    patient = plan.patient
    diary.record(patient, plan, day(world, 15), {"session_done": True, "exercise_pain": 1}, "link")
    review = make_assessment(patient, world.physio, visit_date=day(world, 10).isoformat())
    confirm(review.decision, world.physio)
    diary.record(patient, plan, day(world, 5), {"session_done": True, "exercise_pain": 4}, "link")
    values = diary.prefill(patient, day(world, 0)).values
    assert values["sessions_done_since_last"] == 1 and values["nprs_exercise_max"] == 4


# -- A day that already has an entry (review of the diary as pat.patient) ---------------------


def diary_url(patient_side, plan, link):
    if patient_side == "account":
        return client_for(plan.patient.user), reverse("public:my_diary")
    return client_for(None), reverse("public:diary", args=[link])


def as_sent(response, **changes):
    """What the browser sends back from the page's form, after the patient's changes."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    return {
        k: v.isoformat() if isinstance(v, date) else str(v)
        for k, v in data.items()
        if v is not None
    }


def shown(when):
    return dateformat.format(when, "D j M")


def stiff_day(plan, when):
    """A day the patient saved: exercised, pain 3 during, 1 next morning, a note."""
    diary.record(
        plan.patient, plan, when,
        {"session_done": True, "exercise_pain": 3, "next_morning_pain": 1, "note": "stiff"},
        "link",
    )  # fmt: skip


def saved(patient, when):
    entry = DiaryEntry.objects.get(patient=patient, day=when)
    return entry.session_done, entry.exercise_pain, entry.next_morning_pain, entry.note


@pytest.mark.parametrize("patient_side", ["link", "account"])
def test_saving_over_a_days_entry_first_shows_what_would_be_lost(world, plan, link, patient_side):
    client, url = diary_url(patient_side, plan, link)
    when = day(world, 1)
    stiff_day(plan, when)
    # The form opens on today; the patient picks yesterday and answers afresh.
    page = client.get(url)
    response = client.post(
        url,
        as_sent(page, day=when, session_done="no", next_morning_pain="2", exercise_pain=None),
    )
    assert saved(plan.patient, when) == (True, 3, 1, "stiff")  # nothing replaced yet
    body = response.content.decode()
    assert f"Nothing saved yet: you already have an entry for {shown(when)}" in body
    for change in [
        "exercised yes changed to no",
        "pain during exercise 3/10 removed",
        "pain next morning 1/10 changed to 2/10",
        "note “stiff” removed",
    ]:
        assert change in body
    assert response.context["form"]["next_morning_pain"].value() == "2"  # their answers stay
    # Confirming replaces it, and says so.
    response = client.post(url, as_sent(response), follow=True)
    assert saved(plan.patient, when) == (False, None, 2, "")
    body = response.content.decode()
    assert f"Updated your entry for {shown(when)}: exercised yes changed to no;" in body
    assert DiaryEntry.objects.count() == 1


@pytest.mark.parametrize("patient_side", ["link", "account"])
def test_the_next_morning_pain_is_added_to_yesterdays_entry(world, plan, link, patient_side):
    client, url = diary_url(patient_side, plan, link)
    when = day(world, 1)
    blank = client.get(url)
    first = client.post(
        url, as_sent(blank, day=when, session_done="yes", exercise_pain="3"), follow=True
    )
    assert f"Saved: a new entry for {shown(when)}." in first.content.decode()
    page = client.get(url)  # the next day: the page asks for the morning after
    body = page.content.decode()
    assert f'href="?day={when.isoformat()}">Add next-morning pain for {shown(when)}' in body
    page = client.get(url, {"day": when.isoformat()})
    form = page.context["form"]
    assert form.entry == DiaryEntry.objects.get()
    assert (form["session_done"].value(), form["exercise_pain"].value()) == ("yes", 3)
    assert f"Your entry for {shown(when)}" in page.content.decode()
    response = client.post(url, as_sent(page, next_morning_pain="4"), follow=True)
    assert saved(plan.patient, when) == (True, 3, 4, "")
    body = response.content.decode()
    assert f"Updated your entry for {shown(when)}: pain next morning 4/10 added." in body
    # The flag rule is unchanged: 4 is 2 above the usual morning pain.
    assert DiaryEntry.objects.get().flagged and "Your pain went up" in body


def test_answers_that_only_fill_a_gap_are_added_without_asking(world, plan, link):
    client, url = diary_url("link", plan, link)
    when = day(world, 2)
    diary.record(plan.patient, plan, when, {"session_done": True, "exercise_pain": 3}, "link")
    response = post_day(client, url, when, exercise_pain="3", next_morning_pain="1")
    assert saved(plan.patient, when) == (True, 3, 1, "")
    assert "pain next morning 1/10 added" in response.content.decode()


def test_an_entry_changed_since_the_form_opened_is_not_replaced(world, plan, link):
    client, url = diary_url("link", plan, link)
    when = day(world, 1)
    diary.record(plan.patient, plan, when, {"session_done": True, "exercise_pain": 3}, "link")
    page = client.get(url, {"day": when.isoformat()})
    diary.record(  # meanwhile, on another phone
        plan.patient, plan, when,
        {"session_done": True, "exercise_pain": 3, "next_morning_pain": 1}, "account",
    )  # fmt: skip
    response = client.post(url, as_sent(page, exercise_pain="5"))
    assert saved(plan.patient, when) == (True, 3, 1, "")
    assert "pain next morning 1/10 removed" in response.content.decode()


@pytest.mark.parametrize("asked", ["yesterday", "tomorrow", "2020-01-01", "2026-02-30", "x"])
def test_a_day_that_cannot_be_chosen_opens_today(world, plan, link, asked):
    client, url = diary_url("link", plan, link)
    yesterday = day(world, 1)
    diary.record(plan.patient, plan, yesterday, {"session_done": False}, "link")
    value = {"yesterday": yesterday, "tomorrow": day(world, -1)}.get(asked, asked)
    page = client.get(url, {"day": str(value)})
    expected = yesterday if asked == "yesterday" else day(world, 0)
    assert page.context["form"]["day"].value() == expected
    said = "That day cannot be recorded here" in page.content.decode()
    assert said is (asked != "yesterday")  # a refused day is not swapped for today silently


def test_answering_no_after_ticking_a_pain_saves_and_says_the_pain_was_left_out(world, plan, link):
    client, url = diary_url("link", plan, link)
    response = post_day(
        client, url, day(world, 1), session_done="no", exercise_pain="3", note="rest day"
    )
    assert saved(plan.patient, day(world, 1)) == (False, None, 2, "rest day")
    assert "the pain during exercise you had ticked (3/10) was left empty" in (
        response.content.decode()
    )


def test_a_next_morning_pain_ticked_by_mistake_can_be_cleared(world, plan, link):
    client, url = diary_url("link", plan, link)
    when = day(world, 1)
    diary.record(
        plan.patient, plan, when,
        {"session_done": True, "exercise_pain": 2, "next_morning_pain": 1}, "link",
    )  # fmt: skip
    page = client.get(url, {"day": when.isoformat()})
    assert '<input type="radio" name="next_morning_pain" value=""' in page.content.decode()
    response = client.post(url, as_sent(page, next_morning_pain=""), follow=True)
    assert saved(plan.patient, when) == (True, 2, None, "")
    assert "pain next morning 1/10 removed" in response.content.decode()


@pytest.mark.parametrize("patient_side", ["link", "account"])
def test_a_paused_patient_is_told_to_stop_not_to_carry_on(world, plan, link, patient_side):
    client, url = diary_url(patient_side, plan, link)
    assert "How much pain is OK?" in client.get(url).content.decode()
    Patient.objects.filter(pk=plan.patient.pk).update(status=Patient.Status.PAUSED)
    body = client.get(url).content.decode()
    assert "Your programme is paused." in body
    assert "How much pain is OK?" not in body and "Carry on" not in body
    if patient_side == "account":
        home = client.get(reverse("dashboard")).content.decode()
        assert "Your programme is paused." in home


# -- After a save, a flagged day saved again, and mistakes (review on a 375 px phone) ---------


def test_a_save_redirects_to_the_diary_and_names_the_day_saved(world, plan, link):
    client, url = diary_url("link", plan, link)
    when = day(world, 3)
    diary.record(plan.patient, plan, when, {"session_done": True, "exercise_pain": 2}, "link")
    page = client.get(url, {"day": when.isoformat()})
    response = client.post(f"{url}?day={when.isoformat()}", as_sent(page, next_morning_pain="1"))
    # POST/redirect/GET: the address no longer says ?day=, and reloading posts nothing again.
    assert response.status_code == 302 and response["Location"] == url
    after = client.get(url)
    body = after.content.decode()
    assert f"Updated your entry for {shown(when)}: pain next morning 1/10 added." in body
    assert after.context["form"]["day"].value() == day(world, 0)  # today, as the address says
    assert "Add a day" in body
    again = client.get(url).content.decode()  # said once
    assert "Updated your entry" not in again


def test_what_a_save_said_stays_with_that_patient(world, plan, link):
    client, url = diary_url("link", plan, link)
    client.post(url, {"day": day(world, 1).isoformat(), "session_done": "no"})
    other = make_patient(world.clinic, world.physio, last_name="Other")
    other_plan = issued_plan(world, other)
    _, other_token = programmes.create_link(other_plan, world.physio, PatientLink.Purpose.DIARY)
    body = client.get(reverse("public:diary", args=[other_token])).content.decode()
    assert "Saved: a new entry" not in body
    assert "Saved: a new entry" in client.get(url).content.decode()


def _flagged_yesterday(world, plan, **values):
    when = day(world, 1)
    base = {"session_done": True, "exercise_pain": 7, "next_morning_pain": None, "note": ""}
    diary.record(plan.patient, plan, when, {**base, **values}, "link")
    return when


@pytest.mark.parametrize(
    ("change", "news"),
    [
        ({"next_morning_pain": "2"}, False),  # next morning as usual: nothing new
        ({"next_morning_pain": "3"}, False),  # one above usual: not a reason
        ({"note": "still sore"}, False),
        ({"exercise_pain": "6"}, False),  # corrected down, still red
        ({"exercise_pain": "8"}, True),  # higher
        ({"next_morning_pain": "5"}, True),  # a new reason: the morning after is worse
    ],
)
def test_saving_a_day_already_flagged_again_is_news_only_when_the_pain_is(
    world, plan, link, change, news
):
    client, url = diary_url("link", plan, link)
    when = _flagged_yesterday(world, plan)
    page = client.get(url, {"day": when.isoformat()})
    response = client.post(url, as_sent(page, **change), follow=True)
    body = response.content.decode()
    assert ("Your pain went up" in body) is news
    assert ("still marked “pain up”" in body) is not news
    assert "keep going" not in body
    # The clinician's side is unchanged: still flagged, one patient once in the flare queue.
    entry = DiaryEntry.objects.get()
    assert entry.flagged and plan.patient.case.last_flare_on == when
    base = caseload.caseload(world.admin)
    flare = next(
        q for q in caseload.queues(base, world.clinic, day(world, 0)) if q.key == "flare"
    )  # fmt: skip
    assert [p.last_name for p in flare.patients] == ["Diarist"]


@pytest.mark.parametrize(
    "correction",
    [
        {"session_done": "no", "exercise_pain": None},  # no session after all
        {"exercise_pain": "2"},  # a mistaken score
    ],
)
def test_a_patients_correction_does_not_take_a_flare_off_before_the_physio_sees_it(
    world, plan, link, correction
):
    """A tester answered "No" over a day flagged at 7/10, and the flare left the caseload
    and the patient page at once. The day stays flagged, with the pains that flagged it."""
    client, url = diary_url("link", plan, link)
    when = _flagged_yesterday(world, plan)
    page = client.get(url, {"day": when.isoformat()})
    response = client.post(url, as_sent(page, **correction), follow=True)
    assert "still marked “pain up”" in response.content.decode()  # the patient is told so
    entry = DiaryEntry.objects.get()
    assert entry.exercise_pain == (None if "session_done" in correction else 2)  # saved
    assert entry.flagged and entry.corrected_flag
    reported = "exercise pain 7/10, next morning \N{EN DASH}/10 (usual 2/10)"
    assert entry.flag_report == reported
    assert plan.patient.case.last_flare_on == when
    flare = next(
        q for q in caseload.queues(caseload.caseload(world.admin), world.clinic, day(world, 0))
        if q.key == "flare"
    )  # fmt: skip
    assert [p.last_name for p in flare.patients] == ["Diarist"]
    body = (
        client_for(world.physio)
        .get(reverse("patients:detail", args=[plan.patient.public_id]))
        .content.decode()
    )
    assert "Diary flag" in body
    assert (f"reported {reported}, since changed by the patient to {entry.pains}") in body
    audit = AuditEvent.objects.filter(action__startswith="diary_").order_by("id")
    assert list(audit.values_list("action", flat=True)) == ["diary_flagged", "diary_updated"]


def test_a_flag_raised_again_reports_the_latest_pains(world, plan):
    when = _flagged_yesterday(world, plan)
    values = {"session_done": True, "exercise_pain": 8, "next_morning_pain": 5, "note": ""}
    entry = diary.record(plan.patient, plan, when, values, "link")
    assert entry.flag_report == "exercise pain 8/10, next morning 5/10 (usual 2/10)"
    assert not entry.corrected_flag


def test_migration_0013_reports_the_days_flagged_before_it(world, plan):
    import importlib

    from django.apps import apps

    _flagged_yesterday(world, plan)
    DiaryEntry.objects.update(flag_report="")
    importlib.import_module("rehab.migrations.0013_diary_flag_report").report_flagged_days(
        apps, None
    )
    entry = DiaryEntry.objects.get()
    assert entry.flag_report == entry.pains and not entry.corrected_flag


def test_a_day_flagged_by_its_morning_is_news_when_it_was_not_flagged(world, plan, link):
    when = day(world, 1)
    first = diary.save_day(
        plan.patient, plan, when, {"session_done": True, "exercise_pain": 3}, "link"
    )
    assert not first.entry.flagged and not first.new_flag
    values = {"session_done": True, "exercise_pain": 3, "next_morning_pain": 4}
    second = diary.save_day(plan.patient, plan, when, values, "link", diary.version(first.entry))
    assert second.entry.flagged and second.new_flag
    third = diary.save_day(
        plan.patient, plan, when, {**values, "note": "ok"}, "link", diary.version(second.entry)
    )
    assert third.entry.flagged and not third.new_flag


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"day": ""}, "day", "Choose the day this is about."),
        ({"day": "2026-02-30"}, "day", "That is not a date we know. Choose the day again."),
        ({"session_done": None}, "session_done", "Answer “Yes” or “No”."),
        ({"exercise_pain": None}, "exercise_pain", "Tell us the worst pain during the exercises"),
        ({"next_morning_pain": "11"}, "next_morning_pain", "Choose one of the answers shown."),
        ({"note": "x" * 501}, "note", "Please keep the note to 500 characters or fewer (it has"),
    ],
)
def test_a_mistake_is_told_at_the_top_and_beside_its_field_and_loses_nothing(
    world, plan, link, change, field, message
):
    client, url = diary_url("link", plan, link)
    when = day(world, 1)
    stiff_day(plan, when)
    page = client.get(url, {"day": when.isoformat()})
    sent = as_sent(page, **{"note": "stiffer", **change})
    response = client.post(f"{url}?day={when.isoformat()}", sent)
    assert response.status_code == 200
    assert saved(plan.patient, when) == (True, 3, 1, "stiff")  # nothing saved or lost
    body = response.content.decode()
    # A summary at the top of the page (a phone shows the top after posting), linking to
    # the field, says nothing was saved.
    top = body.index('id="errors"')
    assert top < body.index("How much pain is OK?")
    assert "Nothing saved yet" in body[top:] and f"Your entry for {shown(when)} is still" in body
    assert f'<a href="#id_{field}_group">{message}' in body
    # Beside the field, between its question and its answers, tied to it for screen readers.
    group = re.search(rf'id="id_{field}_group".*?(?:_group"|</form>)', body, re.S).group(0)
    error = f'<p class="text-danger fw-bold fs-6 mb-2" id="id_{field}_error">Error: {message}'
    assert error in group
    assert group.index(error) < group.index("<input" if field != "note" else "<textarea")
    described = re.search(r'aria-describedby="([^"]*)"', group)
    assert described and f"id_{field}_error" in described.group(1).split()
    # The patient's answers are still in the form, and it still says which entry it changes.
    form = response.context["form"]
    assert form["note"].value() == ("x" * 501 if field == "note" else "stiffer")
    assert form.entry == DiaryEntry.objects.get()
    assert "Save changes" in body


def test_days_before_the_programme_offer_no_change_that_would_be_refused(world, plan, link):
    client, url = diary_url("link", plan, link)
    yesterday = day(world, 1)
    diary.record(plan.patient, plan, yesterday, {"session_done": True, "exercise_pain": 2}, "link")
    type(plan).objects.filter(pk=plan.pk).update(issued_at=timezone.now())  # a new programme
    body = client.get(url).content.decode()
    assert f"?day={yesterday.isoformat()}" not in body  # it would open today instead
    assert "From your earlier programme: it can no longer be changed here." in body
