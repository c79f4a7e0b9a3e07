# The printed text uses typographic signs on purpose (multiplication sign, en dash).
# ruff: noqa: RUF001
"""Printed programmes and handover sheets: our own Django templates rendered by WeasyPrint.

Safety (SECURITY.md "PDFs", STYLE.md 11):

* Only ``templates/pdf/*.html`` is rendered, with Django's auto-escaping: every name, note
  and exercise text reaches WeasyPrint as text, never as markup.
* WeasyPrint fetches through :func:`url_fetcher` only, which serves bundled static files
  named ``pht-static:<path under static/>`` and refuses everything else (``file:``,
  ``http(s):``, ``data:``, relative paths, media files). The base URL is not a location.
* A render with more than :data:`MAX_PAGES` pages is refused with a readable reason.

Everything the templates show is computed here (:func:`programme_context`); the templates
only lay it out. :func:`programme_content_hash` hashes that same content, so a visible change
gives a new hash and an identical document the same one.

WeasyPrint is imported on the first render, not with this module: the web process needs
:func:`programme_content_hash` for every render request, and importing WeasyPrint costs
~0.4 s and tens of MB (STACK-NOTES "PDF rendering").
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Clinic
from patients.models import Patient

from . import library_v1, plans, schedule
from .models import Exercise, Plan, PlanItem

logger = logging.getLogger(__name__)

# Bump when the document template or print.css changes (part of the content hash).
TEMPLATE_VERSION = "7"
MAX_PAGES = 40

STATIC_SCHEME = "pht-static:"
# Not a location: relative references resolve to nothing the fetcher serves.
BASE_URL = "pht-document:/"
STYLESHEET = "pdf/print.css"  # under static/

# What the fetcher serves, by suffix; anything else in static/ (scripts, maps) is refused.
_MIME_TYPES = {
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_ASSET_BYTES = 2 * 1024 * 1024

# QR code sizes: phones read a version 3-6 code comfortably at these sizes on paper.
DIARY_QR_MM = 28
HANDOVER_QR_MM = 70

#: Called with (url, served) for every request the fetcher gets; tests set it to record them.
fetch_hook: Callable[[str, bool], None] | None = None


class RenderRefused(Exception):
    """A render that must end as failed with this readable reason (e.g. page cap)."""


class FetchRefused(ValueError):
    """The fetcher does not serve this URL (WeasyPrint then leaves the resource out)."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    sha256: str


# -- Fetching --------------------------------------------------------------------------------


def _static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def _static_file(url: str) -> Path:
    """The bundled file a ``pht-static:`` URL names, or FetchRefused."""
    if not url.startswith(STATIC_SCHEME):
        raise FetchRefused("only bundled static files (pht-static:) are served")
    relative = unquote(url[len(STATIC_SCHEME) :])
    if (
        not relative
        or relative.startswith("/")
        or "\\" in relative
        or any(ch in relative for ch in "\x00?#:")
    ):
        raise FetchRefused("not a plain relative path")
    parts = PurePosixPath(relative).parts
    if any(part in ("..", ".") or part.startswith(".") for part in parts):
        raise FetchRefused("path escapes the static folder")
    root = _static_root()
    path = (root / relative).resolve()  # follows symbolic links, so check afterwards
    if not path.is_relative_to(root) or not path.is_file():
        raise FetchRefused("no such bundled file")
    if path.suffix.lower() not in _MIME_TYPES:
        raise FetchRefused("file type not served")
    if path.stat().st_size > MAX_ASSET_BYTES:
        raise FetchRefused("file too large")
    return path


def url_fetcher(url: str, timeout: int = 10, ssl_context: Any = None, **kwargs: Any) -> dict:
    """Serve ``pht-static:<path>`` from the app's static folder; refuse everything else by
    raising FetchRefused (no file system outside static/, no network, no data: URLs)."""
    try:
        path = _static_file(url)
    except FetchRefused as refused:
        logger.warning("PDF fetcher refused %.200r: %s", url, refused)
        if fetch_hook is not None:
            fetch_hook(url, False)
        raise
    if fetch_hook is not None:
        fetch_hook(url, True)
    return {
        "string": path.read_bytes(),
        "mime_type": _MIME_TYPES[path.suffix.lower()],
        "redirected_url": url,
    }


