"""Properties of the rules over generated valid facts and trajectories (hypothesis)."""

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from rehab import rules_io
from rehab.derivation import Start, Visit, replay
from rehab.rules import RED_FLAGS, Action, Facts, Urgency, decide

RANK = {"ROUTINE": 1, "URGENT": 2, "EMERGENCY": 3}
BLOCKING = sorted(c for c, f in RED_FLAGS.items() if f.urgency is not Urgency.CAUTION)
OUTPUT_KEYS = {"action", "stage", "rules", "flags", "urgency", "rules_version"}
RULE_CODES = {"A1", "A2", "A3", "R1", "R2", "R2b", "R3a", "R3b", "R3c", "R3d", "R4", "R5"}
P_CODES = {f"P{i}" for i in range(1, 10)}
FLAG_CODES = {"AMBER", "DWELL", "VISAH_DROP", "PLYO_FREQ", "PLATEAU", "LOW_ADHERENCE"}


def near(edges: list[int | float], low: int, high: int) -> st.SearchStrategy:
    """Missing, a value on or next to a rule boundary, or any value in range."""
    return st.none() | st.sampled_from(edges) | st.integers(low, high)


pain = st.none() | st.integers(0, 10)
sitting = near([4, 5, 9, 10, 11, 19, 20, 29, 30, 44, 45, 59, 60], 0, 240)
visah = near([50, 59, 60, 61, 69, 70, 71, 79, 80, 81], 0, 100)
count = near([2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 27, 28, 29, 56, 57, 83, 84], 0, 200)
hours = near([0, 71.9, 72, 72.5, 96], 0, 400) | st.floats(0, 400, allow_nan=False)
red_flags = st.lists(st.sampled_from(sorted(RED_FLAGS)), max_size=3, unique=True).map(tuple)

measurements = {
    "red_flags": red_flags,
    "ex_pain": pain,
    "morning_baseline": pain,
    "pain_24h": pain,
    "adl_pain": pain,
    "adl_pain_prev": pain,
    "gate_pain": pain,
    "hop_pain": pain,
    "adl_baseline": pain,
    "sit_min": sitting,
    "sit_min_prev": sitting,
    "visah": visah,
    "visah_prev": visah,
    "visah_baseline": visah,
    "min_plyo_interval_h": hours,
    "sessions_prescribed_since_last": count,
    "sessions_done_since_last": count,
}
review_facts = st.builds(
    Facts,
    visit=st.just("review"),
    stage=st.integers(1, 4),
    days_in_programme=count,
    days_in_stage=count,
    sessions_in_stage=count,
    entered_by_regression=st.booleans(),
    days_since_last_regress=count,
    needs_energy_storage=st.booleans(),
    **measurements,
)
initial_facts = st.builds(
    Facts,
    visit=st.just("initial"),
    needs_energy_storage=st.none() | st.booleans(),
    **measurements,
)
any_facts = review_facts | initial_facts


