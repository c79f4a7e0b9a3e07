"""Derive the facts of a visit from the visits before it (RULES-IO "replay" semantics).

This is the one derivation shared by ``pht_rules replay`` and by the Django app, which maps
its stored assessments to :class:`Visit` and each confirmed decision (the engine's, or the
clinician's override) to :class:`Outcome`. Pure: no Django, no I/O.

Days are integers counted from any fixed origin (the replay format uses days since the
first visit; the app uses date ordinals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from rehab.rules import DEFAULT, Action, Decision, Facts, Parameters, decide

#: Load tests a visit may record (PROTOCOL 1.7; RULES-IO 10).
TEST_CODES = ("G1", "G2", "G3_LUNGE", "G3_SLDL", "H10", "G4")


@dataclass(frozen=True)
class Visit:
    """What was recorded at one visit (a RULES-IO trajectory visit without ``expect``)."""

    day: int
    red_flags: tuple[str, ...] = ()
    ex_pain: int | None = None
    morning_baseline: int | None = None
    pain_24h: int | None = None
    adl_pain: int | None = None
    sit_min: int | None = None
    visah: int | None = None
    #: Load-test code -> NPRS 0-10, only for tests done at this visit.
    tests: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    sessions_done: int | None = None
    sessions_prescribed: int | None = None
    plyo_sessions: int | None = None
    min_plyo_interval_h: float | None = None

    def __post_init__(self) -> None:
        unknown = set(self.tests) - set(TEST_CODES)
        if unknown:
            raise ValueError(f"unknown test code(s): {', '.join(sorted(unknown))}")
        object.__setattr__(self, "tests", MappingProxyType(dict(self.tests)))
        object.__setattr__(self, "red_flags", tuple(self.red_flags))


@dataclass(frozen=True)
class Start:
    """A programme already under way before the first visit given (RULES-IO ``start``)."""

    stage: int
    stage_entry_day: int
    programme_start_day: int
    entered_by_regression: bool = False
    last_regress_day: int | None = None
    sessions_in_stage: int = 0
    visah_baseline: int | None = None
    adl_baseline: int | None = None
    adl_pain_prev: int | None = None
    sit_min_prev: int | None = None
    visah_prev: int | None = None


@dataclass(frozen=True)
class Outcome:
    """The accepted result of an earlier visit: the engine's decision or the override."""

    action: Action
    stage: int | None

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        return cls(decision.action, decision.stage)


@dataclass(frozen=True)
class State:
    """Where a patient stands after a history of visits; ``stage`` None = no stage yet."""

    stage: int | None = None
    stage_entry_day: int | None = None
    programme_start_day: int | None = None
    entered_by_regression: bool = False
    last_regress_day: int | None = None
    #: Sessions of the current stage before the next visit (stage 4: plyometric sessions).
    sessions_in_stage: int = 0
    visah_baseline: int | None = None
    adl_baseline: int | None = None
    adl_pain_prev: int | None = None
    sit_min_prev: int | None = None
    visah_prev: int | None = None
    last_day: int | None = None

    @classmethod
    def from_start(cls, start: Start | None) -> State:
        if start is None:
            return cls()
        if not 1 <= start.stage <= 4:
            raise ValueError("start.stage must be 1-4")
        if start.programme_start_day > start.stage_entry_day:
            raise ValueError("start.programme_start_day is after start.stage_entry_day")
        return cls(
            stage=start.stage,
            stage_entry_day=start.stage_entry_day,
            programme_start_day=start.programme_start_day,
            entered_by_regression=start.entered_by_regression,
            last_regress_day=start.last_regress_day,
            sessions_in_stage=start.sessions_in_stage,
            visah_baseline=start.visah_baseline,
            adl_baseline=start.adl_baseline,
            adl_pain_prev=start.adl_pain_prev,
            sit_min_prev=start.sit_min_prev,
            visah_prev=start.visah_prev,
        )


def gate_pain(stage: int | None, tests: Mapping[str, int]) -> int | None:
    """Pain on the gate of ``stage`` (None = initial visit: G1). Stage 3 is the worse of the
    lunge and the single-leg deadlift, and needs both (RULES-IO 10)."""
    if stage == 3:
        lunge, sldl = tests.get("G3_LUNGE"), tests.get("G3_SLDL")
        return None if lunge is None or sldl is None else max(lunge, sldl)
    return tests.get({None: "G1", 1: "G1", 2: "G2", 4: "G4"}[stage])


def _sessions_at(stage: int, visit: Visit) -> int:
    """Sessions a visit adds to its stage: plyometric ones in stage 4 (RULES-IO 9)."""
    count = visit.plyo_sessions if stage == 4 else visit.sessions_done
    return count or 0


def _first(current: int | None, value: int | None) -> int | None:
    return value if current is None else current


def _last(previous: int | None, value: int | None) -> int | None:
    return previous if value is None else value