@functools.cache
def _weasyprint() -> Any:
    """Import WeasyPrint once, on first use, and build the fetcher it calls.

    WeasyPrint 70 needs a ``URLFetcher`` instance (it reads its ``_fail_on_errors`` and
    expects a ``URLFetcherResponse``), not a function returning a dict. This subclass
    answers every request from :func:`url_fetcher` and never reaches urllib's handlers.
    """
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            resource = url_fetcher(url)
            return URLFetcherResponse(
                url, body=resource["string"], headers={"Content-Type": resource["mime_type"]}
            )

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            return self.fetch(getattr(url, "full_url", url))

    return weasyprint, StaticOnlyFetcher()


def layout(template: str, context: dict[str, Any]) -> Any:
    """Lay out one of our PDF templates: a WeasyPrint ``Document`` (pages, boxes)."""
    weasyprint, fetcher = _weasyprint()
    html = render_to_string(template, context)
    css = weasyprint.CSS(
        string=_static_file(STATIC_SCHEME + STYLESHEET).read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=fetcher,
    )
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[css]
    )


def _render(template: str, context: dict[str, Any]) -> RenderedPdf:
    document = layout(template, context)
    pages = len(document.pages)
    if pages > MAX_PAGES:
        raise RenderRefused(f"The programme would have {pages} pages; the limit is {MAX_PAGES}.")
    content = document.write_pdf()
    return RenderedPdf(content=content, pages=pages, sha256=hashlib.sha256(content).hexdigest())


# -- Text ------------------------------------------------------------------------------------

# Direction overrides and isolates in a name could make it, or the text after it, display
# as something else (SECURITY.md bad input); forms refuse them, rows from elsewhere may not.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _clean(value: str | None, *, multiline: bool = False) -> str:
    """Free text without control and direction-override characters (line breaks are kept
    in multi-line text, spaces elsewhere)."""
    out = []
    for ch in (value or "").replace("\r\n", "\n"):
        if multiline and ch in "\n\t":
            out.append(ch)
        elif ch in "\n\t\r":
            out.append(" ")
        elif ch not in _BIDI_CONTROLS and unicodedata.category(ch) != "Cc":
            out.append(ch)
    return "".join(out).strip()


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _duration(seconds: int) -> str:
    """Seconds in words: 45 -> "45 seconds", 120 -> "2 minutes", 150 -> "2 minutes 30 seconds"."""
    if seconds < 120 and seconds != 60:
        return _count(seconds, "second")
    minutes, rest = divmod(seconds, 60)
    text = _count(minutes, "minute")
    return f"{text} {_count(rest, 'second')}" if rest else text


def _long_date(day: date) -> str:
    return dateformat.format(day, "j F Y")


def _long_datetime(moment: datetime, clinic: Clinic) -> str:
    local = timezone.localtime(moment, clinic.tzinfo)
    return f"{_long_date(local.date())} at {dateformat.format(local, 'H:i')}"


# -- Doses -----------------------------------------------------------------------------------

_TEMPO = re.compile(r"^\s*(\d+|x)\s*-\s*(\d+)\s*-\s*(\d+|x)\s*(?:-\s*(\d+))?\s*$", re.I)


def tempo_words(tempo: str) -> str:
    """ "3-0-3-0" (lowering-pause-lifting-pause, library_v1) -> "3 seconds up, 3 seconds down".

    A tempo in another form is shown as typed."""
    tempo = _clean(tempo)
    match = _TEMPO.match(tempo)
    if not match:
        return f"Speed: {tempo}" if tempo else ""
    down, bottom, up, top = match.groups()

    def phase(value: str, direction: str) -> str:
        return (
            f"{direction} fast"
            if value.lower() == "x"
            else f"{_count(int(value), 'second')} {direction}"
        )

    words = [phase(up, "up"), phase(down, "down")]
    if top and int(top):
        words.append(f"hold {_count(int(top), 'second')} at the top")
    if int(bottom):
        words.append(f"pause {_count(int(bottom), 'second')} at the bottom")
    return ", ".join(words)


