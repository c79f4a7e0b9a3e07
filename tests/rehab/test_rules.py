"""Each rule of PROTOCOL 1.2 / 3.3 and each threshold on both sides of its boundary,
plus the RULES-IO edge-case decisions 1-15 that concern a single decision."""

import json
from dataclasses import replace
from typing import Any

import pytest

from rehab.rules import (
    DEFAULT,
    RED_FLAGS,
    RULES_VERSION,
    Action,
    Facts,
    Flag,
    Parameters,
    Urgency,
    decide,
    explain,
    red_flag_words,
    referral_headline,
)

# A stage-2 review sitting exactly on every progression boundary: it PROGRESSes.
EDGE: dict[str, Any] = {
    "visit": "review",
    "stage": 2,
    "days_in_programme": 40,
    "days_in_stage": 21,
    "sessions_in_stage": 8,
    "ex_pain": 3,
    "morning_baseline": 2,
    "pain_24h": 2,
    "adl_pain": 2,
    "adl_pain_prev": 2,
    "gate_pain": 3,
    "adl_baseline": 5,
    "sit_min": 30,
    "sit_min_prev": 30,
    "visah": 70,
    "visah_prev": 70,
    "visah_baseline": 50,
    "needs_energy_storage": True,
    "sessions_prescribed_since_last": 8,
    "sessions_done_since_last": 8,
}


def review(**overrides: Any) -> Facts:
    return Facts(**{**EDGE, **overrides})


def initial(**overrides: Any) -> Facts:
    base = {"visit": "initial", "adl_pain": 3, "sit_min": 20, "gate_pain": 3, "visah": 50}
    return Facts(**{**base, **overrides})


def summary(facts: Facts, params: Parameters = DEFAULT) -> tuple[str, int | None, set, set]:
    d = decide(facts, params)
    return d.action, d.stage, set(d.rules), set(d.flags)


def test_edge_facts_progress():
    assert summary(review()) == (Action.PROGRESS, 3, {"R4"}, set())


# --------------------------------------------------------------------------- A1-A3


@pytest.mark.parametrize(
    ("overrides", "action", "stage", "rules"),
    [
        ({}, Action.START_STAGE_2, 2, {"A3"}),
        ({"adl_pain": 4}, Action.START_STAGE_1, 1, {"A2"}),
        ({"sit_min": 19}, Action.START_STAGE_1, 1, {"A2"}),
        ({"gate_pain": 4}, Action.START_STAGE_1, 1, {"A2"}),
        ({"adl_pain": 0, "sit_min": 240, "gate_pain": 0}, Action.START_STAGE_2, 2, {"A3"}),
        # RULES-IO 6: a missing A2 input starts conservatively at stage 1.
        ({"adl_pain": None}, Action.START_STAGE_1, 1, {"A2"}),
        ({"sit_min": None}, Action.START_STAGE_1, 1, {"A2"}),
        ({"gate_pain": None}, Action.START_STAGE_1, 1, {"A2"}),
        # A1: any blocking red flag; REFER at an initial visit has no stage.
        ({"red_flags": ("RF_NEURO_SIGNS",)}, Action.REFER, None, {"A1"}),
        ({"red_flags": ("RF_AVULSION",), "adl_pain": 9}, Action.REFER, None, {"A1"}),
        # RULES-IO 1: a caution code alone decides like no red flag.
        ({"red_flags": ("RF_MEDICATION",)}, Action.START_STAGE_2, 2, {"A3"}),
        ({"red_flags": ("RF_MEDICATION",), "sit_min": 5}, Action.START_STAGE_1, 1, {"A2"}),
        # Review-only inputs are irrelevant at an initial visit.
        ({"ex_pain": 9, "pain_24h": 9, "morning_baseline": 0}, Action.START_STAGE_2, 2, {"A3"}),
    ],
)
def test_initial_allocation(overrides, action, stage, rules):
    d = decide(initial(**overrides))
    assert (d.action, d.stage, set(d.rules), d.flags) == (action, stage, rules, ())
    assert (d.urgency is None) == (action is not Action.REFER)


def test_a2_cut_offs_are_parameters():
    params = replace(DEFAULT, A2_ADL_PAIN=5, A2_SIT_MIN=10, A2_G1_PAIN=5)
    facts = initial(adl_pain=4, sit_min=10, gate_pain=5)
    assert decide(facts).action is Action.START_STAGE_1
    assert decide(facts, params).action is Action.START_STAGE_2


# --------------------------------------------------------------------------- R4 / R5 boundaries


