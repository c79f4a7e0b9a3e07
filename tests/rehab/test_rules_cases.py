"""Every worked example in tests/rehab/cases (PROTOCOL 7) replays to its ``expect``."""

import json
from pathlib import Path

import pytest

from rehab import rules_io

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def test_the_examples_are_there():
    assert len(CASES) >= 5


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_replays_to_its_expectations(path):
    trajectory = json.loads(path.read_text(encoding="utf-8"))
    decisions = rules_io.replay_trajectory(trajectory)
    assert len(decisions) == len(trajectory["visits"])
    for i, (decision, visit) in enumerate(zip(decisions, trajectory["visits"], strict=True)):
        expect = visit["expect"]
        got = {
            "action": decision["action"],
            "stage": decision["stage"],
            "rules": set(decision["rules"]),
            "flags": set(decision["flags"]),
        }
        want = {
            "action": expect["action"],
            "stage": expect["stage"],
            "rules": set(expect["rules"]),
            "flags": set(expect["flags"]),
        }
        assert got == want, f"visit {i} (day {visit['day']})"
        if "urgency" in expect:
            assert decision["urgency"] == expect["urgency"], f"visit {i}"
        else:
            assert decision["urgency"] is None or decision["action"] == "REFER"
        assert decision["rules_version"] == "1.0.0"
