"""Production settings refuse an insecure configuration (issue 2, item 3)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "x" * 20 + "-a-long-random-production-secret-key-0123456789"


def run_django(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "clinic.example.org"}, "SECRET_KEY"),
        (
            {"DEBUG": "0", "ALLOWED_HOSTS": "clinic.example.org", "SECRET_KEY": "short"},
            "SECRET_KEY",
        ),
        ({"DEBUG": "0", "SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        ({"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_debug_off_refuses_insecure_configuration(overrides, message):
    result = run_django(overrides, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_variables_pass_the_deployment_check():
    result = run_django(
        {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "clinic.example.org"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr


def test_postgresql_sessions_plan_for_cheap_random_reads_without_jit(db, on_postgresql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW random_page_cost")
        page_cost = cursor.fetchone()[0]
    assert (jit, float(page_cost)) == ("off", 1.1)


@pytest.mark.parametrize(
    ("env", "caseload_seconds", "backend"),
    [
        ({"DEBUG": "1"}, 300, "locmem"),  # make run: one development server process
        ({"DEBUG": "0"}, 0, "locmem"),  # gunicorn without a shared cache: nothing cached
        ({"DEBUG": "0", "CACHE_URL": "redis://127.0.0.1:6379/9"}, 300, "redis"),
    ],
)
def test_caseload_figures_are_cached_only_where_every_process_can_forget_them(
    env, caseload_seconds, backend
):
    script = (
        "from django.conf import settings as s; "
        "print(s.CASELOAD_CACHE_SECONDS, s.CACHES['default']['BACKEND'])"
    )
    result = run_django(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x", "CACHE_URL": "", **env},
        "shell",
        "-c",
        script,
    )
    assert result.returncode == 0, result.stderr
    seconds, cache_backend = result.stdout.splitlines()[-1].split()
    assert int(seconds) == caseload_seconds and backend in cache_backend.lower()