@pytest.mark.parametrize(
    ("overrides", "action", "rules", "flags"),
    [
        # P1 exercise pain <= 3; 4-5 AMBER; 6 regresses (R3a).
        ({"ex_pain": 0}, Action.PROGRESS, {"R4"}, set()),
        ({"ex_pain": 4}, Action.STAY, {"R5", "P1"}, {Flag.AMBER}),
        ({"ex_pain": 5}, Action.STAY, {"R5", "P1"}, {Flag.AMBER}),
        ({"ex_pain": 6}, Action.REGRESS, {"R3a"}, set()),
        ({"ex_pain": 10}, Action.REGRESS, {"R3a"}, set()),
        # P2 delta_24h <= 0; +1 AMBER; +2 regresses (R3b).
        ({"pain_24h": 1}, Action.PROGRESS, {"R4"}, set()),
        ({"pain_24h": 3}, Action.STAY, {"R5", "P2"}, {Flag.AMBER}),
        ({"pain_24h": 4}, Action.REGRESS, {"R3b"}, set()),
        ({"pain_24h": 4, "morning_baseline": 3}, Action.STAY, {"R5", "P2"}, {Flag.AMBER}),
        # P3 ADL pain <= 2; R3c when it rose by >= 2 since the last visit.
        ({"adl_pain": 3}, Action.STAY, {"R5", "P3"}, set()),
        ({"adl_pain": 3, "adl_pain_prev": 1}, Action.REGRESS, {"R3c"}, set()),
        ({"adl_pain": 4, "adl_pain_prev": 2}, Action.REGRESS, {"R3c"}, set()),
        ({"adl_pain": 4, "adl_pain_prev": 3}, Action.STAY, {"R5", "P3"}, set()),
        # P4 gate pain <= 3, done at this visit.
        ({"gate_pain": 4}, Action.STAY, {"R5", "P4"}, set()),
        ({"gate_pain": None}, Action.STAY, {"R5", "P4"}, set()),
        # P5 sitting >= 30 at stage 2.
        ({"sit_min": 29}, Action.STAY, {"R5", "P5"}, set()),
        # P6 dwell 21 days / 8 sessions at stage 2; DWELL exactly when P6 is unmet.
        ({"days_in_stage": 20}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        ({"sessions_in_stage": 7}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        ({"days_in_stage": None}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        ({"sessions_in_stage": None}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        # P7 VISA-H fall < 10; either value missing passes.
        ({"visah": 61}, Action.PROGRESS, {"R4"}, set()),
        ({"visah": 60}, Action.STAY, {"R5", "P7"}, {Flag.VISAH_DROP}),
        ({"visah": None, "visah_prev": 100}, Action.PROGRESS, {"R4"}, set()),
        ({"visah_prev": None}, Action.PROGRESS, {"R4"}, set()),
        # P8 and P9 do not apply at stage 2.
        ({"hop_pain": 10, "min_plyo_interval_h": 1.0}, Action.PROGRESS, {"R4"}, set()),
        # Several unmet criteria are all listed.
        (
            {"ex_pain": 4, "adl_pain": 3, "gate_pain": None, "sit_min": 10, "sit_min_prev": 15},
            Action.STAY,
            {"R5", "P1", "P3", "P4", "P5"},
            {Flag.AMBER},
        ),
    ],
)
def test_stage_2_boundaries(overrides, action, rules, flags):
    d = decide(review(**overrides))
    assert (d.action, set(d.rules), set(d.flags)) == (action, rules, flags)
    expected_stage = {Action.PROGRESS: 3, Action.STAY: 2, Action.REGRESS: 1}[action]
    assert d.stage == expected_stage
    assert d.urgency is None


@pytest.mark.parametrize(
    ("stage", "sit_ok", "days", "sessions"),
    [(1, 20, 7, 5), (2, 30, 21, 8), (3, 45, 21, 8), (4, 60, 28, 8)],
)
def test_per_stage_sitting_and_dwell(stage, sit_ok, days, sessions):
    base = {
        "stage": stage,
        "sit_min": sit_ok,
        "sit_min_prev": sit_ok,
        "days_in_stage": days,
        "sessions_in_stage": sessions,
        "hop_pain": 3,
        "min_plyo_interval_h": 72,
        "visah": 80,
        "visah_prev": 80,
    }
    assert decide(review(**base)).rules == ("R4",)
    assert set(decide(review(**{**base, "sit_min": sit_ok - 1})).rules) == {"R5", "P5"}
    assert set(decide(review(**{**base, "days_in_stage": days - 1})).rules) == {"R5", "P6"}
    assert set(decide(review(**{**base, "sessions_in_stage": sessions - 1})).rules) == {
        "R5",
        "P6",
    }


@pytest.mark.parametrize(
    ("stage", "needs_energy_storage", "action", "new_stage"),
    [
        (1, False, Action.PROGRESS, 2),
        (1, True, Action.PROGRESS, 2),
        (2, False, Action.PROGRESS, 3),
        (3, True, Action.PROGRESS, 4),
        (3, False, Action.COMPLETE, 3),
        (4, True, Action.COMPLETE, 4),
        (4, False, Action.COMPLETE, 4),
    ],
)
def test_progression_targets(stage, needs_energy_storage, action, new_stage):
    facts = review(
        stage=stage,
        needs_energy_storage=needs_energy_storage,
        sit_min=60,
        sit_min_prev=60,
        days_in_stage=28,
        hop_pain=0,
        min_plyo_interval_h=96,
        visah=90,
        visah_prev=85,
    )
    d = decide(facts)
    assert (d.action, d.stage, d.rules, d.flags, d.urgency) == (
        action,
        new_stage,
        ("R4",),
        (),
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "action", "rules", "flags"),
    [
        # P8 at stage 3 with needs_energy_storage: hop pain <= 3.
        ({"hop_pain": 3}, Action.PROGRESS, {"R4"}, set()),
        ({"hop_pain": 4}, Action.STAY, {"R5", "P8"}, set()),
        ({"hop_pain": None}, Action.STAY, {"R5", "P8"}, set()),
        ({"hop_pain": None, "needs_energy_storage": False}, Action.COMPLETE, {"R4"}, set()),
        ({"hop_pain": 9, "needs_energy_storage": False}, Action.COMPLETE, {"R4"}, set()),
        # P9 does not apply at stage 3.
        ({"hop_pain": 3, "min_plyo_interval_h": 10}, Action.PROGRESS, {"R4"}, set()),
        # Stage 3 gate: null (one of the two G3 tests missing) leaves P4 unmet.
        ({"hop_pain": 3, "gate_pain": None}, Action.STAY, {"R5", "P4"}, set()),
    ],
)
def test_stage_3_hop_criterion(overrides, action, rules, flags):
    facts = review(stage=3, sit_min=45, sit_min_prev=45, **overrides)
    d = decide(facts)
    assert (d.action, set(d.rules), set(d.flags)) == (action, rules, flags)


@pytest.mark.parametrize(
    ("overrides", "action", "rules", "flags"),
    [
        ({}, Action.COMPLETE, {"R4"}, set()),
        ({"min_plyo_interval_h": 71.9}, Action.STAY, {"R5", "P9"}, {Flag.PLYO_FREQ}),
        ({"min_plyo_interval_h": 0}, Action.STAY, {"R5", "P9"}, {Flag.PLYO_FREQ}),
        # RULES-IO 3: unknown interval leaves P9 unmet but raises no PLYO_FREQ.
        ({"min_plyo_interval_h": None}, Action.STAY, {"R5", "P9"}, set()),
        ({"visah": 79, "visah_prev": 79}, Action.STAY, {"R5", "P9"}, set()),
        # A missing VISA-H passes P7 but not P9 (RULES-IO 2).
        ({"visah": None}, Action.STAY, {"R5", "P9"}, set()),
        ({"days_in_stage": 27}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        ({"sessions_in_stage": 7}, Action.STAY, {"R5", "P6"}, {Flag.DWELL}),
        # P8 does not apply at stage 4.
        ({"hop_pain": 10}, Action.COMPLETE, {"R4"}, set()),
        # A regression from stage 4 goes to stage 3.
        ({"pain_24h": 5, "morning_baseline": 3}, Action.REGRESS, {"R3b"}, set()),
    ],
)
def test_stage_4_criteria(overrides, action, rules, flags):
    base = {
        "stage": 4,
        "sit_min": 60,
        "sit_min_prev": 60,
        "days_in_stage": 28,
        "min_plyo_interval_h": 72,
        "visah": 80,
        "visah_prev": 80,
    }
    d = decide(review(**{**base, **overrides}))
    assert (d.action, set(d.rules), set(d.flags)) == (action, rules, flags)
    assert d.stage == (3 if action is Action.REGRESS else 4)


# --------------------------------------------------------------------------- R3 and re-entry


@pytest.mark.parametrize(
    ("sit_min", "sit_min_prev", "fires"),
    [
        (4, 10, True),  # below half of a previous value >= 10
        (5, 10, False),  # exactly half does not fire
        (0, 9, False),  # previous below SIT_DROP_MIN_PREV
        (14, 30, True),
        (15, 30, False),
        (0, None, False),  # missing previous value: not fired (RULES-IO 2)
        (None, 60, False),
    ],
)
def test_r3d_sitting_drop(sit_min, sit_min_prev, fires):
    d = decide(review(sit_min=sit_min, sit_min_prev=sit_min_prev))
    assert ("R3d" in d.rules) is fires
    assert (d.action is Action.REGRESS) is fires


def test_several_r3_criteria_are_all_listed():
    facts = review(ex_pain=7, pain_24h=5, adl_pain=6, adl_pain_prev=2, sit_min=3, sit_min_prev=40)
    d = decide(facts)
    assert (d.action, d.stage, set(d.rules)) == (Action.REGRESS, 1, {"R3a", "R3b", "R3c", "R3d"})


@pytest.mark.parametrize(("stage", "after"), [(1, 1), (2, 1), (3, 2), (4, 3)])
def test_regression_is_one_stage_never_below_one(stage, after):
    d = decide(review(stage=stage, ex_pain=8))
    assert (d.action, d.stage, d.rules) == (Action.REGRESS, after, ("R3a",))


@pytest.mark.parametrize(
    ("overrides", "action"),
    [
        # RULES-IO 12: the re-entry dwell (7 days, 3 sessions) replaces the normal one.
        ({"days_in_stage": 7, "sessions_in_stage": 3}, Action.PROGRESS),
        ({"days_in_stage": 6, "sessions_in_stage": 3}, Action.STAY),
        ({"days_in_stage": 7, "sessions_in_stage": 2}, Action.STAY),
        ({"days_in_stage": 30, "sessions_in_stage": 30}, Action.PROGRESS),
    ],
)
def test_reentry_dwell(overrides, action):
    d = decide(review(entered_by_regression=True, **overrides))
    assert d.action is action
    assert (Flag.DWELL in d.flags) is (action is Action.STAY)


# --------------------------------------------------------------------------- R2 and R2b

R2_BASE: dict[str, Any] = {
    "stage": 1,
    "days_in_programme": 84,
    "visah": 59,
    "visah_baseline": 50,
    "adl_pain": 4,
    "adl_baseline": 5,
    "adl_pain_prev": 4,
}


@pytest.mark.parametrize(
    ("overrides", "fires"),
    [
        ({}, True),
        ({"stage": 2, "sit_min": 30}, True),
        ({"days_in_programme": 200}, True),
        ({"visah": 40}, True),  # VISA-H worse than at the start
        ({"days_in_programme": 83}, False),
        ({"stage": 3, "sit_min": 45}, False),
        ({"visah": 60}, False),  # gain of 10
        ({"adl_pain": 3, "adl_pain_prev": 3}, False),  # ADL pain down by 2
        # RULES-IO 2: a null operand stops the term, so R2 does not fire.
        ({"visah": None}, False),
        ({"visah_baseline": None}, False),
        ({"adl_baseline": None}, False),
        ({"adl_pain": None}, False),
        ({"days_in_programme": None}, False),
    ],
)
def test_r2_non_response(overrides, fires):
    d = decide(review(**{**R2_BASE, **overrides}))
    assert (d.rules == ("R2",)) is fires
    if fires:
        assert (d.action, d.urgency, d.flags) == (Action.REFER, Urgency.ROUTINE, ())
        assert d.stage == R2_BASE["stage"] if "stage" not in overrides else overrides["stage"]
    else:
        assert d.action is not Action.REFER


def test_r2_comes_before_r3():
    d = decide(review(**R2_BASE, ex_pain=9))
    assert d.rules == ("R2",)


@pytest.mark.parametrize(
    ("days_since_last_regress", "action", "rules"),
    [
        (0, Action.REFER, {"R2b", "R3a"}),
        (28, Action.REFER, {"R2b", "R3a"}),
        (29, Action.REGRESS, {"R3a"}),
        (None, Action.REGRESS, {"R3a"}),
    ],
)
def test_r2b_repeated_flare(days_since_last_regress, action, rules):
    d = decide(review(ex_pain=6, days_since_last_regress=days_since_last_regress))
    assert (d.action, set(d.rules)) == (action, rules)
    assert d.stage == (2 if action is Action.REFER else 1)
    assert d.urgency == (Urgency.ROUTINE if action is Action.REFER else None)


def test_r2b_lists_every_fired_r3_criterion():
    d = decide(review(ex_pain=6, pain_24h=4, days_since_last_regress=3, stage=3))
    assert (d.action, d.stage, set(d.rules)) == (Action.REFER, 3, {"R2b", "R3a", "R3b"})


def test_recent_regression_without_a_new_flare_does_not_refer():
    assert decide(review(days_since_last_regress=1)).action is Action.PROGRESS


# --------------------------------------------------------------------------- R1 and urgency


@pytest.mark.parametrize("code", sorted(RED_FLAGS))
def test_each_red_flag(code):
    d = decide(review(red_flags=(code,)))
    if RED_FLAGS[code].urgency is Urgency.CAUTION:
        assert (d.action, d.urgency, d.caution_codes) == (Action.PROGRESS, None, (code,))
    else:
        assert (d.action, d.stage, d.rules, d.flags) == (Action.REFER, 2, ("R1",), ())
        assert d.urgency is RED_FLAGS[code].urgency


def test_red_flag_urgencies_match_protocol_section_6():
    assert {code: str(flag.urgency) for code, flag in RED_FLAGS.items()} == {
        "RF_AVULSION": "URGENT",
        "RF_APOPHYSEAL": "URGENT",
        "RF_CAUDA_EQUINA": "EMERGENCY",
        "RF_PROGRESSIVE_NEURO": "URGENT",
        "RF_NEURO_SIGNS": "ROUTINE",
        "RF_NIGHT_PAIN": "ROUTINE",
        "RF_SYSTEMIC": "URGENT",
        "RF_FRACTURE": "URGENT",
        "RF_INFLAMMATORY": "ROUTINE",
        "RF_MEDICATION": "CAUTION",
    }
    assert all(flag.label and flag.code == code for code, flag in RED_FLAGS.items())


@pytest.mark.parametrize(
    ("codes", "urgency"),
    [
        (("RF_NEURO_SIGNS", "RF_NIGHT_PAIN"), Urgency.ROUTINE),
        (("RF_NEURO_SIGNS", "RF_PROGRESSIVE_NEURO"), Urgency.URGENT),
        (("RF_NIGHT_PAIN", "RF_SYSTEMIC"), Urgency.URGENT),
        (("RF_FRACTURE", "RF_CAUDA_EQUINA", "RF_NEURO_SIGNS"), Urgency.EMERGENCY),
        (("RF_MEDICATION", "RF_INFLAMMATORY"), Urgency.ROUTINE),
    ],
)
@pytest.mark.parametrize("visit", ["initial", "review"])
def test_highest_urgency_wins(codes, urgency, visit):
    facts = review(red_flags=codes) if visit == "review" else initial(red_flags=codes)
    d = decide(facts)
    assert (d.action, d.urgency) == (Action.REFER, urgency)
    assert d.rules == (("R1",) if visit == "review" else ("A1",))
    assert "RF_MEDICATION" not in d.referral_codes


def test_r1_lists_only_r1_even_when_others_are_true():
    facts = review(red_flags=("RF_SYSTEMIC",), ex_pain=9, days_since_last_regress=2, **R2_BASE)
    d = decide(facts)
    assert (d.action, d.stage, d.rules, d.flags) == (Action.REFER, 1, ("R1",), ())


def test_caution_codes_decide_as_no_flags():
    plain = review(pain_24h=3)
    with_caution = replace(plain, red_flags=("RF_MEDICATION",))
    assert decide(with_caution).as_output() == decide(plain).as_output()
    assert decide(with_caution).caution_codes == ("RF_MEDICATION",)
    assert decide(plain).caution_codes == ()


def test_unknown_red_flag_code_is_rejected():
    with pytest.raises(ValueError, match="RF_UNKNOWN"):
        decide(review(red_flags=("RF_UNKNOWN",)))


# --------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    ("overrides", "flag", "raised"),
    [
        ({"days_in_stage": 57}, Flag.PLATEAU, True),
        ({"days_in_stage": 56}, Flag.PLATEAU, False),
        (
            {"sessions_done_since_last": 3, "sessions_prescribed_since_last": 7},
            Flag.LOW_ADHERENCE,
            True,
        ),
        (
            {"sessions_done_since_last": 4, "sessions_prescribed_since_last": 9},
            Flag.LOW_ADHERENCE,
            True,
        ),
        (
            {"sessions_done_since_last": 5, "sessions_prescribed_since_last": 10},
            Flag.LOW_ADHERENCE,
            False,
        ),
        (
            {"sessions_done_since_last": 0, "sessions_prescribed_since_last": 0},
            Flag.LOW_ADHERENCE,
            False,
        ),
        (
            {"sessions_done_since_last": 0, "sessions_prescribed_since_last": None},
            Flag.LOW_ADHERENCE,
            False,
        ),
        (
            {"sessions_done_since_last": None, "sessions_prescribed_since_last": 5},
            Flag.LOW_ADHERENCE,
            False,
        ),
        (
            {"sessions_done_since_last": 0, "sessions_prescribed_since_last": 1},
            Flag.LOW_ADHERENCE,
            True,
        ),
        ({"ex_pain": None, "pain_24h": None}, Flag.AMBER, False),
        ({"ex_pain": 3, "pain_24h": 1}, Flag.AMBER, False),
        ({"ex_pain": 4}, Flag.AMBER, True),
        ({"pain_24h": 3}, Flag.AMBER, True),
    ],
)
def test_stay_flags(overrides, flag, raised):
    # gate_pain 4 keeps the decision at STAY whatever the flag inputs are.
    d = decide(review(gate_pain=4, **overrides))
    assert d.action is Action.STAY
    assert (flag in d.flags) is raised


@pytest.mark.parametrize(
    ("overrides", "action"),
    [
        ({}, Action.PROGRESS),
        ({"ex_pain": 6}, Action.REGRESS),
        ({"red_flags": ("RF_FRACTURE",)}, Action.REFER),
        ({"stage": 4, "sit_min": 60, "min_plyo_interval_h": 80, "visah": 80}, Action.COMPLETE),
    ],
)
def test_flags_only_on_stay(overrides, action):
    # Plateau and low adherence never block a decision, but are flagged only on STAY.
    flaggy = {"days_in_stage": 90, "sessions_done_since_last": 1}
    d = decide(review(**flaggy, **overrides))
    assert (d.action, d.flags) == (action, ())
    assert decide(review(**flaggy, gate_pain=4)).flags == (Flag.PLATEAU, Flag.LOW_ADHERENCE)


# --------------------------------------------------------------------------- missing values


def test_review_with_nothing_measured_stays():
    d = decide(Facts(visit="review", stage=3, needs_energy_storage=True))
    assert (d.action, d.stage, set(d.rules)) == (
        Action.STAY,
        3,
        {"R5", "P1", "P2", "P3", "P4", "P5", "P6", "P8"},
    )
    assert set(d.flags) == {Flag.DWELL}


def test_missing_morning_baseline_silences_r3b_and_fails_p2():
    d = decide(review(morning_baseline=None, pain_24h=10))
    assert (d.action, set(d.rules)) == (Action.STAY, {"R5", "P2"})
    assert Flag.AMBER not in d.flags


def test_missing_previous_adl_does_not_fire_r3c():
    d = decide(review(adl_pain=9, adl_pain_prev=None))
    assert (d.action, set(d.rules)) == (Action.STAY, {"R5", "P3"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stage": None}, "stage"),
        ({"stage": 5}, "stage"),
        ({"stage": 0}, "stage"),
        ({"needs_energy_storage": None}, "needs_energy_storage"),
    ],
)
def test_review_requires_stage_and_energy_storage(overrides, message):
    with pytest.raises(ValueError, match=message):
        decide(review(**overrides))


def test_initial_visit_needs_no_energy_storage_goal():
    assert decide(initial(needs_energy_storage=None)).action is Action.START_STAGE_2


# --------------------------------------------------------------------------- parameters


def test_decide_uses_the_parameters_given():
    params = replace(DEFAULT, EX_PAIN_OK=4, SIT_MIN_REQUIRED=(20, 40, 45, 60))
    assert decide(review(ex_pain=4, sit_min=40), params).action is Action.PROGRESS
    assert set(decide(review(ex_pain=4, sit_min=39), params).rules) == {"R5", "P5"}
    assert decide(review(ex_pain=4, sit_min=40)).action is Action.STAY


def test_parameter_defaults_follow_protocol_3_2():
    assert DEFAULT.to_dict() == {
        "EX_PAIN_OK": 3,
        "EX_PAIN_REGRESS": 6,
        "DELTA24_OK": 0,
        "DELTA24_REGRESS": 2,
        "ADL_OK": 2,
        "ADL_WORSEN_REGRESS": 2,
        "GATE_PAIN_OK": 3,
        "HOP_PAIN_OK": 3,
        "SIT_MIN_REQUIRED": [20, 30, 45, 60],
        "SIT_DROP_REGRESS": 0.5,
        "SIT_DROP_MIN_PREV": 10,
        "MIN_DAYS": [7, 21, 21, 28],
        "MIN_SESSIONS": [5, 8, 8, 8],
        "REENTRY_DAYS": 7,
        "REENTRY_SESSIONS": 3,
        "VISAH_DROP_BLOCK": 10,
        "NONRESPONSE_DAYS": 84,
        "NONRESPONSE_VISAH_GAIN": 10,
        "NONRESPONSE_ADL_DROP": 2,
        "REPEAT_FLARE_WINDOW": 28,
        "PLATEAU_DAYS": 56,
        "PLYO_MIN_INTERVAL_H": 72.0,
        "RTS_VISAH_MIN": 80,
        "ADHERENCE_FLAG": 0.5,
        "A2_ADL_PAIN": 4,
        "A2_SIT_MIN": 20,
        "A2_G1_PAIN": 3,
    }
    assert DEFAULT.validate() == {}
    assert all(Parameters.source(name).startswith("PROTOCOL") for name in DEFAULT.to_dict())


def test_parameters_round_trip_through_json():
    params = replace(DEFAULT, MIN_DAYS=(1, 2, 3, 4), SIT_DROP_REGRESS=0.4, PLYO_MIN_INTERVAL_H=60)
    again = Parameters.from_dict(json.loads(json.dumps(params.to_dict())))
    assert again == params
    assert isinstance(again.MIN_DAYS, tuple)
    assert Parameters.from_dict({}) == DEFAULT
    assert Parameters.from_dict({"PLYO_MIN_INTERVAL_H": 48}).PLYO_MIN_INTERVAL_H == 48.0


@pytest.mark.parametrize(
    "data",
    [
        {"NOT_A_PARAMETER": 1},
        {"EX_PAIN_OK": "3"},
        {"EX_PAIN_OK": True},
        {"EX_PAIN_OK": 3.5},
        {"EX_PAIN_OK": None},
        {"SIT_DROP_REGRESS": "0.5"},
        {"SIT_DROP_REGRESS": False},
        {"SIT_DROP_REGRESS": float("nan")},
        {"MIN_DAYS": [7, 21, 21]},
        {"MIN_DAYS": [7, 21, 21, 28.0]},
        {"MIN_DAYS": [7, 21, 21, True]},
        {"MIN_DAYS": "7,21,21,28"},
    ],
)
def test_parameters_from_dict_rejects_bad_input(data):
    with pytest.raises(ValueError):
        Parameters.from_dict(data)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"EX_PAIN_OK": 6}, "EX_PAIN_REGRESS"),
        ({"EX_PAIN_OK": 7, "EX_PAIN_REGRESS": 6}, "EX_PAIN_REGRESS"),
        ({"EX_PAIN_OK": -1}, "EX_PAIN_OK"),
        ({"GATE_PAIN_OK": 11}, "GATE_PAIN_OK"),
        ({"HOP_PAIN_OK": 11}, "HOP_PAIN_OK"),
        ({"ADL_OK": -1}, "ADL_OK"),
        ({"DELTA24_OK": 2}, "DELTA24_REGRESS"),
        ({"MIN_DAYS": (7, -1, 21, 28)}, "MIN_DAYS"),
        ({"MIN_SESSIONS": (5, 8, -8, 8)}, "MIN_SESSIONS"),
        ({"REENTRY_DAYS": -1}, "REENTRY_DAYS"),
        ({"PLATEAU_DAYS": -1}, "PLATEAU_DAYS"),
        ({"SIT_DROP_REGRESS": 0.0}, "SIT_DROP_REGRESS"),
        ({"SIT_DROP_REGRESS": 1.0}, "SIT_DROP_REGRESS"),
        ({"ADHERENCE_FLAG": 1.5}, "ADHERENCE_FLAG"),
        ({"SIT_MIN_REQUIRED": (20, 30, 45, 300)}, "SIT_MIN_REQUIRED"),
        ({"RTS_VISAH_MIN": 101}, "RTS_VISAH_MIN"),
        ({"VISAH_DROP_BLOCK": 0}, "VISAH_DROP_BLOCK"),
        ({"PLYO_MIN_INTERVAL_H": -1.0}, "PLYO_MIN_INTERVAL_H"),
        ({"A2_SIT_MIN": -5}, "A2_SIT_MIN"),
    ],
)
def test_parameters_validate(changes, field):
    errors = replace(DEFAULT, **changes).validate()
    assert field in errors
    assert errors[field]


