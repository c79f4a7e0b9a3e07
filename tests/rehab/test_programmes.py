"""Printable programmes rendered by real Celery workers (issue 6).

The fault tests start worker processes and, for the broker tests, a private redis-server, so
that stopping the broker or killing a worker never disturbs anything else."""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import AuditEvent
from pht_clinic.celery import app
from rehab import plans, programmes, tasks
from rehab.models import RenderJob

from ..conftest import client_for, require
from ..factories import make_assessment, make_patient
from ..workers import stop, worker_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def programme_dir(tmp_path, settings, monkeypatch):
    folder = tmp_path / "programmes"
    settings.PROGRAMME_DIR = folder
    monkeypatch.setenv("PHT_PROGRAMME_DIR", str(folder))
    return folder


def issued_plan(world, **patient_fields):
    from rehab.services import confirm

    patient = make_patient(world.clinic, world.physio, **patient_fields)
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    plan = plans.create_from_template(patient, patient.stage, world.physio)
    return plans.issue(plan, plan.lock_version, world.physio)


def wait_for(predicate, timeout=90.0, every=0.3, sweep=False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if sweep:
            programmes.sweep()
        time.sleep(every)
    return predicate()


def all_ready(jobs):
    return all(RenderJob.objects.get(pk=j.pk).status == "ready" for j in jobs)


# -- The job logic, run in-process -------------------------------------------------------------


def test_a_request_creates_one_job_and_a_repeat_reuses_it(world, programme_dir, monkeypatch):
    sent = []
    monkeypatch.setattr(programmes, "enqueue", lambda job_id: sent.append(job_id) or True)
    plan = issued_plan(world)
    url = reverse("rehab:programme_request", args=[plan.patient.public_id, plan.public_id])
    client = client_for(world.physio)
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    job = RenderJob.objects.get()
    assert job.status == "queued" and sent == [job.pk]  # enqueued once, after commit


def test_the_task_renders_writes_atomically_and_is_idempotent(world, programme_dir):
    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    tasks.render_programme(job.pk)
    job.refresh_from_db()
    assert job.status == "ready" and job.attempts == 1 and job.pages >= 1
    path = programme_dir / job.file_name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == job.sha256
    tasks.render_programme(job.pk)  # a duplicate delivery does nothing
    job.refresh_from_db()
    assert job.attempts == 1
    assert [p.name for p in programme_dir.iterdir()] == [job.file_name]
    again = programmes.request_render(plan, world.physio)
    assert again.pk == job.pk  # the same plan version reuses the stored file


def test_claiming_a_job_locks_only_the_jobs_row(world, programme_dir):
    """Another transaction holding the physiotherapist's, the clinic's or the patient's row
    (a staff change, a clinic setting, a decision) does not hold up a render's claim: a
    claim that also locked them made two render processes deadlock on a shared user row."""
    import threading

    from django.db import transaction

    from accounts.models import Clinic, User
    from patients.models import Patient

    from ..concurrency import another_session_waits_for_a_lock, in_thread, require_row_locks

    require_row_locks()
    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    held, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_related_rows() -> None:
        with transaction.atomic():
            User.objects.select_for_update().get(pk=world.physio.pk)
            Clinic.objects.select_for_update().get(pk=world.clinic.pk)
            Patient.objects.select_for_update().get(pk=plan.patient_id)
            held.set()
            go.wait(15)

    holder = in_thread(hold_related_rows, errors)
    holder.start()
    assert held.wait(10)
    claims: list[object] = []
    claimer = in_thread(lambda: claims.append(tasks._claim(job.pk)), errors)
    claimer.start()
    waited = another_session_waits_for_a_lock(timeout=2.0)
    go.set()
    claimer.join(15)
    holder.join(15)
    assert errors == []
    assert not waited
    assert claims and claims[0] is not None and claims[0].status == "rendering"


def test_a_claim_that_fails_on_the_database_is_tried_again(world, programme_dir, monkeypatch):
    """A lock conflict or a dropped connection while claiming retries the task at once,
    rather than leaving the job queued for the sweeper."""
    from django.db import OperationalError

    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    real_claim, failures = tasks._claim, []

    def claim_failing_once(job_id):
        if not failures:
            failures.append(job_id)
            raise OperationalError("deadlock detected")
        return real_claim(job_id)

    monkeypatch.setattr(tasks, "_claim", claim_failing_once)
    tasks.render_programme.apply(args=[job.pk])  # as a worker runs it; a retry runs at once
    job.refresh_from_db()
    assert failures == [job.pk]
    assert job.status == "ready" and job.attempts == 1


def test_download_checks_access_and_is_audited(world, programme_dir):
    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    tasks.render_programme(job.pk)
    args = [plan.patient.public_id, plan.public_id, job.public_id]
    url = reverse("rehab:programme_download", args=args)
    response = client_for(world.physio).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="programme_downloaded").count() == 1
    assert client_for(world.other_physio).get(url).status_code == 404
    assert client_for(world.admin).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_a_corrupted_file_is_never_served(world, programme_dir):
    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    tasks.render_programme(job.pk)
    job.refresh_from_db()
    (programme_dir / job.file_name).write_bytes(b"%PDF-1.7 partial")
    url = reverse(
        "rehab:programme_download", args=[plan.patient.public_id, plan.public_id, job.public_id]
    )
    assert client_for(world.physio).get(url).status_code == 404


