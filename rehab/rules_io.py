"""JSON validation and the command-line contract of the stage rules (RULES-IO.md).

``run(["decide", FILE], ...)`` and ``run(["replay", FILE], ...)`` read JSON from FILE (``-``
for standard input), write JSON to standard output and return 0; invalid input (including an
unreadable file or malformed JSON) writes one line to standard error and returns 2. Pure
apart from reading FILE; no Django.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any, Protocol

from rehab.derivation import TEST_CODES, Start, Visit, replay
from rehab.rules import RED_FLAGS, Facts, decide

USAGE = "usage: pht_rules decide|replay FILE (FILE may be - for standard input)"

PAIN = (0, 10)
SITTING = (0, 240)
VISAH = (0, 100)
COUNT = (0, None)

#: Integer fields of a facts object and their ranges (RULES-IO 14).
FACT_INTS: Mapping[str, tuple[int, int | None]] = {
    "days_in_programme": COUNT,
    "days_in_stage": COUNT,
    "sessions_in_stage": COUNT,
    "days_since_last_regress": COUNT,
    "ex_pain": PAIN,
    "morning_baseline": PAIN,
    "pain_24h": PAIN,
    "adl_pain": PAIN,
    "adl_pain_prev": PAIN,
    "gate_pain": PAIN,
    "hop_pain": PAIN,
    "adl_baseline": PAIN,
    "sit_min": SITTING,
    "sit_min_prev": SITTING,
    "visah": VISAH,
    "visah_prev": VISAH,
    "visah_baseline": VISAH,
    "sessions_prescribed_since_last": COUNT,
    "sessions_done_since_last": COUNT,
}
FACT_KEYS = frozenset(
    {*FACT_INTS, "visit", "stage", "red_flags", "entered_by_regression"}
    | {"needs_energy_storage", "min_plyo_interval_h"}
)

VISIT_INTS: Mapping[str, tuple[int, int | None]] = {
    "ex_pain": PAIN,
    "morning_baseline": PAIN,
    "pain_24h": PAIN,
    "adl_pain": PAIN,
    "sit_min": SITTING,
    "visah": VISAH,
    "sessions_done": COUNT,
    "sessions_prescribed": COUNT,
    "plyo_sessions": COUNT,
}
VISIT_KEYS = frozenset({*VISIT_INTS, "day", "red_flags", "tests", "min_plyo_interval_h", "expect"})
TRAJECTORY_KEYS = frozenset({"patient", "start", "visits"})
PATIENT_KEYS = frozenset({"needs_energy_storage"})
START_INTS: Mapping[str, tuple[int, int | None]] = {
    "stage": (1, 4),
    "stage_entry_day": COUNT,
    "programme_start_day": COUNT,
    "last_regress_day": COUNT,
    "sessions_in_stage": COUNT,
    "visah_baseline": VISAH,
    "adl_baseline": PAIN,
}
START_REQUIRED = ("stage", "stage_entry_day", "programme_start_day")
START_KEYS = frozenset({*START_INTS, "entered_by_regression", "previous"})
PREVIOUS_INTS: Mapping[str, tuple[int, int | None]] = {
    "adl_pain": PAIN,
    "sit_min": SITTING,
    "visah": VISAH,
}


class InvalidInput(ValueError):
    """Input that breaks RULES-IO; the message names the offending path."""


class _Reader(Protocol):
    def read(self) -> str: ...


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


# --------------------------------------------------------------------------- scalars


def _show(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: object, path: str, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{path}: expected an object, got {_show(value)}")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise InvalidInput(f"{path}: unknown field {unknown[0]!r}")
    return value


def _int(
    data: Mapping[str, Any], key: str, path: str, bounds: tuple[int, int | None]
) -> int | None:
    """An optional JSON integer in ``bounds``; 2.5, 2.0 and true are not integers."""
    value = data.get(key)
    if value is None:
        return None
    low, high = bounds
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        wanted = f"{low}-{high}" if high is not None else f">= {low}"
        raise InvalidInput(f"{path}.{key}: expected an integer {wanted}, got {_show(value)}")
    return value


def _required_int(
    data: Mapping[str, Any], key: str, path: str, bounds: tuple[int, int | None]
) -> int:
    value = _int(data, key, path, bounds)
    if value is None:
        raise InvalidInput(f"{path}.{key}: required")
    return value


def _bool(data: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"{path}.{key}: expected true or false, got {_show(value)}")
    return value


def _hours(data: Mapping[str, Any], key: str, path: str) -> float | None:
    """An optional finite number >= 0 (an integer or a decimal, not true/false)."""
    value = data.get(key)
    if value is None:
        return None
    hours = -1.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            hours = float(value)
        except OverflowError:  # an integer beyond the float range
            hours = math.inf
    if not 0 <= hours < math.inf:
        raise InvalidInput(f"{path}.{key}: expected a number >= 0, got {_show(value)}")
    return hours


def _red_flags(data: Mapping[str, Any], path: str) -> tuple[str, ...]:
    value = data.get("red_flags")
    if value is None:  # absent means none (RULES-IO 14)
        return ()
    if not isinstance(value, list):
        raise InvalidInput(f"{path}.red_flags: expected a list of codes, got {_show(value)}")
    for code in value:
        if not isinstance(code, str) or code not in RED_FLAGS:
            raise InvalidInput(f"{path}.red_flags: unknown red-flag code {_show(code)}")
    return tuple(value)


def _ints(
    data: Mapping[str, Any], path: str, fields: Mapping[str, tuple[int, int | None]]
) -> dict[str, Any]:
    return {key: _int(data, key, path, bounds) for key, bounds in fields.items()}


# --------------------------------------------------------------------------- documents


def parse_facts(value: object, path: str = "facts") -> Facts:
    """One RULES-IO facts object; raises InvalidInput (RULES-IO 14)."""
    data = _object(value, path, FACT_KEYS)
    visit = data.get("visit")
    if visit not in ("initial", "review"):
        raise InvalidInput(f'{path}.visit: expected "initial" or "review", got {_show(visit)}')
    review = visit == "review"
    stage = _int(data, "stage", path, (1, 4))
    needs_energy_storage = _bool(data, "needs_energy_storage", path)
    if review and stage is None:
        raise InvalidInput(f"{path}.stage: required at a review (1-4)")
    if review and needs_energy_storage is None:
        raise InvalidInput(f"{path}.needs_energy_storage: required at a review (true or false)")
    return Facts(
        visit="review" if review else "initial",
        stage=stage,
        red_flags=_red_flags(data, path),
        entered_by_regression=bool(_bool(data, "entered_by_regression", path)),
        needs_energy_storage=needs_energy_storage,
        min_plyo_interval_h=_hours(data, "min_plyo_interval_h", path),
        **_ints(data, path, FACT_INTS),
    )


def parse_visit(value: object, path: str) -> Visit:
    data = _object(value, path, VISIT_KEYS)
    day = _required_int(data, "day", path, COUNT)
    tests_value = data.get("tests")
    tests: dict[str, int] = {}
    if tests_value is not None:
        tests_data = _object(tests_value, f"{path}.tests", frozenset(TEST_CODES))
        for code in TEST_CODES:
            pain = _int(tests_data, code, f"{path}.tests", PAIN)
            if pain is not None:
                tests[code] = pain
    return Visit(
        day=day,
        red_flags=_red_flags(data, path),
        tests=tests,
        min_plyo_interval_h=_hours(data, "min_plyo_interval_h", path),
        **_ints(data, path, VISIT_INTS),
    )


def parse_start(value: object, path: str) -> Start | None:
    if value is None:
        return None
    data = _object(value, path, START_KEYS)
    ints = _ints(data, path, START_INTS)
    for key in START_REQUIRED:
        _required_int(data, key, path, START_INTS[key])
    previous_value = data.get("previous")
    previous: dict[str, Any] = {}
    if previous_value is not None:
        previous_data = _object(previous_value, f"{path}.previous", frozenset(PREVIOUS_INTS))
        previous = _ints(previous_data, f"{path}.previous", PREVIOUS_INTS)
    start = Start(
        stage=ints["stage"],
        stage_entry_day=ints["stage_entry_day"],
        programme_start_day=ints["programme_start_day"],
        entered_by_regression=bool(_bool(data, "entered_by_regression", path)),
        last_regress_day=ints["last_regress_day"],
        sessions_in_stage=ints["sessions_in_stage"] or 0,
        visah_baseline=ints["visah_baseline"],
        adl_baseline=ints["adl_baseline"],
        adl_pain_prev=previous.get("adl_pain"),
        sit_min_prev=previous.get("sit_min"),
        visah_prev=previous.get("visah"),
    )
    if start.programme_start_day > start.stage_entry_day:
        raise InvalidInput(f"{path}.programme_start_day: after stage_entry_day")
    return start


def replay_trajectory(value: object, path: str = "trajectory") -> list[dict[str, Any]]:
    """Validate one trajectory and replay it; the six-key output of each visit."""
    data = _object(value, path, TRAJECTORY_KEYS)
    patient_value = data.get("patient")
    needs_energy_storage = None
    if patient_value is not None:
        patient = _object(patient_value, f"{path}.patient", PATIENT_KEYS)
        needs_energy_storage = _bool(patient, "needs_energy_storage", f"{path}.patient")
    start = parse_start(data.get("start"), f"{path}.start")
    visits_value = data.get("visits")
    if not isinstance(visits_value, list):
        raise InvalidInput(f"{path}.visits: expected a list of visits, got {_show(visits_value)}")
    visits = [parse_visit(v, f"{path}.visits[{i}]") for i, v in enumerate(visits_value)]
    for i, (before, after) in enumerate(pairwise(visits), start=1):
        if after.day <= before.day:
            raise InvalidInput(f"{path}.visits[{i}].day: days must increase strictly")
    if start is not None and visits:
        for key in ("stage_entry_day", "programme_start_day", "last_regress_day"):
            day = getattr(start, key)
            if day is not None and day > visits[0].day:
                raise InvalidInput(f"{path}.start.{key}: after the first visit's day")
    try:
        decisions = replay(needs_energy_storage, start, visits)
    except ValueError as exc:  # e.g. a review without needs_energy_storage (RULES-IO 11)
        raise InvalidInput(f"{path}: {exc}") from exc
    return [decision.as_output() for decision in decisions]


def decide_all(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidInput(f"decide expects a JSON list of facts objects, got {_show(value)}")
    facts = [parse_facts(item, f"facts[{i}]") for i, item in enumerate(value)]
    return [decide(f).as_output() for f in facts]


def replay_all(value: object) -> list[Any]:
    if isinstance(value, list):
        return [replay_trajectory(t, f"trajectories[{i}]") for i, t in enumerate(value)]
    return replay_trajectory(value)


# --------------------------------------------------------------------------- command line

VERBS: Mapping[str, Callable[[object], list[Any]]] = {"decide": decide_all, "replay": replay_all}


def _reject_constant(name: str) -> None:
    raise InvalidInput(f"invalid JSON: {name} is not allowed")


def _read(name: str, stdin: _Reader) -> str:
    try:
        if name == "-":
            return stdin.read()
        with open(name, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidInput(f"cannot read {name}: {reason}") from exc


def load(text: str) -> object:
    """Parse JSON, rejecting NaN, Infinity and numbers too large for a float. A leading
    byte order mark, which some editors write, is not part of the text (RFC 8259 8.1)."""
    try:
        value = json.loads(text.removeprefix("\ufeff"), parse_constant=_reject_constant)
    except InvalidInput:
        raise
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        raise InvalidInput(f"invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise InvalidInput("invalid JSON: nested too deeply") from exc
    if _has_infinite(value):
        raise InvalidInput("invalid JSON: number out of range")
    return value


def _has_infinite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_has_infinite(v) for v in value)
    if isinstance(value, dict):
        return any(_has_infinite(v) for v in value.values())
    return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def run(argv: list[str], stdin: _Reader, stdout: _Writer, stderr: _Writer) -> int:
    """The ``pht_rules`` command: 0 on success, 2 with one stderr line on invalid input."""
    try:
        if len(argv) != 2 or argv[0] not in VERBS:
            raise InvalidInput(USAGE)
        verb, name = argv
        result = VERBS[verb](load(_read(name, stdin)))
    except (InvalidInput, RecursionError) as exc:
        stderr.write(f"pht_rules: {_one_line(exc) or 'invalid input'}\n")
        return 2
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        stderr.write(f"pht_rules: internal error: {type(exc).__name__}: {_one_line(exc)}\n")
        return 1
    stdout.write(json.dumps(result, indent=2) + "\n")
    return 0
