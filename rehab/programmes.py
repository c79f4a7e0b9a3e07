"""Printable programmes: render jobs owned by the database, and patients' download links.

A request creates (or reuses) a job row and enqueues its id after the transaction commits;
a worker renders it (``rehab.tasks``). A broker that is down only delays the job: the
sweeper re-queues jobs whose message was lost or whose worker died (STACK-NOTES "Celery").
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from patients.models import Patient

from .models import PatientLink, Plan, RenderJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # SECURITY.md "jobs": a job that keeps failing stops after 3 attempts


def content_hash(plan: Plan, paused: bool) -> str:
    from . import pdf  # WeasyPrint is imported by the worker, not by every web request

    return pdf.programme_content_hash(plan, paused=paused)


def current_plan(patient: Patient) -> Plan | None:
    return patient.plans.filter(status=Plan.Status.ISSUED).first()


def current_ready_job(patient: Patient) -> RenderJob | None:
    """The latest render of the current (issued) plan if it is ready to download: the one
    that may be handed out now (after a red-flag referral, the "programme paused" one)."""
    paused = patient.status == Patient.Status.PAUSED
    job = (
        RenderJob.objects.filter(
            plan__patient=patient, plan__status=Plan.Status.ISSUED, paused=paused
        )
        .select_related("plan")
        .first()
    )
    return job if job is not None and job.is_ready else None


def request_render(plan: Plan, user: User | None) -> RenderJob:
    """The job for this plan's current content: an existing live one, or a new queued one."""
    paused = plan.patient.status == Patient.Status.PAUSED
    digest = content_hash(plan, paused)
    with transaction.atomic():
        existing = (
            RenderJob.objects.filter(plan=plan, content_hash=digest)
            .exclude(status=RenderJob.Status.FAILED)
            .first()
        )
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = RenderJob.objects.create(
                    plan=plan, paused=paused, content_hash=digest, requested_by=user
                )
        except IntegrityError:  # a concurrent request created it first
            return RenderJob.objects.exclude(status=RenderJob.Status.FAILED).get(
                plan=plan, content_hash=digest
            )
        audit.record(None, "programme_requested", actor=user, patient=plan.patient, obj=job)
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> bool:
    """Send the job id to the broker. Never raises: if the broker is down the job stays
    queued in the database and the sweeper sends it later."""
    from pht_clinic.celery import app

    from .tasks import render_programme

    try:
        with app.connection_for_write() as connection:
            # Fail fast when the broker is down: the request must answer within 2 s.
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=1)
            render_programme.apply_async(args=[job_id], retry=False, connection=connection)
    except Exception:  # any broker failure leaves the job for the sweeper
        log.warning("render job %s could not be enqueued; the sweeper will retry", job_id)
        return False
    RenderJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def stuck_after() -> timedelta:
    return timedelta(seconds=settings.RENDER_STUCK_SECONDS)


def sweep(now: datetime | None = None) -> int:
    """Re-queue jobs that are stuck: never sent, message lost, or worker killed mid-render.
    Jobs that used all their attempts end as failed. Returns how many were re-sent."""
    now = now or timezone.now()
    cutoff = now - stuck_after()
    resend: list[int] = []
    with transaction.atomic():
        stale = RenderJob.objects.select_for_update(skip_locked=True).filter(
            status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RENDERING]
        )
        for job in stale:
            last_touch = job.started_at if job.status == RenderJob.Status.RENDERING else None
            last_touch = last_touch or job.enqueued_at
            if last_touch is not None and last_touch > cutoff:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.finished_at = RenderJob.Status.FAILED, now
                job.error = job.error or "The render did not finish after 3 attempts."
                job.save(update_fields=["status", "finished_at", "error"])
                continue
            job.status, job.enqueued_at = RenderJob.Status.QUEUED, None
            job.save(update_fields=["status", "enqueued_at"])
            resend.append(job.pk)
    return sum(enqueue(job_id) for job_id in resend)


def programme_path(job: RenderJob) -> Path:
    # Content-addressed: a job rendered twice overwrites the same file, never a second one.
    return Path(settings.PROGRAMME_DIR) / f"{job.plan.public_id}-{job.content_hash[:32]}.pdf"


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename: a reader
    sees the old file or the whole new one, never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ready_file(job: RenderJob) -> Path | None:
    """The stored file of a ready job, if it is intact (SHA-256 checked)."""
    if not job.is_ready:
        return None
    path = Path(settings.PROGRAMME_DIR) / job.file_name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return path if hashlib.sha256(data).hexdigest() == job.sha256 else None


# -- Links for patients without an account ------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: A link's token is typed from paper by patients without a camera (the handover sheet says
#: so): lower-case letters and digits without the look-alikes i, l, o and u (Crockford's
#: base32), 28 of them (140 bits; SECURITY.md asks at least 128), printed in groups of four
#: joined by hyphens. Reading it back, case, hyphens and spaces do not count, and the
#: look-alikes read as the digits they resemble.
TOKEN_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # noqa: S105 - an alphabet, not a secret
TOKEN_LENGTH = 28
_LOOK_ALIKES = str.maketrans({"o": "0", "i": "1", "l": "1", "-": None, " ": None})


