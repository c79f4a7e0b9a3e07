"""What every benchmark shares: Django set-up, a cookie-keeping HTTP client, sessions made in
the database, statistics and the results files.

Standard library only, plus Django for the parts that touch the database.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_URL = os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:8300")
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results"))


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    raise SystemExit(1)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht_clinic.settings")
    if os.environ.get("DEBUG") != "0" or "DATABASE_URL" not in os.environ:
        fail("run the benchmarks through bench/<name> or make bench (production settings)")
    import django

    django.setup()


# -- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Browser:
    """One person's client: keeps its own cookies (the Secure flag is ignored: with DEBUG
    off the app marks its cookies Secure, and the stack is plain http on loopback)."""

    base: str = BASE_URL
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        url = urllib.parse.urlsplit(self.base)
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        sent = {"Host": url.netloc, "User-Agent": "pht-bench", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
        try:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
            seconds = time.perf_counter() - start
        except ConnectionRefusedError:
            fail(f"nothing answers at {self.base}: run bench/<name> or make bench")
            raise
        finally:
            conn.close()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return Response(response.status, response.headers, content, seconds)

    def _keep_cookies(self, set_cookies: Iterable[str]) -> None:
        for header in set_cookies:
            name, _, rest = header.partition("=")
            value, _, attributes = rest.partition(";")
            expired = re.search(r"max-age=0\b|expires=thu, 01 jan 1970", attributes, re.I)
            if expired:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip().strip('"')

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
        return self.request("POST", path, data=data, **kwargs)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise ValueError("no CSRF token in the page")
    return match.group(1)


def location_path(response: Response) -> str:
    """The path of a redirect's Location header."""
    return urllib.parse.urlsplit(response.headers.get("Location", "")).path


# -- Sessions made in the database -------------------------------------------------------------


def session_for(user: Any) -> str:
    """A logged-in session key for ``user``, as accounts.views.LoginView would leave it
    (no password hashing, no lockout counters)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.middleware import SessionTimeoutMiddleware

    now = int(time.time())
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.ClinicBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SessionTimeoutMiddleware.STARTED] = now
    store[SessionTimeoutMiddleware.LAST_SEEN] = now
    store.create()
    assert store.session_key
    return store.session_key


def browser_for(user: Any) -> Browser:
    from django.conf import settings

    return Browser(cookies={settings.SESSION_COOKIE_NAME: session_for(user)})


# -- Statistics ---------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    """Median, quartiles, p95 and p99 of ``samples`` (seconds in, milliseconds out)."""
    ms = sorted(s * 1000 for s in samples)
    if len(ms) < 2:
        value = ms[0] if ms else float("nan")
        return {"n": len(ms), "median": value, "q1": value, "q3": value, "p95": value}
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "median": statistics.median(ms),
        "q1": cuts[24],
        "q3": cuts[74],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": ms[-1],
    }


def interleaved(
    probes: dict[str, Callable[[], float]],
    *,
    rounds: int,
    warmup: int = 15,
    budget_s: float = 120.0,
) -> dict[str, list[float]]:
    """Time each probe once per round, in a shuffled order, so that a noisy neighbour
    slows every probe alike and the ratios between them hold. Stops early when the time
    budget is spent (the sample sizes are reported)."""
    rng = random.Random(7)
    names = list(probes)
    for _ in range(warmup):
        for name in names:
            probes[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    deadline = time.monotonic() + budget_s
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            samples[name].append(probes[name]())
        if time.monotonic() > deadline:
            break
    return samples


def http_probe(browser: Browser, path: str, expect: int = 200) -> Callable[[], float]:
    def probe() -> float:
        response = browser.get(path)
        if response.status != expect:
            raise RuntimeError(f"GET {path}: HTTP {response.status}, expected {expect}")
        return response.seconds

    return probe


def ratio(samples: list[float], floor: list[float]) -> float:
    return statistics.median(samples) / statistics.median(floor)


# -- The machine ------------------------------------------------------------------------------


def cpu_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used by process ``root`` and its descendants (live and reaped); 0 for
    no process (root 0)."""
    if root <= 0:
        return 0.0
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            stats[int(entry.name)] = text.rsplit(")", 1)[1].split()
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            # utime, stime, cutime, cstime are fields 14-17 of stat (11-14 after the name).
            total += sum(int(v) for v in stats[pid][11:15])
        todo.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# -- Results ------------------------------------------------------------------------------


def save(name: str, data: dict[str, Any]) -> Path:
    """Write one benchmark's figures to bench/results/<name>.json (read by bench.report)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        "benchmark": name,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        **data,
        "load_average": load_average(),
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def save_part(name: str, part: str, data: dict[str, Any]) -> Path:
    """Add one part (e.g. one subcommand's figures) to bench/results/<name>.json."""
    return save(name, {**(load(name) or {}), part: data})


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def fmt_ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


# -- Queries per request (in-process, same database) ------------------------------------------


def query_counts(
    user: Any, paths: dict[str, str], before: dict[str, Callable[[], None]] | None = None
) -> dict[str, int]:
    """Queries each page runs for ``user``: Django's test client in this process, against
    the bench database, counted with CaptureQueriesContext (the second request of each, so
    that one-off session writes are not counted; ``before[name]`` runs just before it)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user, backend="accounts.backends.ClinicBackend")
    counts = {}
    for name, path in paths.items():
        client.get(path)
        (before or {}).get(name, lambda: None)()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} in-process: HTTP {response.status_code}")
        counts[name] = len(queries.captured_queries)
    return counts