# --------------------------------------------------------------------------- output and wording


def test_as_output_has_exactly_the_six_keys():
    out = decide(review(gate_pain=5, days_in_stage=60)).as_output()
    assert out == {
        "action": "STAY",
        "stage": 2,
        "rules": ["R5", "P4"],
        "flags": ["PLATEAU"],
        "urgency": None,
        "rules_version": RULES_VERSION,
    }
    assert json.loads(json.dumps(out)) == out


def test_criteria_explain_the_decision():
    d = decide(review(sit_min=28))
    p5 = next(c for c in d.criteria if c.code == "P5")
    assert (p5.met, p5.value, p5.threshold, p5.source) == (
        False,
        "28 min",
        "at least 30 min",
        "PROTOCOL 3.3 P5",
    )
    assert p5.text == "Sitting 28 min (needs at least 30 min)"
    assert [c.code for c in d.criteria] == [
        "R3a",
        "R3b",
        "R3c",
        "R3d",
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
        "P6",
        "P7",
    ]
    lines = explain(d)
    assert (
        lines[0]
        == "Stay in stage 2: sitting 28 min (needs at least 30 min). Source: PROTOCOL 3.3 R5"
    )
    assert lines[1].startswith("Not met: Sitting 28 min")
    assert all(line.startswith("Met:") for line in lines[2:])
    assert d.explain() == lines


