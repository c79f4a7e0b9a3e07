"""Exercise library v1 against PROTOCOL.md section 2. Pure Python, no database.

The expected values are written out here from PROTOCOL, independently of the module, so
a slip in either shows up as a failure.
"""

import ast
import dataclasses
import html
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from rehab import library_v1
from rehab.library_v1 import (
    AMBER_DOSE_REDUCTION,
    BY_CODE,
    LIBRARY,
    PAIN_RULE_TEXT,
    PAIN_TRAFFIC_LIGHT,
    STAGE1_REDUCED_DOSE,
    STAGE1_REDUCED_DOSE_PLAIN,
    STAGE_HIP_FLEXION_LIMIT,
    STAGE_INFO,
    STAGE_TEMPLATES,
    ExerciseSpec,
    check_stage_safety,
    check_stage_use,
)

# code, stage_min, stage_max, hip_flexion_min_deg, hip_flexion_max_deg, supporting, plyometric
# (PROTOCOL 2.1-2.5; S3-15 max 90 and SUP-26 supporting per the paragraph ending section 2;
# S1-06 "slight extension" recorded as -10.)
EXPECTED_RANGES = [
    ("S1-01", 1, 1, 0, 0, False, False),
    ("S1-02", 1, 1, 10, 25, False, False),
    ("S1-03", 1, 1, 0, 10, False, False),
    ("S1-04", 1, 1, 20, 30, False, False),
    ("S1-05", 1, 1, 0, 0, False, False),
    ("S1-06", 1, 1, -10, 0, False, False),
    ("S2-07", 2, 2, 0, 15, False, False),
    ("S2-08", 2, 2, -10, 20, False, False),
    ("S2-09", 2, 2, 0, 40, False, False),
    ("S2-10", 2, 2, 0, 20, False, False),
    ("S2-11", 2, 2, 0, 0, False, False),
    ("S3-12", 3, 3, 0, 90, False, False),
    ("S3-13", 3, 3, 0, 90, False, False),
    ("S3-14", 3, 3, 70, 90, False, False),
    ("S3-15", 3, 3, 60, 90, False, False),
    ("S3-16", 3, 3, 0, 90, False, False),
    ("S3-17", 3, 3, 0, 70, False, False),
    ("S4-18", 4, 4, 0, 90, False, True),
    ("S4-19", 4, 4, 70, 90, False, True),
    ("S4-20", 4, 4, 60, 80, False, True),
    ("S4-21", 4, 4, 0, 90, False, True),
    ("S4-22", 4, 4, 20, 60, False, True),
    ("SUP-23", 1, 4, 0, 0, True, False),
    ("SUP-24", 1, 4, 0, 20, True, False),
    ("SUP-25", 1, 4, 0, 0, True, False),
    ("SUP-26", 1, 4, 90, 90, True, False),
]

