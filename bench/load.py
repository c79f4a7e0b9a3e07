"""Load test: simulated physiotherapists working at once against gunicorn and the worker.

Each one (a thread with its own cookies and a session made in the database) repeats, with
0.5-1.5 s of thinking before every step: open the caseload, open one of their patients,
open the assessment form, sign an assessment (the next day after the last one), confirm the
recommendation, open the current plan and press "Prepare the PDF", then watch the status
once a second (as programme.js does) for up to 10 s and download the PDF when it is ready.
Redirects are followed, as a browser would. No new step starts after the deadline.

``python -m bench.load [PHYSIOS] [SECONDS]`` (defaults 50 and 60; the load clinic comes from
``python -m bench.seed load``).
"""

from __future__ import annotations

import os
import random
import re
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench import seed
from bench.common import (
    Browser,
    Response,
    browser_for,
    cpu_busy_seconds,
    csrf_token,
    fail,
    fmt_ms,
    location_path,
    save,
    setup_django,
    summary,
    tree_cpu_seconds,
)

THINK_S = (0.5, 1.5)
PDF_WAIT_S = 10
STATUS_URL = re.compile(r'data-status-url="([^"]+)"')
FORM_ERROR = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</', re.S)
GATE_TESTS = ("G1", "G2", "G3_LUNGE", "G3_SLDL", "G4")


@dataclass
class Hit:
    step: str
    status: int
    seconds: float
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.error != "" or not 200 <= self.status < 400


@dataclass
class Patient:
    public_id: str
    plan_path: str  # the issued plan's page, "" if none
    next_visit: date


class TrackingBrowser(Browser):
    """Remembers the path of the last GET, i.e. the page a redirect led to."""

    last_path: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        if method == "GET":
            self.last_path = path
        return super().request(method, path, **kwargs)


@dataclass
class Physio:
    browser: TrackingBrowser
    patients: list[Patient]
    deadline: float
    rng: random.Random
    hits: list[Hit] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pdfs: int = 0

    # -- one request, recorded --------------------------------------------------------------
    def hit(self, step: str, method: str, path: str, **kwargs: Any) -> Response | None:
        start = time.perf_counter()
        try:
            response = self.browser.request(method, path, **kwargs)
        except Exception as error:  # a failed request is a result, not a crash
            self.hits.append(Hit(step, 0, time.perf_counter() - start, repr(error)[:200]))
            return None
        self.hits.append(Hit(step, response.status, response.seconds))
        if not 200 <= response.status < 400:
            return None
        if response.status in (301, 302, 303):
            return self.hit(step + " (redirect)", "GET", location_path(response))
        return response

    def post(self, step: str, path: str, data: dict[str, Any], page: Response) -> Response | None:
        """A form post; a 200 answer is the form shown again with errors (recorded)."""
        try:
            token = csrf_token(page.text)
        except ValueError:
            self.rejected.append(f"{step}: no form on the page")
            return None
        first = len(self.hits)
        response = self.hit(step, "POST", path, data={**data, "csrfmiddlewaretoken": token})
        if response is not None and self.hits[first].status == 200:
            found = FORM_ERROR.search(response.text)
            reason = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else "?"
            self.rejected.append(f"{step}: {reason[:120]}")
            return None
        return response

    def think(self) -> bool:
        """Pause like a person; False once the deadline has passed (stop the cycle)."""
        time.sleep(self.rng.uniform(*THINK_S))
        return time.monotonic() < self.deadline

    # -- the cycle --------------------------------------------------------------------------
    def run(self) -> None:
        time.sleep(self.rng.uniform(0, THINK_S[1]))  # people do not start in step
        turn = 0
        while time.monotonic() < self.deadline:
            self.cycle(self.patients[turn % len(self.patients)])
            turn += 1

    def cycle(self, patient: Patient) -> None:
        base = f"/patients/{patient.public_id}/"
        if self.hit("caseload", "GET", "/caseload/") is None or not self.think():
            return
        if self.hit("patient", "GET", base) is None or not self.think():
            return
        form = self.hit("assessment form", "GET", base + "assessments/new/")
        if form is None or not self.think():
            return
        detail = self.post(
            "sign assessment", base + "assessments/new/", self.visit(form, patient), form
        )
        if detail is None or not self.think():
            return
        assessment = self.browser.last_path  # where the signed form led
        confirmed = self.post("confirm decision", assessment + "decision/confirm/", {}, detail)
        if confirmed is None or not self.think():
            return
        if not patient.plan_path:  # no plan for the stage yet
            return
        plan = self.hit("plan", "GET", patient.plan_path)
        if plan is None or not self.think():
            return
        shown = self.post("request programme", patient.plan_path + "programme/", {}, plan)
        match = STATUS_URL.search(shown.text) if shown is not None else None
        if match is None:
            return
        for _ in range(PDF_WAIT_S):
            time.sleep(1)
            status = self.hit(
                "programme status", "GET", match.group(1), headers={"Accept": "application/json"}
            )
            if status is None:
                return
            job = status.json()
            if job["status"] == "ready":
                if self.hit("download", "GET", job["download_url"]) is not None:
                    self.pdfs += 1
                return
            if job["status"] == "failed":
                self.rejected.append("programme failed")
                return

    def visit(self, form: Response, patient: Patient) -> dict[str, Any]:
        initial = 'value="review"' not in form.text
        data = seed.visit_data(None if initial else 4, patient.next_visit, self.rng, visah=False)
        for code in GATE_TESTS:
            data.setdefault(f"{code}_nprs", data["nprs_morning_baseline"])
        patient.next_visit += timedelta(days=1)
        return {**data, "sign": "1"}


