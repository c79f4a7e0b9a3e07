"""Caseload review (issue 7)."""

import codecs
import csv
import io
import itertools
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import AuditEvent, User
from patients.forms import clinic_today
from patients.models import Patient
from rehab import caseload, caseload_views, plans, rules, services
from rehab.models import ACTION_LABELS
from rehab.services import confirm

from ..conftest import client_for
from ..factories import make_assessment, make_patient


def day(world, days_ago):
    return (clinic_today(world.clinic) - timedelta(days=days_ago)).isoformat()


def day_text(world, days_ago):
    return (clinic_today(world.clinic) - timedelta(days=days_ago)).strftime("%-d %b %Y")


def started(world, days_ago=10, **fields):
    """A patient allocated to stage 1 ``days_ago`` days ago (confirmed)."""
    patient = make_patient(world.clinic, world.physio, **fields)
    first = make_assessment(
        patient,
        world.physio,
        visit_date=day(world, days_ago),
        G1_nprs="5",
        sitting_tolerance_min="15",
    )
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    return patient


def review(world, patient, days_ago, confirm_it=True, **values):
    assessment = make_assessment(patient, world.physio, visit_date=day(world, days_ago), **values)
    if confirm_it:
        confirm(assessment.decision, world.physio)
    patient.refresh_from_db()
    return assessment


def members(world, user=None):
    user = user or world.admin
    base = caseload.caseload(user)
    today = clinic_today(world.clinic)
    return {
        q.key: {p.last_name for p in q.patients}
        for q in caseload.queues(base, world.clinic, today, whole_clinic=user.is_clinic_admin)
    }