_EACH_SIDE = re.compile(r"\beach (leg|side|way)\b", re.I)
# Clinician shorthand that has no place on a patient's sheet (UX.md: no RM, HSR, ...).
_JARGON = re.compile(r"\bHSR\b|\b\d*RM\b|\bBeyer\b|\bKongsgaard\b|\bPROTOCOL\b")
_REPEAT_RANGE = re.compile(r"^\d+\s*[–-]\s*\d+\s+(each|steps)\b", re.I)
_PLAIN_WORDS = (
    (re.compile(r"~?\d+% effort \((about \d+ out of 10)\)"), r"\1 effort"),
    (re.compile(r"^Bodyweight$"), "No weights needed"),
    (re.compile(r"\s*→\s*"), " then "),
    (re.compile(r"~\s*"), "about "),
    (re.compile(r"\be\.g\.\s*"), "for example "),
    (re.compile(r"(\d)\s*s\b"), r"\1 seconds"),
    (re.compile(r"(\d)\s*m\b"), r"\1 metres"),
    (re.compile(r"(\d)\s*h\b"), r"\1 hours"),
)


def plain_guidance(text: str) -> str:
    """The library's load guidance in plain words, without the clinician shorthand
    (RM ladders, study names) and without repeat ranges the prescribed dose replaces."""
    sentences = []
    for segment in _clean(text).split(";"):
        segment = segment.strip().rstrip(".")
        if not segment or _JARGON.search(segment) or _REPEAT_RANGE.match(segment):
            continue
        if _EACH_SIDE.fullmatch(segment):
            continue  # said in the dose ("15 repeats each leg")
        for pattern, words in _PLAIN_WORDS:
            segment = pattern.sub(words, segment)
        sentences.append(segment[0].upper() + segment[1:] + ".")
    return " ".join(sentences)


def _each_side(exercise: Exercise) -> str:
    match = _EACH_SIDE.search(exercise.load_guidance or "")
    return f" each {match.group(1).lower()}" if match else ""


def _times_a_day(n: int) -> dict[str, str]:
    """How often on an exercise day, as a big number and its unit: "once a day" has none."""
    return (
        {"number": "", "unit": "once a day"}
        if n == 1
        else {"number": str(n), "unit": "times a day"}
    )


def dose(item: PlanItem, stage: int) -> dict[str, Any]:
    """The dose of a plan item in words: the big numbers and the lines under them."""
    exercise = item.exercise
    side = _each_side(exercise)
    main: list[dict[str, str]] = []
    if item.sets:
        main.append({"number": str(item.sets), "unit": "set" if item.sets == 1 else "sets"})
    if item.reps:
        main.append(
            {"number": str(item.reps), "unit": ("repeat" if item.reps == 1 else "repeats") + side}
        )
    elif item.hold_s:
        main.append(
            {
                "number": str(item.hold_s),
                "unit": ("second" if item.hold_s == 1 else "seconds") + side,
            }
        )
    elif side and main:
        main[-1]["unit"] += side
    details: list[str] = []
    if item.reps and item.hold_s:
        details.append(f"Hold each one for {_count(item.hold_s, 'second')}")
    if item.rest_s is not None:
        details.append(
            f"Rest {_duration(item.rest_s)} between sets"
            if item.rest_s
            else "No rest needed between sets"
        )
    speed = tempo_words(item.tempo)
    if speed:
        details.append(speed[0].upper() + speed[1:])
    when = []
    if exercise.plyometric and stage == 4:
        when.append("Jump days only (every third day)")
    elif item.days_per_week:
        when.append(
            "Every day"
            if item.days_per_week == 7
            else f"{_count(item.days_per_week, 'day')} a week"
        )
        if stage == 4 and not exercise.supporting:
            when.append("on strength days")
    if when:
        line = ", ".join(when)
        details.append(line[0].upper() + line[1:])
    # UX.md: the times a day go with the big numbers ("3 sets, 45 seconds, 5 times a day").
    per_day = _times_a_day(item.times_per_day) if item.times_per_day else None
    summary = " × ".join(f"{part['number']} {part['unit']}" for part in main)
    if per_day:
        summary = ", ".join(
            filter(None, [summary, f"{per_day['number']} {per_day['unit']}".strip()])
        )
    return {
        "main": main,
        "per_day": per_day,
        "summary": summary,
        "details": details,
        "load": _clean(item.load),
        "first_week_only": item.bridge,
    }


