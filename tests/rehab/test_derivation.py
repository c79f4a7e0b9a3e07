"""Facts derived from earlier visits (RULES-IO replay semantics, edge cases 4, 6, 7, 9-12)."""

from typing import Any

import pytest

from rehab.derivation import (
    Outcome,
    Start,
    State,
    Visit,
    advance,
    facts_for_visit,
    fold,
    gate_pain,
    replay,
)
from rehab.rules import Action, decide

STAY = Action.STAY


def visit(day: int, **fields: Any) -> Visit:
    return Visit(day=day, **fields)


def out(action: Action, stage: int | None) -> Outcome:
    return Outcome(action, stage)


# A first visit that allocates stage 1 on day 0.
V0 = visit(0, adl_pain=5, sit_min=10, visah=40, tests={"G1": 5})
S1 = (V0, out(Action.START_STAGE_1, 1))


def facts(history, v, *, start=None, needs_energy_storage=True):
    return facts_for_visit(needs_energy_storage, start, history, v)


# --------------------------------------------------------------------------- initial vs review


def test_first_visit_is_initial_with_g1_as_gate():
    f = facts([], visit(0, tests={"G1": 4, "G2": 1, "H10": 2}, adl_pain=3))
    assert (f.visit, f.stage, f.gate_pain, f.hop_pain, f.adl_pain) == ("initial", None, 4, 2, 3)
    assert (f.days_in_stage, f.sessions_in_stage, f.days_in_programme) == (None, None, None)


def test_refer_at_initial_visit_makes_the_next_visit_initial_again():
    refer = visit(0, red_flags=("RF_NEURO_SIGNS",), adl_pain=6, sit_min=15, visah=30)
    history = [(refer, out(Action.REFER, None))]
    f = facts(history, visit(20, adl_pain=3, sit_min=30, tests={"G1": 2}))
    assert (f.visit, f.stage) == ("initial", None)
    # Previous values include the visit that ended in REFER (RULES-IO 4).
    assert (f.adl_pain_prev, f.sit_min_prev, f.visah_prev) == (6, 15, 30)
    # The programme starts at the visit that allocated a stage, with its baselines.
    history.append((visit(20, adl_pain=3, sit_min=30, visah=55), out(Action.START_STAGE_2, 2)))
    f = facts(history, visit(30, adl_pain=2, visah=60, sessions_done=3))
    assert (f.visit, f.stage, f.days_in_programme, f.days_in_stage) == ("review", 2, 10, 10)
    assert (f.visah_baseline, f.adl_baseline, f.sessions_in_stage) == (55, 3, 3)


def test_review_days_counters_and_previous_values():
    history = [S1, (visit(7, sessions_done=6, adl_pain=3), out(STAY, 1))]
    f = facts(history, visit(14, sessions_done=4, tests={"G1": 2}, morning_baseline=1))
    assert (f.visit, f.stage, f.days_in_stage, f.days_in_programme) == ("review", 1, 14, 14)
    assert (f.sessions_in_stage, f.gate_pain, f.entered_by_regression) == (10, 2, False)
    assert (f.adl_pain_prev, f.sit_min_prev, f.visah_prev) == (3, 10, 40)
    assert (f.days_since_last_regress, f.needs_energy_storage) == (None, True)
    assert (f.morning_baseline, f.pain_24h) == (1, None)


def test_sessions_at_the_initial_visit_are_not_counted():
    history = [(visit(0, adl_pain=5, sessions_done=9), out(Action.START_STAGE_1, 1))]
    assert facts(history, visit(5, sessions_done=2)).sessions_in_stage == 2


# --------------------------------------------------------------------------- resets


