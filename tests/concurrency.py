"""Two database sessions at once, for tests of row locks (PostgreSQL, as make test runs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections


def require_row_locks() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL's row locks (make test runs on PostgreSQL)")


def in_thread(work: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    """``work`` on a thread of its own (so on its own database connection, closed after);
    what it raises is kept in ``errors`` for the test to check."""

    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def another_session_waits_for_a_lock(timeout: float = 10.0) -> bool:
    """Whether another session of this test database waits for a lock (pg_stat_activity)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def close_clinic_while(
    first: Callable[[], object], held: threading.Event, go: threading.Event, clinic_pk: int
) -> list[BaseException]:
    """Run ``first`` until it sets ``held`` (it then waits for ``go``, holding its locks);
    meanwhile start closing the clinic (``deactivate_clinic``), check that the closing waits
    for a lock rather than failing, then let ``first`` finish. What either raised is returned."""
    import io

    from django.core.management import call_command

    errors: list[BaseException] = []
    holder = in_thread(first, errors)
    holder.start()
    assert held.wait(10)
    closer = in_thread(
        lambda: call_command("deactivate_clinic", str(clinic_pk), stdout=io.StringIO()), errors
    )
    closer.start()
    assert another_session_waits_for_a_lock()  # the closing waits, it does not fail
    go.set()
    holder.join(15)
    closer.join(15)
    return errors