# code, dose_type, sets, reps, hold_s, rest_s (min, max), days_per_week (lower bound),
# min_hours_between_sessions, tempo. None where PROTOCOL gives no number of that kind.
# Rest for S1-04..06 and S3-13/15/16/17 comes from the stage dose (1.3, 1.5).
EXPECTED_DOSES = [
    ("S1-01", "isometric_hold", (5, 5), None, (30, 45), (60, 120), 5, 0, ""),
    ("S1-02", "isometric_hold", (5, 5), None, (30, 45), (60, 120), 5, 0, ""),
    ("S1-03", "isometric_hold", (5, 5), None, (30, 45), (60, 120), 7, 0, ""),
    ("S1-04", "isometric_hold", (5, 5), None, (30, 45), (60, 120), 7, 0, ""),
    ("S1-05", "isometric_hold", (5, 5), None, (30, 45), (60, 120), 7, 0, ""),
    ("S1-06", "isometric_hold", (3, 5), None, (20, 30), (60, 120), 7, 0, ""),
    ("S2-07", "hsr", (3, 4), (8, 15), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S2-08", "hsr", (3, 4), (8, 15), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S2-09", "hsr", (3, 4), (8, 15), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S2-10", "reps", (3, 3), (8, 12), None, (120, None), 2, 48, ""),
    ("S2-11", "reps", (2, 3), (3, 6), None, (120, None), 2, 48, ""),
    ("S3-12", "hsr", (3, 4), (8, 12), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S3-13", "reps", (3, 3), (8, 12), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S3-14", "reps", (3, 3), (8, 10), None, (120, None), 2, 48, ""),
    ("S3-15", "hsr", (3, 3), (8, 12), None, (120, 180), 3, 48, "3-0-3-0"),
    ("S3-16", "reps", (3, 3), (8, 12), None, (120, 180), 2, 48, "3-0-3-0"),
    ("S3-17", "hsr", (3, 4), (8, 12), None, (120, 180), 2, 48, "3-0-3-0"),
    ("S4-18", "plyometric", (3, 4), (10, 15), None, (90, None), 2, 72, ""),
    ("S4-19", "plyometric", (2, 3), (6, 8), None, (120, None), 2, 72, ""),
    ("S4-20", "plyometric", (3, 4), None, None, (None, None), 2, 72, ""),
    ("S4-21", "plyometric", (4, 6), None, None, (None, None), 2, 72, ""),
    ("S4-22", "plyometric", (2, 3), (8, 10), None, (90, None), 2, 72, ""),
    ("SUP-23", "timed", (3, 3), None, (20, 45), (None, None), 2, 0, ""),
    ("SUP-24", "reps", (3, 3), (10, 15), None, (None, None), 2, 0, ""),
    ("SUP-25", "reps", (3, 3), (10, 10), (3, 3), (None, None), 2, 0, ""),
    ("SUP-26", "reps", (3, 3), (8, 10), None, (None, None), 2, 0, ""),
]

ALL_CODES = [row[0] for row in EXPECTED_RANGES]


def fake(max_deg, *, supporting=False, name="Test exercise"):
    """A clinic-defined exercise: only the attributes the stage check needs."""
    return SimpleNamespace(name=name, hip_flexion_max_deg=max_deg, supporting=supporting)


# ---- Transcription -----------------------------------------------------------------------


def test_library_holds_the_26_exercises_in_id_order():
    assert [spec.code for spec in LIBRARY] == ALL_CODES
    assert list(BY_CODE) == ALL_CODES
    assert all(BY_CODE[spec.code] is spec for spec in LIBRARY)


@pytest.mark.parametrize(
    ("stage", "count"),
    [(1, 6), (2, 5), (3, 6), (4, 5)],
)
def test_counts_per_stage(stage, count):
    in_section = [s for s in LIBRARY if not s.supporting and s.stage_min == s.stage_max == stage]
    assert len(in_section) == count


def test_four_supporting_exercises_for_all_stages():
    supporting = [s for s in LIBRARY if s.supporting]
    assert [s.code for s in supporting] == ["SUP-23", "SUP-24", "SUP-25", "SUP-26"]
    assert all((s.stage_min, s.stage_max) == (1, 4) for s in supporting)


@pytest.mark.parametrize(
    ("code", "stage_min", "stage_max", "hip_min", "hip_max", "supporting", "plyometric"),
    EXPECTED_RANGES,
)
def test_stage_and_hip_flexion_ranges(
    code, stage_min, stage_max, hip_min, hip_max, supporting, plyometric
):
    spec = BY_CODE[code]
    assert (spec.stage_min, spec.stage_max) == (stage_min, stage_max)
    assert (spec.hip_flexion_min_deg, spec.hip_flexion_max_deg) == (hip_min, hip_max)
    assert spec.supporting is supporting
    assert spec.plyometric is plyometric


@pytest.mark.parametrize(
    ("code", "dose_type", "sets", "reps", "hold", "rest", "days", "min_hours", "tempo"),
    EXPECTED_DOSES,
)
def test_default_doses(code, dose_type, sets, reps, hold, rest, days, min_hours, tempo):
    spec = BY_CODE[code]
    assert spec.dose_type == dose_type
    assert (spec.sets_min, spec.sets_max) == sets
    assert (spec.reps_min, spec.reps_max) == (reps or (None, None))
    assert (spec.hold_s_min, spec.hold_s_max) == (hold or (None, None))
    assert (spec.rest_s, spec.rest_s_max) == rest
    assert spec.days_per_week == days
    assert spec.min_hours_between_sessions == min_hours
    assert spec.tempo == tempo


def test_fields_match_the_data_model():
    names = {f.name for f in dataclasses.fields(ExerciseSpec)}
    # PROTOCOL section 2 data model ("id" is `code`), plus the agreed additions.
    assert names == {
        "code",
        "name",
        "stage_min",
        "stage_max",
        "hip_flexion_min_deg",
        "hip_flexion_max_deg",
        "hip_flexion_text",
        "dose_type",
        "sets_min",
        "sets_max",
        "reps_min",
        "reps_max",
        "hold_s_min",
        "hold_s_max",
        "rest_s",
        "rest_s_max",
        "tempo",
        "load_guidance",
        "days_per_week",
        "frequency",
        "min_hours_between_sessions",
        "progression_steps",
        "patient_text",
        "mistakes",
        "supporting",
        "plyometric",
    }


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_field_with_a_protocol_value_is_filled(code):
    spec = BY_CODE[code]
    for text in (spec.name, spec.hip_flexion_text, spec.load_guidance, spec.frequency):
        assert text.strip()
    assert spec.patient_text.strip().endswith(".")
    assert spec.progression_steps
    assert all(step.strip() for step in spec.progression_steps)
    assert spec.mistakes
    assert all(m.strip() and m[0].isupper() for m in spec.mistakes)
    assert spec.sets_min is not None
    assert spec.hip_flexion_max_deg is not None
    # Every exercise is dosed by reps or by a hold, except the two dosed by distance
    # (bounding, build-ups), whose distances are in load_guidance.
    if code in {"S4-20", "S4-21"}:
        assert " m" in spec.load_guidance
    else:
        assert spec.reps_min is not None or spec.hold_s_min is not None
    # Rest without a number (walk-back, jog-back) is described in words instead.
    if code in {"S4-20", "S4-21"}:
        assert "back" in spec.load_guidance


def test_transcribed_text_spot_checks():
    assert BY_CODE["S3-12"].name == "Romanian deadlift (barbell/dumbbells)"
    assert BY_CODE["S1-04"].hip_flexion_text == "~20–30°"  # noqa: RUF001 (verbatim en dash)
    assert BY_CODE["S2-07"].mistakes[-1] == "Using a seated curl machine (hip ~90°)"
    assert BY_CODE["SUP-26"].mistakes[-1] == "Drop the exercise if it reproduces ischial pain"
    assert BY_CODE["S1-03"].patient_text.startswith("Lie on your back, knees bent, feet flat.")
    assert BY_CODE["S4-21"].patient_text == (
        "Start jogging and smoothly speed up over the distance, then ease off. "
        "Stay tall and relaxed."
    )


def test_specs_are_frozen_and_validated():
    spec = BY_CODE["S1-01"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.hip_flexion_max_deg = 45  # type: ignore[misc]
    with pytest.raises(ValueError, match="reversed"):
        dataclasses.replace(spec, sets_min=6)
    with pytest.raises(ValueError, match="dose_type"):
        dataclasses.replace(spec, dose_type="eccentric")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stage range"):
        dataclasses.replace(spec, stage_min=2)


def test_module_is_pure_python():
    tree = ast.parse(Path(library_v1.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "dataclasses", "typing"}


# ---- Stage safety ------------------------------------------------------------------------


def test_stage_limits():
    assert STAGE_HIP_FLEXION_LIMIT == {1: 30, 2: 45, 3: 90, 4: None}


@pytest.mark.parametrize(
    ("stage", "max_deg", "allowed"),
    [
        (1, 0, True),
        (1, 30, True),
        (1, 31, False),
        (2, 45, True),
        (2, 46, False),
        (3, 90, True),
        (3, 91, False),
        (4, 90, True),
        (4, 120, True),
        (4, None, True),
        (1, None, False),
        (2, None, False),
        (3, None, False),
    ],
)
def test_check_stage_safety_on_both_sides_of_each_limit(stage, max_deg, allowed):
    result = check_stage_safety(fake(max_deg), stage)
    if allowed:
        assert result is None
    else:
        assert result is not None
        assert "Test exercise" in result
        assert f"stage {stage} allows at most {STAGE_HIP_FLEXION_LIMIT[stage]}°" in result


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
@pytest.mark.parametrize("max_deg", [0, 90, 120, None])
def test_supporting_exercises_are_exempt(stage, max_deg):
    assert check_stage_safety(fake(max_deg, supporting=True), stage) is None


def test_refusal_message_reads_clearly():
    assert check_stage_safety(BY_CODE["S3-12"], 2) == (
        "Romanian deadlift (barbell/dumbbells) reaches 90° hip flexion; stage 2 allows at most 45°."
    )


@pytest.mark.parametrize(
    ("code", "stage", "allowed"),
    [
        ("S1-04", 1, True),  # exactly 30°
        ("S2-09", 1, False),  # 40° > 30°
        ("S2-09", 2, True),
        ("S3-12", 2, False),
        ("S3-15", 3, True),  # 90°, not the table's 100°
        ("S3-17", 2, False),
        ("S4-22", 2, False),
        ("SUP-26", 1, True),  # 90°, but supporting
    ],
)
def test_check_stage_safety_on_library_exercises(code, stage, allowed):
    assert (check_stage_safety(BY_CODE[code], stage) is None) is allowed


@pytest.mark.parametrize("stage", [0, 5])
def test_unknown_stage_is_an_error(stage):
    with pytest.raises(ValueError, match="stage"):
        check_stage_safety(fake(0), stage)


@pytest.mark.parametrize("spec", LIBRARY, ids=lambda s: s.code)
def test_every_exercise_is_safe_throughout_its_own_stages(spec):
    for stage in range(spec.stage_min, spec.stage_max + 1):
        assert check_stage_use(spec, stage) is None


@pytest.mark.parametrize(
    ("code", "stage", "allowed"),
    [
        ("S1-01", 2, True),  # bridge from the previous stage
        ("S2-07", 3, True),
        ("S3-12", 4, True),  # stage-3 HSR on stage-4 non-plyometric days
        ("S2-07", 1, False),  # 15° is within stage 1's limit, but it is a stage-2 lift
        ("S2-11", 1, False),
        ("S4-22", 3, False),  # 60° is within stage 3's limit, but plyometrics wait
        ("S3-12", 2, False),
    ],
)
def test_check_stage_use(code, stage, allowed):
    result = check_stage_use(BY_CODE[code], stage)
    assert (result is None) is allowed
    if not allowed:
        assert result is not None and BY_CODE[code].name in result


# ---- Templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_templates_are_safe_for_their_stage(stage):
    codes = STAGE_TEMPLATES[stage]
    assert len(codes) == len(set(codes))
    for code in codes:
        spec = BY_CODE[code]
        assert check_stage_safety(spec, stage) is None
        assert check_stage_use(spec, stage) is None
    assert any(BY_CODE[code].supporting for code in codes)


def test_template_contents():
    assert set(STAGE_TEMPLATES) == {1, 2, 3, 4}
    assert all(BY_CODE[c].dose_type == "isometric_hold" for c in STAGE_TEMPLATES[1][:4])
    assert {"S2-07", "S2-08", "S2-09", "S2-10"} <= set(STAGE_TEMPLATES[2])
    assert "S2-11" not in STAGE_TEMPLATES[2]  # Nordics start >=14 days into stage 2
    stage4 = [BY_CODE[c] for c in STAGE_TEMPLATES[4]]
    assert sum(s.plyometric for s in stage4) >= 3
    assert [s.code for s in stage4 if s.stage_max == 3 and s.dose_type == "hsr"] == [
        "S3-12",
        "S3-15",
    ]


# ---- Patient-facing text and dose adjustments --------------------------------------------

ABBREVIATION = re.compile(r"\b(HSR|RM|\d+RM|RDL|RPE|NPRS|VISA|ADL|MVIC)\b")


def patient_facing_texts():
    for info in STAGE_INFO.values():
        yield info["name"]
        yield info["goal_plain"]
        yield from info["advice"]
    for spec in LIBRARY:
        yield spec.patient_text
    yield from library_v1.PATIENT_NAMES.values()
    yield from library_v1.PATIENT_INSTRUCTIONS.values()
    for mistakes in library_v1.PATIENT_MISTAKES.values():
        yield from mistakes
    yield from library_v1.PATIENT_GUIDANCE.values()
    yield from library_v1.ILLUSTRATION_ALT_PLAIN.values()
    yield PAIN_RULE_TEXT
    yield STAGE1_REDUCED_DOSE_PLAIN
    for band in PAIN_TRAFFIC_LIGHT:
        yield from band.values()


def test_stage_info_is_complete():
    assert set(STAGE_INFO) == {1, 2, 3, 4}
    for stage, info in STAGE_INFO.items():
        assert info["name"].startswith(f"Stage {stage}")
        assert info["goal_plain"].strip()
        assert len(info["advice"]) >= 3


@pytest.mark.parametrize("text", list(patient_facing_texts()))
def test_patient_text_has_no_unexplained_abbreviations(text):
    assert not ABBREVIATION.search(text)


# Clinical terms the printed words for the patient replace (UX.md: reading age about 11).
# tests/rehab/test_pdf.py checks the printed programmes for the same words.
JARGON = re.compile(
    r"(?i)\b(isometric|isotonic|eccentric|concentric|plyometrics?|flexion|extension|lumbar|"
    r"ischial|pelvis|piking|tempo|reps?|fatigued|affected side|trunk|stance|"
    r"hamstrings?|hinge[ds]?|hinging|neutral spine|contralateral|ipsilateral|"
    r"glute(al|s)?|abduction|prescribed|RDL|degrees?|soft knees?|hike[ds]?|anchored|"
    r"bodyweight|assistance|resistance)\b|°|~"
)


def test_the_patients_words_for_instructions_mistakes_and_guidance_are_plain():
    for code, mistakes in library_v1.PATIENT_MISTAKES.items():
        # One plain line for each of PROTOCOL's, in the same order.
        assert len(mistakes) == len(BY_CODE[code].mistakes), code
        assert all(m.strip() and m[0].isupper() for m in mistakes), code
    assert set(library_v1.PATIENT_GUIDANCE) <= set(BY_CODE)
    for code, instruction in library_v1.PATIENT_INSTRUCTIONS.items():
        # Only where PROTOCOL's wording needs it, and never the same words again.
        assert instruction != BY_CODE[code].patient_text, code
        assert instruction[0].isupper() and instruction.endswith("."), code
        assert len(instruction) <= 1000, code  # Exercise.patient_text
    texts = [
        *(library_v1.PATIENT_INSTRUCTIONS.get(spec.code, spec.patient_text) for spec in LIBRARY),
        *(m for spec in LIBRARY for m in library_v1.PATIENT_MISTAKES.get(spec.code, spec.mistakes)),
        *library_v1.PATIENT_GUIDANCE.values(),
        *(line for info in STAGE_INFO.values() for line in info["advice"]),
        *library_v1.ILLUSTRATION_ALT_PLAIN.values(),
    ]
    for text in texts:
        assert not JARGON.search(text), text


@pytest.mark.parametrize("code", sorted(library_v1.PATIENT_GUIDANCE))
def test_adding_a_weight_is_left_to_the_physio(code):
    """PROTOCOL 2's progressions are the physio's: outside heavy slow resistance (where the
    dose box says to choose a weight you can lift so many times), guidance that mentions a
    weight tells the patient to wait for their physio; none says to make it harder."""
    text = library_v1.PATIENT_GUIDANCE[code]
    hsr = library_v1.BY_CODE[code].dose_type == "hsr"
    if re.search(r"(?i)\b(a weight|weights|dumbbells?|weight plate)\b", text) and not hsr:
        assert "Your physio will tell you when" in text, code
    assert "To make it harder" not in text, code


def test_every_drawing_is_described_in_the_patients_words():
    """The drawings' alternative text (Exercise.illustration_alt, migration 0011), and each
    drawing's own <title> and <desc>, are in the patient's words, as PATIENT_INSTRUCTIONS
    are; the words migration 0003 loaded said trunk, split stance, hinged, hamstrings."""
    alts = library_v1.ILLUSTRATION_ALT_PLAIN
    assert set(alts) == set(library_v1.ILLUSTRATION_ALT) == {spec.code for spec in LIBRARY}
    assert any(JARGON.search(alt) for alt in library_v1.ILLUSTRATION_ALT.values())
    folder = Path(__file__).resolve().parents[2] / "static" / "exercises"
    assert json.loads((folder / "alt-text.json").read_text(encoding="utf-8")) == alts
    for code, alt in alts.items():
        assert not JARGON.search(alt) and not ABBREVIATION.search(alt), code
        assert alt[0].isupper() and alt.endswith(".") and len(alt) <= 500, code  # the field
        svg = (folder / f"{code}.svg").read_text(encoding="utf-8")
        title = re.search(rf'<title id="{code}-t">([^<]*)</title>', svg)
        desc = re.search(rf'<desc id="{code}-d">([^<]*)</desc>', svg)
        assert title and html.unescape(title.group(1)) == library_v1.PATIENT_NAMES[code], code
        assert desc and html.unescape(desc.group(1)) == alt, code


def test_the_stage_advice_leaves_how_often_to_each_exercise():
    """The dose box says how often; advice saying "once or twice a day" or "3 days a week"
    over a box that says "once a day" or "2 days a week" confuses (UX.md "Patients")."""
    for info in STAGE_INFO.values():
        for line in info["advice"]:
            assert not re.search(
                r"once or twice|\b(once|twice|\d+ times) a day|\d+ days a week", line
            ), line
    # Every third day (Monday, Thursday, Sunday) leaves 2 days in between, not 3.
    assert any("Leave 2 days in between" in line for line in STAGE_INFO[4]["advice"])


def test_every_exercise_has_a_plain_name_for_the_patient():
    assert set(library_v1.PATIENT_NAMES) == {spec.code for spec in LIBRARY}
    for code, name in library_v1.PATIENT_NAMES.items():
        assert 0 < len(name) <= 120, code  # Exercise.patient_name
        # Plain words instead of the clinical terms of PROTOCOL 2's names (UX.md).
        assert not re.search(r"(?i)\b(prone|supine|isometric|isotonic|lever|→|±|/)", name), code


def test_pain_rule_is_verbatim():
    assert PAIN_RULE_TEXT == (
        "During exercise, mild buttock pain up to 3 out of 10 is OK. The next morning your "
        "pain should be no worse than your usual morning pain. If it is worse, or exercise "
        "pain goes above 5, do less next time and tell your physio."
    )


def test_pain_traffic_light():
    assert [band["colour"] for band in PAIN_TRAFFIC_LIGHT] == ["green", "amber", "red"]
    green, amber, red = PAIN_TRAFFIC_LIGHT
    assert "0 to 3" in green["pain"]
    assert "carry on" in green["action"].lower()
    assert "4 to 5" in amber["pain"]
    assert "ease off" in amber["action"].lower()
    assert "6 or more" in red["pain"]
    assert "next morning" in red["pain"]
    assert "call the clinic" in red["action"].lower()
    assert all(band["label"] for band in PAIN_TRAFFIC_LIGHT)  # not colour alone


def test_dose_adjustments():
    assert AMBER_DOSE_REDUCTION == (10, 20)
    for fragment in ("20 s", "50%", "5 → 3"):
        assert fragment in STAGE1_REDUCED_DOSE
    for fragment in ("20 seconds", "3 holds"):
        assert fragment in STAGE1_REDUCED_DOSE_PLAIN