def test_a_render_that_always_crashes_fails_after_three_attempts(world, programme_dir, monkeypatch):
    from rehab import pdf

    monkeypatch.setattr(programmes, "enqueue", lambda job_id: True)
    good_plan = issued_plan(world)
    bad_plan = issued_plan(world)
    real = pdf.render_programme

    def crash_for_bad(plan, **kwargs):
        if plan.pk == bad_plan.pk:
            raise RuntimeError("boom")
        return real(plan, **kwargs)

    monkeypatch.setattr(pdf, "render_programme", crash_for_bad)
    bad = programmes.request_render(bad_plan, world.physio)
    good = programmes.request_render(good_plan, world.physio)
    for _ in range(4):
        tasks.render_programme(bad.pk)
    tasks.render_programme(good.pk)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == "failed" and bad.attempts == 3 and "RuntimeError" in bad.error
    assert good.status == "ready"


def test_a_refused_render_ends_failed_with_a_reason(world, programme_dir, monkeypatch):
    from rehab import pdf

    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    job = programmes.request_render(issued_plan(world), world.physio)
    tasks.render_programme(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "limit" in job.error


def test_the_sweeper_requeues_lost_and_stuck_jobs(world, programme_dir, monkeypatch, settings):
    sent = []
    monkeypatch.setattr(programmes, "enqueue", lambda job_id: sent.append(job_id) or True)
    settings.RENDER_STUCK_SECONDS = 60
    plan = issued_plan(world)
    job = programmes.request_render(plan, world.physio)
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(minutes=5)
    RenderJob.objects.filter(pk=job.pk).update(status="rendering", started_at=old, attempts=1)
    sent.clear()
    assert programmes.sweep() == 1 and sent == [job.pk]
    assert RenderJob.objects.get(pk=job.pk).status == "queued"
    RenderJob.objects.filter(pk=job.pk).update(status="rendering", started_at=old, attempts=3)
    programmes.sweep()
    assert RenderJob.objects.get(pk=job.pk).status == "failed"


def test_a_paused_programme_renders_the_paused_document(world, programme_dir):
    plan = issued_plan(world)
    patient = plan.patient
    patient.status = "paused"
    patient.save()
    job = programmes.request_render(plan, world.physio)
    assert job.paused
    tasks.render_programme(job.pk)
    from io import BytesIO

    from pypdf import PdfReader

    job.refresh_from_db()
    text = PdfReader(BytesIO((programme_dir / job.file_name).read_bytes())).pages[0].extract_text()
    assert "paused" in text.lower()


# -- Real workers, real brokers ----------------------------------------------------------------


def test_a_real_worker_renders_through_redis(world, programme_dir, on_postgresql):
    require(settings.CELERY_BROKER_URL.startswith("redis://"), "needs CELERY_BROKER_URL=redis://")
    plan = issued_plan(world)
    with worker_process(
        settings.CELERY_BROKER_URL, extra_env={"PHT_PROGRAMME_DIR": str(programme_dir)}
    ):
        client = client_for(world.physio)
        url = reverse("rehab:programme_request", args=[plan.patient.public_id, plan.public_id])
        client.post(url)
        job = RenderJob.objects.get()
        assert wait_for(lambda: all_ready([job]))
        status = client.get(
            reverse(
                "rehab:programme_status",
                args=[plan.patient.public_id, plan.public_id, job.public_id],
            )
        ).json()
        assert status["status"] == "ready" and status["download_url"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port, so the test may stop and restart it."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        require(binary is not None, "needs redis-server")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


def _reset_broker_pools():
    """Make the app connect afresh to whatever broker it is configured for now."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(monkeypatch):
    redis = PrivateRedis()
    # The app publishes to this broker for the test (Celery lets the variable win).
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    monkeypatch.setattr(app.conf, "broker_url", redis.url)
    _reset_broker_pools()
    yield redis
    redis.stop()
    monkeypatch.undo()
    _reset_broker_pools()


def test_broker_down_the_request_answers_quickly_and_the_job_completes_later(
    world, programme_dir, private_redis, settings, on_postgresql
):
    settings.RENDER_STUCK_SECONDS = 3
    plan = issued_plan(world)
    client = client_for(world.physio)
    url = reverse("rehab:programme_request", args=[plan.patient.public_id, plan.public_id])
    started = time.monotonic()
    response = client.post(url)  # the broker is not running
    elapsed = time.monotonic() - started
    assert response.status_code == 302 and elapsed < 2.0, elapsed
    job = RenderJob.objects.get()
    assert job.status == "queued" and job.enqueued_at is None

    private_redis.start()
    env = {"PHT_PROGRAMME_DIR": str(programme_dir), "RENDER_STUCK_SECONDS": "3"}
    with worker_process(private_redis.url, extra_env=env):
        assert wait_for(lambda: all_ready([job]), sweep=True)


def test_a_broker_restart_that_loses_its_queue_loses_no_job(
    world, programme_dir, private_redis, settings, on_postgresql
):
    settings.RENDER_STUCK_SECONDS = 3
    private_redis.start()
    jobs = [programmes.request_render(issued_plan(world), world.physio) for _ in range(3)]
    assert all(RenderJob.objects.get(pk=j.pk).enqueued_at for j in jobs)  # sent, no worker yet
    private_redis.stop()  # no persistence: the queue is gone
    private_redis.start()
    env = {"PHT_PROGRAMME_DIR": str(programme_dir), "RENDER_STUCK_SECONDS": "3"}
    with worker_process(private_redis.url, extra_env=env):
        assert wait_for(lambda: all_ready(jobs), sweep=True)


def test_worker_killed_mid_render_every_job_ends_ready_once(
    world, programme_dir, private_redis, settings, on_postgresql, tmp_path
):
    settings.RENDER_STUCK_SECONDS = 4
    private_redis.start()
    jobs = [programmes.request_render(issued_plan(world), world.physio) for _ in range(8)]
    env = {"PHT_PROGRAMME_DIR": str(programme_dir), "RENDER_STUCK_SECONDS": "4"}
    with worker_process(
        private_redis.url, concurrency=2, extra_env=env, log=tmp_path / "w1.log"
    ) as worker:
        assert wait_for(
            lambda: (
                RenderJob.objects.filter(status="rendering").exists()
                or RenderJob.objects.filter(status="ready").exists()
            ),
            every=0.02,
        )
        stop(worker, signal.SIGKILL)  # the whole worker, children included
    unfinished = RenderJob.objects.exclude(status="ready").count()
    assert unfinished > 0, "the kill came too late to test anything"
    with worker_process(private_redis.url, concurrency=2, extra_env=env, log=tmp_path / "w2.log"):
        assert wait_for(lambda: all_ready(jobs), sweep=True, timeout=120)
    files = sorted(p.name for p in programme_dir.iterdir() if not p.name.startswith(".tmp-"))
    ready = list(RenderJob.objects.filter(pk__in=[j.pk for j in jobs]))
    assert sorted(j.file_name for j in ready) == files  # one file per job, none twice
    for job in ready:
        data = (programme_dir / job.file_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == job.sha256
        assert job.attempts <= 3
    assert os.environ.get("CELERY_BROKER_URL") == private_redis.url
    assert Path(settings.PROGRAMME_DIR) == programme_dir
