"""The ``pht_rules`` command-line contract (RULES-IO.md, edge cases 14 and 15)."""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rehab import rules_io

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
KEYS = {"action", "stage", "rules", "flags", "urgency", "rules_version"}

REVIEW: dict[str, Any] = {
    "visit": "review",
    "stage": 2,
    "needs_energy_storage": False,
    "ex_pain": 2,
    "morning_baseline": 1,
    "pain_24h": 1,
    "adl_pain": 1,
    "gate_pain": 2,
    "sit_min": 35,
    "days_in_stage": 22,
    "sessions_in_stage": 9,
}
TRAJECTORY: dict[str, Any] = {
    "patient": {"needs_energy_storage": True},
    "start": None,
    "visits": [
        {"day": 0, "red_flags": [], "morning_baseline": 3, "adl_pain": 4, "sit_min": 15,
         "tests": {"G1": 5}, "visah": 48},
        {"day": 8, "sessions_done": 10, "sessions_prescribed": 10, "ex_pain": 2,
         "morning_baseline": 2, "pain_24h": 2, "adl_pain": 2, "sit_min": 25,
         "tests": {"G1": 2}, "visah": 58},
    ],
}  # fmt: skip


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = rules_io.run(list(argv), io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def run_json(verb: str, data: Any) -> tuple[int, str, str]:
    return run(verb, "-", stdin=json.dumps(data))


# --------------------------------------------------------------------------- success


def test_decide_a_list_of_facts():
    facts = [
        REVIEW,
        {"visit": "initial", "adl_pain": 5},
        {"visit": "review", "stage": 1, "needs_energy_storage": True, "red_flags": ["RF_SYSTEMIC"]},
        {"visit": "initial", "red_flags": None, "adl_pain": None, "stage": None},
    ]
    code, out, err = run_json("decide", facts)
    assert (code, err) == (0, "")
    decisions = json.loads(out)
    assert [set(d) for d in decisions] == [KEYS] * 4
    assert [(d["action"], d["stage"], d["urgency"]) for d in decisions] == [
        ("PROGRESS", 3, None),
        ("START_STAGE_1", 1, None),
        ("REFER", 1, "URGENT"),
        ("START_STAGE_1", 1, None),
    ]
    assert decisions[0] == {
        "action": "PROGRESS",
        "stage": 3,
        "rules": ["R4"],
        "flags": [],
        "urgency": None,
        "rules_version": "1.0.0",
    }


def test_decide_an_empty_list():
    assert run_json("decide", []) == (0, "[]\n", "")


def test_decide_from_a_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([REVIEW]), encoding="utf-8")
    code, out, err = run("decide", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out)[0]["action"] == "PROGRESS"


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([REVIEW]), encoding="utf-8-sig")  # as Notepad may save it
    code, out, err = run("decide", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out)[0]["action"] == "PROGRESS"
    assert run("decide", "-", stdin="\ufeff[]") == (0, "[]\n", "")


def test_replay_one_trajectory_gives_one_list():
    code, out, err = run_json("replay", TRAJECTORY)
    assert (code, err) == (0, "")
    decisions = json.loads(out)
    assert [(d["action"], d["stage"]) for d in decisions] == [
        ("START_STAGE_1", 1),
        ("PROGRESS", 2),
    ]
    assert all(set(d) == KEYS for d in decisions)


def test_replay_a_list_gives_a_list_of_lists():
    assert run_json("replay", []) == (0, "[]\n", "")
    refer = {"visits": [{"day": 3, "red_flags": ["RF_CAUDA_EQUINA"]}]}
    code, out, err = run_json("replay", [TRAJECTORY, refer, {"visits": []}])
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert [len(r) for r in result] == [2, 1, 0]
    assert result[1][0] == {
        "action": "REFER",
        "stage": None,
        "rules": ["A1"],
        "flags": [],
        "urgency": "EMERGENCY",
        "rules_version": "1.0.0",
    }


def test_replay_with_start_and_ignored_expect():
    trajectory = {
        "patient": {"needs_energy_storage": False},
        "start": {
            "stage": 3,
            "stage_entry_day": 35,
            "programme_start_day": 0,
            "entered_by_regression": False,
            "last_regress_day": None,
            "sessions_in_stage": 0,
            "visah_baseline": 50,
            "adl_baseline": 4,
            "previous": {"adl_pain": 1, "sit_min": 55, "visah": 72},
        },
        "visits": [
            {"day": 60, "sessions_done": 9, "ex_pain": 1, "morning_baseline": 0, "pain_24h": 0,
             "adl_pain": 1, "sit_min": 50, "tests": {"G3_LUNGE": 1, "G3_SLDL": 3},
             "expect": {"anything": "ignored"}},
        ],
    }  # fmt: skip
    code, out, _ = run_json("replay", trajectory)
    assert code == 0
    assert json.loads(out)[0]["action"] == "COMPLETE"


def test_replay_of_only_initial_visits_needs_no_energy_storage_goal():
    code, out, _ = run_json("replay", {"visits": [{"day": 0, "red_flags": ["RF_FRACTURE"]}]})
    assert code == 0
    assert json.loads(out)[0]["action"] == "REFER"