def _guidance(item: PlanItem, *, reduced_effort: bool = False) -> list[str]:
    """The how-hard lines of an exercise; at a stage-1 reduced dose, half effort."""
    lines = _guidance_lines(item)
    if reduced_effort:
        swap = library_v1.STAGE1_EFFORT, library_v1.STAGE1_REDUCED_EFFORT
        lines = [line.replace(*swap) for line in lines]
    return lines


def _guidance_lines(item: PlanItem) -> list[str]:
    exercise = item.exercise
    lines = []
    if (
        exercise.dose_type == Exercise.DoseType.HSR
        and item.reps
        and not plans.is_lighter(item.load)  # an amber cut's weight says it all
    ):
        lines.append(
            f"Choose a weight you can lift {_count(item.reps, 'time')} with good form, "
            "but not more."
        )
    if exercise.is_builtin and exercise.code in library_v1.PATIENT_GUIDANCE:
        plain = library_v1.PATIENT_GUIDANCE[exercise.code]  # plain words (UX.md)
        return [*lines, plain] if plain else lines  # empty: the how-to says it all
    said = _clean(exercise.printed_text).lower()
    plain = " ".join(
        sentence
        for sentence in re.split(r"(?<=\.) ", plain_guidance(exercise.load_guidance))
        if sentence.rstrip(".").lower() not in said  # the instruction says it already
    )
    if plain:
        lines.append(plain)
    return lines


# -- Content -----------------------------------------------------------------------------------

_REDUCED_NOTE = re.compile(r"^Dose reduced by (\d+) % after an amber response \(PROTOCOL 3\.5\)\.$")


def _plain_plan_note(note: str) -> str:
    """The plan's note for the patient: the two notes the app writes itself (rehab.plans) in
    plain words; a note the physiotherapist typed as typed."""
    note = _clean(note, multiline=True)
    if note == library_v1.STAGE1_REDUCED_DOSE:
        return library_v1.STAGE1_REDUCED_DOSE_PLAIN
    if note == library_v1.MAINTENANCE_NOTE:
        return library_v1.MAINTENANCE_NOTE_PLAIN
    match = _REDUCED_NOTE.match(note)
    if match:
        return (
            f"Your exercises are about {match.group(1)}% easier for now (a lighter weight, "
            "fewer repeats or sets, or shorter holds), because your pain went into the amber "
            "zone. Your physio will build them back up."
        )
    return note


# rehab.plans writes this note on bridge items; the "First week only" tag already says it.
_BRIDGE_NOTE = "Bridge from the previous stage: first week only."


def _item_note(item: PlanItem) -> str:
    note = _clean(item.note, multiline=True)
    return "" if item.bridge and note == _BRIDGE_NOTE else note


def _plan_date(plan: Plan, clinic: Clinic) -> date:
    moment = plan.issued_at or timezone.now()
    return timezone.localtime(moment, clinic.tzinfo).date()


def _drawing(exercise: Exercise) -> dict[str, str] | None:
    if not exercise.illustration:
        return None
    src = STATIC_SCHEME + exercise.illustration
    try:
        digest = hashlib.sha256(_static_file(src).read_bytes()).hexdigest()
    except FetchRefused:
        digest = ""  # WeasyPrint shows the alternative text instead
    return {"src": src, "alt": _clean(exercise.illustration_alt), "sha256": digest}


