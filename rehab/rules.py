"""Stage rules for proximal hamstring tendinopathy (PHT) rehabilitation.

Pure Python: frozen dataclasses in, a frozen :class:`Decision` out. No Django, no I/O.

The source of truth is ``PROTOCOL.md`` (section 1.2 for the first visit, section 3 for
reviews, section 6 for red flags) together with ``RULES-IO.md``, whose "Decisions on the
edge cases" 1-15 settle what the protocol leaves open. References in comments such as
"RULES-IO 13" point at those numbered decisions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal, TypeVar

RULES_VERSION = "1.0.0"


class Action(StrEnum):
    START_STAGE_1 = "START_STAGE_1"
    START_STAGE_2 = "START_STAGE_2"
    PROGRESS = "PROGRESS"
    STAY = "STAY"
    REGRESS = "REGRESS"
    REFER = "REFER"
    COMPLETE = "COMPLETE"


class Urgency(StrEnum):
    EMERGENCY = "EMERGENCY"
    URGENT = "URGENT"
    ROUTINE = "ROUTINE"
    CAUTION = "CAUTION"


class Flag(StrEnum):
    AMBER = "AMBER"
    DWELL = "DWELL"
    VISAH_DROP = "VISAH_DROP"
    PLYO_FREQ = "PLYO_FREQ"
    PLATEAU = "PLATEAU"
    LOW_ADHERENCE = "LOW_ADHERENCE"


# Higher wins when several red flags are present (RULES-IO 5).
_URGENCY_RANK = {Urgency.CAUTION: 0, Urgency.ROUTINE: 1, Urgency.URGENT: 2, Urgency.EMERGENCY: 3}


@dataclass(frozen=True)
class RedFlag:
    code: str
    urgency: Urgency
    label: str


def _red_flags(*rows: tuple[str, Urgency, str]) -> Mapping[str, RedFlag]:
    return MappingProxyType({code: RedFlag(code, urgency, label) for code, urgency, label in rows})


#: PROTOCOL section 6: every red-flag code with its urgency and a plain-language label.
#: "Upgrade if progressive" / "with systemic features" are the separate codes
#: RF_PROGRESSIVE_NEURO and RF_SYSTEMIC (RULES-IO 5).
RED_FLAGS: Mapping[str, RedFlag] = _red_flags(
    ("RF_AVULSION", Urgency.URGENT, "Possible tendon avulsion (pop, bruising, palpable gap)"),
    ("RF_APOPHYSEAL", Urgency.URGENT, "Possible apophyseal injury (young athlete, sudden pain)"),
    ("RF_CAUDA_EQUINA", Urgency.EMERGENCY, "Cauda equina signs (saddle numbness, bladder/bowel)"),
    ("RF_PROGRESSIVE_NEURO", Urgency.URGENT, "Progressive weakness (e.g. foot drop)"),
    ("RF_NEURO_SIGNS", Urgency.ROUTINE, "Nerve signs (numbness below the knee, slump/SLR)"),
    ("RF_NIGHT_PAIN", Urgency.ROUTINE, "Constant night pain not eased by changing position"),
    ("RF_SYSTEMIC", Urgency.URGENT, "Systemic signs (fever, weight loss, cancer history)"),
    ("RF_FRACTURE", Urgency.URGENT, "Possible fracture or bone stress injury"),
    ("RF_INFLAMMATORY", Urgency.ROUTINE, "Signs of inflammatory disease (enthesitis, stiffness)"),
    ("RF_MEDICATION", Urgency.CAUTION, "Recent fluoroquinolone or systemic steroid: GP review"),
)

#: Plain-language meaning of each STAY flag (PROTOCOL 3.3 R5, RULES-IO 13).
FLAG_LABELS: Mapping[Flag, str] = MappingProxyType(
    {
        Flag.AMBER: "Amber: exercise pain or next-morning pain slightly high; reduce load 10-20%",
        Flag.DWELL: "Minimum time or sessions in this stage not reached yet",
        Flag.VISAH_DROP: "VISA-H score fell markedly since the last visit",
        Flag.PLYO_FREQ: "Plyometric sessions were closer together than allowed",
        Flag.PLATEAU: "Long time in this stage without progressing",
        Flag.LOW_ADHERENCE: "Fewer than half of the prescribed sessions were done",
    }
)


def referring_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The red flags among ``codes`` that refer, once each and in order: every one but the
    caution codes, which never decide (RULES-IO 1). A code this version does not know is
    kept (decide() refuses it before; a stored decision may hold a retired one)."""
    return tuple(
        c
        for c in dict.fromkeys(codes)
        if c not in RED_FLAGS or RED_FLAGS[c].urgency is not Urgency.CAUTION
    )


def red_flag_words(codes: Iterable[str]) -> list[tuple[str, str]]:
    """Each red-flag code with its plain words (RED_FLAGS), for the pages a physiotherapist
    reads: they show the words and keep the code for reference (a code this version does not
    know stands for itself)."""
    return [(code, RED_FLAGS[code].label if code in RED_FLAGS else code) for code in codes]


