"""The cache is a speed-up, never a dependency: when it cannot be reached (CACHE_URL's Redis
down or not answering), pages compute what they would have read and say so in the log.

After a failure the cache is left alone for ``PAUSE_SECONDS`` in this process, so that a
Redis that times out costs one timeout, not one per read and write of every request."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")

PAUSE_SECONDS = 30
_paused_until = 0.0


def safely(
    operation: Callable[[], T], default: T, what: str, *, even_when_paused: bool = False
) -> T:
    """``operation()`` on the cache, or ``default`` if the cache failed now or lately.
    ``even_when_paused`` tries it during a pause too: forgetting what a change made stale
    must reach the cache if it answers again, whatever this process met before."""
    global _paused_until
    if time.monotonic() < _paused_until and not even_when_paused:
        return default
    try:
        return operation()
    except Exception:
        _paused_until = time.monotonic() + PAUSE_SECONDS
        logger.warning(
            "cache unreachable (%s); not using it for %d s", what, PAUSE_SECONDS, exc_info=True
        )
        return default


def resume() -> None:
    """Use the cache again at once (tests, and after a restore has emptied it)."""
    global _paused_until
    _paused_until = 0.0


def get_or_compute(key: str, compute: Callable[[], T], seconds: int) -> T:
    """``cache.get_or_set`` that falls back to ``compute()`` when the cache fails."""
    what = key.split(":")[0]
    found = safely(lambda: cache.get(key), None, what)
    if found is not None:
        return found
    value = compute()
    safely(lambda: cache.set(key, value, seconds), None, what)
    return value


#: How many values :func:`get_or_compute_kept` keeps in each process's memory.
KEPT = 128
_kept: OrderedDict[str, tuple[Any, float]] = OrderedDict()  # key: (value, kept until)
_kept_lock = threading.Lock()


def get_or_compute_kept(
    key: str, compute: Callable[[], T], seconds: int, *, keep_seconds: float | None = None
) -> T:
    """:func:`get_or_compute`, with the latest ``KEPT`` values kept in this process's memory
    too, so that a page shown again does not ask the shared cache.

    Without ``keep_seconds`` the ``key`` must be a digest of everything the value is computed
    from (a chart's drawing): such a value cannot go stale, and is kept until pushed out.
    With it, the value is kept that long (it may then be up to ``seconds + keep_seconds``
    old)."""
    now = time.monotonic()
    with _kept_lock:
        found = _kept.get(key)
        if found is not None and found[1] > now:
            _kept.move_to_end(key)
            return found[0]
    value = get_or_compute(key, compute, seconds)
    until = float("inf") if keep_seconds is None else now + keep_seconds
    with _kept_lock:
        _kept[key] = (value, until)
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return value


def forget_kept() -> None:
    """Empty this process's memory of :func:`get_or_compute_kept` (tests)."""
    with _kept_lock:
        _kept.clear()