@pytest.mark.parametrize(
    ("facts", "start"),
    [
        (review(), "Progress to stage 3: exercise pain 3/10 (needs at most 3); next-morning"),
        (review(stage=3, needs_energy_storage=False, sit_min=45), "Complete the programme"),
        (review(ex_pain=7), "Regress (go to stage 1): exercise pain 7/10"),
        (review(stage=1, pain_24h=4, sit_min=20), "Regress (stay in stage 1 at a reduced dose)"),
        (review(red_flags=("RF_CAUDA_EQUINA",)), "Refer (EMERGENCY): red flag RF_CAUDA_EQUINA"),
        (review(**R2_BASE), "Refer (ROUTINE) for a sports-medicine review"),
        (review(ex_pain=6, days_since_last_regress=5), "Refer (ROUTINE): second flare"),
        (initial(sit_min=10), "Start at stage 1: sitting 10 min"),
        (initial(), "Start at stage 2 (no sign of high irritability): ADL pain 3/10"),
        (initial(red_flags=("RF_AVULSION",)), "Refer (URGENT): red flag RF_AVULSION"),
    ],
)
def test_explain_headline(facts, start):
    lines = explain(decide(facts))
    assert lines[0].startswith(start)
    assert "Source: PROTOCOL" in lines[0]