def flag_meanings(flags: Iterable[str]) -> list[tuple[str, str]]:
    """Each flag code with what it means, for people who do not know the codes ("" for a
    code this version does not know)."""
    # A StrEnum key matches its code as a str; mypy reads the keys as Flag only.
    return [(f, FLAG_LABELS.get(f, "")) for f in flags]  # type: ignore[call-overload]


# --------------------------------------------------------------------------- parameters

_T = TypeVar("_T")


def _param(default: _T, source: str) -> _T:
    """A parameter field whose metadata names its PROTOCOL row and evidence tag."""
    return field(default=default, metadata={"source": source})


@dataclass(frozen=True)
class Parameters:
    """Every threshold of PROTOCOL 3.2 and 1.2; defaults are the protocol's.

    Names follow PROTOCOL 3.2 so the audit trail reads like the protocol. Per-stage values
    are 4-tuples indexed by ``stage - 1``. Tags: [S] source, [D] derived, [CFG] clinic choice.
    """

    EX_PAIN_OK: int = _param(3, "PROTOCOL 3.2 EX_PAIN_OK [D] (P1: ex_pain <= 3)")
    EX_PAIN_REGRESS: int = _param(6, "PROTOCOL 3.2 EX_PAIN_REGRESS [S] (R3a: ex_pain >= 6)")
    DELTA24_OK: int = _param(0, "PROTOCOL 3.2 DELTA24_OK [S concept]/[D] (P2: delta <= 0)")
    DELTA24_REGRESS: int = _param(2, "PROTOCOL 3.2 DELTA24_REGRESS [CFG] (R3b: delta >= 2)")
    ADL_OK: int = _param(2, "PROTOCOL 3.2 ADL_OK [CFG] (P3: adl_pain <= 2)")
    ADL_WORSEN_REGRESS: int = _param(2, "PROTOCOL 3.2 ADL_WORSEN_REGRESS [CFG] (R3c: +2)")
    GATE_PAIN_OK: int = _param(3, "PROTOCOL 3.2 GATE_PAIN_OK [D] (P4: gate <= 3)")
    HOP_PAIN_OK: int = _param(3, "PROTOCOL 3.2 HOP_PAIN_OK [CFG] (P8: H10 <= 3)")
    SIT_MIN_REQUIRED: tuple[int, int, int, int] = _param(
        (20, 30, 45, 60), "PROTOCOL 3.2 SIT_MIN_REQUIRED [CFG] (P5, minutes, stages 1-4)"
    )
    SIT_DROP_REGRESS: float = _param(0.5, "PROTOCOL 3.2 SIT_DROP_REGRESS [CFG] (R3d factor)")
    SIT_DROP_MIN_PREV: int = _param(10, "PROTOCOL 3.2 SIT_DROP_REGRESS [CFG] (R3d prev >= 10)")
    MIN_DAYS: tuple[int, int, int, int] = _param(
        (7, 21, 21, 28), "PROTOCOL 3.2 MIN_DAYS [CFG] (P6, stages 1-4)"
    )
    MIN_SESSIONS: tuple[int, int, int, int] = _param(
        (5, 8, 8, 8), "PROTOCOL 3.2 MIN_SESSIONS [CFG] (P6, stages 1-4; stage 4 plyometric)"
    )
    REENTRY_DAYS: int = _param(7, "PROTOCOL 3.2 REENTRY_DAYS [CFG] (P6 after REGRESS)")
    REENTRY_SESSIONS: int = _param(3, "PROTOCOL 3.2 REENTRY_SESSIONS [CFG] (P6 after REGRESS)")
    VISAH_DROP_BLOCK: int = _param(10, "PROTOCOL 3.2 VISAH_DROP_BLOCK [CFG] (P7: fall >= 10)")
    NONRESPONSE_DAYS: int = _param(84, "PROTOCOL 3.2 NONRESPONSE_DAYS [CFG] (R2: 12 weeks)")
    NONRESPONSE_VISAH_GAIN: int = _param(10, "PROTOCOL 3.2 NONRESPONSE_VISAH_GAIN [CFG] (R2 <10)")
    NONRESPONSE_ADL_DROP: int = _param(2, "PROTOCOL 3.2 NONRESPONSE_ADL_DROP [CFG] (R2 <2)")
    REPEAT_FLARE_WINDOW: int = _param(28, "PROTOCOL 3.2 REPEAT_FLARE_WINDOW [CFG] (R2b days)")
    PLATEAU_DAYS: int = _param(56, "PROTOCOL 3.2 PLATEAU_DAYS [CFG] (flag when > 56)")
    PLYO_MIN_INTERVAL_H: float = _param(72.0, "PROTOCOL 3.2 PLYO_MIN_INTERVAL_H [S] (P9, hours)")
    RTS_VISAH_MIN: int = _param(80, "PROTOCOL 3.2 RTS_VISAH_MIN [CFG] (P9: VISA-H >= 80)")
    ADHERENCE_FLAG: float = _param(0.5, "PROTOCOL 3.2 ADHERENCE_FLAG [CFG] (flag when < 50%)")
    A2_ADL_PAIN: int = _param(4, "PROTOCOL 1.2 A2 [CFG] (stage 1 when ADL pain >= 4)")
    A2_SIT_MIN: int = _param(20, "PROTOCOL 1.2 A2 [CFG] (stage 1 when sitting < 20 min)")
    A2_G1_PAIN: int = _param(3, "PROTOCOL 1.2 A2 [CFG] (stage 1 when G1 pain > 3)")

    def sit_min_required(self, stage: int) -> int:
        return self.SIT_MIN_REQUIRED[stage - 1]

    def min_days(self, stage: int) -> int:
        return self.MIN_DAYS[stage - 1]

    def min_sessions(self, stage: int) -> int:
        return self.MIN_SESSIONS[stage - 1]

    @staticmethod
    def source(name: str) -> str:
        """The PROTOCOL row and evidence tag of parameter ``name`` (for the admin form)."""
        return str(_PARAM_FIELDS[name].metadata["source"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (tuples become lists); ``from_dict(to_dict())`` round-trips."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in dataclasses.fields(self)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameters:
        """Build from a ``to_dict()`` mapping; missing keys take the PROTOCOL default.

        Raises ValueError on an unknown key or a value of the wrong type (a bool is not an
        int; an int is accepted where a float is expected). Ranges are checked by
        :meth:`validate`, not here.
        """
        if not isinstance(data, Mapping):
            raise ValueError("parameters must be a mapping")
        unknown = sorted(set(data) - set(_PARAM_FIELDS))
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(map(str, unknown))}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = _PARAM_FIELDS[name].default
            if isinstance(default, tuple):
                if not (
                    isinstance(value, list | tuple)
                    and len(value) == len(default)
                    and all(_is_int(v) for v in value)
                ):
                    raise ValueError(f"{name}: expected a list of {len(default)} integers")
                values[name] = tuple(value)
            elif isinstance(default, float):
                if not (_is_number(value) and math.isfinite(value)):
                    raise ValueError(f"{name}: expected a number")
                values[name] = float(value)
            else:
                if not _is_int(value):
                    raise ValueError(f"{name}: expected an integer")
                values[name] = value
        return cls(**values)

    def validate(self, names: Mapping[str, str] | None = None) -> dict[str, str]:
        """Field name -> message for every nonsensical value; empty when all are usable.

        A message that compares with another parameter calls it by ``names`` (the admin
        form's words for each parameter); by its code where none is given."""
        errors: dict[str, str] = {}

        def called(name: str) -> str:
            return (names or {}).get(name, name)

        def check(name: str, ok: bool, message: str) -> None:
            if not ok and name not in errors:
                errors[name] = message

        for name in ("EX_PAIN_OK", "EX_PAIN_REGRESS", "ADL_OK", "GATE_PAIN_OK", "HOP_PAIN_OK"):
            check(name, 0 <= getattr(self, name) <= 10, "must be a pain score from 0 to 10")
        for name in ("A2_ADL_PAIN", "A2_G1_PAIN"):
            check(name, 0 <= getattr(self, name) <= 10, "must be a pain score from 0 to 10")
        for name in ("DELTA24_OK", "DELTA24_REGRESS"):
            check(name, -10 <= getattr(self, name) <= 10, "must be a change from -10 to +10")
        check("ADL_WORSEN_REGRESS", 1 <= self.ADL_WORSEN_REGRESS <= 10, "must be from 1 to 10")
        check("NONRESPONSE_ADL_DROP", 0 <= self.NONRESPONSE_ADL_DROP <= 10, "must be 0 to 10")
        check(
            "EX_PAIN_REGRESS",
            self.EX_PAIN_OK < self.EX_PAIN_REGRESS,
            f"must be higher than {called('EX_PAIN_OK')} ({self.EX_PAIN_OK})",
        )
        check(
            "DELTA24_REGRESS",
            self.DELTA24_OK < self.DELTA24_REGRESS,
            f"must be higher than {called('DELTA24_OK')} ({self.DELTA24_OK})",
        )
        for name in ("SIT_DROP_MIN_PREV", "A2_SIT_MIN"):
            check(name, 0 <= getattr(self, name) <= 240, "must be from 0 to 240 minutes")
        check(
            "SIT_MIN_REQUIRED",
            all(0 <= m <= 240 for m in self.SIT_MIN_REQUIRED),
            "each stage must be from 0 to 240 minutes",
        )
        check("MIN_DAYS", all(d >= 0 for d in self.MIN_DAYS), "days cannot be negative")
        check("MIN_SESSIONS", all(s >= 0 for s in self.MIN_SESSIONS), "cannot be negative")
        for name in (
            "REENTRY_DAYS",
            "REENTRY_SESSIONS",
            "NONRESPONSE_DAYS",
            "REPEAT_FLARE_WINDOW",
            "PLATEAU_DAYS",
        ):
            check(name, getattr(self, name) >= 0, "cannot be negative")
        check("PLYO_MIN_INTERVAL_H", 0 <= self.PLYO_MIN_INTERVAL_H <= 336, "must be 0-336 h")
        for name in ("VISAH_DROP_BLOCK", "NONRESPONSE_VISAH_GAIN"):
            check(name, 1 <= getattr(self, name) <= 100, "must be from 1 to 100 points")
        check("RTS_VISAH_MIN", 0 <= self.RTS_VISAH_MIN <= 100, "must be from 0 to 100")
        for name in ("SIT_DROP_REGRESS", "ADHERENCE_FLAG"):
            check(name, 0 < getattr(self, name) < 1, "must be a fraction between 0 and 1")
        return errors


_PARAM_FIELDS = {f.name: f for f in dataclasses.fields(Parameters)}
DEFAULT = Parameters()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --------------------------------------------------------------------------- facts

VisitKind = Literal["initial", "review"]


@dataclass(frozen=True)
class Facts:
    """The inputs of one decision: the RULES-IO "Facts" table, field for field.

    ``None`` means not measured. ``gate_pain`` is the pain on the current stage's gate test
    (at the initial visit: G1).
    """

    visit: VisitKind
    stage: int | None = None
    red_flags: tuple[str, ...] = ()
    days_in_programme: int | None = None
    days_in_stage: int | None = None
    sessions_in_stage: int | None = None
    entered_by_regression: bool = False
    days_since_last_regress: int | None = None
    ex_pain: int | None = None
    morning_baseline: int | None = None
    pain_24h: int | None = None
    adl_pain: int | None = None
    adl_pain_prev: int | None = None
    gate_pain: int | None = None
    hop_pain: int | None = None
    adl_baseline: int | None = None
    sit_min: int | None = None
    sit_min_prev: int | None = None
    visah: int | None = None
    visah_prev: int | None = None
    visah_baseline: int | None = None
    needs_energy_storage: bool | None = None
    min_plyo_interval_h: float | None = None
    sessions_prescribed_since_last: int | None = None
    sessions_done_since_last: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "red_flags", tuple(self.red_flags))

    @property
    def delta_24h(self) -> int | None:
        """``pain_24h - morning_baseline`` (PROTOCOL 3.1); None if either is missing."""
        if self.pain_24h is None or self.morning_baseline is None:
            return None
        return self.pain_24h - self.morning_baseline

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, in the RULES-IO field names, for storing with the decision."""
        data = dataclasses.asdict(self)
        data["red_flags"] = list(self.red_flags)
        return data


# --------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class Criterion:
    """One evaluated criterion, ready for the clinician view.

    ``met`` is True when the condition named by ``code`` holds. For P1-P9 and the A2
    terms (phrased as requirements for starting at stage 2) that is the favourable
    outcome; for R3a-R3d it means the regression trigger fired. :attr:`concern` tells
    the two apart.
    """

    code: str
    met: bool
    value: str
    threshold: str
    source: str
    text: str
    #: Met only because its input is missing: P7 without both VISA-H scores (PROTOCOL 3.3,
    #: "a missing visah is ignored by P7"). The clinician view says "ignored", not "met".
    ignored: bool = False

    @property
    def concern(self) -> bool:
        """True when this criterion argues against moving forward."""
        return self.met if self.code.startswith("R") else not self.met


@dataclass(frozen=True)
class Decision:
    """The engine's output for one visit.

    ``as_output()`` gives the six RULES-IO keys; the rest is for the clinician view and
    the audit trail (the facts and parameters it was made from).
    """

    action: Action
    stage: int | None
    rules: tuple[str, ...]
    flags: tuple[Flag, ...] = ()
    urgency: Urgency | None = None
    rules_version: str = RULES_VERSION
    criteria: tuple[Criterion, ...] = ()
    #: Caution red flags seen at the visit; shown as a note, they never decide (RULES-IO 1).
    caution_codes: tuple[str, ...] = ()
    #: Blocking red flags behind an A1/R1 referral.
    referral_codes: tuple[str, ...] = ()
    facts: Facts | None = None
    params: Parameters = DEFAULT

    def as_output(self) -> dict[str, Any]:
        """Exactly the six RULES-IO decision keys, JSON-safe."""
        return {
            "action": str(self.action),
            "stage": self.stage,
            "rules": list(self.rules),
            "flags": [str(f) for f in self.flags],
            "urgency": None if self.urgency is None else str(self.urgency),
            "rules_version": self.rules_version,
        }

    def explain(self) -> list[str]:
        return explain(self)


# --------------------------------------------------------------------------- rules


def decide(facts: Facts, params: Parameters = DEFAULT) -> Decision:
    """Apply A1-A3 (initial visit, PROTOCOL 1.2) or R1-R5 (review, PROTOCOL 3.3).

    Raises ValueError for an unknown red-flag code, or a review without a stage 1-4 or
    without ``needs_energy_storage`` (RULES-IO 1, 11, 14).
    """
    unknown = [code for code in facts.red_flags if code not in RED_FLAGS]
    if unknown:
        raise ValueError(f"unknown red-flag code(s): {', '.join(unknown)}")
    codes = tuple(dict.fromkeys(facts.red_flags))
    blocking = referring_codes(codes)
    caution = tuple(c for c in codes if RED_FLAGS[c].urgency is Urgency.CAUTION)
    urgency = _highest_urgency(blocking) if blocking else None

    def make(
        action: Action,
        stage: int | None,
        rules: tuple[str, ...],
        criteria: tuple[Criterion, ...],
        flags: tuple[Flag, ...] = (),
        urgency: Urgency | None = None,
    ) -> Decision:
        return Decision(
            action,
            stage,
            rules,
            flags,
            urgency,
            criteria=criteria,
            caution_codes=caution,
            referral_codes=blocking if rules[0] in ("A1", "R1") else (),
            facts=facts,
            params=params,
        )

    if facts.visit == "initial":
        a2 = tuple(
            _describe_a2(code, met, facts, params) for code, met in _a2(facts, params).items()
        )
        if blocking:
            return make(Action.REFER, None, ("A1",), a2, urgency=urgency)
        if not all(c.met for c in a2):
            return make(Action.START_STAGE_1, 1, ("A2",), a2)
        return make(Action.START_STAGE_2, 2, ("A3",), a2)

    if facts.visit != "review":
        raise ValueError(f"visit must be 'initial' or 'review', not {facts.visit!r}")
    stage = facts.stage
    if stage is None or isinstance(stage, bool) or not 1 <= stage <= 4:
        raise ValueError("stage (1-4) is required at a review visit")
    if facts.needs_energy_storage is None:
        raise ValueError("needs_energy_storage is required at a review visit")

    r3 = _r3(facts, params)
    p = _p(facts, stage, params)
    criteria = tuple(_describe(code, met, facts, stage, params) for code, met in (r3 | p).items())
    fired = tuple(code for code, hit in r3.items() if hit)

    if blocking:  # R1
        return make(Action.REFER, stage, ("R1",), criteria, urgency=urgency)
    if _r2(facts, stage, params):
        return make(Action.REFER, stage, ("R2",), criteria, urgency=Urgency.ROUTINE)
    since = facts.days_since_last_regress
    if fired and since is not None and since <= params.REPEAT_FLARE_WINDOW:  # R2b
        return make(Action.REFER, stage, ("R2b", *fired), criteria, urgency=Urgency.ROUTINE)
    if fired:  # R3; at stage 1 the patient stays at stage 1 on a reduced dose (PROTOCOL 1.3)
        return make(Action.REGRESS, max(1, stage - 1), fired, criteria)
    if all(p.values()):  # R4
        if stage in (1, 2) or (stage == 3 and facts.needs_energy_storage):
            return make(Action.PROGRESS, stage + 1, ("R4",), criteria)
        return make(Action.COMPLETE, stage, ("R4",), criteria)
    unmet = tuple(code for code, ok in p.items() if not ok)
    return make(Action.STAY, stage, ("R5", *unmet), criteria, _flags(facts, stage, p, params))


def _highest_urgency(codes: tuple[str, ...]) -> Urgency:
    return max((RED_FLAGS[c].urgency for c in codes), key=_URGENCY_RANK.__getitem__)


def _r2(f: Facts, stage: int, p: Parameters) -> bool:
    """R2 non-response; any term with a missing operand does not fire (RULES-IO 2)."""
    if stage > 2 or f.days_in_programme is None:
        return False
    if f.visah is None or f.visah_baseline is None or f.adl_pain is None or f.adl_baseline is None:
        return False
    return (
        f.days_in_programme >= p.NONRESPONSE_DAYS
        and f.visah - f.visah_baseline < p.NONRESPONSE_VISAH_GAIN
        and f.adl_baseline - f.adl_pain < p.NONRESPONSE_ADL_DROP
    )


def _r3(f: Facts, p: Parameters) -> dict[str, bool]:
    """R3a-R3d; a term with a missing operand does not fire (RULES-IO 2)."""
    d24 = f.delta_24h
    sit, prev = f.sit_min, f.sit_min_prev
    return {
        "R3a": f.ex_pain is not None and f.ex_pain >= p.EX_PAIN_REGRESS,
        "R3b": d24 is not None and d24 >= p.DELTA24_REGRESS,
        "R3c": f.adl_pain is not None
        and f.adl_pain_prev is not None
        and f.adl_pain - f.adl_pain_prev >= p.ADL_WORSEN_REGRESS,
        "R3d": sit is not None
        and prev is not None
        and prev >= p.SIT_DROP_MIN_PREV
        and prev > 0
        and _ratio_below(sit, prev, p.SIT_DROP_REGRESS),
    }


def _ratio_below(numerator: int, denominator: int, factor: float) -> bool:
    """``numerator / denominator < factor`` in exact arithmetic, the factor read as the
    decimal the clinic typed (0.3 means 3/10), so boundaries never depend on rounding."""
    return Fraction(numerator, denominator) < Fraction(repr(factor))


def _dwell(f: Facts, stage: int, p: Parameters) -> tuple[int, int]:
    """Minimum days and sessions; the re-entry dwell replaces the normal one (RULES-IO 12)."""
    if f.entered_by_regression:
        return p.REENTRY_DAYS, p.REENTRY_SESSIONS
    return p.min_days(stage), p.min_sessions(stage)


def _p(f: Facts, stage: int, p: Parameters) -> dict[str, bool]:
    """P1-P9 in order; P8 and P9 only where they apply. Missing input = unmet (RULES-IO 2)."""
    d24 = f.delta_24h
    min_days, min_sessions = _dwell(f, stage, p)
    result = {
        "P1": f.ex_pain is not None and f.ex_pain <= p.EX_PAIN_OK,
        "P2": d24 is not None and d24 <= p.DELTA24_OK,
        "P3": f.adl_pain is not None and f.adl_pain <= p.ADL_OK,
        "P4": f.gate_pain is not None and f.gate_pain <= p.GATE_PAIN_OK,
        "P5": f.sit_min is not None and f.sit_min >= p.sit_min_required(stage),
        "P6": (f.days_in_stage or 0) >= min_days and (f.sessions_in_stage or 0) >= min_sessions,
        "P7": f.visah is None
        or f.visah_prev is None
        or f.visah_prev - f.visah < p.VISAH_DROP_BLOCK,
    }
    if stage == 3 and f.needs_energy_storage:
        result["P8"] = f.hop_pain is not None and f.hop_pain <= p.HOP_PAIN_OK
    if stage == 4:
        interval = f.min_plyo_interval_h
        result["P9"] = (
            interval is not None
            and interval >= p.PLYO_MIN_INTERVAL_H
            and f.visah is not None
            and f.visah >= p.RTS_VISAH_MIN
        )
    return result


def _flags(f: Facts, stage: int, crit: dict[str, bool], p: Parameters) -> tuple[Flag, ...]:
    """STAY flags exactly as RULES-IO 9 and 13 define them."""
    d24 = f.delta_24h
    flags: list[Flag] = []
    if (f.ex_pain is not None and p.EX_PAIN_OK < f.ex_pain < p.EX_PAIN_REGRESS) or (
        d24 is not None and p.DELTA24_OK < d24 < p.DELTA24_REGRESS
    ):
        flags.append(Flag.AMBER)
    if not crit["P6"]:
        flags.append(Flag.DWELL)
    if not crit["P7"]:
        flags.append(Flag.VISAH_DROP)
    interval = f.min_plyo_interval_h
    if stage == 4 and interval is not None and interval < p.PLYO_MIN_INTERVAL_H:
        flags.append(Flag.PLYO_FREQ)
    if (f.days_in_stage or 0) > p.PLATEAU_DAYS:
        flags.append(Flag.PLATEAU)
    done, prescribed = f.sessions_done_since_last, f.sessions_prescribed_since_last
    if prescribed and done is not None and _ratio_below(done, prescribed, p.ADHERENCE_FLAG):
        flags.append(Flag.LOW_ADHERENCE)
    return tuple(flags)


def _a2(f: Facts, p: Parameters) -> dict[str, bool]:
    """A2 terms phrased as requirements for starting at stage 2 (PROTOCOL 1.2): any one
    unmet means START_STAGE_1, and a missing value leaves it unmet (RULES-IO 6)."""
    return {
        "A2_ADL": f.adl_pain is not None and f.adl_pain < p.A2_ADL_PAIN,
        "A2_SIT": f.sit_min is not None and f.sit_min >= p.A2_SIT_MIN,
        "A2_G1": f.gate_pain is not None and f.gate_pain <= p.A2_G1_PAIN,
    }


# --------------------------------------------------------------------------- wording

_GATE_NAMES = {
    1: "G1 short-lever bridge",
    2: "G2 long-lever bridge",
    3: "G3 lunge / single-leg deadlift (worse of the two)",
    4: "G4 sport-specific test",
}


def _pain(value: int | None) -> str:
    return "not recorded" if value is None else f"{value}/10"


def _minutes(value: int | None) -> str:
    return "not recorded" if value is None else f"{value} min"


def _signed(value: int | None) -> str:
    return "not recorded" if value is None else f"{value:+d}"


def _number(value: float | None) -> str:
    return "not recorded" if value is None else f"{value:g}"


def _count(n: int, noun: str) -> str:
    """'1 day', '2 days', '1 plyometric session': the noun in the plural it takes after n."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _describe_a2(code: str, met: bool, f: Facts, p: Parameters) -> Criterion:
    """Value, threshold and a plain-language sentence for one A2 term."""
    if code == "A2_ADL":
        value, threshold = _pain(f.adl_pain), f"below {p.A2_ADL_PAIN}"
        text = f"ADL pain {value} (stage 2 start needs {threshold})"
    elif code == "A2_SIT":
        value, threshold = _minutes(f.sit_min), f"at least {p.A2_SIT_MIN} min"
        text = f"Sitting {value} (stage 2 start needs {threshold})"
    else:
        value, threshold = _pain(f.gate_pain), f"at most {p.A2_G1_PAIN}"
        text = f"G1 bridge pain {value} (stage 2 start needs {threshold})"
    return Criterion(code, met, value, threshold, "PROTOCOL 1.2 A2", text)


