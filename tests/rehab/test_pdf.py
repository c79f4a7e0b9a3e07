# The printed text uses typographic signs on purpose (multiplication sign, en dash).
# ruff: noqa: RUF001
"""The printed programme and the handover sheet (issue 6): content, scripts, safety.

PDF text comes from pypdf's extract_text. Lines wrap wherever the layout puts them, so
most checks compare text with runs of whitespace collapsed (``flat``) or removed (``bare``).
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
import segno
from django.template.loader import render_to_string
from django.utils.html import escape

from rehab import library_v1, pdf, plans
from rehab.models import Exercise, Plan, PlanItem

from ..factories import make_clinic, make_patient, make_user

INJECTIONS = (
    '<img src="file:///etc/passwd">',
    '<a href="http://169.254.169.254/">x</a>',
    "{{ 7|add:1 }}",
    "<script>alert(1)</script>",
)


# -- helpers ---------------------------------------------------------------------------------


def reader(rendered: pdf.RenderedPdf) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(rendered.content))


def text_of(rendered: pdf.RenderedPdf) -> str:
    return "\n".join(page.extract_text() for page in reader(rendered).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def issued_plan(stage: int, **patient_fields) -> Plan:
    clinic = make_clinic(
        name="Riverside Physiotherapy", address="12 River Lane\nKingston", phone="020 7946 0000"
    )
    physio = make_user(clinic, first_name="Sam", last_name="Okafor")
    patient = make_patient(clinic, physio, stage=stage, **patient_fields)
    plan = plans.create_from_template(patient, stage, physio)
    plan.refresh_from_db()
    return plans.issue(plan, plan.lock_version, physio)


@pytest.fixture
def fetched(monkeypatch) -> list[tuple[str, bool]]:
    """Every URL the fetcher is asked for during the test, with whether it was served."""
    calls: list[tuple[str, bool]] = []
    monkeypatch.setattr(pdf, "fetch_hook", lambda url, served: calls.append((url, served)))
    return calls


def fonts_of(document: pypdf.PdfReader) -> list[dict]:
    fonts = []
    for page in document.pages:
        resources = page.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                fonts.append(descendant.get_object())
    return fonts


def attachments_and_links(document: pypdf.PdfReader) -> tuple[bool, list[str]]:
    names = document.trailer["/Root"].get("/Names", {})
    embedded = "/EmbeddedFiles" in names
    subtypes = []
    for page in document.pages:
        for annotation in page.get("/Annots", []) or []:
            subtypes.append(str(annotation.get_object().get("/Subtype")))
    return embedded, subtypes


# -- the programme ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_programme_shows_the_patient_every_exercise_and_dose_the_pain_rule_and_footer(fetched):
    plan = issued_plan(2, first_name="Ada", last_name="Lovelace")
    rendered = pdf.render_programme(plan, paused=False)
    text = flat(text_of(rendered))
    short_hash = pdf.programme_content_hash(plan, paused=False)[:8]

    assert rendered.content.startswith(b"%PDF")
    assert rendered.pages == len(reader(rendered).pages) > 1
    assert "Ada Lovelace" in text
    assert "Sam Okafor" in text and "020 7946 0000" in text and "Riverside Physiotherapy" in text
    assert "Stage 2: Build strength, slowly" in text
    assert flat(library_v1.STAGE_INFO[2]["goal_plain"]) in text
    items = list(plan.items.select_related("exercise"))
    assert len(items) == len(library_v1.STAGE_TEMPLATES[2])
    for item in items:
        # Lines may break after a hyphen, so compare names and lists without whitespace.
        # The plain name (UX.md), not PROTOCOL 2's clinical one.
        assert item.exercise.patient_name, item.exercise.code
        assert bare(item.exercise.patient_name) in bare(text), item.exercise.code
        assert bare(item.exercise.name) not in bare(text), item.exercise.code
        assert f"{item.sets} sets" in text
        if item.reps:
            assert f"{item.sets} sets × {item.reps} repeats" in text, item.exercise.code
        elif item.hold_s:
            assert f"{item.sets} sets × {item.hold_s} seconds" in text, item.exercise.code
        # A built-in exercise's mistakes in the patient's words (library_v1.PATIENT_MISTAKES).
        code = item.exercise.code
        for mistake in library_v1.PATIENT_MISTAKES.get(code, item.exercise.mistakes):
            assert bare(mistake) in bare(text), code
    hsr = plan.items.get(exercise__code="S2-07")
    assert (hsr.sets, hsr.reps) == (3, 15)
    assert "3 sets × 15 repeats" in text
    assert "3 seconds up, 3 seconds down" in text  # tempo 3-0-3-0 in words
    assert "Rest 2 minutes between sets" in text
    # The pain rule, verbatim, and the traffic light in words.
    assert flat(library_v1.PAIN_RULE_TEXT) in text
    for band in library_v1.PAIN_TRAFFIC_LIGHT:
        assert f"{band['label']} {band['pain']}" in text
    assert "Do less and call the clinic on 020 7946 0000." in text
    # The log grid: 14 numbered days.
    assert "My two-week log" in text
    assert "Highest pain during exercise (0–10)" in text
    assert "Pain the next morning (0–10)" in text
    # Footer on every page.
    pages = [flat(page.extract_text()) for page in reader(rendered).pages]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Plan version {plan.version} · {short_hash}" in page
    # No clinician shorthand on the patient's sheet (UX.md).
    assert not re.search(r"\bHSR\b|\d*RM\b|PROTOCOL|\b[Pp]rone\b", text)
    # The drawings came through the fetcher, and nothing else was asked for.
    codes = {item.exercise.code for item in items}
    assert {url for url, served in fetched if served} == {
        f"pht-static:exercises/{code}.svg" for code in codes
    }
    assert all(served for _, served in fetched)


@pytest.mark.django_db
def test_the_dose_reads_in_plain_words():
    plan = issued_plan(1)
    item = plan.items.select_related("exercise").get(exercise__code="S1-01")
    dose = pdf.dose(item, 1)
    assert dose["summary"] == "5 sets × 30 seconds, once a day"  # UX.md: in the big numbers
    assert dose["details"] == ["Rest 1 minute between sets", "5 days a week"]
    item.sets, item.hold_s, item.rest_s, item.days_per_week = 3, 45, 90, 7
    item.times_per_day = 2
    assert pdf.dose(item, 1)["summary"] == "3 sets × 45 seconds, 2 times a day"
    assert pdf.dose(item, 1)["details"] == ["Rest 90 seconds between sets", "Every day"]
    item.times_per_day = None  # not said: the days alone
    assert pdf.dose(item, 1)["summary"] == "3 sets × 45 seconds"
    assert pdf.dose(item, 1)["details"][-1] == "Every day"
    item.days_per_week = None
    item.times_per_day = 1
    assert pdf.dose(item, 1)["details"] == ["Rest 90 seconds between sets"]
    assert pdf.dose(item, 1)["summary"] == "3 sets × 45 seconds, once a day"
    pallof = plan.items.select_related("exercise").get(exercise__code="SUP-25")
    pallof.hold_s = 3
    assert pdf.dose(pallof, 1)["details"][0] == "Hold each one for 3 seconds"
    assert pdf.tempo_words("3-0-3-0") == "3 seconds up, 3 seconds down"
    assert pdf.tempo_words("2-1-x-0") == "up fast, 2 seconds down, pause 1 second at the bottom"
    assert pdf.tempo_words("slow") == "Speed: slow"
    # The library's guidance without RM ladders; repeat ranges give way to the dose.
    assert pdf.plain_guidance(library_v1.BY_CODE["S2-08"].load_guidance) == ""
    assert pdf.plain_guidance("Bodyweight; 6–8 each leg") == "No weights needed."
    assert pdf.plain_guidance("Bodyweight; slide out over 3 s") == (
        "No weights needed. Slide out over 3 seconds."
    )


# Clinical terms and shorthand a patient should not meet unexplained (UX.md "Patients"),
# in the printed text: instructions, guidance, "watch out" lines, advice and doses.
JARGON = re.compile(
    r"(?i)\b(isometric|isotonic|eccentric|concentric|plyometrics?|flexion|extension|lumbar|"
    r"ischial|pelvis|piking|tempo|reps?|RDL|RPE|HSR|\d*RM|fatigued|affected side|trunk|"
    r"stance|hamstrings?|hinge[ds]?|hinging|neutral spine|contralateral|ipsilateral|"
    r"glute(al|s)?|abduction|prescribed|degrees?|soft knees?|hike[ds]?|anchored|"
    r"bodyweight|assistance|resistance)\b|°|~|\d-\d-\d"
)


def assert_drawings_described_plainly(context: dict) -> None:
    """The drawings' alternative text is patient-visible too: WeasyPrint prints it where a
    drawing cannot be shown, and a screen reader reads it out."""
    html = render_to_string("pdf/programme.html", context)
    for exercise in context["exercises"]:
        alt = exercise["drawing"]["alt"]
        assert alt and not JARGON.search(alt), (exercise["name"], JARGON.search(alt))
        assert f'alt="{escape(alt)}"' in html, exercise["name"]


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
@pytest.mark.django_db
def test_every_stage_reads_in_plain_words_with_the_phone_on_every_page(stage):
    plan = issued_plan(stage)
    rendered = pdf.render_programme(plan, paused=False)
    text = flat(text_of(rendered))
    assert not JARGON.search(text), JARGON.search(text)
    assert "Bodyweight." not in text  # "No weights needed."
    assert_drawings_described_plainly(pdf.programme_context(plan, paused=False))
    # A patient holding any one page can call: the masthead on page 1, the top after it.
    for number, page in enumerate(reader(rendered).pages, start=1):
        assert "020 7946 0000" in page.extract_text(), f"page {number}"
    # The stage advice leaves how often to each exercise's box, so the two never disagree
    # ("once or twice a day" over a box that says "once a day").
    for line in library_v1.STAGE_INFO[stage]["advice"]:
        assert bare(line) in bare(text)
        assert not re.search(
            r"once or twice|\b(once|twice|\d+ times) a day|\d+ days a week", line
        ), line


@pytest.mark.django_db
def test_every_built_in_exercise_prints_in_plain_words():
    """The stage templates leave some exercises out (S1-02, S2-11, S3-14, ...); stage 4 may
    carry every built-in one (no hip limit), so one programme prints them all."""
    plan = issued_plan(4)
    draft = plans.new_draft_from(plan, plan.created_by)
    have = set(draft.items.values_list("exercise__code", flat=True))
    for exercise in Exercise.objects.filter(clinic=None).exclude(code__in=have):
        draft.refresh_from_db()
        plans.add_exercise(draft, draft.lock_version, exercise, draft.created_by)
    assert draft.items.count() == len(library_v1.LIBRARY)
    text = flat(text_of(pdf.render_programme(draft, paused=False)))
    assert not JARGON.search(text), JARGON.search(text)
    assert_drawings_described_plainly(pdf.programme_context(draft, paused=False))
    for code, instruction in library_v1.PATIENT_INSTRUCTIONS.items():
        # The patient's words, not PROTOCOL's transcription (kept for the clinicians).
        assert bare(instruction) in bare(text), code
        assert bare(library_v1.BY_CODE[code].patient_text) not in bare(text), code


@pytest.mark.django_db
def test_the_printed_programme_says_how_many_times_a_day():
    """PROTOCOL 1.3: stage-1 holds are done 1-2 times a day; the patient reads which."""
    plan = issued_plan(1)
    draft = plans.new_draft_from(plan, plan.created_by)
    draft.items.filter(exercise__code="S1-01").update(times_per_day=2)
    plans.issue(draft, draft.lock_version, draft.created_by)
    text = flat(text_of(pdf.render_programme(draft, paused=False)))
    # UX.md: the times a day are part of the big numbers.
    assert "5 sets × 30 seconds, 2 times a day" in text  # S1-01, as the physio set it
    assert "5 sets × 30 seconds, once a day" in text  # S1-03 and on: the library's default
    # The log has a box for each session of the day, and says so.
    assert "Tick a box each time you have done your exercises: up to 2 times a day." in text
    context = pdf.programme_context(draft, paused=False)
    html = render_to_string("pdf/programme.html", context)
    row = re.search(r'<td class="c-done">(.*?)</td>', html)
    assert row and row.group(1).count('class="tickbox"') == 2
    once = flat(text_of(pdf.render_programme(plan, paused=False)))
    assert "Tick the box when you have done your exercises." in once


@pytest.mark.django_db
def test_a_stage_1_reduced_dose_says_half_effort_everywhere():
    """PROTOCOL 1.3: REGRESS at stage 1 lowers the effort, 70% to 50%. The note said half
    effort while every box and the advice still said 7 out of 10."""
    plan = issued_plan(1)
    draft = plans.stage1_reduced_dose(plan, plan.created_by)
    plans.issue(draft, draft.lock_version, draft.created_by)
    text = flat(text_of(pdf.render_programme(draft, paused=False)))
    assert "push at about half effort instead of 7 out of 10" in text  # the plan's note
    assert "About 7 out of 10 effort" not in text and "Push at about 7" not in text
    assert text.count("About 5 out of 10 effort for now: half effort.") >= 4
    assert "Push at about 5 out of 10 effort for now" in text
    usual = flat(text_of(pdf.render_programme(plan, paused=False)))
    assert "About 5 out of 10" not in usual and "Push at about 7 out of 10 effort" in usual
    # The half effort is each hold's load: a next version keeps it (not the note, which
    # told what changed), and the physio clears it to go back to 7 out of 10.
    later = plans.new_draft_from(draft, draft.created_by)
    assert later.note == ""
    later.items.filter(exercise__code="S1-01").update(load="")
    context = pdf.programme_context(later, paused=False)
    guidance = {e["name"]: " ".join(e["guidance"]) for e in context["exercises"]}
    assert sum("About 7 out of 10 effort." in g for g in guidance.values()) == 1
    assert sum("About 5 out of 10 effort" in g for g in guidance.values()) >= 3


@pytest.mark.django_db
def test_a_bridge_item_says_first_week_only_and_notes_and_load_are_printed():
    clinic = make_clinic(phone="01234 567890")
    physio = make_user(clinic)
    patient = make_patient(clinic, physio, first_name="Bea", last_name="Bridge")
    bridge = [Exercise.objects.get(clinic=None, code="S2-09")]
    plan = plans.create_from_template(patient, 3, physio, bridge=bridge)
    item = plan.items.get(exercise__code="S3-12")
    item.note, item.load = "Stop at the knee for now.", "Two 6 kg dumbbells"
    item.save()
    text = flat(text_of(pdf.render_programme(plan, paused=False)))
    assert "First week only" in text
    assert "Stop at the knee for now." in text
    assert "Weight or band: Two 6 kg dumbbells" in text
    assert "Choose a weight you can lift 12 times with good form, but not more." in text


@pytest.mark.django_db
def test_body_text_is_at_least_12_pt_and_log_rows_leave_room_for_handwriting():
    plan = issued_plan(4)
    document = pdf.layout("pdf/programme.html", pdf.programme_context(plan, paused=False))
    sizes, rows = set(), []

    def walk(box, classes=()):
        element = getattr(box, "element", None)
        if element is not None and element.get("class"):
            classes = (*classes, *element.get("class").split())
        if type(box).__name__ == "TextBox" and box.text.strip():
            sizes.add(box.style["font_size"])
        if element is not None and element.tag == "tr" and "log-table" in classes:
            rows.append(box.height)
        for child in getattr(box, "children", []):
            walk(child, classes)

    for page in document.pages:
        walk(page._page_box.children[0])  # the page content, not the footer margin boxes
    assert min(sizes) >= 16  # CSS px: 12 pt
    mm = 96 / 25.4
    body_rows = rows[1:]  # the header row first
    assert len(body_rows) == 14
    assert min(body_rows) >= 9 * mm


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
@pytest.mark.django_db
def test_each_exercise_stays_on_one_page_and_the_pages_before_the_last_are_well_filled(stage):
    """An exercise's drawing, dose, how-to and "watch out" are never split across pages, and
    keeping them whole leaves no page half empty (the stage-3 programme's page 2 was 58%
    used when the blocks were a drawing row over a text row); only the last page of
    exercises, before the log that starts its own page, may be short.

    Nor is the programme longer than whole blocks make it: after the first page (the stage,
    the pain rule, the advice) come as many pages as the exercise blocks need when each page
    holds as many blocks as can fit on one, then the log. The stage-4 calendar takes no page
    of its own: it shares the last page of exercises. Before the exercises it left room for
    one block only, which moved every later block a page on (7 pages instead of 6)."""
    plan = issued_plan(stage)
    document = pdf.layout("pdf/programme.html", pdf.programme_context(plan, paused=False))
    pages_of: dict[object, set[int]] = {}
    heights: dict[object, float] = {}
    gaps: set[float] = set()
    used: dict[int, float] = {}
    calendar_pages: set[int] = set()

    def walk(box, number, page_box):
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        if "calendar" in classes:
            calendar_pages.add(number)
        if "exercise" in classes:
            pages_of.setdefault(element, set()).add(number)
            heights[element] = box.margin_height()
            gaps.add(box.margin_bottom)
            bottom = box.position_y + box.margin_height() - page_box.content_box_y()
            used[number] = max(used.get(number, 0), bottom / page_box.height)
            return
        for child in getattr(box, "children", []):
            walk(child, number, page_box)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box.children[0], number, page._page_box)
    assert len(pages_of) == len(library_v1.STAGE_TEMPLATES[stage])
    assert all(len(numbers) == 1 for numbers in pages_of.values())
    for number in sorted(used)[:-1]:
        assert used[number] >= 0.75, (number, round(used[number], 2))

    # The most blocks one page could hold: the shortest ones, stacked (the last one's bottom
    # margin may fall off the page). Two, for every stage's default programme, so stage 4's
    # eight blocks need four pages: 1 + 4 + the log = 6 (stages 1-3, six blocks: 5).
    page_height = document.pages[0]._page_box.height
    shortest = sorted(heights.values())
    per_page = max(
        k for k in range(1, len(shortest) + 1) if sum(shortest[:k]) - max(gaps) <= page_height
    )
    first = min(used)  # the pages before it: the stage, the pain rule, the advice
    assert first == 2
    assert len(document.pages) == (first - 1) + math.ceil(len(heights) / per_page) + 1
    if stage == 4:
        assert calendar_pages == {max(used)}  # with the last blocks, not on a page of its own
    else:
        assert not calendar_pages


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
@pytest.mark.django_db
def test_the_first_page_holds_the_whole_good_to_know_list(stage):
    """Page 1 is the stage, the pain rule and "Good to know"; the list's last lines used to
    start page 2 on their own, above "Your exercises" and away from their title (stages 1,
    2 and 4). A plan note can still push them over: that is the physiotherapist's text."""
    plan = issued_plan(stage)
    document = pdf.layout("pdf/programme.html", pdf.programme_context(plan, paused=False))
    pages_of_lines: list[int] = []

    def walk(box, number, in_list=False):
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        if in_list and element is not None and element.tag == "li":
            pages_of_lines.append(number)
            return
        for child in getattr(box, "children", []):
            walk(child, number, in_list or "advice-list" in classes)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box.children[0], number)
    assert pages_of_lines == [1] * len(library_v1.STAGE_INFO[stage]["advice"])


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Zoë", "Ångström"),
        ("Ζωή", "Παπαδοπούλου"),
        ("Анна", "Ёлкина"),
        ("محمد", "العلي"),
        ("山田", "太郎"),
        ("José Ramón", "Nguyễn Thị"),
    ],
)
@pytest.mark.django_db
def test_names_in_every_script_come_out_as_the_same_text_with_embedded_fonts(first, last):
    plan = issued_plan(1, first_name=first, last_name=last)
    rendered = pdf.render_programme(plan, paused=False)
    first_page = reader(rendered).pages[0].extract_text()
    # pypdf returns the Arabic name in logical order; whitespace between words may vary.
    assert bare(f"{first}{last}") in bare(first_page)
    assert first in first_page and last in first_page
    fonts = fonts_of(reader(rendered))
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]