def test_progress_resets_entry_and_sessions_and_keeps_the_progressing_visits_sessions_behind():
    history = [S1, (visit(8, sessions_done=10), out(Action.PROGRESS, 2))]
    f = facts(history, visit(15, sessions_done=3, tests={"G1": 1, "G2": 2}))
    assert (f.stage, f.days_in_stage, f.sessions_in_stage, f.gate_pain) == (2, 7, 3, 2)
    assert f.days_in_programme == 15


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_regress_resets_and_switches_on_reentry(stage):
    start = Start(stage=stage, stage_entry_day=0, programme_start_day=0, sessions_in_stage=20)
    new_stage = max(1, stage - 1)
    history = [(visit(30, sessions_done=5, plyo_sessions=5), out(Action.REGRESS, new_stage))]
    f = facts(history, visit(40, sessions_done=2), start=start)
    assert (f.stage, f.days_in_stage, f.sessions_in_stage) == (new_stage, 10, 2)
    assert (f.entered_by_regression, f.days_since_last_regress, f.days_in_programme) == (
        True,
        10,
        40,
    )


def test_progress_clears_reentry_but_keeps_the_last_regression_day():
    history = [
        S1,
        (visit(10), out(Action.REGRESS, 1)),
        (visit(20, sessions_done=5), out(Action.PROGRESS, 2)),
    ]
    f = facts(history, visit(30, sessions_done=4))
    assert (f.stage, f.entered_by_regression, f.days_since_last_regress) == (2, False, 20)
    assert (f.days_in_stage, f.sessions_in_stage) == (10, 4)


@pytest.mark.parametrize("action", [Action.REFER, Action.STAY, Action.COMPLETE])
def test_refer_stay_complete_keep_stage_entry_and_counts(action):
    history = [
        S1,
        (visit(5), out(Action.REGRESS, 1)),
        (visit(9, sessions_done=4, plyo_sessions=9), out(action, 1)),
    ]
    f = facts(history, visit(12, sessions_done=1))
    assert (f.stage, f.days_in_stage, f.sessions_in_stage) == (1, 7, 5)
    assert (f.entered_by_regression, f.days_since_last_regress) == (True, 7)


def test_clinician_override_is_what_counts():
    # The engine would STAY; the clinician progressed the patient anyway.
    history = [S1, (visit(3, sessions_done=2, ex_pain=5), out(Action.PROGRESS, 2))]
    f = facts(history, visit(10, sessions_done=1))
    assert (f.stage, f.days_in_stage, f.sessions_in_stage) == (2, 7, 1)


def test_override_changing_the_stage_without_progress_starts_a_new_entry():
    history = [S1, (visit(3, sessions_done=2), out(STAY, 2))]
    f = facts(history, visit(10, sessions_done=1))
    assert (f.stage, f.days_in_stage, f.sessions_in_stage) == (2, 7, 1)


# --------------------------------------------------------------------------- stage 4 counting


def test_stage_4_counts_plyometric_sessions_and_stage_3_keeps_the_progress_visit():
    start = Start(stage=3, stage_entry_day=0, programme_start_day=0, sessions_in_stage=6)
    progress = visit(30, sessions_done=4, plyo_sessions=2)
    history = [(progress, out(Action.PROGRESS, 4))]
    assert facts([], progress, start=start).sessions_in_stage == 10  # 6 + 4 (not plyo)
    f = facts(history, visit(40, sessions_done=7, plyo_sessions=3), start=start)
    assert (f.stage, f.sessions_in_stage) == (4, 3)
    history.append((visit(40, sessions_done=7, plyo_sessions=3), out(STAY, 4)))
    assert facts(history, visit(50, sessions_done=5), start=start).sessions_in_stage == 3
    f = facts(history, visit(50, plyo_sessions=4, min_plyo_interval_h=70.5), start=start)
    assert (f.sessions_in_stage, f.min_plyo_interval_h) == (7, 70.5)


def test_adherence_inputs_are_the_visits_sessions():
    f = facts([S1], visit(7, sessions_done=3, sessions_prescribed=10, plyo_sessions=1))
    assert (f.sessions_done_since_last, f.sessions_prescribed_since_last) == (3, 10)


# --------------------------------------------------------------------------- gates