def _describe(code: str, met: bool, f: Facts, stage: int, p: Parameters) -> Criterion:
    """Value, threshold and a plain-language sentence for one review criterion."""
    d24 = f.delta_24h
    ignored = False
    if code == "R3a":
        value, threshold = _pain(f.ex_pain), f"{p.EX_PAIN_REGRESS} or more"
        text = f"Exercise pain {value} (regress at {threshold})"
    elif code == "R3b":
        value, threshold = _signed(d24), f"{p.DELTA24_REGRESS:+d} or more"
        text = f"Next-morning pain change {value} (regress at {threshold})"
    elif code == "R3c":
        rise = (
            None if f.adl_pain is None or f.adl_pain_prev is None else f.adl_pain - f.adl_pain_prev
        )
        value, threshold = _signed(rise), f"{p.ADL_WORSEN_REGRESS:+d} or more"
        text = (
            f"ADL pain change since last visit {value} "
            f"({_pain(f.adl_pain_prev)} to {_pain(f.adl_pain)}; regress at {threshold})"
        )
    elif code == "R3d":
        value = _minutes(f.sit_min)
        threshold = (
            f"below {p.SIT_DROP_REGRESS:.0%} of previous (previous at least {p.SIT_DROP_MIN_PREV})"
        )
        text = f"Sitting {value}, previous {_minutes(f.sit_min_prev)} (regress {threshold})"
    elif code == "P1":
        value, threshold = _pain(f.ex_pain), f"at most {p.EX_PAIN_OK}"
        text = f"Exercise pain {value} (needs {threshold})"
    elif code == "P2":
        value, threshold = _signed(d24), f"at most {p.DELTA24_OK:+d}"
        text = (
            f"Next-morning pain change {value} (morning {_pain(f.pain_24h)} vs usual "
            f"{_pain(f.morning_baseline)}; needs {threshold})"
        )
    elif code == "P3":
        value, threshold = _pain(f.adl_pain), f"at most {p.ADL_OK}"
        text = f"ADL pain {value} (needs {threshold})"
    elif code == "P4":
        value, threshold = _pain(f.gate_pain), f"at most {p.GATE_PAIN_OK}"
        if f.gate_pain is None:
            value = "not done at this visit"
        text = f"Gate test {_GATE_NAMES[stage]}: pain {value} (needs {threshold})"
    elif code == "P5":
        value, threshold = _minutes(f.sit_min), f"at least {p.sit_min_required(stage)} min"
        text = f"Sitting {value} (needs {threshold})"
    elif code == "P6":
        days, sessions = _dwell(f, stage, p)
        kind = "plyometric session" if stage == 4 else "session"
        value = f"{_count(f.days_in_stage or 0, 'day')}, {_count(f.sessions_in_stage or 0, kind)}"
        threshold = f"at least {_count(days, 'day')} and {_count(sessions, kind)}"
        reentry = " after re-entry by regression" if f.entered_by_regression else ""
        text = f"Time in stage {value} (needs {threshold}{reentry})"
    elif code == "P7":
        change = None if f.visah is None or f.visah_prev is None else f.visah - f.visah_prev
        ignored = change is None
        value, threshold = _signed(change), f"a fall of less than {p.VISAH_DROP_BLOCK}"
        text = (
            f"VISA-H {_number(f.visah)}, previous {_number(f.visah_prev)}, change {value} "
            f"(needs {threshold}; ignored when either is missing)"
        )
    elif code == "P8":
        value, threshold = _pain(f.hop_pain), f"at most {p.HOP_PAIN_OK}"
        text = f"Hop test H10 pain {value} (needs {threshold})"
    elif code == "P9":
        gap = f.min_plyo_interval_h
        value = f"{_number(gap)}{' h' if gap is not None else ''}, VISA-H {_number(f.visah)}"
        threshold = (
            f"at least {p.PLYO_MIN_INTERVAL_H:g} h between plyometric sessions "
            f"and VISA-H at least {p.RTS_VISAH_MIN}"
        )
        text = f"Shortest plyometric gap and VISA-H {value} (needs {threshold})"
    else:  # pragma: no cover - programming error
        raise AssertionError(code)
    return Criterion(code, met, value, threshold, f"PROTOCOL 3.3 {code}", text, ignored)


