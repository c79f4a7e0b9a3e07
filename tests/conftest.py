import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import Clinic, User
from pht_clinic import caching

from .factories import make_clinic, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: In CI (.ci/run) a test that needs PostgreSQL, Redis or Chromium fails instead of skipping.
REQUIRE_SERVICES = os.environ.get("PHT_REQUIRE_SERVICES") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing, fail in CI where it must be there."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def on_postgresql() -> None:
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached caseload figures and charts are keyed by ids, which a database may reuse.
    cache.clear()
    caching.resume()  # a test of a cache outage must not leave the cache paused
    caching.forget_kept()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Argon2 is tuned for logins, not for creating hundreds of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """Two clinics and one person per persona of STYLE.md 13."""

    clinic: Clinic
    other_clinic: Clinic
    physio: User  # the treating physiotherapist
    colleague: User  # another physiotherapist of the same clinic
    other_physio: User  # a physiotherapist of another clinic
    admin: User  # the clinic admin
    other_admin: User


@pytest.fixture
def world(db) -> World:
    clinic = make_clinic(name="Riverside Test Clinic")
    other = make_clinic(name="Northside Test Clinic")
    return World(
        clinic=clinic,
        other_clinic=other,
        physio=make_user(clinic, User.Role.PHYSIO, username="treating"),
        colleague=make_user(clinic, User.Role.PHYSIO, username="colleague"),
        other_physio=make_user(other, User.Role.PHYSIO, username="outsider"),
        admin=make_user(clinic, User.Role.CLINIC_ADMIN, username="clinicadmin"),
        other_admin=make_user(other, User.Role.CLINIC_ADMIN, username="otheradmin"),
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Browser tests: Debian's Chromium, headless (STACK-NOTES "Browser tests").
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(os.path.exists(CHROMIUM), "needs Debian's chromium (make test installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def _flushes_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in fixtures


def _uses_the_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or "db" in getattr(
        item, "fixturenames", ()
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse an order where a test that flushes the database (browser, worker) runs before
    one that needs the data migrations' exercise library. pytest-django puts those tests
    last, but pytest groups tests by session-scoped parameters afterwards: a test with a
    parameter named like Playwright's ``page`` once pulled the browser tests forward, and
    137 tests failed far from the cause."""
    first = next((i for i, item in enumerate(items) if _flushes_the_database(item)), None)
    if first is None:
        return
    later = [
        item.nodeid
        for item in items[first:]
        if _uses_the_database(item) and not _flushes_the_database(item)
    ]
    if later:
        raise pytest.UsageError(
            f"{items[first].nodeid} flushes the database but runs before {later[0]} "
            f"(and {len(later) - 1} more) which needs the exercise library: check for a "
            "parameter or fixture named like a browser fixture (page, browser, context)."
        )


@pytest.fixture(autouse=True)
def _exercise_library(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the database afterwards, which drops the exercise library
    loaded by data migrations: load it again (idempotent) for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    import_module("rehab.migrations.0003_load_exercise_library_v1").load(apps, None)
    import_module("rehab.migrations.0008_exercise_patient_name").name_builtins(apps, None)
    import_module("rehab.migrations.0009_times_per_day").set_builtin_defaults(apps, None)
    import_module("rehab.migrations.0011_plain_illustration_alt").describe_builtins_plainly(
        apps, None
    )