@pytest.mark.django_db
def test_direction_overrides_and_control_characters_are_dropped_from_names():
    plan = issued_plan(1, first_name="Eve\u202e", last_name="kcilC\u202c\x07")
    text = text_of(pdf.render_programme(plan, paused=False))
    assert "Eve kcilC" in flat(text)
    assert "\u202e" not in text and "\x07" not in text


@pytest.mark.django_db
def test_typed_markup_template_syntax_and_urls_are_printed_as_text_and_never_fetched(fetched):
    clinic = make_clinic(name="Clinic <b>{{ x }}</b>", phone="0800 000 000")
    physio = make_user(clinic, first_name="<i>Phys</i>", last_name="{% now 'Y' %}")
    patient = make_patient(clinic, physio, first_name=INJECTIONS[0], last_name=INJECTIONS[2])
    own = Exercise.objects.create(
        clinic=clinic,
        code="OWN-1",
        name='Own <img src="http://169.254.169.254/x.png"> press',
        stage_min=1,
        stage_max=4,
        hip_flexion_max_deg=0,
        dose_type=Exercise.DoseType.REPS,
        patient_text="Press. <link rel=attachment href=file:///etc/passwd> {{ 7|add:1 }}",
        load_guidance="<script>x</script>; each side",
        mistakes=['<a href="file:///etc/shadow">y</a>'],
        supporting=True,
    )
    plan = plans.create_from_template(patient, 1, physio)
    plan.note = " ".join(INJECTIONS)
    plan.save()
    item = plan.items.first()
    item.note, item.load = INJECTIONS[1] + " " + INJECTIONS[3], "file:///etc/passwd"
    item.save()
    PlanItem.objects.create(plan=plan, exercise=own, position=99, sets=2, reps=10)

    rendered = pdf.render_programme(plan, paused=False)
    raw = text_of(rendered)
    text = flat(raw)
    # Long tokens may wrap anywhere, so compare without whitespace.
    for literal in (
        *INJECTIONS,
        "Clinic <b>{{ x }}</b>",
        "<i>Phys</i> {% now 'Y' %}",
        'Own <img src="http://169.254.169.254/x.png"> press',
        "<link rel=attachment href=file:///etc/passwd> {{ 7|add:1 }}",
        '<a href="file:///etc/shadow">y</a>',
        "Weight or band: file:///etc/passwd",
    ):
        assert bare(literal) in bare(raw), literal
    assert "2 sets × 10 repeats each side" in text
    # Only our drawings were ever asked for; the clinic's exercise has none.
    assert fetched
    assert all(re.fullmatch(r"pht-static:exercises/[A-Z0-9-]+\.svg", url) for url, _ in fetched)
    embedded, annotations = attachments_and_links(reader(rendered))
    assert not embedded
    assert "/FileAttachment" not in annotations
    assert annotations == []  # not even a link: the programme has none