def test_queue_membership_on_constructed_histories(world):
    referred = started(world, last_name="Referred")
    review(world, referred, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    flared = started(world, last_name="Flared")
    review(world, flared, 3, nprs_exercise_max="7", G1_nprs="3")  # R3a: REGRESS
    amber = started(world, last_name="Amber")
    review(world, amber, 3, nprs_exercise_max="4", G1_nprs="2")  # STAY with AMBER
    ready = started(world, days_ago=12, last_name="Ready")
    review(world, ready, 1, confirm_it=False, G1_nprs="1", sitting_tolerance_min="25")
    overdue = started(world, days_ago=40, last_name="Overdue")
    quiet = started(world, days_ago=5, last_name="Quiet")
    plan = plans.create_from_template(quiet, 1, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)

    queues = members(world)
    assert queues["referral"] == {"Referred"}
    assert queues["flare"] == {"Flared", "Amber"}
    assert queues["ready"] == {"Ready"}
    assert queues["overdue"] == {"Overdue"}
    assert "Quiet" not in queues["no_programme"] and "Overdue" in queues["no_programme"]
    assert not any("Quiet" in names for key, names in queues.items() if key != "no_programme")
    assert overdue.pk
    # The badges (one aggregate query) count exactly the patients each list shows.
    base = caseload.caseload(world.admin)
    today = clinic_today(world.clinic)
    counted = caseload.queue_counts(
        base, caseload.queues(base, world.clinic, today, whole_clinic=True)
    )
    by_urgency = {key: counted.pop(key) for key in list(counted) if key.startswith("referral_")}
    assert counted == {key: len(names) for key, names in queues.items()}
    # The referral queue by urgency (the dashboard's breakdown) adds up to it.
    assert set(by_urgency) == {f"referral_{u}" for u in ("EMERGENCY", "URGENT", "ROUTINE")}
    assert sum(by_urgency.values()) <= counted["referral"]


def test_the_flags_in_the_table_and_the_decision_box_say_what_they_mean(world):
    amber = started(world, last_name="Amber")
    review(world, amber, 3, nprs_exercise_max="4", G1_nprs="2")  # STAY with AMBER
    meaning = rules.FLAG_LABELS[rules.Flag.AMBER]
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert f'Flags: <span class="flag">AMBER</span> {meaning}.' in body
    assert "DWELL" not in body.split("Flags:")[-1]  # only the flags the page shows
    page = client_for(world.physio).get(reverse("patients:detail", args=[amber.public_id]))
    assert f'<span class="flag me-1">AMBER</span> {meaning}' in page.content.decode()


def test_overdue_threshold_is_the_clinic_setting(world):
    started(world, days_ago=10, last_name="TenDays")
    assert "TenDays" not in members(world)["overdue"]
    world.clinic.overdue_days = 7
    world.clinic.save()
    world.admin.refresh_from_db()
    assert "TenDays" in members(world)["overdue"]


def test_plateau_queue(world):
    patient = started(world, days_ago=70, last_name="Stuck")
    review(world, patient, 1, G1_nprs="5")  # stays: gate pain, 69 days in stage
    assert "Stuck" in members(world)["plateau"]


def test_referrals_are_ordered_by_urgency(world):
    routine = started(world, last_name="Routine")
    review(world, routine, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_INFLAMMATORY"])
    emergency = started(world, last_name="Emergency")
    review(
        world, emergency, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"]
    )
    base = caseload.caseload(world.admin)
    referral = caseload.queues(base, world.clinic, clinic_today(world.clinic))[0]
    assert [p.last_name for p in referral.patients] == ["Emergency", "Routine"]


def test_a_clinicians_referral_is_queued_and_labelled_by_the_urgency_they_chose(world):
    """An override to REFER carries the clinician's urgency into the referral queue's order
    and label; one recorded without it (before the override form asked) still sorts last."""
    rules_routine = started(world, last_name="RulesRoutine")
    review(
        world, rules_routine, 2, confirm_it=False, red_flags_none=None,
        red_flags=["RF_INFLAMMATORY"],
    )  # fmt: skip
    for name, urgency in (
        ("Unrecorded", ""),
        ("OwnUrgent", "URGENT"),
        ("OwnEmergency", "EMERGENCY"),
    ):
        patient = started(world, last_name=name)
        visit = review(world, patient, 1, confirm_it=False, G1_nprs="4")
        assert visit.decision.engine_action != "REFER"
        services.override(
            visit.decision, world.physio, rules.Action.REFER, "Query lumbar source", urgency=urgency
        )
    base = caseload.caseload(world.admin)
    referral = caseload.queues(base, world.clinic, clinic_today(world.clinic))[0]
    assert [p.last_name for p in referral.patients] == [
        "OwnEmergency", "OwnUrgent", "RulesRoutine", "Unrecorded"
    ]  # fmt: skip
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    section = re.search(r'id="queue-referral".*?</ul>', body, re.S)
    assert section
    previews = re.findall(
        r'<li><a href="[^"]+">Pat (\w+)</a>(?: <span class="flag text-danger">(\w+)</span>)?</li>',
        section.group(0),
    )
    assert previews == [
        ("OwnEmergency", "EMERGENCY"), ("OwnUrgent", "URGENT"), ("RulesRoutine", "ROUTINE"),
        ("Unrecorded", ""),
    ]  # fmt: skip


def test_rows_and_queue_previews_link_to_the_work_each_needs(world):
    referred = started(world, last_name="Referred")
    visit = review(
        world, referred, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"]
    )
    started(world, days_ago=40, last_name="Overdue")
    amber = started(world, last_name="Amber")
    review(world, amber, 3, nprs_exercise_max="4", G1_nprs="2")  # STAY with AMBER, confirmed
    body = client_for(world.physio).get(reverse("rehab:caseload")).content.decode()
    # Previews: the referral opens its assessment, with the urgency; overdue opens a new one.
    assessment_url = reverse("patients:assessment", args=[referred.public_id, visit.public_id])
    urgency = visit.decision.engine_urgency
    assert urgency
    link = f'<a href="{assessment_url}">{referred.full_name}</a>'
    assert f'{link} <span class="flag text-danger">{urgency}</span></li>' in body
    overdue = Patient.objects.get(last_name="Overdue")
    last = (clinic_today(world.clinic) - timedelta(days=40)).strftime("%-d %b")
    new_url = reverse("patients:assessment_create", args=[overdue.public_id])
    assert f'<a href="{new_url}">{overdue.full_name}</a> · last {last}</li>' in body
    # Rows: last name first, the decision in words with its flags, days in stage.
    row = re.search(r"<tr><td><a href=\"([^\"]+)\">Referred, .*?</tr>", body)
    assert row, body
    assert row.group(1) == reverse("patients:detail", args=[referred.public_id])
    cells = re.findall(r"<td>(.*?)</td>", row.group(0))
    assert cells[1:7] == [
        "1", world.physio.display_name, "10", day_text(world, 2),
        f'Refer (waiting) <span class="flag text-danger">{urgency}</span> ', "none",
    ]  # fmt: skip
    amber_row = re.search(r"<td><a [^>]+>Amber, .*?</tr>", body)
    assert amber_row
    assert '<td>Stay <span class="flag">AMBER</span> </td>' in amber_row.group(0)


def test_the_admin_sees_escaped_names_and_links_to_the_patient(world):
    world.physio.first_name = '<Sam & "Co">'
    world.physio.save()
    odd = started(world, first_name='<b>"Jo&', last_name="O'Hara <i>")
    review(world, odd, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    make_patient(world.clinic, world.physio, last_name="Paused", status="paused")
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert "<b>" not in body and "<i>" not in body and "<Sam" not in body
    name = "&lt;b&gt;&quot;Jo&amp;"
    surname = "O&#x27;Hara &lt;i&gt;"
    detail = reverse("patients:detail", args=[odd.public_id])
    # The referral preview opens the patient (the admin does not read assessments) ...
    assert f'<li><a href="{detail}">{name} {surname}</a> <span class="flag' in body
    # ... and "no programme" opens the plans, with the stage.
    plans_url = reverse("rehab:plans", args=[odd.public_id])
    assert f'<li><a href="{plans_url}">{name} {surname}</a> · stage 1</li>' in body
    row = re.search(rf'<tr><td><input [^>]+aria-label="Tick {name} {surname}"></td>.*?</tr>', body)
    assert row, body
    assert f'<a href="{detail}">{surname}, {name}</a>' in row.group(0)
    assert "<td>&lt;Sam &amp; &quot;Co&quot;&gt; User" in row.group(0)
    paused_row = re.search(r"<td><a [^>]+>Paused, Pat</a>(.*?)</tr>", body)
    assert paused_row
    assert paused_row.group(1).startswith(' <span class="flag text-danger">paused</span></td>')
    cells = re.findall(r"<td>(.*?)</td>", paused_row.group(0))
    assert cells[1:] == ["\u2013", "&lt;Sam &amp; &quot;Co&quot;&gt; " + world.physio.last_name,
                         "\u2013", "\u2013", "\u2013", "none"]  # fmt: skip


@pytest.mark.parametrize(("persona", "columns"), [("physio", 7), ("admin", 8)])
def test_an_empty_caseload_says_so(world, persona, columns):
    body = client_for(getattr(world, persona)).get(reverse("rehab:caseload")).content.decode()
    assert f'<tr><td colspan="{columns}">No patients here.</td></tr>' in body


def test_a_physiotherapist_sees_only_their_own_patients(world):
    started(world, last_name="Mine")
    other = make_patient(world.clinic, world.colleague, last_name="Theirs")
    body = client_for(world.physio).get(reverse("rehab:caseload")).content.decode()
    assert "Mine" in body and "Theirs" not in body
    admin_body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert "Mine" in admin_body and "Theirs" in admin_body
    assert other.pk


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Ordinary", "Ordinary"),
        ("O'Connor", "O'Connor"),
    ],
)
def test_csv_cells_are_neutralised(value, expected):
    assert caseload.neutralise(value) == expected


def test_csv_export_neutralises_formulas_and_is_audited(world):
    started(world, first_name="=cmd|' /C calc'!A0", last_name="Formula")
    response = client_for(world.admin).get(reverse("rehab:caseload_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0].startswith("'=cmd")
    event = AuditEvent.objects.get(action="caseload_exported")
    assert event.actor == world.admin and event.patient_ref is None


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("START_STAGE_1", "Start stage 1"),
        ("START_STAGE_2", "Start stage 2"),
        ("PROGRESS", "Progress"),
        ("STAY", "Stay"),
        ("REGRESS", "Regress"),
        ("REFER", "Refer"),
        ("COMPLETE", "Complete"),
    ],
)
def test_the_latest_decision_is_shown_in_words_for_every_action(action, words):
    row = {"decision_action": action, "decision_flags": [], "decision_status": "confirmed"}
    assert caseload_views._decision_cell(row) == f"{words} "
    waiting = {**row, "decision_status": "pending", "decision_flags": ["AMBER"]}
    assert caseload_views._decision_cell(waiting) == (
        f'{words} (waiting) <span class="flag">AMBER</span> '
    )


def test_every_action_has_its_words():
    assert set(ACTION_LABELS) == {a.value for a in rules.Action}
    assert not any("_" in words for words in ACTION_LABELS.values())


def test_the_page_and_the_csv_give_the_decision_in_words_not_its_code(world):
    patient = make_patient(world.clinic, world.physio, last_name="Starting")
    make_assessment(
        patient, world.physio, visit_date=day(world, 3), G1_nprs="1", sitting_tolerance_min="40"
    )  # A3: START_STAGE_2, not yet confirmed
    assert patient.decisions.get().engine_action == "START_STAGE_2"
    admin = client_for(world.admin)
    body = admin.get(reverse("rehab:caseload")).content.decode()
    row = re.search(r"<td><a [^>]+>Starting, .*?</tr>", body)
    assert row, body
    assert "<td>Start stage 2 (waiting) </td>" in row.group(0)
    assert "START_STAGE_2" not in body and "Start_stage_2" not in body
    rows = list(csv.reader(io.StringIO(admin.get(reverse("rehab:caseload_csv")).content.decode())))
    header, line = rows[0], rows[1]
    assert line[header.index("Latest decision")] == "Start stage 2"


def test_admin_sees_status_not_clinical_content(world):
    patient = started(world, last_name="Private")
    review(world, patient, 1, notes="Confidential clinical note", G1_nprs="2")
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert "Private" in body and "Confidential clinical note" not in body
    assert not re.search(r"\d\s*/\s*10\b", body)  # no pain scores ("2/10")


def test_admin_reassigns_the_ticked_patients_and_history_keeps_it(world):
    moving, also = started(world, last_name="Moving"), started(world, last_name="Alsomoving")
    staying = started(world, last_name="Staying")
    admin = client_for(world.admin)
    url = reverse("rehab:reassign") + "?q=moving"
    response = admin.post(
        url,
        {"patients": [moving.public_id, also.public_id], "physio": world.colleague.public_id},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:caseload") + "?q=moving"  # filters kept
    for patient in (moving, also):
        patient.refresh_from_db()
        assert patient.physio == world.colleague
        assert patient.history.first().history_change_reason == "Reassigned by the clinic admin"
    staying.refresh_from_db()
    assert staying.physio == world.physio
    assert AuditEvent.objects.filter(action="patient_reassigned").count() == 2
    page = admin.get(response["Location"]).content.decode()
    assert f"2 patients are now with {world.colleague.display_name}." in page


@pytest.mark.parametrize(
    ("ticked", "physio", "message"),
    [
        ("ours", "other_physio", "Choose an active physiotherapist of your clinic."),
        ("theirs", "colleague", "A ticked patient is no longer in the caseload"),
        ("none", "colleague", "Tick the patients to reassign in the caseload table."),
        ("ours", "none", "Choose the physiotherapist who takes them over."),
        ("bad", "colleague", "is not a valid UUID."),  # only a forged form sends this
    ],
)
def test_reassigning_refuses_bad_input_next_to_the_field(world, ticked, physio, message):
    ours = started(world, last_name="Ours")
    theirs = make_patient(world.other_clinic, world.other_physio, last_name="Theirs")
    data = {
        "patients": {"ours": [ours.public_id], "theirs": [theirs.public_id], "bad": ["x"]}.get(
            ticked, []
        ),
        "physio": getattr(world, physio).public_id if physio != "none" else "",
    }
    response = client_for(world.admin).post(reverse("rehab:reassign"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and 'invalid-feedback d-block" id="reassign_p' in body
    assert "Theirs" not in body
    # A problem with the ticks is announced with every tick box.
    assert ('aria-describedby="reassign_patients_error"' in body) == (ticked != "ours")
    if ticked == "ours":  # the tick survives the error
        assert f'value="{ours.public_id}" form="reassign" id="tick-{ours.public_id}"' in body
        assert f'aria-label="Tick {ours.full_name}" checked' in body
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.physio, theirs.physio) == (world.physio, world.other_physio)
    assert not AuditEvent.objects.filter(action="patient_reassigned").exists()


def test_after_a_reassign_error_the_page_and_its_links_stay_on_the_caseload(world):
    patients = [started(world, last_name=f"Row{i:02d}") for i in range(55)]  # two pages
    on_page_two = patients[-1]
    admin = client_for(world.admin)
    response = admin.post(
        reverse("rehab:reassign") + "?sort=name&page=2",
        {"patients": [on_page_two.public_id], "physio": ""},
    )
    body = response.content.decode()
    assert "Choose the physiotherapist who takes them over." in body
    assert "Page 2 of 2" in body and f'aria-label="Tick {on_page_two.full_name}"' in body
    assert 'aria-describedby="reassign_patients_error"' not in body  # the ticks were fine
    caseload_url = reverse("rehab:caseload")
    assert f'<form method="get" action="{caseload_url}"' in body
    assert f'href="{caseload_url}?queue=' in body and 'href="?' not in body
    assert f'action="{reverse("rehab:reassign")}?sort=name&amp;page=2"' in body
    response = admin.post(
        reverse("rehab:reassign") + "?sort=name&page=2",
        {"patients": [on_page_two.public_id], "physio": world.colleague.public_id},
    )
    assert response["Location"] == caseload_url + "?sort=name&page=2"  # back where it was


def test_ticking_another_clinics_patient_is_audited_as_denied(world):
    theirs = make_patient(world.other_clinic, world.other_physio, last_name="Theirs")
    client_for(world.admin).post(
        reverse("rehab:reassign"),
        {"patients": [theirs.public_id], "physio": world.colleague.public_id},
    )
    denied = AuditEvent.objects.get(action="access_denied")
    assert denied.actor == world.admin and denied.outcome == "denied"


def test_only_clinic_admins_reassign(world):
    patient = started(world, last_name="Kept")
    data = {"patients": [patient.public_id], "physio": world.colleague.public_id}
    assert client_for(world.physio).post(reverse("rehab:reassign"), data).status_code == 403
    patient.refresh_from_db()
    assert patient.physio == world.physio
    assert (
        'form="reassign"'
        not in client_for(world.physio).get(reverse("rehab:caseload")).content.decode()
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("physio", 200),
        ("colleague", 200),
        ("other_physio", 200),
        ("admin", 200),
        ("anonymous", 302),
    ],
)
def test_caseload_access_for_every_persona(world, persona, status):
    user = None if persona == "anonymous" else getattr(world, persona)
    started(world, last_name="Visible")
    response = client_for(user).get(reverse("rehab:caseload"))
    assert response.status_code == status
    if persona == "other_physio":
        assert "Visible" not in response.content.decode()


def test_patient_account_cannot_see_the_caseload(world):
    from accounts.models import User

    from ..factories import make_user

    account = make_user(world.clinic, User.Role.PATIENT)
    assert client_for(account).get(reverse("rehab:caseload")).status_code == 403
    assert client_for(account).get(reverse("rehab:caseload_csv")).status_code == 403


def _add_patients(world, start, count, **fields):
    """``count`` patients in stages 1-4, named by number unless ``fields`` say otherwise."""
    Patient.objects.bulk_create(
        Patient(
            clinic=world.clinic,
            physio=world.physio,
            **{
                "first_name": f"F{i}",
                "last_name": f"L{i:05d}",
                "date_of_birth": "1980-01-01",
                "sex": "male",
                "affected_side": "left",
                "onset": "gradual",
                "symptom_duration_weeks": 4,
                "stage": 1 + i % 4,
                "status": "active",
                **fields,
            },
        )
        for i in range(start, start + count)
    )
    caseload.figures_changed(world.clinic.pk)  # bulk inserts send no signals


@pytest.mark.parametrize("figures", ["cached", "computed"])
def test_caseload_queries_are_the_same_for_10_and_2000_patients(world, figures):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.admin)
    url = reverse("rehab:caseload") + "?sort=stage"
    counts = {}
    for total, start in ((10, 0), (2000, 10)):
        _add_patients(world, start, total - start)
        client.get(url)  # warm the session (and the cached figures)
        if figures == "computed":
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.context["page"].paginator.count == total
        counts[total] = len(captured)
    assert counts[10] == counts[2000], counts


def test_cached_figures_save_the_queries_over_the_whole_caseload(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started(world, last_name="Counted")
    client = client_for(world.admin)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("rehab:caseload"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("rehab:caseload"))
    assert len(second) <= len(first) - 6  # queue counts, 6 queue previews, workload


def _listed(client, query=""):
    """The patients' links in the caseload table of the page ``query`` asks for."""
    body = client.get(reverse("rehab:caseload") + query).content.decode()
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'href="/patients/([0-9a-f-]+)/"', table)


@pytest.mark.parametrize("sort", ["", "?sort=stage", "?sort=days", "?sort=physio"])
def test_patients_of_the_same_name_are_each_listed_once_across_pages(world, sort):
    _add_patients(world, 0, caseload.PAGE_SIZE + 10, first_name="Sam", last_name="Same")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.admin)
    joiner = "&" if sort else "?"
    with CaptureQueriesContext(connection) as captured:
        listed = _listed(client, sort) + _listed(client, f"{sort}{joiner}page=2")
    every = {str(p) for p in Patient.objects.values_list("public_id", flat=True)}
    assert sorted(listed) == sorted(every)
    # Rows that tie on every column sorted by come in one order: that of their ids.
    paging = [q["sql"] for q in captured if "OFFSET 50" in q["sql"]]
    last_key = re.compile(r'(?:"patients_patient"\."id"|, 1) ASC LIMIT')  # 1: the selected id
    assert paging and all(last_key.search(sql) for sql in paging), paging