def test_a_progression_names_each_criterion_it_rests_on_with_its_value():
    """UX.md: "Progress to stage 3: exercise pain 2/10 (needs at most 3), next-morning pain
    back to usual (needs no rise), ... Source: PROTOCOL 3.3 R4." A criterion ignored for a
    missing value is not a reason, so it stays out."""
    head = explain(decide(review(ex_pain=2, visah=None)))[0]
    assert head.startswith("Progress to stage 3: exercise pain 2/10 (needs at most 3); ")
    assert "sitting 30 min (needs at least 30 min)" in head
    assert "time in stage 21 days, 8 sessions" in head and "VISA-H" not in head
    assert head.endswith(". Source: PROTOCOL 3.3 R4")


@pytest.mark.parametrize(
    ("facts", "params", "text"),
    [
        (
            review(days_in_stage=1, sessions_in_stage=1),
            DEFAULT,
            "Time in stage 1 day, 1 session (needs at least 21 days and 8 sessions)",
        ),
        (
            review(days_in_stage=2, sessions_in_stage=0),
            replace(DEFAULT, MIN_DAYS=(7, 1, 21, 28), MIN_SESSIONS=(5, 1, 8, 8)),
            "Time in stage 2 days, 0 sessions (needs at least 1 day and 1 session)",
        ),
        (
            review(stage=4, days_in_stage=1, sessions_in_stage=1),
            DEFAULT,
            "Time in stage 1 day, 1 plyometric session "
            "(needs at least 28 days and 8 plyometric sessions)",
        ),
    ],
)
def test_time_in_stage_reads_in_the_singular_for_one(facts, params, text):
    p6 = next(c for c in decide(facts, params).criteria if c.code == "P6")
    assert p6.text == text