def reference_decide(f: Facts) -> tuple[str, int | None, set[str], set[str], str | None]:
    """PROTOCOL 3.4 pseudocode with RULES-IO's null handling, written out independently."""
    blocking = [c for c in f.red_flags if c in BLOCKING]
    urgency = max((str(RED_FLAGS[c].urgency) for c in blocking), key=RANK.get, default=None)
    if f.visit == "initial":
        if blocking:
            return "REFER", None, {"A1"}, set(), urgency
        calm = (
            f.adl_pain is not None
            and f.adl_pain < 4
            and f.sit_min is not None
            and f.sit_min >= 20
            and f.gate_pain is not None
            and f.gate_pain <= 3
        )
        if calm:
            return "START_STAGE_2", 2, {"A3"}, set(), None
        return "START_STAGE_1", 1, {"A2"}, set(), None

    s = f.stage
    assert s is not None
    if blocking:
        return "REFER", s, {"R1"}, set(), urgency

    def known(*values: object) -> bool:
        return all(v is not None for v in values)

    if (
        s <= 2
        and known(f.days_in_programme, f.visah, f.visah_baseline, f.adl_baseline, f.adl_pain)
        and f.days_in_programme >= 84
        and f.visah - f.visah_baseline < 10
        and f.adl_baseline - f.adl_pain < 2
    ):
        return "REFER", s, {"R2"}, set(), "ROUTINE"
    d24 = f.pain_24h - f.morning_baseline if known(f.pain_24h, f.morning_baseline) else None
    r3 = set()
    if known(f.ex_pain) and f.ex_pain >= 6:
        r3.add("R3a")
    if d24 is not None and d24 >= 2:
        r3.add("R3b")
    if known(f.adl_pain, f.adl_pain_prev) and f.adl_pain - f.adl_pain_prev >= 2:
        r3.add("R3c")
    if known(f.sit_min, f.sit_min_prev) and f.sit_min_prev >= 10 and f.sit_min * 2 < f.sit_min_prev:
        r3.add("R3d")
    if r3 and known(f.days_since_last_regress) and f.days_since_last_regress <= 28:
        return "REFER", s, {"R2b"} | r3, set(), "ROUTINE"
    if r3:
        return "REGRESS", max(1, s - 1), r3, set(), None
    days, sessions = f.days_in_stage or 0, f.sessions_in_stage or 0
    need_days, need_sessions = (
        (7, 3) if f.entered_by_regression else {1: (7, 5), 2: (21, 8), 3: (21, 8), 4: (28, 8)}[s]
    )
    p = {
        "P1": known(f.ex_pain) and f.ex_pain <= 3,
        "P2": d24 is not None and d24 <= 0,
        "P3": known(f.adl_pain) and f.adl_pain <= 2,
        "P4": known(f.gate_pain) and f.gate_pain <= 3,
        "P5": known(f.sit_min) and f.sit_min >= {1: 20, 2: 30, 3: 45, 4: 60}[s],
        "P6": days >= need_days and sessions >= need_sessions,
        "P7": not known(f.visah, f.visah_prev) or f.visah_prev - f.visah < 10,
        "P8": not (s == 3 and f.needs_energy_storage) or (known(f.hop_pain) and f.hop_pain <= 3),
        "P9": s != 4
        or (
            known(f.min_plyo_interval_h, f.visah) and f.min_plyo_interval_h >= 72 and f.visah >= 80
        ),
    }
    if all(p.values()):
        if s < 3 or (s == 3 and f.needs_energy_storage):
            return "PROGRESS", s + 1, {"R4"}, set(), None
        return "COMPLETE", s, {"R4"}, set(), None
    flags = set()
    if (known(f.ex_pain) and 3 < f.ex_pain < 6) or (d24 is not None and d24 == 1):
        flags.add("AMBER")
    if not p["P6"]:
        flags.add("DWELL")
    if not p["P7"]:
        flags.add("VISAH_DROP")
    if s == 4 and known(f.min_plyo_interval_h) and f.min_plyo_interval_h < 72:
        flags.add("PLYO_FREQ")
    if days > 56:
        flags.add("PLATEAU")
    done, prescribed = f.sessions_done_since_last, f.sessions_prescribed_since_last
    if prescribed and done is not None and 2 * done < prescribed:
        flags.add("LOW_ADHERENCE")
    return "STAY", s, {"R5"} | {k for k, ok in p.items() if not ok}, flags, None


@settings(max_examples=1500)
@given(any_facts)
def test_matches_the_reference_pseudocode(facts):
    d = decide(facts)
    got = (str(d.action), d.stage, set(d.rules), {str(f) for f in d.flags}, d.urgency)
    assert got == reference_decide(facts)


@given(any_facts)
def test_output_is_always_well_formed(facts):
    d = decide(facts)
    out = json.loads(json.dumps(d.as_output()))
    assert set(out) == OUTPUT_KEYS
    assert out["action"] in {a.value for a in Action}
    assert out["stage"] in (None, 1, 2, 3, 4)
    assert out["rules"] and out["rules"][0] in RULE_CODES
    assert set(out["rules"]) <= RULE_CODES | P_CODES
    assert len(out["rules"]) == len(set(out["rules"]))
    assert set(out["flags"]) <= FLAG_CODES
    assert out["rules_version"] == "1.0.0"
    assert (out["urgency"] is not None) == (out["action"] == "REFER")
    assert out["urgency"] in (None, "EMERGENCY", "URGENT", "ROUTINE")
    assert out["flags"] == [] or out["action"] == "STAY"
    assert all(line for line in d.explain())