@pytest.mark.django_db
def test_markup_that_reached_weasyprint_would_still_fetch_nothing_but_static_files(fetched):
    """The fetcher is the second line: even raw markup (never produced by our template)
    gets no file, network or data resource, and the render does not crash."""
    weasyprint, fetcher = pdf._weasyprint()
    html = (
        '<img src="file:///etc/passwd"><img src="http://169.254.169.254/x.png">'
        '<img src="data:image/svg+xml,%3Csvg/%3E"><img src="exercises/S1-01.svg">'
        '<link rel="attachment" href="file:///etc/hostname"><a rel="attachment" '
        'href="http://example.org/a.txt">a</a><img src="pht-static:exercises/S1-01.svg">'
    )
    content = weasyprint.HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher).write_pdf()
    served = {url for url, ok in fetched if ok}
    refused = {url for url, ok in fetched if not ok}
    assert served == {"pht-static:exercises/S1-01.svg"}
    assert "file:///etc/passwd" in refused and "http://169.254.169.254/x.png" in refused
    embedded, annotations = attachments_and_links(pypdf.PdfReader(io.BytesIO(content)))
    assert not embedded and "/FileAttachment" not in annotations


# -- the fetcher -----------------------------------------------------------------------------


def test_the_fetcher_serves_bundled_static_files(fetched):
    resource = pdf.url_fetcher("pht-static:exercises/S1-01.svg")
    assert resource["mime_type"] == "image/svg+xml"
    assert resource["string"].startswith(b"<svg")
    assert pdf.url_fetcher("pht-static:pdf/print.css")["mime_type"] == "text/css"
    assert fetched == [
        ("pht-static:exercises/S1-01.svg", True),
        ("pht-static:pdf/print.css", True),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://example.org/x.png",
        "https://169.254.169.254/latest/meta-data/",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml,%3Csvg%2F%3E",
        "pht-static:../../etc/passwd",
        "pht-static:%2e%2e/%2e%2e/etc/passwd",
        "pht-static:exercises/../../pyproject.toml",
        "pht-static:../templates/charts/line.svg",  # a real SVG outside static/
        "pht-static:exercises/../../templates/charts/line.svg",
        "pht-static:/etc/passwd",
        "pht-static://etc/passwd",
        "pht-static:exercises\\..\\..\\pyproject.toml",
        "pht-static:exercises/NOPE.svg",
        "pht-static:js/app.js",  # bundled, but not a type a document needs
        "pht-static:exercises/alt-text.json",
        "pht-static:",
        "exercises/S1-01.svg",  # relative: there is no base location
        "/work/main/static/exercises/S1-01.svg",
        "media/uploads/x.png",
    ],
)
def test_the_fetcher_refuses_everything_else(url, fetched):
    with pytest.raises(pdf.FetchRefused):
        pdf.url_fetcher(url)
    assert fetched == [(url, False)]