def test_a_second_flare_within_one_day_reads_in_the_singular():
    params = replace(DEFAULT, REPEAT_FLARE_WINDOW=1)
    lines = explain(decide(review(ex_pain=6, days_since_last_regress=1), params))
    assert lines[0].startswith("Refer (ROUTINE): second flare within 1 day of the last")


def test_a_parameter_compared_with_another_is_called_by_the_words_given():
    params = replace(DEFAULT, EX_PAIN_OK=6)
    assert params.validate()["EX_PAIN_REGRESS"] == "must be higher than EX_PAIN_OK (6)"
    words = {"EX_PAIN_OK": "the highest exercise pain that allows progressing"}
    assert params.validate(words)["EX_PAIN_REGRESS"] == (
        "must be higher than the highest exercise pain that allows progressing (6)"
    )


def test_a_red_flag_referral_reads_in_words_and_its_stored_line_keeps_the_codes():
    d = decide(review(red_flags=("RF_NIGHT_PAIN", "RF_SYSTEMIC", "RF_MEDICATION")))
    night, systemic = RED_FLAGS["RF_NIGHT_PAIN"].label, RED_FLAGS["RF_SYSTEMIC"].label
    tail = ". Programme paused - see clinician. Source: PROTOCOL 6 and 3.3 R1"
    # What explain() gives (and the app stores) is unchanged: codes with their labels.
    assert explain(d)[0] == (
        f"Refer (URGENT): red flag RF_NIGHT_PAIN ({night}); RF_SYSTEMIC ({systemic})" + tail
    )
    assert referral_headline("R1", "URGENT", d.referral_codes) == (
        "Refer (URGENT): red flags: constant night pain not eased by changing position; "
        "systemic signs (fever, weight loss, cancer history)" + tail
    )
    assert referral_headline("A1", "EMERGENCY", ["RF_CAUDA_EQUINA"]) == (
        "Refer (EMERGENCY): red flag: cauda equina signs (saddle numbness, bladder/bowel). "
        "Programme paused - see clinician. Source: PROTOCOL 6 and 1.2 A1"
    )