def new_token() -> str:
    """A new token as printed: ``k3m9-x7q2-…``, seven groups of four."""
    symbols = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    return "-".join(symbols[i : i + 4] for i in range(0, TOKEN_LENGTH, 4))


def token_hashes(token: str) -> list[str]:
    """The hashes a typed or scanned token may be stored under: its typeable form read back
    (normalised), and the token as given, which links made before typeable tokens were
    (URL-safe base64, case and hyphens significant) still use."""
    hashes = [hash_token(token)]
    compact = token.lower().translate(_LOOK_ALIKES)
    if len(compact) == TOKEN_LENGTH and set(compact) <= set(TOKEN_ALPHABET):
        hashes.append(hash_token(compact))
    return hashes


class NotCurrent(Exception):
    """A link is only made for the patient's current (issued) plan."""

    message = "Links are for the issued (current) programme."


@contextmanager
def _for_current_plan(plan: Plan) -> Iterator[None]:
    """A transaction in which ``plan`` is the patient's issued one; NotCurrent if not."""
    with transaction.atomic():
        # The patient's row, as plans.issue locks it before revoking the links of the plan
        # it supersedes: a link is made before that (and revoked by it) or refused after.
        Patient.objects.select_for_update().filter(pk=plan.patient_id).first()
        if not Plan.objects.filter(pk=plan.pk, status=Plan.Status.ISSUED).exists():
            raise NotCurrent
        yield


def _add_link(plan: Plan, user: User | None, purpose: str, token: str, given: bool) -> PatientLink:
    days = plan.patient.clinic.patient_link_days
    if purpose == PatientLink.Purpose.DIARY:
        # Printed on the programme, which serves the whole stage: it lasts as long as the
        # plan is current (revoked when a new version is issued), at most DIARY_LINK_DAYS.
        days = settings.DIARY_LINK_DAYS
    now = timezone.now()
    link = PatientLink.objects.create(
        plan=plan,
        purpose=purpose,
        token_hash=token_hashes(token)[-1],  # of its normalised form
        created_by=user,
        expires_at=now + timedelta(days=days),
        token_given_at=now if given else None,
    )
    audit.record(None, "patient_link_created", actor=user, patient=plan.patient, obj=link)
    return link


def create_link(
    plan: Plan, user: User | None, purpose: str = PatientLink.Purpose.DOWNLOAD
) -> tuple[PatientLink, str]:
    """A new link bound to this plan version; the token (140 bits, ``new_token``) is
    returned once and only its hash is stored (SECURITY.md "patient links"). Raises
    NotCurrent unless the plan is the patient's issued one."""
    token = new_token()
    with _for_current_plan(plan):
        link = _add_link(plan, user, purpose, token, given=True)
    return link, token


def start_link(plan: Plan, user: User) -> tuple[PatientLink, bool]:
    """A download link that waits for its handover sheet (``give_sheet``), and whether it
    is new. It is stored under the hash of a token no one is given, so it opens nothing
    until then. A link already waiting for this plan's sheet is returned instead: a second
    click makes no second link. Raises NotCurrent unless the plan is the issued one."""
    with _for_current_plan(plan):
        waiting = plan.links.filter(
            purpose=PatientLink.Purpose.DOWNLOAD,
            token_given_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).first()
        if waiting is not None:
            return waiting, False
        return _add_link(plan, user, PatientLink.Purpose.DOWNLOAD, new_token(), given=False), True


def give_sheet(link: PatientLink, user: User) -> str | None:
    """The token of a link waiting for its handover sheet, made now and given once; its
    days run from now. One conditional update claims the link, so of two requests at once
    only one gets a token. None if the sheet was given before, or the link was revoked or
    has expired."""
    token, now = new_token(), timezone.now()
    with transaction.atomic():
        claimed = PatientLink.objects.filter(
            pk=link.pk, token_given_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(
            token_hash=token_hashes(token)[-1],
            token_given_at=now,
            expires_at=now + timedelta(days=link.plan.patient.clinic.patient_link_days),
        )
        if not claimed:
            return None
        link.refresh_from_db()
        audit.record(
            None, "patient_link_sheet_given", actor=user, patient=link.plan.patient, obj=link
        )
    return token


def find_link(token: str, purpose: str = PatientLink.Purpose.DOWNLOAD) -> PatientLink | None:
    """The link for a token if it is valid: known, for this purpose, not expired, not
    revoked."""
    if not token or len(token) > 100:
        return None
    link = (
        PatientLink.objects.select_related("plan__patient__clinic")
        .filter(token_hash__in=token_hashes(token), purpose=purpose, token_given_at__isnull=False)
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        return None
    return link


def diary_url(plan: Plan) -> str | None:
    """A new diary link for the printed programme (the token lives only in the PDF); None
    for a version that is no longer the patient's (printed from the history, or rendered
    after a newer one was issued): its printout carries no diary link."""
    from django.urls import reverse

    try:
        _, token = create_link(plan, None, PatientLink.Purpose.DIARY)
    except NotCurrent:
        return None
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("public:diary", args=[token])


def revoke_link(link: PatientLink, user: User) -> None:
    link.revoked_at, link.revoked_by = timezone.now(), user
    link.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(None, "patient_link_revoked", actor=user, patient=link.plan.patient, obj=link)
