"""The Celery app (STYLE.md 10): JSON only, time limits, acks_late with prefetch 1.

The database owns every job (status rows); tasks take ids and are safe to run twice.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht_clinic.settings")

app = Celery("pht_clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _ensure_filesystem_broker_folders() -> None:
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    backend = str(app.conf.result_backend or "")
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


_ensure_filesystem_broker_folders()
app.autodiscover_tasks()


@app.task(name="pht_clinic.ping", ignore_result=False)
def ping(value: int) -> int:
    """Round-trip check used by the tests and the operator: returns its input plus one."""
    return value + 1