def physios(count: int, deadline: float) -> list[Physio]:
    from django.db.models import Max

    from accounts.models import User
    from patients.models import Patient as PatientRow
    from rehab.models import Plan

    users = list(
        User.objects.filter(clinic__name=seed.LOAD_CLINIC, role="physio").order_by("username")
    )
    if len(users) < count:
        fail(f"the load clinic has {len(users)} physiotherapists; run bench.seed load first")
    people = []
    for n, user in enumerate(users[:count]):
        patients = []
        rows = PatientRow.objects.filter(physio=user).annotate(last=Max("assessments__visit_date"))
        for row in rows:
            plan = Plan.objects.filter(patient=row, status=Plan.Status.ISSUED).first()
            patients.append(
                Patient(
                    str(row.public_id),
                    f"/patients/{row.public_id}/plans/{plan.public_id}/" if plan else "",
                    row.last + timedelta(days=1),
                )
            )
        browser = TrackingBrowser(cookies=browser_for(user).cookies)
        people.append(Physio(browser, patients, deadline, random.Random(n)))
    return people


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds so far: the machine, gunicorn and the worker (their process trees, ids
    from bench/load) and this client."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "machine": cpu_busy_seconds(),
        "web": tree_cpu_seconds(int(os.environ.get("BENCH_WEB_PID", "0"))),
        "worker": tree_cpu_seconds(int(os.environ.get("BENCH_WORKER_PID", "0"))),
        "client": usage.ru_utime + usage.ru_stime,
    }


def main(argv: list[str]) -> None:
    setup_django()
    from django.utils import timezone

    from rehab.models import RenderJob

    count = int(argv[0]) if argv else 50
    seconds = float(argv[1]) if len(argv) > 1 else 60.0
    start_wall = timezone.now()
    deadline = time.monotonic() + seconds
    people = physios(count, deadline)
    threads = [threading.Thread(target=p.run, daemon=True) for p in people]
    cpu_before = cpu_snapshot()
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - began
    cpu = {k: round((v - cpu_before[k]) / elapsed, 2) for k, v in cpu_snapshot().items()}
    # PostgreSQL, Redis and anything else running on the machine.
    cpu["others"] = round(max(0.0, cpu["machine"] - cpu["web"] - cpu["worker"] - cpu["client"]), 2)
    if any(t.is_alive() for t in threads):
        fail("simulated physiotherapists still running 2 minutes after the deadline")

    hits = [h for p in people for h in p.hits]
    failed = [h for h in hits if h.failed]
    steps: dict[str, list[Hit]] = {}
    for h in hits:
        steps.setdefault(h.step, []).append(h)
    jobs = RenderJob.objects.filter(requested_at__gte=start_wall)
    result = {
        "physios": count,
        "seconds": seconds,
        "elapsed": elapsed,
        "requests": len(hits),
        "per_second": len(hits) / elapsed,
        "failed": len(failed),
        "failures": sorted({f"{h.step}: {h.status} {h.error}" for h in failed})[:20],
        "rejected_forms": sum(len(p.rejected) for p in people),
        "rejections": sorted({r for p in people for r in p.rejected})[:20],
        "latency": summary([h.seconds for h in hits]),
        "steps": {name: summary([h.seconds for h in hs]) for name, hs in sorted(steps.items())},
        "renders_requested": jobs.count(),
        "renders_completed": jobs.filter(status=RenderJob.Status.READY).count(),
        "pdfs_downloaded": sum(p.pdfs for p in people),
        "cores_used": cpu,
    }
    save("load", result)
    lat = result["latency"]
    print(
        f"\nLoad: {count} physiotherapists for {seconds:.0f} s: {len(hits)} requests "
        f"({result['per_second']:.1f}/s), {len(failed)} failed, {result['rejected_forms']} "
        f"forms rejected; p50 {fmt_ms(lat['median'])}, p95 {fmt_ms(lat['p95'])}, "
        f"p99 {fmt_ms(lat['p99'])}; renders {result['renders_completed']} of "
        f"{result['renders_requested']} ready, {result['pdfs_downloaded']} PDFs downloaded"
    )
    print(f"  cores used: {cpu}")
    for name, row in result["steps"].items():
        print(f"  {name:<32}{fmt_ms(row['median']):>10}{fmt_ms(row['p95']):>10}{row['n']:>6}")
    for failure in result["failures"]:
        print(f"  failed: {failure}")
    for rejection in result["rejections"]:
        print(f"  rejected: {rejection}")


if __name__ == "__main__":
    main(sys.argv[1:])
