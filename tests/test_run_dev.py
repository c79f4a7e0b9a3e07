"""scripts/run-dev.sh (`make run`) gives the worker and the server the address it serves on."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Stands in for .venv/bin/python: notes what it was started as, with the diary link's base.
# The server waits for the worker's note: the script stops the worker when the server ends.
FAKE_PYTHON = """#!/usr/bin/env bash
echo "$* PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-unset}" >> "$(dirname "$0")/started"
if [ "$2" = runserver ]; then
  for _ in $(seq 100); do grep -q celery "$(dirname "$0")/started" && exit 0; sleep 0.1; done
fi
"""


def stand_in_tree(tmp_path: Path, python_source: str) -> tuple[Path, Path]:
    """A copy of the script in a tree whose .venv/bin/python is ``python_source``: the
    script's path and the stand-in's."""
    script = tmp_path / "scripts" / "run-dev.sh"
    script.parent.mkdir()
    shutil.copy(ROOT / "scripts" / "run-dev.sh", script)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(python_source)
    python.chmod(0o755)
    return script, python


def run_dev(tmp_path: Path, **env: str) -> list[str]:
    """Run a copy of the script in a tree whose Python only notes how it was started."""
    script, python = stand_in_tree(tmp_path, FAKE_PYTHON)
    result = subprocess.run(
        ["bash", str(script)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return (python.parent / "started").read_text().splitlines()


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"ADDR": "127.0.0.1:8123"}, "http://127.0.0.1:8123"),
        ({"ADDR": "8124"}, "http://127.0.0.1:8124"),  # runserver takes a bare port
        ({"ADDR": "127.0.0.1:8123", "PUBLIC_BASE_URL": "https://clinic.example.org"},
         "https://clinic.example.org"),
    ],
)  # fmt: skip
def test_the_diary_link_follows_the_address_unless_set(tmp_path, env, base):
    started = run_dev(tmp_path, **env)
    assert len(started) == 2  # the worker (which renders programmes) and the web server
    assert all(line.endswith(f"PUBLIC_BASE_URL={base}") for line in started), started
    assert any("runserver" in line for line in started)


def test_beats_schedule_is_kept_in_the_data_folder(tmp_path):
    """With PHT_DATA_DIR set, a fresh clone has no data/ folder: beat could not open its
    schedule there, crashed, and the sweeper of stuck renders never ran."""
    for tree, env, folder in [
        (tmp_path / "default", {}, tmp_path / "default" / "data"),
        (tmp_path / "set", {"PHT_DATA_DIR": str(tmp_path / "elsewhere")}, tmp_path / "elsewhere"),
    ]:
        tree.mkdir()
        worker = next(line for line in run_dev(tree, **env) if "celery" in line)
        relative = "data" if not env else str(folder)
        assert f"--schedule={relative}/celerybeat-schedule" in worker
        assert folder.is_dir()


# Both processes run until stopped, and note the TERM that stops them, their input and their
# session (the sixth field of /proc/PID/stat).
LASTING_PYTHON = """#!/usr/bin/env bash
here="$(dirname "$0")"
name=celery; [ "$2" = runserver ] && name=runserver
trap 'echo "$name" >> "$here/stopped"; exit 0' TERM
echo "$name $(cut -d' ' -f6 /proc/$$/stat)" >> "$here/sessions"
echo "$name" >> "$here/started"
echo "$name $(readlink /proc/$$/fd/0)" >> "$here/input"
sleep 60 &
wait $!
"""


@contextlib.contextmanager
def lasting_script(tmp_path: Path):
    """The script with stand-ins that run until stopped, in a process group of its own;
    yields it and the folder of the stand-ins' notes once both have started. Whatever
    happens, nothing is left running: the script's group and the worker's session end."""
    path, python = stand_in_tree(tmp_path, LASTING_PYTHON)
    notes = python.parent
    script = subprocess.Popen(
        ["bash", str(path)],
        env={"PATH": os.environ["PATH"]},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        started = notes / "started"
        for _ in range(100):
            if started.exists() and len(started.read_text().split()) == 2:
                break
            time.sleep(0.1)
        assert sorted(started.read_text().split()) == ["celery", "runserver"]
        yield script, notes
    finally:
        groups = [script.pid]
        if (notes / "sessions").exists():
            lines = (notes / "sessions").read_text().splitlines()
            groups += [int(line.split()[1]) for line in lines]
        for group in set(groups):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


def test_a_term_to_the_script_stops_the_server_and_the_worker(tmp_path):
    """A process manager or a closing terminal sends TERM: the worker was stopped but the
    server kept running (bash waits for a foreground child before it runs a trap)."""
    with lasting_script(tmp_path) as (script, notes):
        # The server reads the terminal, as it did in the foreground: breakpoint() works.
        server_input = next(line for line in (notes / "input").read_text().splitlines()
                            if line.startswith("runserver"))  # fmt: skip
        assert "pipe:" in server_input, server_input
        script.send_signal(signal.SIGTERM)
        assert script.wait(timeout=20) == 143
        assert sorted((notes / "stopped").read_text().split()) == ["celery", "runserver"]


def test_a_term_to_the_whole_group_reaches_the_worker_only_through_the_script(tmp_path):
    """A process manager may stop the script's whole process group. Celery's pool processes
    then got the TERM too, and its main process hung waiting for them (celery/celery#2700):
    the worker runs in a session of its own, which only the script's own TERM reaches."""
    with lasting_script(tmp_path) as (script, notes):
        sessions = dict(line.split() for line in (notes / "sessions").read_text().splitlines())
        assert sessions["runserver"] == str(script.pid)  # the script's group, and session
        assert sessions["celery"] != str(script.pid)
        os.killpg(script.pid, signal.SIGTERM)
        assert script.wait(timeout=20) == 143
        assert sorted((notes / "stopped").read_text().split()) == ["celery", "runserver"]


# Notes the TERM it gets, then ends; otherwise it would sleep for a minute.
TERM_NOTING = (
    "import pathlib, signal, sys, time\n"
    "def noted(*_):\n"
    "    pathlib.Path(sys.argv[1]).write_text('TERM')\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGTERM, noted)\n"
    "pathlib.Path(sys.argv[1] + '.ready').touch()\n"
    "time.sleep(60)\n"
)


def test_a_command_started_with_its_parent_gets_a_term_when_the_parent_is_killed(tmp_path):
    """make run's worker is outside the script's process group, so a KILL of that group
    (which no trap answers) would leave it running: Linux sends it a TERM instead."""
    note = tmp_path / "note"
    helper = ROOT / "scripts" / "exec_with_parent.py"
    parent = subprocess.Popen(
        ["bash", "-c", f'"$0" {helper} $$ -c "$1" {note} & sleep 60', sys.executable, TERM_NOTING],
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if note.with_suffix(".ready").exists():
                break
            time.sleep(0.1)
        assert note.with_suffix(".ready").exists()
        parent.kill()
        parent.wait(timeout=5)
        for _ in range(50):
            if note.exists():
                break
            time.sleep(0.1)
        assert note.read_text() == "TERM"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)


def test_a_command_whose_parent_has_already_ended_does_not_start():
    helper = ROOT / "scripts" / "exec_with_parent.py"
    # PID 1 did not start it: as if its parent had died before the signal could be set.
    result = subprocess.run(
        [sys.executable, str(helper), "1", "-c", "print('started')"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "started" not in result.stdout
    assert "has ended" in result.stderr