def test_every_red_flag_has_its_words():
    words = dict(red_flag_words(RED_FLAGS))
    assert all(words[code] and not words[code].startswith("RF_") for code in RED_FLAGS)
    assert red_flag_words(["RF_RETIRED"]) == [("RF_RETIRED", "RF_RETIRED")]  # kept as it is


def test_referring_codes_drop_caution_codes_and_repeats_and_keep_a_retired_code():
    from rehab.rules import referring_codes

    codes = ["RF_MEDICATION", "RF_FRACTURE", "RF_FRACTURE", "RF_RETIRED", "RF_NIGHT_PAIN"]
    assert referring_codes(codes) == ("RF_FRACTURE", "RF_RETIRED", "RF_NIGHT_PAIN")
    assert decide(review(red_flags=tuple(codes[:3]))).referral_codes == ("RF_FRACTURE",)


def test_explain_notes_caution_codes_and_flags():
    lines = explain(decide(review(ex_pain=4, red_flags=("RF_MEDICATION",))))
    assert any(line.startswith("Flag AMBER") for line in lines)
    assert lines[-1].startswith("Note, does not decide: RF_MEDICATION")


def test_decision_keeps_its_facts_and_parameters():
    facts = review()
    params = replace(DEFAULT, ADL_OK=3)
    d = decide(facts, params)
    assert (d.facts, d.params, d.rules_version) == (facts, params, "1.0.0")
    assert json.loads(json.dumps(facts.to_dict()))["visit"] == "review"


