"""The cache is a speed-up, never a dependency: when it cannot be reached (CACHE_URL's Redis
down), pages compute what they would have read and say so in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")


def get_or_compute(key: str, compute: Callable[[], T], seconds: int) -> T:
    """``cache.get_or_set`` that falls back to ``compute()`` when the cache fails."""
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("cache unreachable; computing %s", key.split(":")[0], exc_info=True)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("cache unreachable; not keeping %s", key.split(":")[0], exc_info=True)
    return value