@pytest.mark.parametrize(
    ("stage", "tests", "expected"),
    [
        (None, {"G1": 4, "G2": 1}, 4),
        (1, {"G1": 3}, 3),
        (1, {"G2": 3}, None),
        (2, {"G1": 1, "G2": 5}, 5),
        (3, {"G3_LUNGE": 2, "G3_SLDL": 4}, 4),
        (3, {"G3_LUNGE": 5, "G3_SLDL": 1}, 5),
        (3, {"G3_LUNGE": 2}, None),
        (3, {"G3_SLDL": 2}, None),
        (4, {"G4": 0, "H10": 6}, 0),
        (4, {}, None),
    ],
)
def test_gate_pain_for_the_current_stage(stage, tests, expected):
    assert gate_pain(stage, tests) == expected


def test_hop_pain_is_h10():
    start = Start(stage=3, stage_entry_day=0, programme_start_day=0)
    f = facts([], visit(5, tests={"H10": 2, "G3_LUNGE": 1, "G3_SLDL": 1}), start=start)
    assert (f.hop_pain, f.gate_pain) == (2, 1)


def test_unknown_test_code_is_rejected():
    with pytest.raises(ValueError, match="G9"):
        Visit(day=0, tests={"G9": 1})


# --------------------------------------------------------------------------- previous values


def test_previous_values_are_the_last_non_null_before_this_visit():
    history = [
        S1,
        (visit(7, adl_pain=4, sit_min=None, visah=None), out(STAY, 1)),
        (visit(14, adl_pain=None, sit_min=18, visah=None), out(STAY, 1)),
    ]
    f = facts(history, visit(21, adl_pain=1, sit_min=30, visah=70))
    assert (f.adl_pain_prev, f.sit_min_prev, f.visah_prev) == (4, 18, 40)


def test_morning_baseline_is_never_carried():
    history = [S1, (visit(7, morning_baseline=2, pain_24h=2), out(STAY, 1))]
    f = facts(history, visit(14, pain_24h=5))
    assert (f.morning_baseline, f.delta_24h) == (None, None)
    assert "R3b" not in decide(f).rules


def test_baselines_are_the_first_non_null_at_or_after_allocation():
    history = [
        (visit(0, adl_pain=None, visah=None), out(Action.START_STAGE_1, 1)),
        (visit(7, adl_pain=None, visah=45), out(STAY, 1)),
    ]
    f = facts(history, visit(14, adl_pain=5, visah=50))
    assert (f.visah_baseline, f.adl_baseline) == (45, 5)  # this visit's own ADL value counts
    history.append((visit(14, adl_pain=5, visah=50), out(STAY, 1)))
    f = facts(history, visit(21, adl_pain=2, visah=70))
    assert (f.visah_baseline, f.adl_baseline) == (45, 5)


def test_baselines_ignore_visits_before_allocation():
    history = [
        (visit(0, red_flags=("RF_SYSTEMIC",), adl_pain=8, visah=20), out(Action.REFER, None)),
        (visit(10, adl_pain=4, visah=None), out(Action.START_STAGE_1, 1)),
    ]
    f = facts(history, visit(20, adl_pain=3, visah=35))
    assert (f.adl_baseline, f.visah_baseline, f.days_in_programme) == (4, 35, 10)


# --------------------------------------------------------------------------- start


def test_start_mid_programme():
    start = Start(
        stage=3,
        stage_entry_day=35,
        programme_start_day=0,
        entered_by_regression=True,
        last_regress_day=35,
        sessions_in_stage=2,
        visah_baseline=50,
        adl_baseline=4,
        adl_pain_prev=1,
        sit_min_prev=55,
        visah_prev=72,
    )
    f = facts([], visit(45, sessions_done=3, visah=75), start=start, needs_energy_storage=False)
    assert (f.visit, f.stage, f.days_in_stage, f.days_in_programme) == ("review", 3, 10, 45)
    assert (f.sessions_in_stage, f.entered_by_regression, f.days_since_last_regress) == (
        5,
        True,
        10,
    )
    assert (f.visah_baseline, f.adl_baseline) == (50, 4)
    assert (f.adl_pain_prev, f.sit_min_prev, f.visah_prev) == (1, 55, 72)
    assert f.needs_energy_storage is False


