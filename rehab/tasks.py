"""Celery tasks: take an id, load the row, call a plain function; safe to run twice."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction
from django.utils import timezone

from . import programmes
from .models import RenderJob

log = logging.getLogger(__name__)


def _claim(job_id: int) -> RenderJob | None:
    """Mark the job as rendering, or None if it is done, failed, or being rendered by a
    live worker (a duplicate delivery)."""
    with transaction.atomic():
        # Only the job's row is locked ("self"): without ``of``, PostgreSQL locks every
        # joined row too, and two workers claiming jobs of one physiotherapist deadlocked
        # on the shared user and clinic rows (seen in `make bench`, two render processes).
        job = (
            RenderJob.objects.select_for_update(of=("self",))
            .select_related("plan__patient__clinic", "plan__patient__physio")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (RenderJob.Status.READY, RenderJob.Status.FAILED):
            return None
        now = timezone.now()
        started = job.started_at
        if (
            job.status == RenderJob.Status.RENDERING
            and started
            and now - started < programmes.stuck_after()
        ):
            return None
        if job.attempts >= programmes.MAX_ATTEMPTS:
            job.status, job.finished_at = RenderJob.Status.FAILED, now
            job.error = job.error or "The render did not finish after 3 attempts."
            job.save(update_fields=["status", "finished_at", "error"])
            return None
        job.status, job.started_at = RenderJob.Status.RENDERING, now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
        return job


def _finish(job: RenderJob, **fields: object) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.finished_at = timezone.now()
    job.save(update_fields=[*fields, "finished_at"])


#: Times a claim that failed on the database (a lock conflict, a dropped connection) is
#: tried again, a few seconds apart, before the job is left to the sweeper.
CLAIM_RETRIES = 3


@shared_task(name="rehab.render_programme", acks_late=True, bind=True)
def render_programme(self: Task, job_id: int) -> None:
    from . import pdf  # imported once per worker process, on first use

    try:
        job = _claim(job_id)
    except OperationalError as error:
        # Nothing was changed (the claim's transaction rolled back): try again shortly
        # instead of leaving the job queued until the sweeper finds it (minutes).
        raise self.retry(exc=error, countdown=2, max_retries=CLAIM_RETRIES) from error
    if job is None:
        return
    try:
        diary = None if job.paused else programmes.diary_url(job.plan)
        rendered = pdf.render_programme(job.plan, paused=job.paused, diary_url=diary)
        path = programmes.programme_path(job)
        programmes.write_atomically(path, rendered.content)
    except pdf.RenderRefused as refused:
        _finish(job, status=RenderJob.Status.FAILED, error=str(refused)[:300])
        return
    except SoftTimeLimitExceeded:
        _finish(job, status=RenderJob.Status.FAILED, error="The render took too long.")
        return
    except Exception as error:
        log.exception("render job %s failed", job_id)
        if job.attempts >= programmes.MAX_ATTEMPTS:
            _finish(
                job,
                status=RenderJob.Status.FAILED,
                error=f"The render failed: {type(error).__name__}.",
            )
        else:
            RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.QUEUED)
            programmes.enqueue(job.pk)
        return
    _finish(
        job,
        status=RenderJob.Status.READY,
        file_name=path.name,
        sha256=rendered.sha256,
        size=len(rendered.content),
        pages=rendered.pages,
        error="",
    )


@shared_task(name="rehab.sweep_render_jobs")
def sweep_render_jobs() -> int:
    return programmes.sweep()
