# The strings below are transcribed verbatim from the clinical reference and printed on
# PDFs, so they keep its typography (en dashes, multiplication signs).
# ruff: noqa: RUF001
"""Exercise library v1: PROTOCOL.md section 2 as plain Python data.

Pure Python, no Django and no I/O. A data migration imports this module to seed the
database, so it is versioned by its file name: once shipped, v1 never changes. A corrected
or extended library is a new module (``library_v2``) with its own migration.

Every number comes from PROTOCOL.md section 2 (the "default dose" column) or, where a row
leaves a value out, from the stage dose in section 1.x; each entry cites the source tag of
the PROTOCOL text it came from ([S] source, [D] derived, [CFG] clinic default).

Conventions for the fields of :class:`ExerciseSpec`:

* Ranges are ``_min``/``_max`` pairs; a single value in the table gives min == max.
  ``None`` means the table gives no number of that kind (no reps for a hold, no rest for
  the supporting work) or, for ``hip_flexion_max_deg``, that the range is unbounded.
* Hip flexion follows PROTOCOL 0: 0° is standing neutral, positive is flexion, negative
  is extension.
* ``dose_type``: ``isometric_hold`` for hamstring holds at a target effort, ``hsr`` for
  heavy slow resistance on the repetition-maximum ladder, ``reps`` for repetitions at a
  stated load, ``plyometric`` for the stage-4 energy-storage exercises, ``timed`` for a
  hold dosed by time alone (the side plank).
* ``tempo`` is seconds lowering-pause-lifting-pause ("3-0-3-0" = 3 s down, 3 s up); ""
  when the table gives no full tempo (a single phase, e.g. "lower over 3-5 s", is kept in
  ``load_guidance``).
* ``days_per_week`` and ``rest_s`` hold the lower bound of the table's range (the least
  the programme asks for); ``frequency``, ``rest_s_max`` and ``load_guidance`` carry the rest.
* ``min_hours_between_sessions``: 72 for stage-4 plyometrics ("every third day"), 48 for
  isotonic work on "non-consecutive days" (the every-other-day reading of the same
  conversion), 0 where sessions may be daily or more often.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

LIBRARY_VERSION = "library_v1"

DoseType = Literal["isometric_hold", "hsr", "reps", "plyometric", "timed"]
DOSE_TYPES: tuple[DoseType, ...] = ("isometric_hold", "hsr", "reps", "plyometric", "timed")

STAGES = (1, 2, 3, 4)


@dataclass(frozen=True)
class ExerciseSpec:
    """One row of the exercise library (the data model at the end of PROTOCOL section 2)."""

    code: str
    name: str
    stage_min: int
    stage_max: int
    hip_flexion_min_deg: int | None
    hip_flexion_max_deg: int | None
    hip_flexion_text: str
    dose_type: DoseType
    sets_min: int | None
    sets_max: int | None
    reps_min: int | None
    reps_max: int | None
    hold_s_min: int | None
    hold_s_max: int | None
    rest_s: int | None
    rest_s_max: int | None
    tempo: str
    load_guidance: str
    days_per_week: int
    frequency: str
    min_hours_between_sessions: int
    progression_steps: tuple[str, ...]
    patient_text: str
    mistakes: tuple[str, ...]
    supporting: bool = False
    plyometric: bool = False

    def __post_init__(self) -> None:
        # Catch transcription slips when the module is imported, not when a PDF is printed.
        if not (1 <= self.stage_min <= self.stage_max <= 4):
            raise ValueError(f"{self.code}: bad stage range {self.stage_min}-{self.stage_max}")
        if self.dose_type not in DOSE_TYPES:
            raise ValueError(f"{self.code}: unknown dose_type {self.dose_type!r}")
        for low, high in (
            (self.hip_flexion_min_deg, self.hip_flexion_max_deg),
            (self.sets_min, self.sets_max),
            (self.reps_min, self.reps_max),
            (self.hold_s_min, self.hold_s_max),
            (self.rest_s, self.rest_s_max),
        ):
            if low is not None and high is not None and low > high:
                raise ValueError(f"{self.code}: range {low}-{high} is reversed")
        if not 1 <= self.days_per_week <= 7:
            raise ValueError(f"{self.code}: days_per_week {self.days_per_week} out of range")


# Shared wording, so rows that say "as S1-01" or "HSR template" cannot drift apart.

# PROTOCOL 1.3 stage-1 dose [D: Rio 2015; brief says 30-45 s]; frequency 1.1 [D: Rio 2015; CFG].
_S1_EFFORT = "~70% effort (about 7 out of 10)"
# The same in the patient's words (the printed programme), and at the reduced dose of a
# stage-1 regression (PROTOCOL 1.3: lower effort, 70% -> 50%; rehab.pdf swaps them).
STAGE1_EFFORT = "About 7 out of 10 effort."
STAGE1_REDUCED_EFFORT = "About 5 out of 10 effort for now: half effort."
# The load of a hold at that reduced dose (rehab.plans.stage1_reduced_dose): the physio sees
# it in the plan editor and clears it to go back to 7 out of 10.
STAGE1_REDUCED_EFFORT_LOAD = "Half effort: about 5 out of 10"
STAGE1_EFFORT_ADVICE = "Push at about 7 out of 10 effort. It should feel firm, not all-out."
STAGE1_REDUCED_EFFORT_ADVICE = (
    "Push at about 5 out of 10 effort for now: half effort. It should feel easy to hold."
)
_S1_FREQUENCY_DAILY = "1–2×/day, daily"

# PROTOCOL 2.2 HSR default for S2-07..S2-09 [S: Kongsgaard/Beyer ladder; Goom ~15RM → ~8RM].
_HSR_LADDER = (
    "HSR template: 3–4 sets; 15RM (week 1) → 12RM (weeks 2–3) → 10RM (weeks 4–5) → "
    "8RM (weeks 6–8), 6RM (weeks 9–12) optional; Beyer used 3 sets at 15–12RM and 4 sets "
    "from 10RM"
)
_HSR_FREQUENCY = "3 days/week on non-consecutive days"

# PROTOCOL 1.1/1.5 stage 3: 3x/wk, non-consecutive [D].
_S3_FREQUENCY = "3 days/week on non-consecutive days"

# PROTOCOL 1.1/1.6 stage 4: every third day, ≥72 h apart [S brief/Goom; Magnusson 2010].
_PLYO_FREQUENCY = "Plyometric day every third day, at least 72 h apart (e.g. Mon → Thu → Sun)"

# PROTOCOL 2.5 supporting work: all stages, 2-5 d/wk (no tag in PROTOCOL).
_SUP_FREQUENCY = "2–5 days/week"


LIBRARY: tuple[ExerciseSpec, ...] = (
    # ---- 2.1 Stage 1: isometrics (hip 0-30°) --------------------------------------------
    # Dose: PROTOCOL 1.3 [D: Rio 2015; brief says 30-45 s]; hip ≤30° [S brief; D].
    ExerciseSpec(
        code="S1-01",
        name='Prone isometric knee-flexion hold ("isometric leg curl / heel press")',
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=0,
        hip_flexion_text="0°",
        dose_type="isometric_hold",
        sets_min=5,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=30,
        hold_s_max=45,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance=f"{_S1_EFFORT}; resistance from band, strap or partner",
        days_per_week=5,
        frequency="1–2×/day, 5–7 days/week",
        min_hours_between_sessions=0,
        progression_steps=(
            "Hold 30 → 45 s",
            "Effort 50 → 70 → 80%",
            "Two legs → affected leg only",
            "Knee angle from ~60° towards ~30° (harder)",
        ),
        patient_text=(
            "Lie on your front. Hook the heel of the sore leg under a fixed strap or band. "
            "Try to bend your knee against it without letting the leg move. Hold steady and "
            "keep breathing."
        ),
        mistakes=(
            "Full-effort pushing that causes cramp",
            "Lifting the hips or arching the back",
            "Holding the breath",
        ),
    ),
    # Dose "As S1-01" [D: Rio 2015].
    ExerciseSpec(
        code="S1-02",
        name="Supine long-lever heel dig",
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=10,
        hip_flexion_max_deg=25,
        hip_flexion_text="~10–25°",
        dose_type="isometric_hold",
        sets_min=5,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=30,
        hold_s_max=45,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance=f"{_S1_EFFORT}",
        days_per_week=5,
        frequency="1–2×/day, 5–7 days/week",
        min_hours_between_sessions=0,
        progression_steps=(
            "Knee straighter (longer lever)",
            "Single leg",
            "Heel on a low (≤10 cm) step",
        ),
        patient_text=(
            "Lie on your back with knees only slightly bent. Press the heel of the sore leg "
            "down into the floor and pull it towards you without it sliding. Hold."
        ),
        mistakes=(
            "Knees bent to 90° (more hip flexion and less hamstring work)",
            "Pelvis lifting",
        ),
    ),
    # Dose from the table; effort from 1.3 [D: Rio 2015].
    ExerciseSpec(
        code="S1-03",
        name="Bridge hold (double → single leg)",
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=10,
        hip_flexion_text="0–10° at the top",
        dose_type="isometric_hold",
        sets_min=5,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=30,
        hold_s_max=45,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance=f"Bodyweight; {_S1_EFFORT}",
        days_per_week=7,
        frequency=_S1_FREQUENCY_DAILY,
        min_hours_between_sessions=0,
        progression_steps=(
            "Two legs → weight shifted to the sore side → single leg",
            "Feet further from the hips (longer lever)",
            "Arms across chest",
        ),
        patient_text=(
            "Lie on your back, knees bent, feet flat. Push through your heels to lift your "
            "hips until your body is in a line from shoulders to knees. Hold there."
        ),
        mistakes=(
            "Arching the low back instead of using the hips",
            "One hip dropping",
            "Hamstring cramp (move feet closer)",
        ),
    ),
    # Sets/hold/days from the table; rest and effort from 1.3 [D: Rio 2015].
    ExerciseSpec(
        code="S1-04",
        name="Straight-leg heel pull-down on box",
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=20,
        hip_flexion_max_deg=30,
        hip_flexion_text="~20–30°",
        dose_type="isometric_hold",
        sets_min=5,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=30,
        hold_s_max=45,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance=f"{_S1_EFFORT}; low box or chair, hip flexion 30° at most",
        days_per_week=7,
        frequency=_S1_FREQUENCY_DAILY,
        min_hours_between_sessions=0,
        progression_steps=(
            "Box height ↓ (less flexion) then ↑ to 30° max",
            "Effort ↑",
            "Progress to lifting hips slightly",
        ),
        patient_text=(
            "Lie on your back with the sore leg straight and the heel resting on a low box "
            "or chair. Press the heel down into the box as if to pull it towards you. Hold."
        ),
        mistakes=(
            "Box too high (over 30° hip flexion)",
            "Bending the knee",
            "Pushing through the back",
        ),
    ),
    # Sets/hold/days from the table; rest and effort from 1.3 [D: Rio 2015].
    ExerciseSpec(
        code="S1-05",
        name="Standing isometric hip extension (knee straight)",
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=0,
        hip_flexion_text="0°",
        dose_type="isometric_hold",
        sets_min=5,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=30,
        hold_s_max=45,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance=f"{_S1_EFFORT}; strap or band around the ankle, anchored behind",
        days_per_week=7,
        frequency=_S1_FREQUENCY_DAILY,
        min_hours_between_sessions=0,
        progression_steps=(
            "Effort ↑",
            "Stand on the other leg only",
            "Band behind the thigh at a higher load",
        ),
        patient_text=(
            "Stand tall facing a wall, with a strap or band around the back of your ankle "
            "anchored behind you. Push the leg backwards against it without moving. Keep the "
            "trunk upright."
        ),
        mistakes=(
            "Leaning forward",
            "Arching the back",
            "Bending the knee",
        ),
    ),
    # Sets/hold/days from the table; rest from 1.3 [D: Rio 2015]. "Slight extension" has no
    # number in PROTOCOL: -10° is assumed, as in S2-08 (informational, the stage check uses
    # hip_flexion_max_deg only).
    ExerciseSpec(
        code="S1-06",
        name="Prone hip-extension hold (leg-lift hold)",
        stage_min=1,
        stage_max=1,
        hip_flexion_min_deg=-10,
        hip_flexion_max_deg=0,
        hip_flexion_text="0° → slight extension",
        dose_type="isometric_hold",
        sets_min=3,
        sets_max=5,
        reps_min=None,
        reps_max=None,
        hold_s_min=20,
        hold_s_max=30,
        rest_s=60,
        rest_s_max=120,
        tempo="",
        load_guidance="Bodyweight (the leg's own weight); add an ankle weight to progress",
        days_per_week=7,
        frequency=_S1_FREQUENCY_DAILY,
        min_hours_between_sessions=0,
        progression_steps=("Add an ankle weight", "Longer hold"),
        patient_text=(
            "Lie on your front. Tighten your buttock and lift the straight leg a few "
            "centimetres. Hold without twisting."
        ),
        mistakes=(
            "Lifting too high with the lumbar spine",
            "Rolling the pelvis",
        ),
    ),
    # ---- 2.2 Stage 2: isotonic HSR, minimal hip flexion (≤45° [CFG]) ---------------------
    # HSR template [S: Kongsgaard/Beyer ladder; Goom ~15RM → ~8RM]; 48 h = non-consecutive days.
    ExerciseSpec(
        code="S2-07",
        name="Prone (lying) leg curl: machine, cable or band",
        stage_min=2,
        stage_max=2,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=15,  # 0° flat; ≤15° on angled benches (the worst case counts).
        hip_flexion_text="0° (≤15° on angled benches)",
        dose_type="hsr",
        sets_min=3,
        sets_max=4,
        reps_min=8,
        reps_max=15,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance=f"{_HSR_LADDER}; single-leg sets for the affected side",
        days_per_week=3,
        frequency=_HSR_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=(
            "Move down the RM ladder",
            "When all reps are done with pain ≤3 and no 24-h rise, add ~5% load",
        ),
        patient_text=(
            "Lie face down with the pad just above your heels. Curl your heels towards your "
            "bottom over 3 seconds and lower them over 3 seconds."
        ),
        mistakes=(
            "Hips lifting off the pad",
            "Jerking",
            "Using a seated curl machine (hip ~90°)",
        ),
    ),
    # HSR template [S: Kongsgaard/Beyer ladder; Goom ~15RM → ~8RM].
    ExerciseSpec(
        code="S2-08",
        name="Standing cable/band hip extension, knee straight",
        stage_min=2,
        stage_max=2,
        hip_flexion_min_deg=-10,
        hip_flexion_max_deg=20,
        hip_flexion_text="~20° → −10°",
        dose_type="hsr",
        sets_min=3,
        sets_max=4,
        reps_min=8,
        reps_max=15,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance=_HSR_LADDER,
        days_per_week=3,
        frequency=_HSR_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=("RM ladder", "Slower lowering"),
        patient_text=(
            "Stand tall holding a support, with a cable or band at your ankle. Push the "
            "straight leg back behind you over 3 seconds, then return slowly."
        ),
        mistakes=(
            "Tipping the trunk forward (adds flexion)",
            "Arching the back at the end",
        ),
    ),
    # HSR template [S: Kongsgaard/Beyer ladder; Goom ~15RM → ~8RM].
    ExerciseSpec(
        code="S2-09",
        name="Isotonic bridge (double → single leg, floor → low step)",
        stage_min=2,
        stage_max=2,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=40,
        hip_flexion_text="~40° → 0°",
        dose_type="hsr",
        sets_min=3,
        sets_max=4,
        reps_min=8,
        reps_max=15,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance=f"{_HSR_LADDER}; load with a plate or dumbbell on the hips",
        days_per_week=3,
        frequency=_HSR_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=(
            "Two legs",
            "Single leg",
            "Heel on a 10–30 cm step (longer lever)",
            "Add load",
        ),
        patient_text=(
            "Lie on your back with knees bent. Push through your heel(s) to lift the hips "
            "over 3 seconds, then lower over 3 seconds."
        ),
        mistakes=(
            "Pushing through the toes",
            "Low-back arch",
            "Hips rotating on single-leg reps",
        ),
    ),
    # Dose from the table (no tag); 48 h because stage-2 isotonic sessions fall on
    # non-consecutive days (PROTOCOL 1.1 [S: Kongsgaard 2009; Beyer 2015]).
    ExerciseSpec(
        code="S2-10",
        name="Sliding leg curl (hamstring slider)",
        stage_min=2,
        stage_max=2,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=20,
        hip_flexion_text="0–20°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=None,
        tempo="",
        load_guidance="Bodyweight; slide out over 3 s",
        days_per_week=2,
        frequency="2–3 days/week",
        min_hours_between_sessions=48,
        progression_steps=(
            "Both legs out and in",
            "Both out, one in",
            "Single leg",
        ),
        patient_text=(
            "Lie on your back with heels on sliders or a towel and hips lifted. Slowly slide "
            "your heels away until the legs are almost straight, then pull them back under "
            "you. Keep the hips up."
        ),
        mistakes=(
            "Hips sagging to the floor",
            "Sliding out faster than you can control",
            "Pain above 3 at full extension",
        ),
    ),
    # Start ≥14 days into stage 2, at most 2x/week [CFG, PROTOCOL 1.4]; assisted Nordic as a
    # gentler introduction [S: Goom, running-physio summary].
    ExerciseSpec(
        code="S2-11",
        name="Assisted Nordic hamstring curl (band or gym-ball)",
        stage_min=2,
        stage_max=2,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=0,
        hip_flexion_text="~0° (hips kept straight)",
        dose_type="reps",
        sets_min=2,
        sets_max=3,
        reps_min=3,
        reps_max=6,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=None,
        tempo="",
        load_guidance=(
            "Band or gym-ball assistance; lower over 3–5 s; start no earlier than 14 days "
            "into stage 2"
        ),
        days_per_week=2,
        frequency="2 days/week, not on consecutive days; from day 14 of stage 2",
        min_hours_between_sessions=48,
        progression_steps=("Less assistance", "More range", "Reps up to 8"),
        patient_text=(
            "Kneel with your ankles held. Keep a straight line from knees to shoulders and "
            "slowly lean forward, resisting with the backs of your thighs. Catch yourself "
            "with your hands and push back up."
        ),
        mistakes=(
            "Bending at the hips (bottom sticks out)",
            "Dropping quickly at the end",
            "Doing it before basic strength is there",
        ),
    ),
    # ---- 2.3 Stage 3: isotonic load in hip flexion (to 70-90° [S brief/Goom]) -------------
    # Dose HSR style [D, PROTOCOL 1.5]; depth before load [CFG]; 3x/wk non-consecutive [D].
    ExerciseSpec(
        code="S3-12",
        name="Romanian deadlift (barbell/dumbbells)",
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=90,
        hip_flexion_text="0 → ~45° → 70–90°",
        dose_type="hsr",
        sets_min=3,
        sets_max=4,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance=(
            "12RM → 8RM; progress depth before load: bar to the knee (~45°), then to mid-shin "
            "(~70–90°), and only then add load"
        ),
        days_per_week=3,
        frequency=_S3_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=("Depth first: bar to knee → mid-shin", "Then load +5%"),
        patient_text=(
            "Stand tall with soft knees. Push your hips back with a flat back and slide the "
            "weights down your thighs until you feel the backs of your legs working (pain no "
            "more than 3). Drive your hips forward to stand up."
        ),
        mistakes=(
            "Rounding the back",
            "Turning it into a squat",
            "Going deeper than prescribed",
            "Bouncing at the bottom",
        ),
    ),
    # Dose from the table; rest from the stage-3 dose (2-3 min) [D, PROTOCOL 1.5].
    ExerciseSpec(
        code="S3-13",
        name='Single-leg RDL / "diver" / arabesque',
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=90,
        hip_flexion_text="0 → 70–90°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance="Each leg; light dumbbell in the opposite hand",
        days_per_week=3,
        frequency=_S3_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=(
            "Hand support → free-standing",
            "Bodyweight → dumbbell",
            "Depth ↑",
        ),
        patient_text=(
            "Balance on the sore leg with a slight knee bend. Tip forward like a diver while "
            "the other leg reaches straight back, keeping hips level. Return slowly."
        ),
        mistakes=(
            "Free-leg hip rotating open",
            "Standing knee locked or over-bent",
            "Losing balance (use a wall)",
        ),
    ),
    # Dose from the table [D, PROTOCOL 1.5]. The table gives the front hip's depth, ~70-90°.
    ExerciseSpec(
        code="S3-14",
        name="Walking lunge",
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=70,
        hip_flexion_max_deg=90,
        hip_flexion_text="front hip ~70–90°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=10,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=None,
        tempo="",
        load_guidance="Each leg; bodyweight → dumbbells",
        days_per_week=2,
        frequency="2–3 days/week on non-consecutive days",
        min_hours_between_sessions=48,
        progression_steps=(
            "Static split squat",
            "Reverse lunge",
            "Walking lunge",
            "Longer step / slight forward lean",
            "Load",
        ),
        patient_text=(
            "Step forward and lower until both knees are bent to about a right angle, trunk "
            "upright. Push through the front heel and step into the next lunge."
        ),
        mistakes=(
            "Big forward lean too early",
            "Knee drifting inward",
            "Over-long strides before you are ready",
        ),
    ),
    # Dose from the table [D, PROTOCOL 1.5]; rest 2-3 min from 1.5. The table says ~60-100°,
    # but it is prescribed with the front thigh no lower than parallel, so the maximum is 90°
    # (PROTOCOL section 2, last paragraph).
    ExerciseSpec(
        code="S3-15",
        name="Split squat → rear-foot-elevated split squat",
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=60,
        hip_flexion_max_deg=90,
        hip_flexion_text="front hip ~60–100°",
        dose_type="hsr",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance="Each leg; 12RM → 8RM; front thigh no lower than parallel",
        days_per_week=3,
        frequency=_S3_FREQUENCY,
        min_hours_between_sessions=48,
        progression_steps=("Depth", "Then load", "Then rear-foot elevation"),
        patient_text=(
            "Stand in a long split stance. Lower straight down until the back knee nearly "
            "touches the floor, then push up through the front heel."
        ),
        mistakes=(
            "Front heel lifting",
            "Trunk collapsing forward",
            "Back knee slamming down",
        ),
    ),
    # Dose from the table [D, PROTOCOL 1.5]; rest 2-3 min from 1.5.
    ExerciseSpec(
        code="S3-16",
        name="45° hip extension (back-extension bench), hamstring bias",
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=90,
        hip_flexion_text="0 → 70–90°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance="Bodyweight; hold a plate to progress",
        days_per_week=2,
        frequency="2 days/week on non-consecutive days",
        min_hours_between_sessions=48,
        progression_steps=("Range ↑", "Hold a plate"),
        patient_text=(
            "With hips on the pad, lower your trunk by bending at the hips with your back "
            "flat, then lift back up using your buttocks and hamstrings."
        ),
        mistakes=("Bending and arching through the low back instead of the hips",),
    ),
    # Dose from the table [D, PROTOCOL 1.5]; rest 2-3 min from 1.5.
    ExerciseSpec(
        code="S3-17",
        name="Bench-supported hip thrust (gluteal support)",
        stage_min=3,
        stage_max=3,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=70,
        hip_flexion_text="~70° → 0°",
        dose_type="hsr",
        sets_min=3,
        sets_max=4,
        reps_min=8,
        reps_max=12,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=180,
        tempo="3-0-3-0",
        load_guidance="12RM → 8RM",
        days_per_week=2,
        frequency="2 days/week on non-consecutive days",
        min_hours_between_sessions=48,
        progression_steps=("Two legs → single leg", "Load"),
        patient_text=(
            "Upper back on a bench, feet flat. Drive the hips up until the body is level, "
            "squeeze the buttocks, lower slowly."
        ),
        mistakes=(
            "Over-arching at the top",
            "Feet too far away (turns it into a hamstring cramp)",
        ),
    ),
    # ---- 2.4 Stage 4: energy storage & release ------------------------------------------
    # Plyometric day every third day, ≥72 h apart [S brief/Goom; rationale Magnusson 2010].
    # Volume or intensity (never both) +≤10-20% per session [CFG, PROTOCOL 1.6].
    ExerciseSpec(
        code="S4-18",
        name="Kettlebell swing",
        stage_min=4,
        stage_max=4,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=90,
        hip_flexion_text="0 → 70–90° (ballistic hinge)",
        dose_type="plyometric",
        sets_min=3,
        sets_max=4,
        reps_min=10,
        reps_max=15,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=90,
        rest_s_max=None,
        tempo="",
        load_guidance="Light bell (e.g. 8–16 kg)",
        days_per_week=2,
        frequency=_PLYO_FREQUENCY,
        min_hours_between_sessions=72,
        progression_steps=("Volume first (sets/reps)", "Then bell weight (+4 kg)"),
        patient_text=(
            "Stand with feet wide. Hinge at the hips and hike the bell back between your "
            "legs, then snap the hips forward so the bell floats to chest height. Arms are "
            "just hooks."
        ),
        mistakes=(
            "Squatting instead of hinging",
            "Lifting with the arms",
            "Rounding the back",
            "Leaning back at the top",
        ),
        plyometric=True,
    ),
    # Every third day [S brief/Goom; Magnusson 2010].
    ExerciseSpec(
        code="S4-19",
        name="Alternating split-squat jumps",
        stage_min=4,
        stage_max=4,
        hip_flexion_min_deg=70,
        hip_flexion_max_deg=90,
        hip_flexion_text="front hip ~70–90°",
        dose_type="plyometric",
        sets_min=2,
        sets_max=3,
        reps_min=6,
        reps_max=8,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=120,
        rest_s_max=None,
        tempo="",
        load_guidance="Bodyweight; 6–8 each leg",
        days_per_week=2,
        frequency=_PLYO_FREQUENCY,
        min_hours_between_sessions=72,
        progression_steps=(
            "Split squat + calf raise (no flight)",
            "Small hops",
            "Full switch jumps",
            "More height",
        ),
        patient_text=(
            "From a split stance, jump up and swap legs in the air. Land softly in the "
            "opposite split and go again."
        ),
        mistakes=(
            "Stiff, noisy landings",
            "Knee caving in",
            "Carrying on when tired",
        ),
        plyometric=True,
    ),
    # Every third day [S brief/Goom; Magnusson 2010]. "3-4 x 15-20 m": 3-4 sets, each one
    # run of bounds over the distance; the rest is a walk back, with no number in PROTOCOL.
    ExerciseSpec(
        code="S4-20",
        name="Bounding",
        stage_min=4,
        stage_max=4,
        hip_flexion_min_deg=60,
        hip_flexion_max_deg=80,
        hip_flexion_text="~60–80° in swing",
        dose_type="plyometric",
        sets_min=3,
        sets_max=4,
        reps_min=None,
        reps_max=None,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance=(
            "Each set one run of bounds over 15–20 m, building to 30–40 m; walk-back rest"
        ),
        days_per_week=2,
        frequency=_PLYO_FREQUENCY,
        min_hours_between_sessions=72,
        progression_steps=(
            "Skipping",
            "Low bounds",
            "Longer bounds",
            "Bounds for distance",
        ),
        patient_text=(
            'Run with long, springy strides, pushing off hard and "floating" between steps. '
            "Land under your body."
        ),
        mistakes=(
            "Reaching far ahead with the foot (overstriding)",
            "Doing it fatigued",
        ),
        plyometric=True,
    ),
    # Every third day [S brief/Goom; Magnusson 2010]. "4-6 x 60-80 m": 4-6 build-ups, the
    # distance and effort in load_guidance; jog-back recovery has no number in PROTOCOL.
    ExerciseSpec(
        code="S4-21",
        name="Running build-ups / acceleration progression (+ A-skip drills)",
        stage_min=4,
        stage_max=4,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=90,
        hip_flexion_text="up to ~70–90° in swing",
        dose_type="plyometric",
        sets_min=4,
        sets_max=6,
        reps_min=None,
        reps_max=None,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance=(
            "Each build-up 60–80 m at 60 → 70 → 80 → 90% effort; jog-back recovery; "
            "plus A-skip drills"
        ),
        days_per_week=2,
        frequency=_PLYO_FREQUENCY,
        min_hours_between_sessions=72,
        progression_steps=(
            "Raise effort by ~10% per plyometric session if the next-morning pain is no worse",
        ),
        patient_text=(
            "Start jogging and smoothly speed up over the distance, then ease off. Stay tall "
            "and relaxed."
        ),
        mistakes=(
            "Going straight to flat-out sprints",
            "Hill sprints too early (more hip flexion)",
            "Long overstrides",
        ),
        plyometric=True,
    ),
    # Every third day [S brief/Goom; Magnusson 2010]; the entry plyometric.
    ExerciseSpec(
        code="S4-22",
        name="Single-leg forward hops (entry plyometric)",
        stage_min=4,
        stage_max=4,
        hip_flexion_min_deg=20,
        hip_flexion_max_deg=60,
        hip_flexion_text="~20–60°",
        dose_type="plyometric",
        sets_min=2,
        sets_max=3,
        reps_min=8,
        reps_max=10,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=90,
        rest_s_max=None,
        tempo="",
        load_guidance="Bodyweight; 8–10 each leg",
        days_per_week=2,
        frequency=_PLYO_FREQUENCY,
        min_hours_between_sessions=72,
        progression_steps=("Hop-and-stick", "Continuous hops", "Longer hops"),
        patient_text=(
            "Hop forward on one leg, land softly with a bent knee, steady yourself, and repeat."
        ),
        mistakes=(
            "Landing with a straight knee",
            "Trunk swaying",
        ),
        plyometric=True,
    ),
    # ---- 2.5 Supporting gluteal and trunk work (all stages; 2-5 d/wk) ---------------------
    # Goom (via the brief) stresses glute, trunk and single-leg work; the doses carry no tag.
    ExerciseSpec(
        code="SUP-23",
        name="Side plank (± top-leg lift)",
        stage_min=1,
        stage_max=4,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=0,
        hip_flexion_text="0°",
        dose_type="timed",
        sets_min=3,
        sets_max=3,
        reps_min=None,
        reps_max=None,
        hold_s_min=20,
        hold_s_max=45,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance="Bodyweight; each side",
        days_per_week=2,
        frequency=_SUP_FREQUENCY,
        min_hours_between_sessions=0,
        progression_steps=("Knees", "Feet", "Top-leg abduction"),
        patient_text=(
            "Lie on your side on your forearm. Lift your hips so your body is straight. Hold."
        ),
        mistakes=(
            "Hips sagging or piking",
            "Shoulder shrugging",
        ),
        supporting=True,
    ),
    ExerciseSpec(
        code="SUP-24",
        name="Banded lateral walk / standing hip hitch",
        stage_min=1,
        stage_max=4,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=20,
        hip_flexion_text="0–20°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=10,
        reps_max=15,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance="Band above the knees; 10–15 steps each way",
        days_per_week=2,
        frequency=_SUP_FREQUENCY,
        min_hours_between_sessions=0,
        progression_steps=("Band tension ↑", "Band lower on the leg"),
        patient_text=(
            "Band above the knees. Half-squat slightly and take controlled side steps without "
            "letting the feet snap together."
        ),
        mistakes=(
            "Feet dragging",
            "Trunk swaying",
            "Knees collapsing in",
        ),
        supporting=True,
    ),
    ExerciseSpec(
        code="SUP-25",
        name="Pallof press (standing / half-kneeling)",
        stage_min=1,
        stage_max=4,
        hip_flexion_min_deg=0,
        hip_flexion_max_deg=0,
        hip_flexion_text="0°",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=10,
        reps_max=10,
        hold_s_min=3,
        hold_s_max=3,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance="Band; each side",
        days_per_week=2,
        frequency=_SUP_FREQUENCY,
        min_hours_between_sessions=0,
        progression_steps=("Band tension ↑", "Narrower stance"),
        patient_text=(
            "Stand side-on to a band anchor. Hold the band at your chest and press it straight "
            "out, resisting being turned. Bring it back slowly."
        ),
        mistakes=(
            "Letting the trunk rotate",
            "Holding the breath",
        ),
        supporting=True,
    ),
    # ~90° hip flexion, but knee bent (hamstring slack) and unloaded: supporting, so exempt
    # from the stage check (PROTOCOL section 2, last paragraph). The 90° is kept as recorded.
    ExerciseSpec(
        code="SUP-26",
        name="Dead bug",
        stage_min=1,
        stage_max=4,
        hip_flexion_min_deg=90,
        hip_flexion_max_deg=90,
        hip_flexion_text="~90° with the knee bent (hamstring slack, unloaded)",
        dose_type="reps",
        sets_min=3,
        sets_max=3,
        reps_min=8,
        reps_max=10,
        hold_s_min=None,
        hold_s_max=None,
        rest_s=None,
        rest_s_max=None,
        tempo="",
        load_guidance="Bodyweight; each side",
        days_per_week=2,
        frequency=_SUP_FREQUENCY,
        min_hours_between_sessions=0,
        progression_steps=("Slower", "Add a band or weight"),
        patient_text=(
            "Lie on your back, arms up and knees over hips. Slowly lower the opposite arm and "
            "leg without letting your back lift off the floor."
        ),
        mistakes=(
            "Back arching",
            "Moving too fast",
            "Drop the exercise if it reproduces ischial pain",
        ),
        supporting=True,
    ),
)

BY_CODE: dict[str, ExerciseSpec] = {spec.code: spec for spec in LIBRARY}


# ---- Stage safety ----------------------------------------------------------------------

# Maximum hip flexion under load per stage, in degrees; None = no limit.
# PROTOCOL 1.1 and section 2 (last paragraph): stage 1 ≤30° [S brief; D], stage 2 ≤45° [CFG],
# stage 3 70-90° [S brief/Goom], stage 4 sport-specific, no limit.
STAGE_HIP_FLEXION_LIMIT: dict[int, int | None] = {1: 30, 2: 45, 3: 90, 4: None}


class SpecLike(Protocol):
    """What the stage check needs: a library spec, or a clinic-defined exercise row."""

    @property
    def name(self) -> str: ...

    @property
    def hip_flexion_max_deg(self) -> int | None: ...

    @property
    def supporting(self) -> bool: ...


class StagedSpecLike(SpecLike, Protocol):
    @property
    def stage_min(self) -> int: ...

    @property
    def stage_max(self) -> int: ...


def _require_stage(stage: int) -> None:
    if stage not in STAGES:
        raise ValueError(f"stage must be one of 1-4, not {stage!r}")


def check_stage_safety(spec_like: SpecLike, stage: int) -> str | None:
    """Return why ``spec_like`` may not be loaded in ``stage``, or None if it may.

    PROTOCOL section 2: refuse an exercise whose ``hip_flexion_max_deg`` exceeds the stage
    limit (30° / 45° / 90° / none). Supporting exercises do not load the hamstring in hip
    flexion and are exempt. An exercise with no upper bound recorded is refused wherever a
    limit applies, because it cannot be shown to stay under it.
    """
    _require_stage(stage)
    limit = STAGE_HIP_FLEXION_LIMIT[stage]
    if limit is None or spec_like.supporting:
        return None
    reach = spec_like.hip_flexion_max_deg
    if reach is None:
        return (
            f"{spec_like.name} has no upper hip flexion limit recorded; "
            f"stage {stage} allows at most {limit}°."
        )
    if reach > limit:
        return (
            f"{spec_like.name} reaches {reach}° hip flexion; stage {stage} allows at most {limit}°."
        )
    return None


#: Exercises that start some days into a stage, not at its start: code -> (stage, first day).
#: [CFG] PROTOCOL 1.4 and 2.2: the assisted Nordic curl starts no earlier than 14 days into
#: stage 2. Days are calendar days since the stage entry date (PROTOCOL 3.1).
START_DAY_IN_STAGE: dict[str, tuple[int, int]] = {"S2-11": (2, 14)}


def check_stage_use(spec: StagedSpecLike, stage: int) -> str | None:
    """Return why ``spec`` may not be prescribed in ``stage``, or None if it may.

    An exercise may be used in a stage if the stage is within ``stage_min..stage_max``, or
    if the exercise comes from an earlier stage (``stage_max < stage``) and passes the
    stage's hip-flexion limit. Earlier-stage exercises are how PROTOCOL 3.5 keeps 1-2
    tolerated exercises as a "bridge" after PROGRESS, and how stage 4 keeps HSR from the
    stage-3 list on non-plyometric days (PROTOCOL 1.6). An exercise from a later stage is
    refused even if its hip angle is within the limit: stage 1 is holds only, and heavy
    lifting or plyometrics must wait for their stage's gate.
    """
    _require_stage(stage)
    if stage < spec.stage_min:
        return (
            f"{spec.name} belongs to stage {spec.stage_min}; "
            f"it cannot be prescribed in stage {stage}."
        )
    return check_stage_safety(spec, stage)


# ---- Default programme per stage ---------------------------------------------------------

# The exercises a new stage starts with, at their default doses; the clinician adds, swaps
# or removes from there. Every entry passes check_stage_use for its stage (tested).
#
# Stage 1: the four holds PROTOCOL 1.3 names (isometric leg curl / heel press, bridge hold,
#   straight-leg heel pull-down on a box, standing hip-extension hold), plus side plank and
#   Pallof press: trunk work with the hip at 0°, nothing that moves an irritable tendon.
# Stage 2: the three HSR exercises S2-07..S2-09 and the slider curl S2-10, plus side plank
#   and lateral walk. The assisted Nordic S2-11 is left out: it starts no earlier than 14
#   days into stage 2 (PROTOCOL 1.4 [CFG]), so the clinician adds it at a review.
# Stage 3: Romanian deadlift (heavy two-leg hinge), single-leg RDL (the hinge half of gate
#   G3, single-leg bias per PROTOCOL 1.5), split squat (the first step of the lunge pattern
#   in gate G3; the walking lunge S3-14 is its next step), hip thrust (gluteal support),
#   plus lateral walk and dead bug (hip flexion is now allowed, so the dead bug's 90° is no
#   concern).
# Stage 4: the entry plyometric (hops), kettlebell swing, bounding and build-ups (the last
#   two train what gate G4 tests: bounds and accelerations); split-squat jumps are added
#   when the sport needs them. Plus two HSR exercises from the stage-3 list for the
#   non-plyometric days (PROTOCOL 1.6: HSR 2x/week [CFG], see STAGE4_HSR_DAYS_PER_WEEK),
#   and side plank and lateral walk (trunk and hip control for landings).
# A PROGRESS "bridge" (PROTOCOL 3.5) is per patient, chosen from what they tolerated, so
# it is not part of these templates.
STAGE_TEMPLATES: dict[int, tuple[str, ...]] = {
    1: ("S1-01", "S1-03", "S1-04", "S1-05", "SUP-23", "SUP-25"),
    2: ("S2-07", "S2-08", "S2-09", "S2-10", "SUP-23", "SUP-24"),
    3: ("S3-12", "S3-13", "S3-15", "S3-17", "SUP-24", "SUP-26"),
    4: ("S4-18", "S4-20", "S4-21", "S4-22", "S3-12", "S3-15", "SUP-23", "SUP-24"),
}

# In stage 4 the stage-3 HSR exercises drop from 3 to 2 days a week, on non-plyometric
# days [CFG, PROTOCOL 1.1/1.6]. The same 2x/week holds for the maintenance programme after
# a stage-3 COMPLETE [CFG, PROTOCOL 1.5].
STAGE4_HSR_DAYS_PER_WEEK = 2
# A plan built from the template after the programme is completed is the maintenance
# programme (rehab.plans.create_from_template): its note, and the note in the patient's words.
MAINTENANCE_NOTE = (
    "Maintenance programme after completing the programme: strength exercises twice a week "
    "(PROTOCOL 1.5 [CFG])."
)
MAINTENANCE_NOTE_PLAIN = (
    "You have finished your programme. Keep doing these strength exercises twice a week, "
    "never two days in a row, to keep your tendon strong."
)


# ---- Patient-facing text -------------------------------------------------------------------


class StageInfo(TypedDict):
    name: str
    goal_plain: str
    advice: tuple[str, ...]


# Plain language for the printed programme (UX.md: reading age about 11, no unexplained
# abbreviations). Drawn from PROTOCOL 1.1-1.6.
STAGE_INFO: dict[int, StageInfo] = {
    1: {
        "name": "Stage 1: Calm the pain",
        "goal_plain": (
            "Calm the sore tendon down. You push against something that does not move and "
            "hold still. Your hip stays almost straight, so the tendon is not squashed."
        ),
        "advice": (
            STAGE1_EFFORT_ADVICE,
            "The box next to each drawing says how long to hold, how long to rest, and how "
            "many times a day and days a week. Do what your box says.",
            "Try not to sit for long spells. Get up and move about often.",
            "Sit on a cushion or a softer seat.",
            "Do not stretch the back of your thigh by bending forward, for example to touch "
            "your toes.",
            "Cut back on hills, fast running and long strides for now.",
            "You can keep doing things that feel all right, as long as you follow the pain rule.",
        ),
    },
    2: {
        "name": "Stage 2: Build strength, slowly",
        "goal_plain": (
            "Make the muscles at the back of your thigh and your buttock stronger. You lift "
            "and lower a heavy weight slowly. Your hip still stays fairly straight."
        ),
        "advice": (
            "Count 3 seconds to lift and 3 seconds to lower on every repeat.",
            "Start with a weight you could lift about 15 times. Over the weeks make it "
            "heavier, until you can only lift it about 8 times.",
            "Rest 2 to 3 minutes between sets.",
            "Do each exercise on as many days a week as its box says, with a rest day in "
            "between: never two days in a row.",
            "Do not use a leg-curl machine you sit on. It bends your hip too much for now.",
            "Keep breaking up long spells of sitting, and keep using a cushion.",
        ),
    },
    3: {
        "name": "Stage 3: Strength with your hip bent",
        "goal_plain": (
            "Get strong in the positions you use in sport and daily life: bending forward, "
            "lunging and standing on one leg. Your hip now bends more, up to about a right "
            "angle."
        ),
        "advice": (
            "Go deeper first. Only add weight once the deeper position feels fine.",
            "Only go as deep as your physio showed you.",
            "Do plenty of work on one leg at a time. The sore side is often the weaker one.",
            "Do each exercise on as many days a week as its box says, with a rest day in "
            "between: never two days in a row.",
            "Rest 2 to 3 minutes between sets.",
        ),
    },
    4: {
        "name": "Stage 4: Spring and speed",
        "goal_plain": (
            "Get the tendon ready for running, jumping and sprinting again. These quick, "
            "springy exercises put the most load on the tendon, so they need the most rest."
        ),
        "advice": (
            "Do the jumping and running exercises only every third day, for example Monday, "
            "Thursday, Sunday. Leave 2 days in between, so there are 3 days (72 hours) from "
            "one jumping day to the next.",
            "On 2 other days of the week, do your strength exercises.",
            "Each jumping day, make it only a little harder than last time: a few more "
            "repeats or a bit more speed, never both.",
            "Only make it harder if your pain the next morning was no worse than usual.",
            "Leave flat-out sprints and hill sprints until your physio says so.",
        ),
    },
}

# Printed on every PDF, verbatim [D: Silbernagel 2007; Goom; CFG] (PROTOCOL section 2).
PAIN_RULE_TEXT = (
    "During exercise, mild buttock pain up to 3 out of 10 is OK. The next morning your pain "
    "should be no worse than your usual morning pain. If it is worse, or exercise pain goes "
    "above 5, do less next time and tell your physio."
)

# The same rule as a traffic light (UX.md). Bands follow PROTOCOL 3.2: EX_PAIN_OK ≤3,
# 4-5 acceptable (AMBER flag), EX_PAIN_REGRESS ≥6, and any rise in next-morning pain.
# Each band has a word as well as a colour, so nothing depends on colour alone.
PAIN_TRAFFIC_LIGHT: tuple[dict[str, str], ...] = (
    {
        "colour": "green",
        "label": "Green",
        "pain": "0 to 3 out of 10",
        "action": "Carry on.",
    },
    {
        "colour": "amber",
        "label": "Amber",
        "pain": "4 to 5 out of 10",
        "action": "Ease off: do a little less until it settles.",
    },
    {
        "colour": "red",
        "label": "Red",
        "pain": "6 or more out of 10, or worse than usual the next morning",
        "action": "Do less and call the clinic.",
    },
)


# ---- Dose adjustments (PROTOCOL 3.5) ---------------------------------------------------------

# REGRESS at stage 1 stays in stage 1 at a reduced dose [CFG, PROTOCOL 1.3].
STAGE1_REDUCED_DOSE = (
    "Stay in stage 1 at a reduced dose: shorter holds (e.g. 30 s → 20 s), lower effort "
    "(70% → 50%), fewer sets (5 → 3)."
)
STAGE1_REDUCED_DOSE_PLAIN = (
    "Make your holds easier for now: hold for 20 seconds instead of 30, push at about half "
    "effort instead of 7 out of 10, and do 3 holds instead of 5."
)

# STAY + AMBER: keep the exercises, cut load or volume by ~10-20% (or hold the current RM
# step) until exercise pain is ≤3 and the 24-h change is ≤0 [CFG, PROTOCOL 3.5].
AMBER_DOSE_REDUCTION = (10, 20)  # percent


# The name printed for the patient (UX.md: plain words, reading age about 11, no
# abbreviations such as RDL); the usual gym name follows in brackets where a patient may
# meet it elsewhere. PROTOCOL 2's names stay the clinical names.
PATIENT_NAMES: dict[str, str] = {
    "S1-01": "Heel press hold, lying on your front",
    "S1-02": "Heel dig hold, lying on your back",
    "S1-03": "Bridge hold",
    "S1-04": "Heel press on a box, leg straight",
    "S1-05": "Standing leg push back, holding still",
    "S1-06": "Leg lift hold, lying on your front",
    "S2-07": "Lying leg curl",
    "S2-08": "Standing leg push back with a band or cable",
    "S2-09": "Slow bridge lifts",
    "S2-10": "Sliding leg curl",
    "S2-11": "Kneeling lean forward, with help (Nordic curl)",
    "S3-12": "Hip bend with weights (Romanian deadlift)",
    "S3-13": "One-leg tip forward, like a diver",
    "S3-14": "Walking lunge",
    "S3-15": "Split squat",
    "S3-16": "Back raise on a bench, bending at the hips",
    "S3-17": "Hip lift with your upper back on a bench (hip thrust)",
    "S4-18": "Kettlebell swing",
    "S4-19": "Lunge jumps, changing legs",
    "S4-20": "Bounding: long, springy running strides",
    "S4-21": "Running build-ups",
    "S4-22": "One-leg hops forward",
    "SUP-23": "Side plank",
    "SUP-24": "Side steps with a band",
    "SUP-25": "Band press, without letting it turn you (Pallof press)",
    "SUP-26": "Arm and leg lowering, lying on your back (dead bug)",
}

# Alternative text of each exercise drawing as migration 0003 loaded it: the start and end
# position, in words that still said trunk, split stance, hinged, hamstrings and degrees.
# The drawings now carry ILLUSTRATION_ALT_PLAIN (below; migration 0011).
ILLUSTRATION_ALT: dict[str, str] = {
    "S1-01": (
        "Lying face down with the knee of the sore leg bent to about 45 degrees and the "
        "heel hooked under a strap fixed behind the feet. The heel pulls towards the "
        "buttock against the strap and holds still, without the leg moving."
    ),
    "S1-02": (
        "Lying on the back with the knees only slightly bent and the heels on the floor. "
        "The heel presses down into the floor and pulls towards the buttock without "
        "sliding, and holds."
    ),
    "S1-03": (
        "Start lying on the back with knees bent and feet flat. The hips are lifted until"
        " shoulders, hips and knees form a straight line, and held there."
    ),
    "S1-04": (
        "Lying on the back with the sore leg straight and its heel resting on a low box, "
        "so the hip is bent about 25 degrees, the other knee bent with the foot flat. The"
        " heel presses down into the box as if pulling it towards the body, and holds."
    ),
    "S1-05": (
        "Standing tall facing a wall with the hands on it and a strap around the back of "
        "the ankle, anchored behind. The straight leg pushes backwards into the strap and"
        " holds without moving, trunk upright."
    ),
    "S1-06": (
        "Start lying face down with the legs straight and the forehead resting on the "
        "hands. The buttock tightens and lifts the straight sore leg a few centimetres "
        "off the floor, and holds without twisting."
    ),
    "S2-07": (
        "Start lying face down on a leg-curl bench with the legs straight and the pad "
        "just above the heels. The heels curl up towards the buttocks, then lower slowly."
    ),
    "S2-08": (
        "Start standing tall holding a support, with a cable or band at the ankle and the"
        " straight leg slightly in front. The straight leg pushes back behind the body, "
        "then returns slowly."
    ),
    "S2-09": (
        "Start lying on the back with knees bent, feet flat and a weight resting on the "
        "hips. The hips lift until the body is straight from shoulders to knees, then "
        "lower slowly."
    ),
    "S2-10": (
        "Start lying on the back with the hips lifted, knees bent and heels on sliders "
        "close to the buttocks. The heels slide slowly away until the legs are almost "
        "straight while the hips stay up, then pull back in."
    ),
    "S2-11": (
        "Start kneeling upright with the ankles held by a strap and a band from behind "
        "supporting the chest. The body leans slowly forward in a straight line from "
        "knees to shoulders, resisting with the backs of the thighs, hands ready to "
        "catch."
    ),
    "S3-12": (
        "Start standing tall with soft knees, holding the weights in front of the thighs."
        " The hips push back with a flat back until the weights reach just below the "
        "knees, shins almost vertical, then the hips drive forward to stand up."
    ),
    "S3-13": (
        "Start balancing on the sore leg with a slight knee bend and a light dumbbell in "
        "the opposite hand. The trunk tips forward like a diver while the other leg "
        "reaches straight back, level with the trunk, then returns slowly."
    ),
    "S3-14": (
        "Start standing tall with the feet together and hands on the hips. One leg steps "
        "forward and both knees bend to about a right angle with the trunk upright, back "
        "knee just off the floor, then the next step goes into the following lunge."
    ),
    "S3-15": (
        "Start standing tall in a long split stance, hands on the hips. The body lowers "
        "straight down until the back knee nearly touches the floor, front thigh no lower"
        " than level, then pushes back up through the front heel."
    ),
    "S3-16": (
        "Start on a 45 degree back-extension bench with the hips on the pad, ankles under"
        " the roller and the body in a straight line. The trunk lowers by bending at the "
        "hips with a flat back, then lifts back up using the buttocks and hamstrings."
    ),
    "S3-17": (
        "Start with the upper back against a bench, feet flat, a barbell across the hips "
        "and the hips low. The hips drive up until the body is level from shoulders to "
        "knees with the shins vertical, then lower slowly."
    ),
    "S4-18": (
        "Start hinged at the hips with a flat back and the kettlebell hiked back between "
        "the legs. The hips snap forward to standing so the bell floats up to chest "
        "height on straight arms."
    ),
    "S4-19": (
        "Start low in a split stance. The body jumps straight up and the legs swap in the"
        " air, landing softly in the opposite split."
    ),
    "S4-20": (
        "Start pushing off hard from the back foot. The body floats forward in a long "
        "springy stride with the front knee driven up, before landing under the body."
    ),
    "S4-21": (
        "Start jogging tall and relaxed with short strides. Speed builds smoothly over "
        "the distance into long, fast running strides, then eases off."
    ),
    "S4-22": (
        "Start standing on one leg with the other knee bent behind. The body hops forward"
        " on the same leg and lands softly with a bent knee, then steadies before the "
        "next hop."
    ),
    "SUP-23": (
        "Seen from the front: start lying on the side propped on the forearm, elbow under"
        " the shoulder, top hand on the hip and hips on the floor. The hips lift until "
        "the body is straight from head to feet, and hold."
    ),
    "SUP-24": (
        "Seen from the front: start in a slight half-squat with a band around both legs "
        "just above the knees and the feet hip-width apart. One foot steps out to the "
        "side against the band without the feet snapping together."
    ),
    "SUP-25": (
        "Seen from the side: standing side-on to a band anchored at chest height to a post"
        " beside the body, both hands hold the band at the chest. The hands press straight "
        "out in front of the chest, resisting being turned towards the anchor, then come "
        "back slowly."
    ),
    "SUP-26": (
        "Start lying on the back with the arms pointing up and the hips and knees bent to"
        " a right angle. The opposite arm and leg lower slowly towards the floor without "
        "the back lifting, the arm overhead and the leg straight."
    ),
}


# The alternative text of each exercise drawing in the patient's words (UX.md: reading age
# about 11), as PATIENT_INSTRUCTIONS says the how-to: the start position (drawn faint) and
# the end position (drawn solid), with no trunk, split stance, hinge, hamstrings or degrees.
# Exercise.illustration_alt holds it (migration 0011), the programme's <img> carries it
# (WeasyPrint prints it where a drawing cannot be shown), and static/exercises/<code>.svg
# has it as its <desc> (and the patient's name of the exercise as its <title>).
ILLUSTRATION_ALT_PLAIN: dict[str, str] = {
    "S1-01": (
        "Lying face down, with the knee of the sore leg partly bent and the heel hooked "
        "under a strap fixed behind the feet. The heel pulls towards the buttock against "
        "the strap and holds still, without the leg moving."
    ),
    "S1-02": (
        "Lying on the back with the knees only slightly bent and the heels on the floor. "
        "The heel presses down into the floor and pulls towards the buttock without "
        "sliding, and holds."
    ),
    "S1-03": (
        "Start lying on the back with the knees bent and the feet flat. The hips lift until "
        "the shoulders, hips and knees are in a straight line, and hold there."
    ),
    "S1-04": (
        "Lying on the back with the sore leg straight and its heel resting on a low box, so "
        "the hip bends only a little. The other knee is bent with the foot flat. The heel "
        "presses down into the box as if pulling it towards the body, and holds."
    ),
    "S1-05": (
        "Standing tall facing a wall, with the hands on it and a strap around the back of "
        "the ankle, fixed behind. The straight leg pushes backwards into the strap and "
        "holds without moving, with the upper body upright."
    ),
    "S1-06": (
        "Start lying face down with the legs straight and the forehead resting on the "
        "hands. The buttock tightens and lifts the straight sore leg a few centimetres off "
        "the floor, and holds without twisting."
    ),
    "S2-07": (
        "Start lying face down on a leg-curl bench with the legs straight and the pad just "
        "above the heels. The heels curl up towards the buttocks, then lower slowly."
    ),
    "S2-08": (
        "Start standing tall holding a support, with a cable or band at the ankle and the "
        "straight leg slightly in front. The straight leg pushes back behind the body, then "
        "comes back slowly."
    ),
    "S2-09": (
        "Start lying on the back with the knees bent, the feet flat and a weight resting on "
        "the hips. The hips lift until the body is straight from the shoulders to the "
        "knees, then lower slowly."
    ),
    "S2-10": (
        "Start lying on the back with the hips lifted, the knees bent and the heels on "
        "sliders close to the buttocks. The heels slide slowly away until the legs are "
        "almost straight while the hips stay up, then pull back in."
    ),
    "S2-11": (
        "Start kneeling upright with the ankles held down by a strap, and a band from behind "
        "round the chest to help. The body leans slowly forward in a straight line from the "
        "knees to the shoulders, held back by the backs of the thighs, with the hands ready "
        "to catch."
    ),
    "S3-12": (
        "Start standing tall with the knees slightly bent, holding the weights in front of "
        "the thighs. The hips push back with a flat back until the weights are just below "
        "the knees, with the shins almost upright. Then the hips push forward to stand up."
    ),
    "S3-13": (
        "Start balancing on the sore leg with the knee slightly bent and a light dumbbell "
        "in the other hand. The upper body tips forward like a diver while the other leg "
        "reaches straight back, level with the upper body, then comes back slowly."
    ),
    "S3-14": (
        "Start standing tall with the feet together and the hands on the hips. One leg steps "
        "forward and both knees bend to about a right angle, with the upper body upright "
        "and the back knee just off the floor. The next step goes into the next lunge."
    ),
    "S3-15": (
        "Start standing tall with one foot a long step in front of the other, hands on the "
        "hips. The body lowers straight down until the back knee nearly touches the floor "
        "and the front thigh is level with the floor, then pushes back up through the front "
        "heel."
    ),
    "S3-16": (
        "Start on a sloping back-raise bench with the hips on the pad, the ankles under the "
        "roller and the body in a straight line. The upper body lowers by bending at the "
        "hips with a flat back, then lifts back up using the buttocks and the backs of the "
        "thighs."
    ),
    "S3-17": (
        "Start with the upper back against a bench, the feet flat, a weight across the hips "
        "and the hips low. The hips push up until the body is level from the shoulders to "
        "the knees, with the shins upright, then lower slowly."
    ),
    "S4-18": (
        "Start bent forward at the hips with a flat back, the kettlebell swung back between "
        "the legs. The hips push forward to standing, so the bell floats up to chest height "
        "on straight arms."
    ),
    "S4-19": (
        "Start low, with one foot a long step in front of the other. The body jumps straight "
        "up and the legs swap in the air, landing softly with the other foot in front."
    ),
    "S4-20": (
        "Start pushing off hard from the back foot. The body floats forward in a long, "
        "springy stride with the front knee driven up, then lands with the foot under the "
        "body."
    ),
    "S4-21": (
        "Start jogging tall and relaxed with short strides. The speed builds smoothly over "
        "the distance into long, fast running strides, then eases off."
    ),
    "S4-22": (
        "Start standing on one leg with the other knee bent behind. The body hops forward on "
        "the same leg and lands softly with a bent knee, then steadies before the next hop."
    ),
    "SUP-23": (
        "Seen from the front: start lying on the side, propped up on the forearm with the "
        "elbow under the shoulder, the top hand on the hip and the hips on the floor. The "
        "hips lift until the body is straight from head to feet, and hold."
    ),
    "SUP-24": (
        "Seen from the front: start standing with the knees a little bent, the feet a little "
        "apart and a band around both legs just above the knees. One foot steps out to the "
        "side against the band, without the feet snapping together."
    ),
    "SUP-25": (
        "Seen from the side: standing with a band fixed at chest height to a post beside "
        "the body, both hands hold the band at the chest. The hands push it straight out in "
        "front of the chest without letting the band turn the body, then bring it back "
        "slowly."
    ),
    "SUP-26": (
        "Start lying on the back with the arms pointing up, and the hips and knees bent to a "
        "right angle. One arm and the leg on the other side lower slowly towards the floor "
        "without the back lifting, the arm over the head and the leg straight."
    ),
}

# PROTOCOL 2's "patient instruction" in plainer words, for the rows whose transcribed wording
# uses gym or clinical terms (trunk, split stance, hinge, hamstrings, "soft knees") or reads
# as a note ("Band above the knees."). The printed programme uses these for the built-in
# exercises; the movement, its limits and its cues are PROTOCOL's, and LIBRARY keeps
# PROTOCOL's words for the clinicians.
PATIENT_INSTRUCTIONS: dict[str, str] = {
    "S1-05": (
        "Stand tall facing a wall, with a strap or band around the back of your ankle, "
        "fixed to something behind you. Push the leg backwards against it without letting "
        "it move. Keep your upper body upright."
    ),
    "S3-12": (
        "Stand tall with your knees slightly bent. Keep your back flat and push your hips "
        "back, sliding the weights down your thighs until you feel the backs of your legs "
        "working (pain no more than 3 out of 10). Push your hips forward to stand up."
    ),
    "S3-14": (
        "Step forward and lower yourself until both knees are bent to about a right angle. "
        "Keep your upper body upright. Push through your front heel and step into the next "
        "lunge."
    ),
    "S3-15": (
        "Stand with one foot a long step in front of the other. Lower yourself straight "
        "down until your back knee nearly touches the floor, then push back up through your "
        "front heel."
    ),
    "S3-16": (
        "With your hips on the pad, lower your upper body by bending at the hips, keeping "
        "your back flat. Then lift back up using your buttocks and the backs of your thighs."
    ),
    "S3-17": (
        "Rest your upper back against a bench, with your feet flat on the floor. Push your "
        "hips up until your body is level from your shoulders to your knees, squeeze your "
        "buttocks, then lower slowly."
    ),
    "S4-18": (
        "Stand with your feet wide. Keep your back flat and push your hips back to swing "
        "the bell back between your legs. Then push your hips forward quickly so the bell "
        "floats up to chest height. Your arms only hold on: the power comes from your hips."
    ),
    "S4-19": (
        "Stand with one foot a long step in front of the other. Jump up and swap legs in "
        "the air. Land softly with the other foot in front, and go again."
    ),
    "S4-20": (
        "Run with long, springy strides. Push off hard and float through the air between "
        "steps. Land with your foot under your body."
    ),
    "SUP-23": (
        "Lie on your side, propped up on your forearm. Lift your hips so your body is in a "
        "straight line. Hold."
    ),
    "SUP-24": (
        "Put a band around both legs, just above the knees. Bend your knees a little and "
        "take steady steps to the side, without letting your feet snap together."
    ),
    "SUP-25": (
        "Stand side-on to where the band is fixed. Hold the band at your chest with both "
        "hands and push it straight out in front of you, without letting it turn you. "
        "Bring it back slowly."
    ),
    "SUP-26": (
        "Lie on your back with your arms pointing up to the ceiling. Lift your legs so your "
        "knees are bent and above your hips. Slowly lower one arm and the leg on the other "
        "side towards the floor, without letting your back lift off the floor."
    ),
}


# The "common mistakes" of PROTOCOL 2 in the patient's words, for the rows whose transcribed
# wording uses clinical terms (hip flexion, lumbar, ischial, degrees, reps, piking, trunk,
# prescribed). The
# printed programme uses these for the built-in exercises; the meaning is unchanged, and
# LIBRARY keeps PROTOCOL's words for the clinicians.
PATIENT_MISTAKES: dict[str, tuple[str, ...]] = {
    "S1-02": (
        "Knees bent to a right angle (this bends the hip more and works the back of the "
        "thigh less)",
        "Hips lifting",
    ),
    "S1-03": (
        "Arching the low back instead of using the hips",
        "One hip dropping",
        "Cramp in the back of the thigh (move your feet closer)",
    ),
    "S1-04": (
        "Box too high (your hip should bend only a little)",
        "Bending the knee",
        "Pushing through the back",
    ),
    "S1-06": (
        "Lifting too high by arching your lower back",
        "Rolling your hips",
    ),
    "S2-07": (
        "Hips lifting off the pad",
        "Jerky, fast movements",
        "Using a leg-curl machine you sit on (it bends your hip too much)",
    ),
    "S2-08": (
        "Tipping your body forward (it bends the hip)",
        "Arching the back at the end",
    ),
    "S2-09": (
        "Pushing through the toes",
        "Arching your lower back",
        "Hips twisting when you use one leg",
    ),
    "S2-10": (
        "Hips sagging to the floor",
        "Sliding out faster than you can control",
        "Pain above 3 out of 10 when your legs are nearly straight",
    ),
    "S3-12": (
        "Rounding the back",
        "Turning it into a squat",
        "Going deeper than your physio showed you",
        "Bouncing at the bottom",
    ),
    "S3-13": (
        "The hip of the raised leg turning out",
        "Standing knee locked or bent too much",
        "Losing balance (use a wall)",
    ),
    "S3-15": (
        "Front heel lifting",
        "Upper body slumping forward",
        "Back knee banging down on the floor",
    ),
    "S3-16": ("Bending and arching your lower back instead of bending at the hips",),
    "S3-17": (
        "Over-arching at the top",
        "Feet too far away (it can cramp the back of the thigh)",
    ),
    "S4-18": (
        "Bending your knees to squat, instead of pushing your hips back",
        "Lifting with the arms",
        "Rounding the back",
        "Leaning back at the top",
    ),
    "S4-20": (
        "Reaching far ahead with the foot (overstriding)",
        "Doing it when you are tired",
    ),
    "S4-21": (
        "Going straight to flat-out sprints",
        "Hill sprints too early (they bend the hip more)",
        "Long overstrides",
    ),
    "S4-22": (
        "Landing with a straight knee",
        "Upper body swaying",
    ),
    "SUP-23": (
        "Hips sagging down or pushed up too high",
        "Shoulder shrugging",
    ),
    "SUP-24": (
        "Feet dragging",
        "Upper body swaying",
        "Knees falling inwards",
    ),
    "SUP-25": (
        "Letting your body twist",
        "Holding the breath",
    ),
    "SUP-26": (
        "Back arching",
        "Moving too fast",
        "Stop this exercise if it brings on your buttock pain",
    ),
}

# The load guidance in the patient's words, for the rows whose guidance still reads as a
# clinician's note after rehab.pdf.plain_guidance (degrees, "affected side", "progress
# depth before load", drills by name, bodyweight, "anchored", "assistance"). Same content;
# the prescribed dose is printed apart. Empty where the how-to already says it all (SUP-24's
# "Band above the knees"). Outside the heavy slow resistance exercises (whose dose box says
# "choose a weight you can lift N times"), adding a weight is a step of PROTOCOL 2's
# progression column, the physio's to take: the patient is told to wait for it, so that a
# weight the physio has written in the dose box never reads as contradicted.
PATIENT_GUIDANCE: dict[str, str] = {
    "S1-01": f"{STAGE1_EFFORT} Instead of a strap or band, someone can hold your heel.",
    "S1-04": f"{STAGE1_EFFORT} Use a low box or chair, so your hip bends only a little.",
    "S1-05": STAGE1_EFFORT,
    "S1-06": (
        "Lifting your leg is enough at first. Your physio will tell you when to add a weight "
        "around your ankle, and how heavy."
    ),
    "S2-07": "Work the sore leg on its own.",
    "S2-09": "Rest a weight plate or a dumbbell on your hips.",
    # PROTOCOL 2.2 starts it no earlier than 14 days into stage 2: the plan refuses it before
    # then (START_DAY_IN_STAGE, rehab.plans.start_day_error); the patient cannot count it.
    "S2-11": "A band or a gym ball takes some of your weight. Lower yourself over 3 to 5 seconds.",
    "S3-12": (
        "Go deeper before you go heavier: first lower the weights to your knees, then to "
        "the middle of your shins, and only then add weight."
    ),
    "S3-14": "Your physio will tell you when to hold a dumbbell in each hand, and how heavy.",
    "S3-15": "Go down only until your front thigh is level with the floor, no lower.",
    "S3-16": "Your physio will tell you when to hold a weight plate, and how heavy.",
    "S4-20": (
        "Each set is one run of bounds over 15 to 20 metres, building up to 30 to 40 "
        "metres. Walk back to rest."
    ),
    "S4-21": (
        "Each build-up is 60 to 80 metres. The effort builds up in steps: about 6, then 7, "
        "then 8, then 9 out of 10. Jog back slowly to recover. Your physio will also show "
        "you some skipping drills (A-skips) to do."
    ),
    "SUP-24": "",
}