def test_the_fetcher_refuses_a_symbolic_link_out_of_the_static_folder(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.svg"
    secret.write_text("<svg/>")
    (static / "link.svg").symlink_to(secret)
    (static / "ok.svg").write_text("<svg/>")
    settings.STATICFILES_DIRS = [static]
    assert pdf.url_fetcher("pht-static:ok.svg")["string"] == b"<svg/>"
    with pytest.raises(pdf.FetchRefused):
        pdf.url_fetcher("pht-static:link.svg")


# -- paused, stage 4, diary, page cap --------------------------------------------------------


@pytest.mark.django_db
def test_a_paused_programme_shows_no_exercises(fetched):
    plan = issued_plan(2, first_name="Paula", last_name="Paused")
    rendered = pdf.render_programme(plan, paused=True)
    text = flat(text_of(rendered))
    assert rendered.pages == 1
    assert "Programme paused – see your clinician" in text
    assert "Paula Paused" in text and "020 7946 0000" in text
    for item in plan.items.select_related("exercise"):
        assert bare(item.exercise.name) not in bare(text)
    assert " sets" not in text and "My two-week log" not in text
    assert fetched == []  # no drawings either
    context = pdf.programme_context(plan, paused=True, diary_url="https://example.org/d/x")
    assert context["exercises"] == [] and context["diary"] is None


@pytest.mark.django_db
def test_stage_4_shows_the_two_week_calendar_in_words():
    rendered = pdf.render_programme(issued_plan(4), paused=False)
    text = flat(text_of(rendered))
    assert "Your two-week plan" in text
    assert "Week 1 Jump day Strength day Rest Jump day" in text
    assert "Jump days only (every third day)" in text
    assert "on strength days" in text
    # Monday to Thursday is every third day: 2 days in between, not 3 (the calendar's words).
    assert "Monday, Thursday, Sunday. Leave 2 days in between" in text
    assert "3 full days" not in text
    # After the exercises, so that it shares their last page (the page-fill test), and the
    # exercises' title says where to find it.
    assert "Your two-week plan comes after them." in text
    outline = reader(rendered).outline  # the PDF's bookmarks keep to the title's own words
    titles = [entry.title for entry in outline[1] if not isinstance(entry, list)]
    assert "Your exercises" in titles and not any("comes after" in t for t in titles)
    order = ("Your exercises", "Your two-week plan Jump days are", "My two-week log")
    assert [text.index(title) for title in order] == sorted(text.index(t) for t in order)
    other = flat(text_of(pdf.render_programme(issued_plan(3), paused=False)))
    assert "Jump day" not in other and "two-week plan" not in other


@pytest.mark.django_db
def test_the_diary_box_has_a_qr_code_and_the_link_written_out():
    plan = issued_plan(2)
    url = "https://clinic.example.org/d/Xy7Qp2"
    context = pdf.programme_context(plan, paused=False, diary_url=url)
    assert context["diary"]["qr_svg"].startswith("<svg")
    text = text_of(pdf.render_programme(plan, paused=False, diary_url=url))
    assert "Record your sessions on your phone" in flat(text)
    assert url in bare(text)
    assert "Record your sessions" not in text_of(pdf.render_programme(plan, paused=False))


@pytest.mark.django_db
def test_the_page_cap_refuses_the_render(monkeypatch):
    plan = issued_plan(2)
    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    with pytest.raises(
        pdf.RenderRefused, match=r"^The programme would have \d+ pages; the limit is 1\.$"
    ):
        pdf.render_programme(plan, paused=False)


# -- content hash ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_content_hash_is_stable_and_follows_every_visible_change():
    plan = issued_plan(2)
    first = pdf.programme_content_hash(plan, paused=False)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert pdf.programme_content_hash(Plan.objects.get(pk=plan.pk), paused=False) == first
    assert pdf.programme_content_hash(plan, paused=True) != first

    item = plan.items.get(exercise__code="S2-07")
    item.sets += 1
    item.save()
    dose_changed = pdf.programme_content_hash(plan, paused=False)
    assert dose_changed != first

    plan.note = "Go easy this week."
    plan.save()
    note_changed = pdf.programme_content_hash(plan, paused=False)
    assert note_changed != dose_changed

    patient = plan.patient
    patient.first_name = "Renamed"
    patient.save()
    assert pdf.programme_content_hash(plan, paused=False) != note_changed


@pytest.mark.django_db
def test_the_content_hash_follows_clinic_and_template_version(monkeypatch):
    plan = issued_plan(1)
    before = pdf.programme_content_hash(plan, paused=False)
    clinic = plan.patient.clinic
    clinic.phone = "020 0000 1111"
    clinic.save()
    after_phone = pdf.programme_content_hash(plan, paused=False)
    assert after_phone != before
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", "test")
    assert pdf.programme_content_hash(plan, paused=False) != after_phone


@pytest.mark.django_db
def test_dates_are_in_the_clinic_time_zone():
    plan = issued_plan(1)
    clinic = plan.patient.clinic
    clinic.time_zone = "Pacific/Auckland"
    clinic.save()
    plan.issued_at = datetime(2026, 3, 31, 12, 30, tzinfo=UTC)  # 1 April 01:30 in Auckland
    plan.save()
    plan = Plan.objects.get(pk=plan.pk)
    assert pdf.programme_context(plan, paused=False)["plan"]["date"] == "1 April 2026"


# -- handover sheet --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_handover_sheet_is_one_page_with_the_link_its_expiry_and_a_qr_code(fetched):
    plan = issued_plan(2, first_name="Hana", last_name="Handover")
    patient, clinic = plan.patient, plan.patient.clinic
    url = "https://clinic.example.org/p/q8Rk2vT9mWx4Lr7N"
    expires = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 2 July 00:30 in London (BST)
    sheet = pdf.render_handover_sheet(
        patient=patient, clinic=clinic, plan=plan, url=url, expires_at=expires
    )
    assert sheet.pages == 1
    text = text_of(sheet)
    assert "Your exercise programme" in text
    assert "Hana Handover" in flat(text)
    assert url in bare(text)
    assert "This link works until 2 July 2026 at 00:30." in flat(text)
    assert "020 7946 0000" in text
    assert "How to use it" in text
    context = pdf.handover_context(
        patient=patient, clinic=clinic, plan=plan, url=url, expires_at=expires
    )
    qr = segno.make(url, error="m")
    assert qr.symbol_size()[0] > 21 and len(list(qr.matrix)) == qr.symbol_size(border=0)[0]
    assert context["qr_svg"] == pdf._qr_svg(url, pdf.HANDOVER_QR_MM)
    assert 'width="70.0mm"' in context["qr_svg"]
    assert context["qr_svg"].startswith("<svg") and "<path" in context["qr_svg"]
    assert url not in context["qr_svg"]  # the link is encoded as modules, not as text
    assert fetched == []  # the QR code is inline; nothing was fetched
    embedded, annotations = attachments_and_links(reader(sheet))
    assert not embedded and annotations == []


@pytest.mark.django_db
def test_the_handover_sheet_escapes_names():
    plan = issued_plan(1, first_name=INJECTIONS[0], last_name=INJECTIONS[2])
    sheet = pdf.render_handover_sheet(
        patient=plan.patient,
        clinic=plan.patient.clinic,
        plan=plan,
        url="https://clinic.example.org/p/abc",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert f"{INJECTIONS[0]} {INJECTIONS[2]}" in flat(text_of(sheet))


def test_templates_are_auto_escaped_and_have_no_safe_or_autoescape_off():
    folder = Path(__file__).resolve().parents[2] / "templates" / "pdf"
    for template in folder.glob("*.html"):
        source = template.read_text()
        assert "|safe" not in source and "autoescape off" not in source, template.name
    html = render_to_string("pdf/_pain_rule.html", {"pain_rule": {"text": "<b>x</b>"}})
    assert "&lt;b&gt;x&lt;/b&gt;" in html
