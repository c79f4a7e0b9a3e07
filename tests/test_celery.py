"""A task round trip through a real worker process, on both kinds of broker (issue 2)."""

import pytest
from celery import Celery
from django.conf import settings

from pht_clinic.celery import app

from .conftest import require
from .workers import worker_process


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_round_trip_through_the_embedded_broker(tmp_path, monkeypatch):
    # Celery lets the CELERY_BROKER_URL variable win over the configured broker.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    broker_dir = tmp_path / "broker"
    for sub in ("queue", "processed", "control"):
        (broker_dir / sub).mkdir(parents=True)
    results = tmp_path / "results"
    results.mkdir()
    # A client configured exactly as settings.py configures the filesystem broker.
    client = Celery("client", broker="filesystem://", backend=f"file://{results}")
    client.conf.broker_transport_options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    with worker_process(
        "filesystem://",
        extra_env={"PHT_BROKER_DIR": str(broker_dir), "CELERY_RESULT_BACKEND": f"file://{results}"},
        log=tmp_path / "worker.log",
    ):
        assert client.send_task("pht_clinic.ping", args=[41]).get(timeout=60) == 42


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_round_trip_through_redis():
    require(settings.CELERY_BROKER_URL.startswith("redis://"), "needs CELERY_BROKER_URL=redis://")
    with worker_process(settings.CELERY_BROKER_URL):
        assert app.send_task("pht_clinic.ping", args=[1]).get(timeout=60) == 2