def test_start_defaults():
    f = facts([], visit(10), start=Start(stage=2, stage_entry_day=3, programme_start_day=1))
    assert (f.stage, f.days_in_stage, f.days_in_programme, f.sessions_in_stage) == (2, 7, 9, 0)
    assert (f.entered_by_regression, f.days_since_last_regress, f.visah_baseline) == (
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("start", "history", "day"),
    [
        (None, [S1], 0),  # days must increase strictly
        (None, [S1, (visit(5), out(STAY, 1))], 4),
        (Start(stage=2, stage_entry_day=10, programme_start_day=0), [], 9),
        (Start(stage=2, stage_entry_day=10, programme_start_day=11), [], 20),
        (Start(stage=5, stage_entry_day=0, programme_start_day=0), [], 20),
        (Start(stage=2, stage_entry_day=1, programme_start_day=0, last_regress_day=30), [], 20),
    ],
)
def test_inconsistent_days_are_rejected(start, history, day):
    with pytest.raises(ValueError):
        facts(history, visit(day), start=start)


def test_history_days_must_increase():
    with pytest.raises(ValueError):
        fold(None, [S1, (visit(0), out(STAY, 1))])


# --------------------------------------------------------------------------- fold and replay


def test_fold_gives_the_current_stage():
    assert fold(None, []).stage is None
    state = fold(None, [S1, (visit(8), out(Action.PROGRESS, 2)), (visit(20), out(Action.REFER, 2))])
    assert (state.stage, state.stage_entry_day, state.programme_start_day, state.last_day) == (
        2,
        8,
        0,
        20,
    )
    assert advance(State(), visit(0), out(Action.REFER, None)).stage is None


def test_replay_uses_the_same_derivation_as_the_app():
    visits = [
        V0,
        visit(8, sessions_done=8, ex_pain=2, morning_baseline=2, pain_24h=2, adl_pain=2,
              sit_min=25, tests={"G1": 1}, visah=55),
        visit(12, sessions_done=3, ex_pain=7, morning_baseline=2, pain_24h=2, adl_pain=2),
        visit(20, sessions_done=4, ex_pain=2, morning_baseline=1, pain_24h=1, adl_pain=2,
              sit_min=26, tests={"G1": 2}, visah=60),
    ]  # fmt: skip
    decisions = replay(False, None, visits)
    assert [(d.action, d.stage) for d in decisions] == [
        (Action.START_STAGE_1, 1),
        (Action.PROGRESS, 2),
        (Action.REGRESS, 1),
        (Action.PROGRESS, 2),  # re-entry dwell: 8 days, 4 sessions
    ]
    for i, d in enumerate(decisions):
        history = [(v, Outcome.of(e)) for v, e in zip(visits[:i], decisions[:i], strict=True)]
        assert d.facts == facts_for_visit(False, None, history, visits[i])


def test_replay_second_flare_within_28_days_refers():
    start = Start(stage=2, stage_entry_day=0, programme_start_day=0)
    flare = {"ex_pain": 7}
    decisions = replay(True, start, [visit(10, **flare), visit(38, **flare), visit(70, **flare)])
    assert [(d.action, d.stage, d.rules) for d in decisions] == [
        (Action.REGRESS, 1, ("R3a",)),
        (Action.REFER, 1, ("R2b", "R3a")),
        (Action.REGRESS, 1, ("R3a",)),  # REFER did not move the last regression day
    ]


def test_replay_review_without_energy_storage_goal_is_rejected():
    with pytest.raises(ValueError, match="needs_energy_storage"):
        replay(None, None, [V0, visit(5)])
    assert [d.action for d in replay(None, None, [V0])] == [Action.START_STAGE_1]
