"""Printed programmes: render cost, time to ready, worker throughput and repeat downloads.

``python -m bench.pdf render``         a 12-exercise programme vs a bare one-page WeasyPrint
                                       document, in this process, interleaved
``python -m bench.pdf ready``          from the click ("Prepare the PDF") to a ready file,
                                       through gunicorn, Redis and the running worker
``python -m bench.pdf download``       a repeat download of an unchanged version vs a static
                                       file, from the same gunicorn
``python -m bench.pdf throughput C``   renders per second of the running worker, started by
                                       bench/pdf with --concurrency=C (bench/pdf alternates
                                       1 and 2 three times: a busy moment hits both alike)

Every job renders a plan nobody rendered before: the stage-4 plan of 12 exercises made by
``bench.seed base`` is copied to fresh patients of the bench clinic, under
another physiotherapist than the one bench/pages measures.
"""

from __future__ import annotations

import os
import re
import resource
import sys
import time
from typing import Any

from bench import seed
from bench.common import (
    Browser,
    browser_for,
    cpu_busy_seconds,
    csrf_token,
    fail,
    fmt_ms,
    http_probe,
    interleaved,
    load,
    location_path,
    ratio,
    save_part,
    setup_django,
    summary,
    tree_cpu_seconds,
)

READY_TRIALS = int(os.environ.get("BENCH_READY_TRIALS", "10"))
THROUGHPUT_JOBS = int(os.environ.get("BENCH_THROUGHPUT_JOBS", "40"))
THROUGHPUT_POLL_S = float(os.environ.get("BENCH_THROUGHPUT_POLL_S", "0.25"))
RENDER_ROUNDS = int(os.environ.get("BENCH_RENDER_ROUNDS", "15"))
DOWNLOAD_ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
DIARY_URL = "http://127.0.0.1:8000/d/bench-diary-token-0123456789abcdefghijklmnopqrstuvw/"
STATUS_URL = re.compile(r'data-status-url="([^"]+)"')
TIMEOUT_S = 120


def source_plan() -> Any:
    from rehab.models import Plan

    return Plan.objects.select_related("patient__clinic", "patient__physio").get(
        patient__first_name="Programme", patient__last_name="Source", status=Plan.Status.ISSUED
    )


def pdf_physio() -> Any:
    from accounts.models import User

    return User.objects.get(username=f"{seed.PHYSIO}01")


def fresh_plans(count: int) -> list[Any]:
    """``count`` new patients, each with an issued copy of the 12-exercise plan."""
    from django.utils import timezone

    from patients.models import Patient
    from rehab.models import Plan, PlanItem

    source = source_plan()
    physio = pdf_physio()
    start = 300_000 + Patient.objects.filter(last_name__startswith="Pdf-").count()
    patients = Patient.objects.bulk_create(
        Patient(
            **{
                **seed._patient_fields(source.patient.clinic, physio, start + i),
                "last_name": f"Pdf-{start + i}",
            },
            stage=4,
            status=Patient.Status.ACTIVE,
        )
        for i in range(count)
    )
    now = timezone.now()
    plans = Plan.objects.bulk_create(
        Plan(
            patient=p,
            stage=4,
            version=1,
            status=Plan.Status.ISSUED,
            created_by=physio,
            issued_by=physio,
            issued_at=now,
        )
        for p in patients
    )
    items = list(source.items.all())
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            **{
                f.name: getattr(item, f.name)
                for f in PlanItem._meta.concrete_fields
                if f.name not in ("id", "plan")
            },
        )
        for plan in plans
        for item in items
    )
    return list(Plan.objects.select_related("patient").filter(pk__in=[p.pk for p in plans]))


def wait_ready(job_ids: list[int], poll_s: float = 0.05) -> list[Any]:
    """The jobs once all are ready, read every ``poll_s`` seconds. Their times are read from
    the jobs' own rows, not from when this loop saw them."""
    from rehab.models import RenderJob

    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        jobs = list(RenderJob.objects.filter(pk__in=job_ids))
        failed = [j for j in jobs if j.status == RenderJob.Status.FAILED]
        if failed:
            fail(f"render job failed: {failed[0].error}")
        if all(j.status == RenderJob.Status.READY for j in jobs):
            return jobs
        time.sleep(poll_s)
    fail(f"renders not ready after {TIMEOUT_S} s: is the worker running? (worker.log)")
    raise AssertionError  # unreachable


def plan_path(plan: Any) -> str:
    return f"/patients/{plan.patient.public_id}/plans/{plan.public_id}/"


# -- Subcommands -------------------------------------------------------------------------------


def render() -> dict[str, Any]:
    import weasyprint

    from rehab import pdf

    plan = source_plan()
    pages = pdf.render_programme(plan, paused=False, diary_url=DIARY_URL).pages

    def programme() -> float:
        start = time.perf_counter()
        pdf.render_programme(plan, paused=False, diary_url=DIARY_URL)
        return time.perf_counter() - start

    def bare() -> float:
        start = time.perf_counter()
        weasyprint.HTML(string="<p>Hello</p>").write_pdf()
        return time.perf_counter() - start

    samples = interleaved(
        {"bare": bare, "programme": programme}, rounds=RENDER_ROUNDS, warmup=2, budget_s=120
    )
    result = {
        "exercises": plan.items.count(),
        "pages": pages,
        "bare": summary(samples["bare"]),
        "programme": summary(samples["programme"]),
        "x_bare": ratio(samples["programme"], samples["bare"]),
    }
    print(
        f"\nRender in-process: programme ({result['exercises']} exercises, {pages} pages) "
        f"{fmt_ms(result['programme']['median'])}, bare page {fmt_ms(result['bare']['median'])}"
        f": {result['x_bare']:.1f}x"
    )
    return result