def _mistakes(exercise: Exercise) -> list[str]:
    """The exercise's common mistakes; for a built-in one in the patient's words
    (library_v1.PATIENT_MISTAKES), where PROTOCOL's wording is a clinician's."""
    mistakes = exercise.mistakes or []
    if exercise.is_builtin:
        mistakes = library_v1.PATIENT_MISTAKES.get(exercise.code, mistakes)
    return [_clean(str(m)) for m in mistakes if _clean(str(m))]


_CALENDAR_WORDS = {"plyometric": "Jump day", "strength": "Strength day", "rest": "Rest"}


def _document(plan: Plan) -> dict[str, Any]:
    """Everything the programme shows, exercises included, as plain data."""
    patient: Patient = plan.patient
    clinic: Clinic = patient.clinic
    phone = _clean(clinic.phone)
    info = library_v1.STAGE_INFO[plan.stage]
    items = list(plan.items.select_related("exercise").order_by("position", "id"))
    # A stage-1 regression's reduced dose (rehab.plans.stage1_reduced_dose) also lowers the
    # effort of its holds, 70% to 50% (PROTOCOL 1.3): their lines say 5 out of 10, not 7.
    half = {item.pk for item in items if item.load == library_v1.STAGE1_REDUCED_EFFORT_LOAD}
    exercises = [
        {
            "number": number,
            "name": _clean(item.exercise.printed_name),
            "drawing": _drawing(item.exercise),
            "dose": dose(item, plan.stage) | ({"load": ""} if item.pk in half else {}),
            "instruction": _clean(item.exercise.printed_text, multiline=True),
            "guidance": _guidance(item, reduced_effort=item.pk in half),
            "mistakes": _mistakes(item.exercise),
            "note": _item_note(item),
        }
        for number, item in enumerate(items, start=1)
    ]
    call = f"call the clinic on {phone}" if phone else "call the clinic"
    lights = [
        {
            **band,
            "action": f"Do less and {call}." if band["colour"] == "red" else band["action"],
        }
        for band in library_v1.PAIN_TRAFFIC_LIGHT
    ]
    calendar = None
    if plan.stage == 4:
        weeks = schedule.weeks_of(schedule.stage4_days())
        calendar = {
            "weekdays": [day.weekday for day in weeks[0]],
            "weeks": [
                {
                    "label": f"Week {number}",
                    "days": [
                        {"kind": day.kind, "label": _CALENDAR_WORDS[day.kind]} for day in week
                    ],
                }
                for number, week in enumerate(weeks, start=1)
            ],
        }
    return {
        "clinic": {
            "name": _clean(clinic.name),
            "address": _clean(clinic.address, multiline=True),
            "phone": phone,
        },
        "patient": {"name": _clean(patient.full_name)},
        "physio": _clean(patient.physio.display_name),
        "plan": {
            "public_id": str(plan.public_id),
            "version": plan.version,
            "stage": plan.stage,
            "date": _long_date(_plan_date(plan, clinic)),
            "note": _plain_plan_note(plan.note),
        },
        "stage": {
            "number": plan.stage,
            "name": info["name"],
            "goal": info["goal_plain"],
            "advice": [
                library_v1.STAGE1_REDUCED_EFFORT_ADVICE
                if half and line == library_v1.STAGE1_EFFORT_ADVICE
                else line
                for line in info["advice"]
            ],
            "advice_title": f"Good to know in stage {plan.stage}",
        },
        "pain_rule": {
            "text": library_v1.PAIN_RULE_TEXT,
            "lights": lights,
            "call": (
                f"Call {phone} if your pain is in the red zone or you are worried."
                if phone
                else "Call the clinic if your pain is in the red zone or you are worried."
            ),
        },
        "exercises": exercises,
        "calendar": calendar,
        "log_days": [{"number": n, "week_start": n in (1, 8)} for n in range(1, 15)],
        # A box a session: stage-1 isometrics are done up to twice a day (PROTOCOL 1.3).
        "log_ticks": list(range(max((item.times_per_day or 1 for item in items), default=1))),
        "log_key": [
            {"colour": "green", "label": "Green", "pain": "0 to 3", "action": "Carry on."},
            {"colour": "amber", "label": "Amber", "pain": "4 to 5", "action": "Ease off."},
            {
                "colour": "red",
                "label": "Red",
                "pain": "6 or more, or worse next morning",
                "action": f"Do less and {call}.",
            },
        ],
    }