def _lower_first(text: str) -> str:
    """'Sitting 28 min' -> 'sitting 28 min', but keep 'ADL' and 'VISA-H'."""
    return text[0].lower() + text[1:] if text[1:2].islower() else text


def explain(decision: Decision) -> list[str]:
    """Clinician-readable sentences: the decision and its source first, then the criteria
    that decided it, the other unmet ones, the met ones, flags and caution notes."""
    d, p, stage = decision, decision.params, decision.stage
    first = d.rules[0] if d.rules else ""
    decisive = [c for c in d.criteria if c.concern and (c.code in d.rules or first == "A2")]
    concerns = decisive + [c for c in d.criteria if c.concern and c not in decisive]
    met = [c for c in d.criteria if not c.concern and not c.code.startswith("R")]
    reasons = "; ".join(_lower_first(c.text) for c in decisive)

    if first in ("A1", "R1"):
        labels = "; ".join(f"{c} ({RED_FLAGS[c].label})" for c in d.referral_codes)
        head = _red_flag_head(first, str(d.urgency), f"red flag {labels}")
        concerns, met = [], []
    elif first == "R2":
        days = None if d.facts is None else d.facts.days_in_programme
        after = "" if days is None else f" after {_count(days, 'day')}"
        head = (
            f"Refer (ROUTINE) for a sports-medicine review: no meaningful improvement{after} "
            f"at stage {stage} (VISA-H gain below {p.NONRESPONSE_VISAH_GAIN} and "
            f"ADL pain drop below {p.NONRESPONSE_ADL_DROP} since the start). "
            f"Source: PROTOCOL 3.3 R2"
        )
    elif first == "R2b":
        head = (
            f"Refer (ROUTINE): second flare within {_count(p.REPEAT_FLARE_WINDOW, 'day')} of "
            f"the last regression: {reasons}. Source: PROTOCOL 3.3 R2b"
        )
    elif d.action is Action.REGRESS:
        before = None if d.facts is None else d.facts.stage
        target = "stay in stage 1 at a reduced dose" if before == 1 else f"go to stage {stage}"
        head = f"Regress ({target}): {reasons}. Source: PROTOCOL 3.3 R3"
    elif d.action is Action.STAY:
        head = f"Stay in stage {stage}: {reasons}. Source: PROTOCOL 3.3 R5"
    elif d.action is Action.PROGRESS:
        head = f"Progress to stage {stage}: {_met_reasons(met)}. Source: PROTOCOL 3.3 R4"
    elif d.action is Action.COMPLETE:
        head = f"Complete the programme at stage {stage}: {_met_reasons(met)}. "
        head += "Source: PROTOCOL 3.3 R4"
    elif d.action is Action.START_STAGE_1:
        head = f"Start at stage 1: {reasons}. Source: PROTOCOL 1.2 A2"
    else:
        head = f"Start at stage 2 (no sign of high irritability): {_met_reasons(met)}. "
        head += "Source: PROTOCOL 1.2 A3"

    lines = [head]
    for c in concerns:
        kind = "Triggered" if c.code.startswith("R") else "Not met"
        lines.append(f"{kind}: {c.text}. Source: {c.source}")
    lines += [f"Met: {c.text}. Source: {c.source}" for c in met]
    lines += [f"Flag {flag}: {FLAG_LABELS[flag]}." for flag in d.flags]
    lines += [f"Note, does not decide: {c} - {RED_FLAGS[c].label}." for c in d.caution_codes]
    return lines


def _met_reasons(met: list[Criterion]) -> str:
    """The criteria a progression (or a start at stage 2) rests on, with their values, as a
    colleague would say them (UX.md); one ignored for a missing value is left to the list."""
    return "; ".join(_lower_first(c.text) for c in met if not c.ignored) or "all criteria met"


def _red_flag_head(rule: str, urgency: str, flags: str) -> str:
    section = "1.2 A1" if rule == "A1" else "3.3 R1"
    head = f"Refer ({urgency}): {flags}. Programme paused - see clinician"
    return head + f". Source: PROTOCOL 6 and {section}"


def referral_headline(rule: str, urgency: str, codes: Iterable[str]) -> str:
    """The first line of :func:`explain` for a referral on red flags (rule ``A1`` or
    ``R1``), with the flags in words rather than codes: what the decision box shows, also of
    decisions stored with the line that names the codes."""
    words = [_lower_first(label) for _, label in red_flag_words(codes)]
    flags = f"red flag{'s' if len(words) > 1 else ''}: {'; '.join(words)}"
    return _red_flag_head(rule, urgency, flags)
