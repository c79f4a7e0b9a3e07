"""How the clinic admin's caseload and dashboard grow with the clinic: 100, then 1,000, then
10,000 current patients in one clinic, measured after each step against the floor of the
same moment, with the queries per request at each size (they must not grow).

The figures over the whole clinic are cached until something changes (rehab/caseload.py);
"caseload_after_change" forgets them before each request, as a change does, so it shows
the cost of the first view after a change."""

from __future__ import annotations

import os

from bench import seed
from bench.common import save, setup_django
from bench.pages import measure, print_rows

STEPS = [int(n) for n in os.environ.get("BENCH_CASELOAD_STEPS", "100,1000,10000").split(",")]


def main() -> None:
    setup_django()
    from accounts.models import User
    from rehab.caseload import figures_changed

    admin = User.objects.get(username=seed.ADMIN)
    steps = {}
    for target in STEPS:
        if seed.current_patients(admin.clinic) > target:
            print(f"skipping {target}: the clinic is larger already")
            continue
        seed.grow(target)
        rows = measure(
            admin,
            {"caseload": "/caseload/", "caseload_after_change": "/caseload/", "dashboard": "/"},
            budget_s=float(os.environ.get("BENCH_CASELOAD_BUDGET", "300")),
            before={"caseload_after_change": lambda: figures_changed(admin.clinic_id)},
        )
        steps[str(target)] = rows
        print_rows(f"Clinic admin, {target:,} current patients", rows)
    save("caseload", {"floor": "/account/", "steps": steps})


if __name__ == "__main__":
    main()