@pytest.mark.parametrize(
    ("factor", "done", "prescribed", "raised"),
    [(0.3, 3, 10, False), (0.3, 2, 10, True), (0.7, 7, 10, False), (0.7, 6, 10, True)],
)
def test_adherence_boundary_is_exact_for_any_factor(factor, done, prescribed, raised):
    params = replace(DEFAULT, ADHERENCE_FLAG=factor)
    facts = review(
        gate_pain=4, sessions_done_since_last=done, sessions_prescribed_since_last=prescribed
    )
    assert (Flag.LOW_ADHERENCE in decide(facts, params).flags) is raised


@pytest.mark.parametrize(("factor", "sit_min", "fires"), [(0.3, 3, False), (0.3, 2, True)])
def test_sitting_drop_boundary_is_exact_for_any_factor(factor, sit_min, fires):
    params = replace(DEFAULT, SIT_DROP_REGRESS=factor)
    assert ("R3d" in decide(review(sit_min=sit_min, sit_min_prev=10), params).rules) is fires


def test_huge_counts_do_not_overflow():
    facts = review(gate_pain=4, sessions_done_since_last=10**400, sessions_prescribed_since_last=1)
    assert decide(facts).flags == ()


def test_a_missing_plyometric_gap_reads_as_not_recorded_without_a_unit():
    d = decide(review(stage=4, min_plyo_interval_h=None, visah=55))
    p9 = next(c for c in d.criteria if c.code == "P9")
    assert p9.value == "not recorded, VISA-H 55"
    d = decide(review(stage=4, min_plyo_interval_h=72.0, visah=85))
    assert next(c for c in d.criteria if c.code == "P9").value == "72 h, VISA-H 85"