def test_the_first_page_by_name_comes_with_the_figures_and_follows_changes(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started(world, last_name="Middleton")
    client = client_for(world.admin)
    client.get(reverse("rehab:caseload"))  # computes the figures
    with CaptureQueriesContext(connection) as captured:
        first = _listed(client)
    paging = [q["sql"] for q in captured if "LIMIT 50" in q["sql"]]
    assert not paging, paging  # the first page's patients were read with the figures
    assert len(first) == 1
    newcomer = make_patient(world.clinic, world.physio, last_name="Aaronson")
    assert _listed(client) == [str(newcomer.public_id), *first]  # at once, in name order
    assert _listed(client, "?sort=name") == _listed(client)
    newcomer.archived_at = timezone.now()
    newcomer.save()
    assert _listed(client) == first


def _badge(body, key):
    return int(
        re.search(rf'id="queue-{key}">.*?<span class="badge[^"]*">(\d+)</span>', body).group(1)
    )


def test_every_change_the_figures_count_reaches_the_page_at_once(world):
    admin = client_for(world.admin)
    url = reverse("rehab:caseload")

    def page():
        return admin.get(url).content.decode()

    patient = started(world, last_name="Changing")
    started(world, days_ago=10, last_name="Quiet")
    assert _badge(page(), "referral") == 0 and "2 patients<" in page()
    review(world, patient, 1, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    assert _badge(page(), "referral") == 1  # a case status saved
    make_patient(world.clinic, world.physio, last_name="Newcomer")
    assert "3 patients<" in page()  # a patient added
    assert _badge(page(), "overdue") == 0
    world.clinic.overdue_days = 7
    world.clinic.save()
    assert _badge(page(), "overdue") == 1  # the clinic's setting: Quiet was seen 10 days ago
    patient.archived_at = timezone.now()
    patient.save()
    body = page()
    assert "2 patients<" in body and _badge(body, "referral") == 0


def test_the_dashboard_shares_the_figures_and_sees_changes_at_once(world):
    admin = client_for(world.admin)
    patient = started(world, last_name="Dashed")
    assert ": 1 current patient." in admin.get(reverse("dashboard")).content.decode()
    admin.get(reverse("rehab:caseload"))
    review(world, patient, 1, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    make_patient(world.clinic, world.physio, last_name="Second")
    body = admin.get(reverse("dashboard")).content.decode()
    assert ": 2 current patients." in body
    referral = re.search(
        r"queue=referral\">[^<]*</a>.*?<span class=\"badge[^\"]*\">(\d+)<", body, re.S
    )
    assert referral.group(1) == "1"


def test_the_dashboard_shows_referrals_apart_from_the_routine_queues(world):
    """UX.md: red flags and referrals are impossible to miss and never mixed up with routine
    flags. The referral count stands in its own red-edged box; routine counts are not red."""
    physio = client_for(world.physio)
    patient = started(world, last_name="Flagged")
    quiet = physio.get(reverse("dashboard")).content.decode()
    assert 'class="card mb-3 col-lg-6"><div' in quiet and 'role="alert"' not in quiet
    review(world, patient, 1, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    body = physio.get(reverse("dashboard")).content.decode()
    box = re.search(
        r'<div class="card mb-3 col-lg-6 referral" role="alert">.*?</div></div>', body, re.S
    )
    assert box and "queue=referral" in box.group(0) and ">1</span>" in box.group(0)
    assert "(1 emergency)" in box.group(0)  # how urgent, said beside the count
    routine = body[body.index('aria-label="Routine queues"') :]
    assert "queue=referral" not in routine and "text-bg-danger" not in routine
    assert "queue=overdue" in routine
    # The caseload page's queues too: red for the referral count alone.
    page = physio.get(reverse("rehab:caseload")).content.decode()
    badges = re.findall(r'\?queue=(\w+)">[^<]*</a> <span class="badge ([\w-]+)">(\d+)<', page)
    assert ("referral", "text-bg-danger", "1") in badges
    assert all(colour != "text-bg-danger" for key, colour, _ in badges if key != "referral")


def test_a_physiotherapist_and_the_admin_have_their_own_figures(world):
    started(world, last_name="Mine")
    colleague_patient = make_patient(world.clinic, world.colleague, last_name="Theirs")
    assert colleague_patient.pk
    assert "1 patient<" in client_for(world.physio).get(reverse("rehab:caseload")).content.decode()
    assert "2 patients<" in client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert "1 patient<" in client_for(world.physio).get(reverse("rehab:caseload")).content.decode()


def test_figures_are_shared_and_forgotten_through_redis(world, settings):
    import uuid

    import redis

    from ..conftest import require

    url = "redis://127.0.0.1:6379/12"  # not the test broker's database
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        require(False, "needs Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        admin = client_for(world.admin)
        started(world, last_name="First")
        assert "1 patient<" in admin.get(reverse("rehab:caseload")).content.decode()
        stored = {
            key.decode().split(":")[2] for key in redis.Redis.from_url(url).keys(f"{prefix}:*")
        }
        assert {"caseload-version", "caseload-figures"} <= stored, stored
        make_patient(world.clinic, world.physio, last_name="Second")
        assert "2 patients<" in admin.get(reverse("rehab:caseload")).content.decode()
    finally:  # only this test's keys: cache.clear() would empty the whole database
        server = redis.Redis.from_url(url)
        if keys := server.keys(f"{prefix}:*"):
            server.delete(*keys)


def test_a_failing_cache_is_left_alone_for_a_while(monkeypatch):
    from pht_clinic import caching

    calls = []

    def broken():
        calls.append(1)
        raise ConnectionError("no answer")

    assert caching.safely(broken, "computed", "test") == "computed"
    assert caching.safely(broken, "computed", "test") == "computed"
    assert calls == [1]  # the second call did not wait for the cache again
    monkeypatch.setattr(caching.time, "monotonic", lambda: 10**9)  # the pause is over
    assert caching.safely(lambda: "cached", "computed", "test") == "cached"


def test_a_change_made_while_the_cache_is_left_alone_still_forgets_the_figures(world):
    """A process that met a cache error leaves the cache alone for a while, but others read
    it: a change made in that process must still forget what they would show."""
    import time

    from pht_clinic import caching

    started(world, last_name="Middleton")
    client = client_for(world.admin)
    client.get(reverse("rehab:caseload"))  # the figures are cached
    caching._paused_until = time.monotonic() + caching.PAUSE_SECONDS  # as after an error
    try:
        newcomer = make_patient(world.clinic, world.physio, last_name="Aaronson")
    finally:
        caching.resume()  # the other processes, which read the cache all along
    body = client.get(reverse("rehab:caseload")).content.decode()
    assert str(newcomer.public_id) in body and "2 patients<" in body


def test_a_cache_outage_still_shows_the_caseload(world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    started(world, last_name="Shown")
    response = client_for(world.admin).get(reverse("rehab:caseload"))
    assert response.status_code == 200 and "Shown" in response.content.decode()


def test_migration_0006_backfills_the_queue_columns_as_the_services_write_them(world):
    import importlib

    from django.apps import apps

    from rehab.models import CaseStatus

    ready = started(world, days_ago=12, last_name="Ready")
    review(world, ready, 1, confirm_it=False, G1_nprs="1", sitting_tolerance_min="25")
    stuck = started(world, days_ago=70, last_name="Stuck")
    review(world, stuck, 1, G1_nprs="5")
    quiet = started(world, days_ago=5, last_name="Quiet")
    plan = plans.create_from_template(quiet, 1, world.physio)
    plans.issue(plan, plan.lock_version, world.physio)
    columns = ["decision_on", "urgency_rank", "ready_to_progress", "plateau", "programme_stage"]
    written = {c.patient_id: [getattr(c, f) for f in columns] for c in CaseStatus.objects.all()}
    assert any(row[2] for row in written.values()) and any(row[3] for row in written.values())
    assert any(row[4] == 1 for row in written.values())

    CaseStatus.objects.update(
        decision_on=None, urgency_rank=3, ready_to_progress=False, plateau=False,
        programme_stage=None,
    )  # fmt: skip
    importlib.import_module("rehab.migrations.0006_case_status_queues").backfill(apps, None)
    backfilled = {c.patient_id: [getattr(c, f) for f in columns] for c in CaseStatus.objects.all()}
    assert backfilled == written


def test_a_filter_that_cannot_be_used_says_so(world):
    started(world, last_name="Shown")
    body = client_for(world.admin).get(reverse("rehab:caseload") + "?queue=ready&physio=__")
    text = body.content.decode()
    assert "This filter could not be used, so every patient is shown:" in text
    assert "Physiotherapist: Select a valid choice." in text
    assert "Shown, " in text
    fine = client_for(world.admin).get(reverse("rehab:caseload") + "?stage=1")
    assert "could not be used" not in fine.content.decode()


def test_patients_of_a_deactivated_physiotherapist_are_marked(world):
    started(world, last_name="Stranded")
    world.physio.is_active = False
    world.physio.set_unusable_password()  # as the demo's leaver: no invitation waits for them
    world.physio.save()
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    row = re.search(r"<td><a [^>]+>Stranded, .*?</tr>", body)
    assert row and f"{world.physio.display_name} (deactivated)" in row.group(0)
    assert f">{world.physio.display_name} (deactivated)</option>" in body  # the filter menu


def test_rows_name_every_physiotherapist_the_cached_menu_does_not_list(world):
    """Rows name physiotherapists from the cached figures' menu; a patient's physiotherapist
    who has since become a clinic admin is not in it, and is read for the row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started(world, last_name="Stranded")
    world.physio.role = User.Role.CLINIC_ADMIN  # keeps their patients (the "unassigned" queue)
    world.physio.save()
    kept = started(world, last_name="Kept")
    kept.physio = world.colleague
    kept.save()
    client = client_for(world.admin)
    client.get(reverse("rehab:caseload"))  # the figures are cached
    with CaptureQueriesContext(connection) as captured:
        body = client.get(reverse("rehab:caseload")).content.decode()
    for name, physio in (("Stranded", world.physio), ("Kept", world.colleague)):
        row = re.search(rf"<td><a [^>]+>{name}, .*?</tr>", body)
        assert row and f"<td>{physio.display_name}</td>" in row.group(0)
    staff = [q["sql"] for q in captured if 'FROM "accounts_user"' in q["sql"]]
    assert len(staff) == 2, staff  # the viewer, and the admin who still has a patient


def test_an_invited_physiotherapist_is_listed_as_invited_not_deactivated(world):
    accounts_services.invite_staff(
        None, world.clinic, email="ex.tra@example.org", first_name="Ex", last_name="Tra",
        role=User.Role.PHYSIO, invited_by=world.admin,
    )  # fmt: skip
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert ">Ex Tra (invited)</option>" in body  # the filter menu
    assert "Ex Tra (deactivated)" not in body


def test_inviting_a_deactivated_physiotherapist_again_relabels_them_at_once(world):
    from django.test import RequestFactory

    account, _ = accounts_services.invite_staff(
        None, world.clinic, email="ex.tra@example.org", first_name="Ex", last_name="Tra",
        role=User.Role.PHYSIO, invited_by=world.admin,
    )  # fmt: skip
    client = client_for(world.admin)

    def page():
        return client.get(reverse("rehab:caseload")).content.decode()

    request = RequestFactory().post("/")
    request.user = world.admin
    accounts_services.deactivate(request, account)  # revokes the invitation
    assert ">Ex Tra (deactivated)</option>" in page()
    # Reactivating an account that never set a password sends a new invitation; the account
    # itself is not saved, and the menus (cached with the figures) follow at once.
    assert accounts_services.reactivate(request, account) is not None
    assert ">Ex Tra (invited)</option>" in page()


def test_a_completed_programme_is_not_counted_in_days_in_stage(world):
    done = started(world, days_ago=30, last_name="Finished")
    last = review(world, done, 2, confirm_it=False)
    services.override(last.decision, world.physio, rules.Action.COMPLETE, "Goals met")
    started(world, days_ago=30, last_name="Going")
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    finished = re.search(r"<td><a [^>]+>Finished, .*?</tr>", body).group(0)
    going = re.search(r"<td><a [^>]+>Going, .*?</tr>", body).group(0)
    assert "<td>completed</td>" in finished and "<td>30</td>" not in finished
    assert "<td>30</td>" in going
    response = client_for(world.admin).get(reverse("rehab:caseload_csv"))
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    days = {row["Patient"]: (row["Status"], row["Days in stage"]) for row in rows}
    assert days == {"Pat Finished": ("Completed", ""), "Pat Going": ("In programme", "30")}


def test_an_admin_is_shown_the_patients_left_without_an_active_physiotherapist(world):
    started(world, last_name="Stranded")
    kept = started(world, last_name="Kept")
    Patient.objects.filter(pk=kept.pk).update(physio=world.colleague)
    done = started(world, last_name="Finished")
    Patient.objects.filter(pk=done.pk).update(status=Patient.Status.COMPLETED)
    assert members(world)["unassigned"] == set()  # every physiotherapist is active
    world.physio.is_active = False
    world.physio.save()
    assert members(world)["unassigned"] == {"Stranded"}  # not the completed one
    # A physiotherapist made clinic admin keeps their patients, who need a physiotherapist.
    Patient.objects.filter(last_name="Kept").update(physio=world.admin)
    assert members(world)["unassigned"] == {"Stranded", "Kept"}
    Patient.objects.filter(last_name="Kept").update(physio=world.colleague)
    dashboard = client_for(world.admin).get(reverse("dashboard")).content.decode()
    assert "No active physiotherapist" in dashboard
    page = client_for(world.admin).get(reverse("rehab:caseload") + "?queue=unassigned")
    assert "Stranded" in page.context["rows"] and "Kept" not in page.context["rows"]
    # A physiotherapist's own caseload never holds such a patient: no such queue there.
    assert "unassigned" not in members(world, world.colleague)
    mine = client_for(world.colleague).get(reverse("dashboard")).content.decode()
    assert "No active physiotherapist" not in mine


def test_figures_cached_by_another_release_are_not_read(world, settings, monkeypatch):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "r"}
    }
    settings.CASELOAD_CACHE_SECONDS = 60
    today = clinic_today(world.clinic)
    computed = []

    def compute():
        computed.append(1)
        return {"total": len(computed)}

    assert caseload.cached_figures(world.admin, today, compute) == {"total": 1}
    assert caseload.cached_figures(world.admin, today, compute) == {"total": 1}  # cached
    monkeypatch.setattr(caseload, "_FORMAT", "a-later-release")
    assert caseload.cached_figures(world.admin, today, compute) == {"total": 2}


def test_a_queues_list_keeps_the_queues_order_and_shows_the_urgency(world):
    """The list behind a queue's "all N…" link is in the order its preview promises (the
    most urgent referral first, however its name sorts), until another sort is chosen."""
    routine = started(world, last_name="Aaronson")
    review(world, routine, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_INFLAMMATORY"])
    emergency = started(world, last_name="Zeller")
    review(
        world, emergency, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"]
    )
    admin = client_for(world.admin)
    body = admin.get(reverse("rehab:caseload") + "?queue=referral").content.decode()
    rows = re.findall(r"<tr><td><input .*?</tr>", body)
    assert [re.search(r">(\w+), Pat</a>", row).group(1) for row in rows] == ["Zeller", "Aaronson"]
    assert '<span class="flag text-danger">EMERGENCY</span>' in rows[0]
    assert '<span class="flag text-danger">ROUTINE</span>' in rows[1]
    assert '<option value="" selected>Queue order</option>' in body
    by_name = admin.get(reverse("rehab:caseload") + "?queue=referral&sort=name").content.decode()
    assert by_name.index("Aaronson, Pat") < by_name.index("Zeller, Pat")
    everyone = admin.get(reverse("rehab:caseload")).content.decode()
    assert "Queue order" not in everyone  # all patients: by name
    assert everyone.index("Aaronson, Pat") < everyone.index("Zeller, Pat")


def test_the_csv_says_whether_a_decision_waits_and_how_urgent_a_referral_is(world):
    referred = started(world, last_name="Referred")
    review(world, referred, 2, confirm_it=False, red_flags_none=None, red_flags=["RF_CAUDA_EQUINA"])
    started(world, last_name="Settled")
    response = client_for(world.admin).get(reverse("rehab:caseload_csv"))
    assert response.content.startswith(codecs.BOM_UTF8)  # Excel then reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row["Patient"]: row for row in rows}
    assert by_name["Pat Referred"]["Decision status"] == "Waiting for the physiotherapist"
    assert by_name["Pat Referred"]["Referral urgency"] == "EMERGENCY"
    assert by_name["Pat Settled"]["Decision status"] == "Confirmed"
    assert by_name["Pat Settled"]["Referral urgency"] == ""
    assert by_name["Pat Settled"]["Physiotherapist"] == world.physio.display_name
    world.physio.is_active = False
    world.physio.save()
    rows = csv.DictReader(
        io.StringIO(
            client_for(world.admin).get(reverse("rehab:caseload_csv")).content.decode("utf-8-sig")
        )
    )
    assert {row["Physiotherapist"] for row in rows} == {
        f"{world.physio.display_name} (deactivated)"
    }


@pytest.mark.parametrize(
    ("data", "links"),
    [
        ({"physio": "colleague"}, ["reassign_patients"]),
        ({"patients": "ours"}, ["reassign_physio"]),
    ],
)
def test_a_reassign_error_is_summarised_at_the_top_with_links_to_the_fields(world, data, links):
    """The form sits under a table of up to 50 rows: the page comes back at its top, where
    the summary (focused by app.js) says what is wrong and leads to it."""
    ours = started(world, last_name="Ours")
    post = {
        "patients": [ours.public_id] if "patients" in data else [],
        "physio": world.colleague.public_id if "physio" in data else "",
    }
    body = client_for(world.admin).post(reverse("rehab:reassign"), post).content.decode()
    summary = re.search(r'<div class="alert alert-danger" role="alert" tabindex="-1" '
                        r'id="error-summary">.*?</div>', body, re.S)  # fmt: skip
    assert summary and body.index('id="error-summary"') < body.index("<table")
    assert re.findall(r'href="#(\w+)"', summary.group(0)) == links
    for target in links:
        assert f'id="{target}"' in body


def test_the_workload_marks_a_deactivated_physiotherapist(world):
    started(world, last_name="Stranded")
    world.physio.is_active = False
    world.physio.save()
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert f"<li>{world.physio.display_name} (deactivated): 1</li>" in body


def _bars(body):
    """The "Patients per stage" chart's bars, from its text alternative: {label: count}."""
    desc = re.search(r'<desc id="bars-desc">(.*?)</desc>', body).group(1)
    return {label.strip(): int(n) for label, n in re.findall(r"([\w ]+): (\d+)\.", desc)}


def test_completed_programmes_have_their_own_bar_not_their_last_stage(world):
    done = started(world, days_ago=30, last_name="Finished")
    last = review(world, done, 2, confirm_it=False)
    services.override(last.decision, world.physio, rules.Action.COMPLETE, "Goals met")
    done.refresh_from_db()
    assert done.status == Patient.Status.COMPLETED and done.stage == 1  # keeps its last stage
    started(world, days_ago=30, last_name="Going")
    started(world, days_ago=20, last_name="Also going")
    make_patient(world.clinic, world.physio, last_name="Waiting")
    body = client_for(world.admin).get(reverse("rehab:caseload")).content.decode()
    assert _bars(body) == {
        "Not started": 1,
        "Stage 1": 2,
        "Stage 2": 0,
        "Stage 3": 0,
        "Stage 4": 0,
        "Completed": 1,
    }
    assert list(_bars(body))[-1] == "Completed"  # after stage 4
    # Every patient of the caseload is still counted once, as the table lists them.
    assert "4 patients<" in body
    load = caseload.workload(caseload.caseload(world.admin))
    assert load["per_stage"] == {None: 1, 1: 2} and load["completed"] == 1
    assert (
        ": 4 current patients, 1 of whom has completed the programme."
        in client_for(world.admin).get(reverse("dashboard")).content.decode()
    )


def test_the_stage_chart_fits_six_bars_in_its_drawing():
    svg = caseload_views._stage_chart({None: 3, 1: 1, 2: 2, 3: 7, 4: 5}, 9)
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    xs = [int(x) for x in re.findall(r'<rect x="(\d+)"', svg)]
    assert len(xs) == 6 and xs == sorted(xs)
    assert xs[0] >= 0 and xs[-1] + 70 <= width
    assert all(b - a >= 90 for a, b in itertools.pairwise(xs))  # room for "Not started"
    heights = [int(h) for h in re.findall(r'height="(\d+)" fill="#0072B2"', svg)]
    assert heights[-1] == 120  # the tallest bar: the 9 completed


def test_a_physiotherapists_own_caseload_offers_no_physiotherapist_filter(world):
    """Their caseload holds only their own patients: choosing a colleague showed nobody."""
    started(world, last_name="Mine")
    own = client_for(world.physio).get(reverse("rehab:caseload"))
    assert "physio" not in own.context["form"].fields
    assert 'id="id_physio"' not in own.content.decode()
    assert ("physio", "Physiotherapist") not in own.context["form"].fields["sort"].choices
    whole = client_for(world.admin).get(reverse("rehab:caseload"))
    assert 'id="id_physio"' in whole.content.decode()


def test_the_physiotherapist_menus_come_with_the_cached_figures_and_follow_staff_changes(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started(world, last_name="Stranded")
    client = client_for(world.admin)

    def menus():
        body = client.get(reverse("rehab:caseload")).content.decode()
        found = re.findall(r'<select name="physio" [^>]*id="(\w+)"[^>]*>(.*?)</select>', body, re.S)
        return dict(found)

    assert world.physio.display_name in menus()["reassign_physio"]
    with CaptureQueriesContext(connection) as captured:
        menus()
    staff = [
        q for q in captured if 'FROM "accounts_user" WHERE' in q["sql"] and "'physio'" in q["sql"]
    ]
    assert not staff, "\n".join(q["sql"][-300:] for q in staff)  # read with the figures
    # Deactivating a physiotherapist forgets the figures: the next view lists them as such.
    world.physio.is_active = False
    world.physio.set_unusable_password()
    world.physio.save()
    shown = menus()
    # The filter finds a leaver's patients; nobody is handed to a deactivated physiotherapist.
    assert f"{world.physio.display_name} (deactivated)</option>" in shown["id_physio"]
    assert world.physio.display_name not in shown["reassign_physio"]
    assert f">{world.colleague.display_name}</option>" in shown["reassign_physio"]


def test_the_plateau_queue_names_the_clinics_limit_as_soon_as_it_changes(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rehab.models import RulesParameters

    client = client_for(world.admin)
    default = rules.DEFAULT.PLATEAU_DAYS
    assert (
        f"More than {default} days in the same stage"
        in client.get(reverse("rehab:caseload")).content.decode()
    )
    # While nothing changes, the limit comes with the cached figures, not from the database.
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("rehab:caseload"))
        client.get(reverse("dashboard"))
    assert not [q for q in captured if "rehab_rulesparameters" in q["sql"]]
    RulesParameters.objects.create(
        clinic=world.clinic, values={**rules.DEFAULT.to_dict(), "PLATEAU_DAYS": default + 14}
    )
    body = client.get(reverse("rehab:caseload")).content.decode()
    assert f"More than {default + 14} days in the same stage" in body


def test_the_physiotherapist_filter_shows_whose_patients_are_listed(world):
    started(world, last_name="Mine")
    make_patient(world.clinic, world.colleague, last_name="Theirs")
    url = reverse("rehab:caseload") + f"?physio={world.colleague.pk}"
    body = client_for(world.admin).get(url).content.decode()
    assert "Theirs, " in body and "Mine, " not in body
    assert f'<option value="{world.colleague.pk}" selected>{world.colleague.display_name}' in body