def ready() -> dict[str, Any]:
    from rehab.models import RenderJob

    browser = browser_for(pdf_physio())
    seconds, queued, rendering = [], [], []
    for plan in fresh_plans(READY_TRIALS):
        page = browser.get(plan_path(plan))
        token = csrf_token(page.text)
        start = time.perf_counter()
        clicked = browser.post(plan_path(plan) + "programme/", {"csrfmiddlewaretoken": token})
        if clicked.status != 302:
            fail(f"programme request: HTTP {clicked.status}")
        page = browser.get(location_path(clicked))
        match = STATUS_URL.search(page.text)
        if not match:
            fail("the plan page shows no render job after the request")
        status_url = match.group(1)
        while True:
            status = browser.get(status_url, headers={"Accept": "application/json"}).json()
            if status["status"] == "ready":
                break
            if status["status"] == "failed" or time.perf_counter() - start > TIMEOUT_S:
                fail(f"render did not become ready: {status}")
            time.sleep(0.02)
        seconds.append(time.perf_counter() - start)
        job = RenderJob.objects.get(plan=plan)
        queued.append((job.started_at - job.requested_at).total_seconds())
        rendering.append((job.finished_at - job.started_at).total_seconds())
    result = {
        "trials": len(seconds),
        "click_to_ready": summary(seconds),
        "waiting_for_worker": summary(queued),
        "rendering_in_worker": summary(rendering),
    }
    print(
        f"\nClick to ready ({len(seconds)} trials): median "
        f"{fmt_ms(result['click_to_ready']['median'])}, p95 "
        f"{fmt_ms(result['click_to_ready']['p95'])}; in the worker "
        f"{fmt_ms(result['rendering_in_worker']['median'])}"
    )
    return result


def download() -> dict[str, Any]:
    from rehab import programmes
    from rehab.models import RenderJob

    plan = fresh_plans(1)[0]
    physio = pdf_physio()
    job = wait_ready([programmes.request_render(plan, physio).pk])[0]
    browser: Browser = browser_for(physio)
    url = f"{plan_path(plan)}programme/{job.public_id}/download/"
    probes = {
        "static": http_probe(browser, "/static/css/app.css"),
        "download": http_probe(browser, url),
        "floor": http_probe(browser, "/account/"),
    }
    samples = interleaved(probes, rounds=DOWNLOAD_ROUNDS, budget_s=120)
    static_bytes = len(browser.get("/static/css/app.css").body)
    result = {
        "pdf_bytes": RenderJob.objects.get(pk=job.pk).size,
        "static_bytes": static_bytes,
        **{name: summary(s) for name, s in samples.items()},
        "x_static": ratio(samples["download"], samples["static"]),
        "x_floor": ratio(samples["download"], samples["floor"]),
    }
    print(
        f"\nRepeat download {fmt_ms(result['download']['median'])} "
        f"({result['pdf_bytes']} bytes), static file {fmt_ms(result['static']['median'])}: "
        f"{result['x_static']:.1f}x"
    )
    return result


def throughput(concurrency: int) -> dict[str, Any]:
    """Renders per second of the running worker (its pid in BENCH_WORKER_PID), with the CPU
    it used and the CPU everything else on the machine used meanwhile."""
    from rehab import programmes

    worker = int(os.environ["BENCH_WORKER_PID"])
    plans = fresh_plans(2 * concurrency + THROUGHPUT_JOBS)
    physio = pdf_physio()
    # Warm every worker process first: WeasyPrint is imported on a process's first render.
    wait_ready([programmes.request_render(p, physio).pk for p in plans[: 2 * concurrency]])
    before = (time.monotonic(), cpu_busy_seconds(), tree_cpu_seconds(worker), own_cpu_seconds())
    # Looked at every THROUGHPUT_POLL_S: reading the jobs takes CPU (here and in PostgreSQL)
    # that two render processes on two cores would otherwise have.
    jobs = wait_ready(
        [programmes.request_render(p, physio).pk for p in plans[2 * concurrency :]],
        THROUGHPUT_POLL_S,
    )
    after = (time.monotonic(), cpu_busy_seconds(), tree_cpu_seconds(worker), own_cpu_seconds())
    wall, busy, in_worker, own = (b - a for a, b in zip(before, after, strict=True))
    span = (max(j.finished_at for j in jobs) - min(j.requested_at for j in jobs)).total_seconds()
    result = {
        "concurrency": concurrency,
        "jobs": len(jobs),
        "seconds": span,
        "per_second": len(jobs) / span,
        "render_in_worker": summary([(j.finished_at - j.started_at).total_seconds() for j in jobs]),
        "worker_cores": in_worker / wall,
        "other_cores": max(0.0, busy - in_worker - own) / wall,
        "bench_cores": own / wall,
    }
    print(
        f"\nThroughput with --concurrency={concurrency}: {len(jobs)} renders in {span:.1f} s = "
        f"{result['per_second']:.2f}/s (the worker used {result['worker_cores']:.2f} cores, "
        f"everything else {result['other_cores']:.2f}, this bench {result['bench_cores']:.2f})"
    )
    return result


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> None:
    setup_django()
    match argv:
        case ["render"]:
            save_part("pdf", "render", render())
        case ["ready"]:
            save_part("pdf", "ready", ready())
        case ["download"]:
            save_part("pdf", "download", download())
        case ["throughput", concurrency]:
            runs = (load("pdf") or {}).get("throughput", {})
            runs.setdefault(concurrency, []).append(throughput(int(concurrency)))
            save_part("pdf", "throughput", runs)
        case _:
            fail("usage: python -m bench.pdf render | ready | download | throughput C")


if __name__ == "__main__":
    main(sys.argv[1:])