@pytest.mark.parametrize("path", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_replay_each_case_file(path):
    code, out, err = run("replay", str(path))
    assert (code, err) == (0, "")
    expected = [v["expect"]["action"] for v in json.loads(path.read_text())["visits"]]
    assert [d["action"] for d in json.loads(out)] == expected


# --------------------------------------------------------------------------- invalid input


def facts_with(**changes: Any) -> list[dict[str, Any]]:
    item = {**REVIEW, **changes}
    return [{k: v for k, v in item.items() if v != "<absent>"}]


def trajectory_with(visit_changes: dict[str, Any] | None = None, **changes: Any) -> dict:
    visits = [dict(v) for v in TRAJECTORY["visits"]]
    visits[1].update(visit_changes or {})
    return {**TRAJECTORY, "visits": visits, **changes}


START = {"stage": 2, "stage_entry_day": 0, "programme_start_day": 0}

INVALID_DECIDE = [
    pytest.param({"visit": "review"}, id="not-a-list"),
    pytest.param([1], id="item-not-object"),
    pytest.param(facts_with(colour="red"), id="unknown-field"),
    pytest.param(facts_with(visit="<absent>"), id="visit-missing"),
    pytest.param(facts_with(visit="followup"), id="visit-unknown"),
    pytest.param(facts_with(stage="<absent>"), id="review-stage-missing"),
    pytest.param(facts_with(stage=None), id="review-stage-null"),
    pytest.param(facts_with(stage=5), id="stage-5"),
    pytest.param(facts_with(stage=0), id="stage-0"),
    pytest.param(facts_with(stage=2.0), id="stage-float"),
    pytest.param(facts_with(needs_energy_storage="<absent>"), id="energy-storage-missing"),
    pytest.param(facts_with(needs_energy_storage=None), id="energy-storage-null"),
    pytest.param(facts_with(needs_energy_storage=1), id="energy-storage-int"),
    pytest.param(facts_with(ex_pain=2.5), id="pain-2.5"),
    pytest.param(facts_with(ex_pain=True), id="pain-bool"),
    pytest.param(facts_with(ex_pain="3"), id="pain-string"),
    pytest.param(facts_with(ex_pain=11), id="pain-11"),
    pytest.param(facts_with(gate_pain=-1), id="pain-negative"),
    pytest.param(facts_with(adl_baseline=12), id="adl-baseline-12"),
    pytest.param(facts_with(sit_min=241), id="sitting-241"),
    pytest.param(facts_with(sit_min_prev=-1), id="sitting-negative"),
    pytest.param(facts_with(visah=101), id="visah-101"),
    pytest.param(facts_with(visah_baseline=-1), id="visah-negative"),
    pytest.param(facts_with(days_in_stage=-1), id="days-negative"),
    pytest.param(facts_with(sessions_in_stage=1.5), id="sessions-float"),
    pytest.param(facts_with(days_since_last_regress=False), id="days-bool"),
    pytest.param(facts_with(sessions_done_since_last=-2), id="adherence-negative"),
    pytest.param(facts_with(entered_by_regression="yes"), id="regression-string"),
    pytest.param(facts_with(min_plyo_interval_h=-1), id="interval-negative"),
    pytest.param(facts_with(min_plyo_interval_h="72"), id="interval-string"),
    pytest.param(facts_with(min_plyo_interval_h=True), id="interval-bool"),
    pytest.param(facts_with(min_plyo_interval_h=10**400), id="interval-beyond-float"),
    pytest.param(facts_with(red_flags=["RF_UNKNOWN"]), id="red-flag-unknown"),
    pytest.param(facts_with(red_flags="RF_AVULSION"), id="red-flags-string"),
    pytest.param(facts_with(red_flags=[1]), id="red-flag-int"),
    pytest.param([{"visit": "initial", "stage": 7}], id="initial-stage-7"),
]


@pytest.mark.parametrize("data", INVALID_DECIDE)
def test_invalid_facts_exit_2_with_one_line(data):
    code, out, err = run_json("decide", data)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.endswith("\n") and len(err) > 12
    assert "Traceback" not in err


INVALID_REPLAY = [
    pytest.param(3, id="number"),
    pytest.param("trajectory", id="string"),
    pytest.param([TRAJECTORY, 3], id="list-item-not-object"),
    pytest.param({**TRAJECTORY, "notes": "x"}, id="unknown-trajectory-field"),
    pytest.param({"patient": {"needs_energy_storage": True}}, id="visits-missing"),
    pytest.param({**TRAJECTORY, "visits": {}}, id="visits-not-list"),
    pytest.param({**TRAJECTORY, "patient": {"age": 30}}, id="unknown-patient-field"),
    pytest.param({**TRAJECTORY, "patient": {"needs_energy_storage": "no"}}, id="energy-str"),
    pytest.param({**TRAJECTORY, "patient": {}}, id="energy-storage-missing-at-review"),
    pytest.param({**TRAJECTORY, "patient": None}, id="patient-missing-at-review"),
    pytest.param(trajectory_with({"mood": 3}), id="unknown-visit-field"),
    pytest.param(trajectory_with({"tests": {"G5": 1}}), id="unknown-test"),
    pytest.param(trajectory_with({"tests": {"G1": 11}}), id="test-pain-11"),
    pytest.param(trajectory_with({"tests": {"G1": 1.5}}), id="test-pain-float"),
    pytest.param(trajectory_with({"tests": [1]}), id="tests-not-object"),
    pytest.param(trajectory_with({"day": 0}), id="day-repeated"),
    pytest.param(trajectory_with({"day": -3}), id="day-decreasing"),
    pytest.param(trajectory_with({"day": None}), id="day-null"),
    pytest.param(trajectory_with({"day": 8.5}), id="day-float"),
    pytest.param(trajectory_with({"ex_pain": 2.5}), id="visit-pain-float"),
    pytest.param(trajectory_with({"sit_min": 300}), id="visit-sitting-300"),
    pytest.param(trajectory_with({"visah": 101}), id="visit-visah-101"),
    pytest.param(trajectory_with({"sessions_done": -1}), id="sessions-negative"),
    pytest.param(trajectory_with({"plyo_sessions": True}), id="plyo-bool"),
    pytest.param(trajectory_with({"min_plyo_interval_h": -0.5}), id="interval-negative"),
    pytest.param(trajectory_with({"red_flags": ["RF_BAD"]}), id="visit-red-flag-unknown"),
    pytest.param(trajectory_with(start={"stage": 2, "stage_entry_day": 0}), id="start-no-prog"),
    pytest.param(
        trajectory_with(start={"stage": 2, "programme_start_day": 0}), id="start-no-entry"
    ),
    pytest.param(
        trajectory_with(start={"stage_entry_day": 0, "programme_start_day": 0}), id="start-no-stage"
    ),
    pytest.param(trajectory_with(start={**START, "stage": 5}), id="start-stage-5"),
    pytest.param(trajectory_with(start={**START, "mood": 1}), id="start-unknown-field"),
    pytest.param(
        trajectory_with(start={**START, "previous": {"ex_pain": 1}}), id="previous-unknown"
    ),
    pytest.param(trajectory_with(start={**START, "previous": {"visah": 200}}), id="previous-range"),
    pytest.param(trajectory_with(start={**START, "entered_by_regression": 0}), id="start-bool"),
    pytest.param(
        trajectory_with(start={**START, "stage_entry_day": 5}), id="start-after-first-day"
    ),
    pytest.param(trajectory_with(start=[START]), id="start-not-object"),
]


@pytest.mark.parametrize("data", INVALID_REPLAY)
def test_invalid_trajectories_exit_2_with_one_line(data):
    code, out, err = run_json("replay", data)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.endswith("\n") and len(err) > 12
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-arguments"),
        pytest.param(["decide"], id="no-file"),
        pytest.param(["judge", "-"], id="unknown-verb"),
        pytest.param(["decide", "-", "extra"], id="too-many"),
        pytest.param(["decide", "/nonexistent/facts.json"], id="missing-file"),
        pytest.param(["replay", "{dir}"], id="directory"),
        pytest.param(["decide", "{latin1}"], id="not-utf8"),
    ],
)
def test_bad_command_lines_exit_2_with_one_line(argv, tmp_path):
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'[{"visit": "initial", "note": "\xe9"}]')
    argv = [a.format(dir=tmp_path, latin1=latin1) for a in argv]
    code, out, err = run(*argv, stdin="[]")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("pht_rules: ")