def facts_from_state(state: State, needs_energy_storage: bool | None, visit: Visit) -> Facts:
    """The facts of ``visit`` given the state after the visits before it."""
    if state.last_day is not None and visit.day <= state.last_day:
        raise ValueError(f"visit day {visit.day} does not come after day {state.last_day}")
    facts = Facts(
        visit="initial",
        red_flags=visit.red_flags,
        ex_pain=visit.ex_pain,
        morning_baseline=visit.morning_baseline,  # never carried (RULES-IO 4)
        pain_24h=visit.pain_24h,
        adl_pain=visit.adl_pain,
        adl_pain_prev=state.adl_pain_prev,
        gate_pain=gate_pain(state.stage, visit.tests),
        hop_pain=visit.tests.get("H10"),
        sit_min=visit.sit_min,
        sit_min_prev=state.sit_min_prev,
        visah=visit.visah,
        visah_prev=state.visah_prev,
        needs_energy_storage=needs_energy_storage,
        min_plyo_interval_h=visit.min_plyo_interval_h,
        sessions_prescribed_since_last=visit.sessions_prescribed,
        sessions_done_since_last=visit.sessions_done,
    )
    stage, entry, programme = state.stage, state.stage_entry_day, state.programme_start_day
    if stage is None:
        return facts
    if entry is None or programme is None:
        raise ValueError("a state with a stage needs its stage entry and programme start days")
    if visit.day < entry:
        raise ValueError(f"visit day {visit.day} is before the stage entry day {entry}")
    since_regress = None if state.last_regress_day is None else visit.day - state.last_regress_day
    if since_regress is not None and since_regress < 0:
        raise ValueError(f"visit day {visit.day} is before the last regression day")
    return replace(
        facts,
        visit="review",
        stage=stage,
        days_in_programme=visit.day - programme,
        days_in_stage=visit.day - entry,
        sessions_in_stage=state.sessions_in_stage + _sessions_at(stage, visit),
        entered_by_regression=state.entered_by_regression,
        days_since_last_regress=since_regress,
        # Baselines: first non-null value at or after the allocating visit (RULES-IO 6).
        visah_baseline=_first(state.visah_baseline, visit.visah),
        adl_baseline=_first(state.adl_baseline, visit.adl_pain),
    )


def advance(state: State, visit: Visit, outcome: Outcome) -> State:
    """The state after ``visit`` was decided as ``outcome`` (RULES-IO 4, 6, 7, 9, 12).

    PROGRESS and REGRESS (also at stage 1) start a new stage entry with no sessions;
    a stage allocated at an initial visit starts the programme. REFER, STAY and COMPLETE
    keep the stage, its entry day and its session count. A stage change under any other
    action (a clinician override) also starts a new stage entry.
    """
    new = replace(
        state,
        adl_pain_prev=_last(state.adl_pain_prev, visit.adl_pain),
        sit_min_prev=_last(state.sit_min_prev, visit.sit_min),
        visah_prev=_last(state.visah_prev, visit.visah),
        last_day=visit.day,
    )
    if state.stage is None:
        if outcome.stage is None:  # REFER at an initial visit: still no stage (RULES-IO 6)
            return new
        return replace(
            new,
            stage=outcome.stage,
            stage_entry_day=visit.day,
            programme_start_day=visit.day,
            entered_by_regression=False,
            sessions_in_stage=0,
            visah_baseline=visit.visah,
            adl_baseline=visit.adl_pain,
        )

    new = replace(
        new,
        sessions_in_stage=state.sessions_in_stage + _sessions_at(state.stage, visit),
        visah_baseline=_first(state.visah_baseline, visit.visah),
        adl_baseline=_first(state.adl_baseline, visit.adl_pain),
    )
    stage = state.stage if outcome.stage is None else outcome.stage
    if outcome.action is Action.REGRESS:
        return replace(
            new,
            stage=stage,
            stage_entry_day=visit.day,
            sessions_in_stage=0,
            entered_by_regression=True,
            last_regress_day=visit.day,
        )
    if outcome.action is Action.PROGRESS or stage != state.stage:
        # Sessions reported at the visit that progresses belong to the stage left behind.
        return replace(
            new,
            stage=stage,
            stage_entry_day=visit.day,
            sessions_in_stage=0,
            entered_by_regression=False,
        )
    return new


def fold(start: Start | None, history: Sequence[tuple[Visit, Outcome]]) -> State:
    """The state after every (visit, accepted outcome) of ``history``, in order."""
    state = State.from_start(start)
    for visit, outcome in history:
        if state.last_day is not None and visit.day <= state.last_day:
            raise ValueError(f"visit day {visit.day} does not come after day {state.last_day}")
        state = advance(state, visit, outcome)
    return state


def facts_for_visit(
    needs_energy_storage: bool | None,
    start: Start | None,
    history: Sequence[tuple[Visit, Outcome]],
    visit: Visit,
) -> Facts:
    """The facts the rules see at ``visit``, after ``history`` was decided as recorded."""
    return facts_from_state(fold(start, history), needs_energy_storage, visit)


def replay(
    needs_energy_storage: bool | None,
    start: Start | None,
    visits: Sequence[Visit],
    params: Parameters = DEFAULT,
) -> list[Decision]:
    """Decide every visit in turn, accepting each decision as the clinician would.

    Raises ValueError for days that do not increase, or for a review visit when
    ``needs_energy_storage`` is None.
    """
    state = State.from_start(start)
    decisions: list[Decision] = []
    for visit in visits:
        decision = decide(facts_from_state(state, needs_energy_storage, visit), params)
        decisions.append(decision)
        state = advance(state, visit, Outcome.of(decision))
    return decisions
