# The report uses typographic signs on purpose (multiplication sign, en dash).
# ruff: noqa: RUF001
"""The figures of the last run as Markdown tables: standard output and docs/benchmarks.md.

``python -m bench.report environment``   record the machine and the versions (stack running)
``python -m bench.report write FILE``    print the tables and put them in FILE between the
                                         ``bench:results`` markers (text outside is kept)
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import fail, load, save, setup_django

BEGIN = "<!-- bench:results:begin (written by bench/run-all; edit outside these markers) -->"
END = "<!-- bench:results:end -->"


def environment() -> None:
    setup_django()
    from django.db import connection

    cpu = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpu.splitlines() if "model name" in line), "?"
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in Path("/etc/os-release").read_text().splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    versions = {name: metadata.version(name) for name in ("django", "gunicorn", "celery")}
    save(
        "environment",
        {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "cpu": model,
            "cores": os.cpu_count(),
            "ram_gib": round(mem_kb / 1024 / 1024, 1),
            "os": os_name,
            "python": platform.python_version(),
            "postgresql": postgres,
            "weasyprint": metadata.version("weasyprint"),
            **versions,
            "web_workers": os.environ.get("BENCH_WEB_WORKERS", "3"),
            "render_workers": os.environ.get("BENCH_RENDER_WORKERS", "2"),
            "render_nice": os.environ.get("BENCH_RENDER_NICE", "0"),
        },
    )


# -- Formatting ------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def x(value: float) -> str:
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


PAGE_LABELS = {
    "floor": "floor: `/account/`",
    "keepalive": "`/session/keepalive/` (JSON)",
    "dashboard": "dashboard `/`",
    "caseload": "caseload `/caseload/`",
    "caseload_after_change": "caseload, first view after a change (figures recomputed)",
    "patient": "patient page",
    "assessment_form": "assessment form",
}


def page_row(label: str, data: str, row: dict[str, Any]) -> list[str]:
    return [
        label,
        data,
        ms(row["median"]),
        f"{ms(row['q1'])}–{ms(row['q3'])}",
        ms(row["p95"]),
        x(row["x_floor"]),
        str(row["queries"]),
        str(row["n"]),
    ]


CASELOAD_PAGES = ("caseload", "caseload_after_change", "dashboard")
PAGE_HEAD = ["page", "data", "median", "IQR", "p95", "× floor", "queries", "n"]


def pages_section(out: list[str], targets: list[list[str]]) -> None:
    caseload, pages = load("caseload"), load("pages")
    out += ["", "### Pages (server response time; × floor = median ÷ median of the floor)"]
    rows = []
    if caseload:
        steps = caseload["steps"]
        for size, step in steps.items():
            n = f"{int(size):,} patients, clinic admin"
            for name in CASELOAD_PAGES:
                if name in step:
                    rows.append(page_row(PAGE_LABELS[name], n, step[name]))
        if steps:
            last = steps[max(steps, key=int)]
            changed = last.get("caseload_after_change")
            after_change = f" (after a change: {x(changed['x_floor'])})" if changed else ""
            rows.append(
                page_row(PAGE_LABELS["floor"], "same run as the 10,000 step", last["floor"])
            )
            targets.append(
                target(
                    "caseload at 10,000 patients ≤ 3× floor",
                    x(last["caseload"]["x_floor"]) + after_change,
                    last["caseload"]["x_floor"] <= 3,
                )
            )
            names = [n for n in CASELOAD_PAGES if all(n in s for s in steps.values())]
            queries = {(n, s[n]["queries"]) for s in steps.values() for n in names}
            counts = ", ".join(
                f"{n.replace('_', ' ')} {'/'.join(str(s[n]['queries']) for s in steps.values())}"
                for n in names
            )
            targets.append(
                target(
                    "caseload queries independent of the number of patients",
                    f"{counts} at {'/'.join(f'{int(k):,}' for k in steps)}",
                    len(queries) == len(names),
                )
            )
    if pages:
        for name, row in pages["rows"].items():
            rows.append(page_row(PAGE_LABELS[name], row.get("data", "physiotherapist"), row))
        patient = pages["rows"]["patient"]
        targets.append(
            target(
                "patient page with 100 assessments ≤ 3× floor",
                x(patient["x_floor"]),
                patient["x_floor"] <= 3,
            )
        )
    out += table(PAGE_HEAD, rows) if rows else ["(not measured)"]


def pdf_section(out: list[str], targets: list[list[str]]) -> None:
    pdf = load("pdf") or {}
    out += ["", "### Printed programmes"]
    rows = []
    if "render" in pdf:
        r = pdf["render"]
        rows.append(
            [
                f"render, {r['exercises']} exercises ({r['pages']} pages), in-process",
                ms(r["programme"]["median"]),
                f"p95 {ms(r['programme']['p95'])}, n {r['programme']['n']}",
                f"{x(r['x_bare'])} a bare page ({ms(r['bare']['median'])})",
            ]
        )
        targets.append(target("programme render ≤ 4× bare page", x(r["x_bare"]), r["x_bare"] <= 4))
    if "ready" in pdf:
        r = pdf["ready"]
        rows.append(
            [
                "click to ready, through gunicorn, Redis and the worker",
                ms(r["click_to_ready"]["median"]),
                f"p95 {ms(r['click_to_ready']['p95'])}, n {r['trials']}",
                f"in the worker {ms(r['rendering_in_worker']['median'])}, waiting "
                f"{ms(r['waiting_for_worker']['median'])}",
            ]
        )
    if "download" in pdf:
        r = pdf["download"]
        rows.append(
            [
                f"repeat download ({r['pdf_bytes'] / 1024:.0f} KiB)",
                ms(r["download"]["median"]),
                f"p95 {ms(r['download']['p95'])}, n {r['download']['n']}",
                f"{x(r['x_static'])} `/static/css/app.css` ({ms(r['static']['median'])}); "
                f"{x(r['x_floor'])} the floor",
            ]
        )
        targets.append(
            target("repeat download ≤ 1.5× a static file", x(r["x_static"]), r["x_static"] <= 1.5)
        )
    runs = pdf.get("throughput", {})
    if runs.get("1") and runs.get("2"):
        for c in ("1", "2"):
            rates = [run["per_second"] for run in runs[c]]
            rows.append(
                [
                    f"throughput, `--concurrency={c}`, {runs[c][0]['jobs']} jobs × {len(rates)}",
                    f"{statistics.median(rates):.2f} renders/s",
                    "runs " + ", ".join(f"{v:.2f}" for v in rates),
                    "worker used "
                    + ", ".join(f"{run['worker_cores']:.2f}" for run in runs[c])
                    + " cores, this benchmark "
                    + ", ".join(f"{run['bench_cores']:.2f}" for run in runs[c])
                    + ", everything else "
                    + ", ".join(f"{run['other_cores']:.2f}" for run in runs[c])
                    + "; renders per worker CPU-second "
                    + ", ".join(
                        f"{run['per_second'] / run['worker_cores']:.2f}" for run in runs[c]
                    ),
                ]
            )
        pairs = [
            b["per_second"] / a["per_second"] for a, b in zip(runs["1"], runs["2"], strict=False)
        ]
        scale = statistics.median(pairs)
        # Three decimals: at two, 1.794 read as 1.80 beside "missed".
        targets.append(
            target(
                "two workers ≥ 1.8× the throughput of one",
                f"{scale:.3f}× (pairs: {', '.join(f'{p:.3f}' for p in pairs)})",
                scale >= 1.8,
            )
        )
    out += table(["measure", "median", "spread", "compared"], rows) if rows else ["(not measured)"]


def load_section(out: list[str], targets: list[list[str]]) -> None:
    r = load("load")
    out += ["", "### Load test"]
    if not r:
        out.append("(not measured)")
        return
    lat = r["latency"]
    out += [
        f"{r['physios']} simulated physiotherapists for {r['seconds']:.0f} s "
        f"({r['elapsed']:.0f} s until the last finished its step): {r['requests']:,} requests, "
        f"{r['per_second']:.1f} per second; {r['failed']} failed; {r['rejected_forms']} forms "
        f"rejected; renders {r['renders_completed']} completed of {r['renders_requested']} "
        f"requested, {r['pdfs_downloaded']} PDFs downloaded within the 10 s a physiotherapist "
        "waits.",
        "",
    ]
    if "cores_used" in r:
        used = r["cores_used"]
        out[-1:-1] = [
            f"Cores in use on average (of {os.cpu_count()}): gunicorn {used['web']}, render "
            f"worker {used['worker']}, the simulated physiotherapists {used['client']}, "
            f"everything else (PostgreSQL, Redis, other users) {used['others']}.",
        ]
    rows = [["all requests", ms(lat["median"]), ms(lat["p95"]), ms(lat["p99"]), str(lat["n"])]]
    for name, s in r["steps"].items():
        rows.append([name, ms(s["median"]), ms(s["p95"]), ms(s.get("p99", s["p95"])), str(s["n"])])
    out += table(["request", "p50", "p95", "p99", "n"], rows)
    for failure in r["failures"]:
        out.append(f"- failed: {failure}")
    for rejection in r.get("rejections", []):
        out.append(f"- form shown again: {rejection}")
    targets.append(target("load: 0 failed requests", str(r["failed"]), r["failed"] == 0))
    targets.append(target("load: p95 < 500 ms", ms(lat["p95"]), lat["p95"] < 500))


def target(name: str, measured: str, met: bool) -> list[str]:
    return [name, measured, "met" if met else "**missed**"]


def render() -> str:
    env = load("environment") or {}
    out = [
        f"Run of {env.get('date', '?')} on {env.get('cpu', '?')}, {env.get('cores', '?')} "
        f"cores, {env.get('ram_gib', '?')} GiB RAM ({env.get('os', '?')}); Python "
        f"{env.get('python', '?')}, Django {env.get('django', '?')}, PostgreSQL "
        f"{env.get('postgresql', '?')}, WeasyPrint {env.get('weasyprint', '?')}, gunicorn "
        f"{env.get('gunicorn', '?')} with {env.get('web_workers', '?')} sync workers, Celery "
        f"{env.get('celery', '?')} with {env.get('render_workers', '?')} render processes "
        f"at nice {env.get('render_nice', '0')}. "
        "Times are measured by the client on loopback, one request at a time except in the "
        "load test.",
    ]
    targets: list[list[str]] = []
    pages_section(out, targets)
    pdf_section(out, targets)
    load_section(out, targets)
    out += ["", "### Targets", *table(["target", "measured", ""], targets)]
    return "\n".join(out) + "\n"


def write(path: Path, body: str) -> None:
    block = f"{BEGIN}\n{body}{END}"
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    )
    if BEGIN not in text or END not in text:
        fail(f"{path} has no {BEGIN!r} ... {END!r} markers")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(head + block + tail, encoding="utf-8")


def main(argv: list[str]) -> None:
    match argv:
        case ["environment"]:
            environment()
        case ["write", path]:
            body = render()
            print(body)
            write(Path(path), body)
            print(f"written to {path}")
        case ["print"]:
            print(render())
        case _:
            fail("usage: python -m bench.report environment | write FILE | print")


if __name__ == "__main__":
    main(sys.argv[1:])