@pytest.mark.parametrize(
    "text",
    ["", "[", "{'visit': 'initial'}", "[NaN]", '[{"visit": "initial", "ex_pain": Infinity}]',
     "[1e400]", "[" * 100_000, "[" + "1" * 5000 + "]", "not json"],
)  # fmt: skip
@pytest.mark.parametrize("verb", ["decide", "replay"])
def test_malformed_json_exits_2_with_one_line(text, verb):
    code, out, err = run(verb, "-", stdin=text)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("pht_rules: ")


# --------------------------------------------------------------------------- manage.py


def test_manage_py_pht_rules_as_a_subprocess():
    case = sorted(CASES.glob("*.json"))[0]
    done = subprocess.run(
        [sys.executable, "manage.py", "pht_rules", "replay", str(case)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert all(set(d) == KEYS for d in json.loads(done.stdout))

    bad = subprocess.run(
        [sys.executable, "manage.py", "pht_rules", "decide", "-"],
        cwd=ROOT,
        input='[{"visit": "review", "stage": 2, "needs_energy_storage": true, "ex_pain": 2.5}]',
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.count("\n") == 1 and "ex_pain" in bad.stderr


def test_an_unknown_option_exits_2_with_one_line_not_the_usage_text():
    done = subprocess.run(
        [sys.executable, "manage.py", "pht_rules", "decide", "--bogus", "-"],
        cwd=ROOT,
        input="[]",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("pht_rules: unrecognized arguments: --bogus")
