"""pht_clinic.caching.get_or_compute_kept: values named by a digest of their content are kept
in the process as well as in the shared cache (Redis in CI)."""

from django.core.cache import cache

from pht_clinic import caching


def test_a_kept_value_is_computed_once_and_then_read_from_memory(monkeypatch):
    computed = []

    def compute():
        computed.append(1)
        return ["drawing"]

    assert caching.get_or_compute_kept("test-kept-a", compute, 60) == ["drawing"]
    assert cache.get("test-kept-a") == ["drawing"]  # shared with the other processes
    cache.delete("test-kept-a")
    reads = []
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a))
    assert caching.get_or_compute_kept("test-kept-a", compute, 60) == ["drawing"]
    assert computed == [1] and reads == []  # neither computed again nor asked of Redis


def test_memory_keeps_only_the_latest_values(monkeypatch):
    monkeypatch.setattr(caching, "KEPT", 3)
    for name in "abcd":
        caching.get_or_compute_kept(f"test-kept-{name}", lambda name=name: name, 60)
    assert list(caching._kept) == ["test-kept-b", "test-kept-c", "test-kept-d"]
    caching.get_or_compute_kept("test-kept-b", lambda: "again", 60)  # read: now the latest
    caching.get_or_compute_kept("test-kept-e", lambda: "e", 60)
    assert list(caching._kept) == ["test-kept-d", "test-kept-b", "test-kept-e"]


def test_a_value_kept_for_a_while_is_asked_for_again_after_it(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: clock[0])
    assert caching.get_or_compute_kept("test-kept-t", lambda: "first", 60, keep_seconds=10) == (
        "first"
    )
    cache.set("test-kept-t", "shared since")  # another process's newer value
    clock[0] += 9
    assert caching.get_or_compute_kept("test-kept-t", lambda: "x", 60, keep_seconds=10) == "first"
    clock[0] += 2
    assert caching.get_or_compute_kept("test-kept-t", lambda: "x", 60, keep_seconds=10) == (
        "shared since"
    )