def _canonical_hash(document: dict[str, Any], paused: bool) -> str:
    payload = {"template_version": TEMPLATE_VERSION, "paused": paused, "document": document}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def programme_content_hash(plan: Plan, *, paused: bool) -> str:
    """SHA-256 of a canonical JSON of everything the programme shows (and the template
    version and the paused flag); the render time is not part of it. The exercises count
    even in a paused programme, which does not show them."""
    return _canonical_hash(_document(plan), paused)


def _qr_svg(url: str, size_mm: float) -> SafeString:
    """A QR code of ``url``, ``size_mm`` wide, as inline SVG made by segno (no network).
    The markup is segno's own: path data and sizes, the URL only as module geometry."""
    qr = segno.make(url, error="m", micro=False)
    scale = size_mm / qr.symbol_size(border=4)[0]
    svg = qr.svg_inline(scale=scale, border=4, unit="mm", dark="#000", svgclass="qr")
    return mark_safe(svg)  # noqa: S308 - segno's SVG, see above


def programme_context(plan: Plan, *, paused: bool, diary_url: str | None = None) -> dict[str, Any]:
    """Everything ``templates/pdf/programme.html`` needs. A paused programme (PROTOCOL 3.3
    R1: a red-flag referral is open) carries no exercises at all, so none can be printed."""
    document = _document(plan)
    digest = _canonical_hash(document, paused)
    context: dict[str, Any] = {
        **document,
        "paused": paused,
        "title": "Programme paused" if paused else "Your exercise programme",
        "reference": {
            "version_label": f"Plan version {plan.version}",
            "short_hash": digest[:8],
            "content_hash": digest,
        },
        "diary": None,
    }
    if paused:
        context.update(
            exercises=[],
            calendar=None,
            log_days=[],
            log_key=[],
            log_ticks=[],
            stage=None,
            pain_rule=None,
        )
    elif diary_url:
        context["diary"] = {"url": diary_url, "qr_svg": _qr_svg(diary_url, DIARY_QR_MM)}
    return context


def render_programme(plan: Plan, *, paused: bool, diary_url: str | None = None) -> RenderedPdf:
    return _render(
        "pdf/programme.html", programme_context(plan, paused=paused, diary_url=diary_url)
    )


def handover_context(
    *, patient: Patient, clinic: Clinic, plan: Plan, url: str, expires_at: datetime
) -> dict[str, Any]:
    phone = _clean(clinic.phone)
    return {
        "title": "Your exercise programme",
        "clinic": {
            "name": _clean(clinic.name),
            "address": _clean(clinic.address, multiline=True),
            "phone": phone,
        },
        "patient": {"name": _clean(patient.full_name)},
        "plan": {"version": plan.version, "stage": plan.stage},
        "stage_name": library_v1.STAGE_INFO[plan.stage]["name"],
        "url": url,
        "qr_svg": _qr_svg(url, HANDOVER_QR_MM),
        "expires": _long_datetime(expires_at, clinic),
        "reference": {"version_label": f"Plan version {plan.version}"},
    }


def render_handover_sheet(
    *, patient: Patient, clinic: Clinic, plan: Plan, url: str, expires_at: datetime
) -> RenderedPdf:
    """One A4 page: a QR code of the patient's link, the link written out, when it expires,
    the clinic's phone and how to use it."""
    context = handover_context(
        patient=patient, clinic=clinic, plan=plan, url=url, expires_at=expires_at
    )
    return _render("pdf/handover.html", context)
