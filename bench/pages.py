"""Server response time of the physiotherapist's pages, as multiples of the floor.

The floor is ``/account/``: the smallest logged-in HTML page (the same middleware, session,
base template and navigation as every page). ``/session/keepalive/`` (a logged-in JSON
view, no template) is measured beside it. Every page is requested once per round in a
shuffled order, so that the ratios come from the same moments of the same run.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from bench import seed
from bench.common import (
    browser_for,
    fmt_ms,
    http_probe,
    interleaved,
    query_counts,
    ratio,
    save,
    setup_django,
    summary,
)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
FLOOR = "/account/"


def measure(
    user: object,
    pages: dict[str, str],
    budget_s: float,
    before: dict[str, Callable[[], None]] | None = None,
) -> dict[str, dict]:
    """Timings and query counts of ``pages`` (name -> path) and of the floor;
    ``before[name]``, if given, runs before each request of that page, outside the timing."""
    browser = browser_for(user)
    paths = {"floor": FLOOR, "keepalive": "/session/keepalive/", **pages}
    probes = {name: http_probe(browser, path) for name, path in paths.items()}
    for name, prepare in (before or {}).items():
        probes[name] = _prepared(prepare, probes[name])
    samples = interleaved(probes, rounds=ROUNDS, budget_s=budget_s)
    queries = query_counts(user, paths, before)
    return {
        name: {
            "path": path,
            **summary(samples[name]),
            "x_floor": ratio(samples[name], samples["floor"]),
            "x_floor_p95": summary(samples[name])["p95"] / summary(samples["floor"])["p95"],
            "queries": queries[name],
        }
        for name, path in paths.items()
    }


def _prepared(prepare: Callable[[], None], probe: Callable[[], float]) -> Callable[[], float]:
    def run() -> float:
        prepare()
        return probe()

    return run


def print_rows(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'page':<28}{'median':>10}{'p95':>10}{'x floor':>9}{'queries':>9}   n")
    for name, row in rows.items():
        print(
            f"  {name:<28}{fmt_ms(row['median']):>10}{fmt_ms(row['p95']):>10}"
            f"{row['x_floor']:>9.2f}{row['queries']:>9}   {row['n']}"
        )


def main() -> None:
    setup_django()
    from accounts.models import User
    from patients.models import Patient

    physio = User.objects.get(username=seed.PHYSIO)
    history = Patient.objects.get(first_name="Hundred", last_name="Visits")
    assessments = history.assessments.count()
    own = Patient.objects.filter(physio=physio, archived_at__isnull=True).count()
    clinic = seed.current_patients(physio.clinic)
    rows = measure(
        physio,
        {
            "dashboard": "/",
            "caseload": "/caseload/",
            "patient": f"/patients/{history.public_id}/",
            "assessment_form": f"/patients/{history.public_id}/assessments/new/",
        },
        budget_s=float(os.environ.get("BENCH_PAGES_BUDGET", "240")),
    )
    notes = {
        "dashboard": f"physiotherapist with {own} patients, clinic of {clinic}",
        "caseload": f"physiotherapist with {own} patients, clinic of {clinic}",
        "patient": f"{assessments} assessments",
        "assessment_form": f"patient with {assessments} assessments",
    }
    for name, note in notes.items():
        rows[name]["data"] = note
    save("pages", {"floor": FLOOR, "rows": rows})
    print_rows("Pages of a physiotherapist (x floor = median / median of /account/)", rows)


if __name__ == "__main__":
    main()