@given(review_facts, st.lists(st.sampled_from(BLOCKING), min_size=1, max_size=3))
def test_a_blocking_red_flag_always_refers(facts, codes):
    d = decide(replace(facts, red_flags=tuple(codes)))
    assert (d.action, d.stage, d.rules, d.flags) == (Action.REFER, facts.stage, ("R1",), ())
    assert RANK[str(d.urgency)] == max(RANK[str(RED_FLAGS[c].urgency)] for c in codes)
    d = decide(replace(facts, visit="initial", stage=None, red_flags=tuple(codes)))
    assert (d.action, d.stage, d.rules) == (Action.REFER, None, ("A1",))


@given(review_facts)
def test_a_stage_is_never_skipped_and_never_below_one(facts):
    d = decide(facts)
    s = facts.stage
    expected = {
        Action.PROGRESS: s + 1,
        Action.REGRESS: max(1, s - 1),
        Action.STAY: s,
        Action.REFER: s,
        Action.COMPLETE: s,
    }[d.action]
    assert d.stage == expected
    assert 1 <= d.stage <= 4
    assert d.action is not Action.COMPLETE or s in (3, 4)
    assert d.action is not Action.PROGRESS or s < 4


@given(review_facts)
def test_progress_or_complete_only_when_every_p_criterion_holds(facts):
    d = decide(facts)
    p = [c for c in d.criteria if c.code.startswith("P")]
    if d.action in (Action.PROGRESS, Action.COMPLETE):
        assert p and all(c.met for c in p)
        assert not any(c.met for c in d.criteria if c.code.startswith("R3"))
    if d.action is Action.STAY:
        assert {c.code for c in p if not c.met} == set(d.rules) - {"R5"}


@given(any_facts)
def test_caution_codes_decide_as_no_codes(facts):
    without = replace(facts, red_flags=tuple(c for c in facts.red_flags if c != "RF_MEDICATION"))
    with_caution = replace(without, red_flags=(*without.red_flags, "RF_MEDICATION"))
    assert decide(with_caution).as_output() == decide(without).as_output()
    assert "RF_MEDICATION" in decide(with_caution).caution_codes


@given(any_facts)
def test_facts_survive_the_json_contract(facts):
    assert rules_io.parse_facts(json.loads(json.dumps(facts.to_dict()))) == facts


# --------------------------------------------------------------------------- trajectories

visits = st.builds(
    lambda gap, **kw: (gap, kw),
    st.integers(1, 40),
    red_flags=st.one_of(st.just(()), red_flags),
    ex_pain=pain,
    morning_baseline=pain,
    pain_24h=pain,
    adl_pain=pain,
    sit_min=sitting,
    visah=visah,
    tests=st.dictionaries(
        st.sampled_from(["G1", "G2", "G3_LUNGE", "G3_SLDL", "H10", "G4"]), st.integers(0, 10)
    ),
    sessions_done=count,
    sessions_prescribed=count,
    plyo_sessions=count,
    min_plyo_interval_h=hours,
)


@settings(max_examples=200)
@given(
    st.booleans(),
    st.none() | st.integers(1, 4),
    st.lists(visits, min_size=1, max_size=12),
)
def test_replayed_trajectories_move_one_stage_at_a_time(needs_energy_storage, start_stage, raw):
    day, trajectory = 0, []
    for gap, fields in raw:
        day += gap
        trajectory.append(Visit(day=day, **fields))
    start = None
    if start_stage is not None:
        start = Start(stage=start_stage, stage_entry_day=0, programme_start_day=0)
    stage = start_stage
    for decision in replay(needs_energy_storage, start, trajectory):
        if stage is None:
            assert decision.facts.visit == "initial"
            assert decision.stage in (None, 1, 2)
        else:
            assert decision.facts.visit == "review"
            assert decision.facts.stage == stage
            assert decision.stage is not None and abs(decision.stage - stage) <= 1
            assert decision.stage >= 1
            assert decision.facts.days_in_stage >= 0 and decision.facts.sessions_in_stage >= 0
        stage = decision.stage if decision.stage is not None else stage
        if decision.action is Action.REFER and decision.facts.visit == "initial":
            stage = None
