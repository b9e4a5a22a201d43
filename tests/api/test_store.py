"""The Store contract, run against SQLite and DynamoDB (moto's server) alike."""

from __future__ import annotations


def test_put_get_delete(store):
    assert store.get("p", "s") is None
    assert store.put("p", "s", {"a": 1})
    assert store.get("p", "s") == {"a": 1}
    store.delete("p", "s")
    assert store.get("p", "s") is None


def test_if_absent_is_a_conditional_write(store, clock):
    assert store.put("p", "s", {"v": 1}, if_absent=True)
    assert not store.put("p", "s", {"v": 2}, if_absent=True)
    assert store.get("p", "s") == {"v": 1}
    store.put("p", "t", {"v": 1}, expires_at=clock.now() + 10)
    clock.advance(11)
    assert store.put("p", "t", {"v": 3}, if_absent=True), "an expired item does not block"


def test_reads_check_expiry_even_before_ttl_deletion(store, clock):
    store.put("p", "s", {"v": 1}, expires_at=clock.now() + 60)
    clock.advance(59)
    assert store.get("p", "s") == {"v": 1}
    clock.advance(2)
    assert store.get("p", "s") is None
    assert store.query("p") == []


def test_query_by_prefix(store):
    store.put("acct", "session#b", {})
    store.put("acct", "session#a", {})
    store.put("acct", "code#verify", {"x": 1})
    store.put("other", "session#c", {})
    assert [sk for sk, _ in store.query("acct", "session#")] == ["session#a", "session#b"]
    assert len(store.query("acct")) == 3


def test_increment_stops_at_its_limit_and_restarts_when_expired(store, clock):
    results = [store.increment("rate", "w", 3, clock.now() + 60) for _ in range(5)]
    assert results == [1, 2, 3, None, None]
    clock.advance(61)
    assert store.increment("rate", "w", 3, clock.now() + 60) == 1


def test_decrement_gives_one_back_and_never_goes_below_zero(store, clock):
    end = clock.now() + 60
    assert [store.increment("rate#t", "w", 2, end) for _ in range(3)] == [1, 2, None]
    store.decrement("rate#t", "w")
    assert store.increment("rate#t", "w", 2, end) == 2
    for _ in range(5):
        store.decrement("rate#t", "w")
    store.decrement("rate#absent", "w")  # nothing there: nothing happens
    assert store.increment("rate#t", "w", 2, end) == 1


def test_update_reads_decides_and_writes(store, clock):
    assert store.update("p", "u", lambda item: ({"n": 1}, item)) is None
    assert store.update("p", "u", lambda item: ({"n": item["n"] + 1}, item["n"])) == 1
    assert store.get("p", "u") == {"n": 2}
    assert store.update("p", "u", lambda item: (None, "gone")) == "gone"
    assert store.get("p", "u") is None
    store.update("p", "v", lambda item: ({"n": 1}, None), expires_at=clock.now() + 5)
    clock.advance(6)
    assert store.update("p", "v", lambda item: (item, item)) is None, "expired reads as absent"


def test_concurrent_updates_lose_nothing(store):
    """32 threads at once, each adding one: every addition is kept."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(32)

    def add(_: int) -> None:
        barrier.wait()
        store.update("p", "sum", lambda item: ({"n": (item or {"n": 0})["n"] + 1}, None))

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(add, range(32)))
    assert store.get("p", "sum") == {"n": 32}


def test_concurrent_increments_stop_exactly_at_the_limit(store, clock):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(40)

    def hit(_: int) -> int | None:
        barrier.wait()
        return store.increment("rate", "c", 5, clock.now() + 60)

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(hit, range(40)))
    assert sorted(a for a in answers if a is not None) == [1, 2, 3, 4, 5]
    assert answers.count(None) == 35


def _increment_in_a_process(path: str, start: float, count: int) -> list[int | None]:
    from newsreel.api.store.sqlite import SqliteStore

    class Frozen:
        def now(self) -> float:
            return start

    store = SqliteStore(path, Frozen())
    return [store.increment("rate", "p", 50, start + 60) for _ in range(count)]


def test_sqlite_increments_are_atomic_across_processes(tmp_path, clock):
    """Four processes on one file (as several `newsreel serve` workers would be)."""
    from concurrent.futures import ProcessPoolExecutor

    path = str(tmp_path / "shared.db")
    with ProcessPoolExecutor(4) as pool:
        results = pool.map(_increment_in_a_process, [path] * 4, [clock.now()] * 4, [25] * 4)
        answers = [a for batch in results for a in batch]
    assert sorted(a for a in answers if a is not None) == list(range(1, 51))


def test_sqlite_sweeps_expired_items(tmp_path, clock):
    from newsreel.api.store import sqlite

    store = sqlite.SqliteStore(tmp_path / "sweep.db", clock)
    for number in range(sqlite.SWEEP_EVERY - 1):
        store.increment("rate", f"w{number}", 5, clock.now() + 60)
    store.put("profile", "kept", {"a": 1})
    clock.advance(61)
    store.increment("rate", "now", 5, clock.now() + 60)  # the SWEEP_EVERY-th write sweeps
    rows = store.connection.execute("SELECT pk, sk FROM items ORDER BY pk").fetchall()
    assert rows == [("profile", "kept"), ("rate", "now")]


def test_a_batch_keeps_every_write_even_when_the_flow_then_fails(store, clock):
    """A flow's calls are grouped, never rolled back as a whole: an attempt counted before a
    refusal stays counted (as call by call); an `update` whose change fails writes nothing."""
    import pytest

    def refuse(item):
        raise ValueError("the change fails")

    with pytest.raises(RuntimeError), store.batch():
        assert store.increment("attempts", "code", 5, clock.now() + 60) == 1
        with store.batch():  # a batch inside a batch: part of the outer one
            store.put("job", "1", {"kind": "register"})
        with pytest.raises(ValueError):
            store.update("profile", "ana", refuse)
        store.update("profile", "ana", lambda item: ({"verified": True}, None))
        raise RuntimeError("the flow answers an error")
    assert store.increment("attempts", "code", 5, clock.now() + 60) == 2
    assert store.get("job", "1") == {"kind": "register"}
    assert store.get("profile", "ana") == {"verified": True}


def test_concurrent_batches_stay_atomic(store, clock):
    """40 requests at once, each spending a budget of 5 and adding to one counter, each in its
    own batch: exactly 5 spend it, and no addition is lost."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(40)

    def request(_: int) -> int | None:
        barrier.wait()
        with store.batch():
            spent = store.increment("rate", "b", 5, clock.now() + 60)
            store.update("count", "all", lambda item: ({"n": (item or {"n": 0})["n"] + 1}, None))
            return spent

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(request, range(40)))
    assert sorted(a for a in answers if a is not None) == [1, 2, 3, 4, 5]
    assert store.get("count", "all") == {"n": 40}


def test_sqlite_a_batch_is_one_transaction(tmp_path, clock):
    """Another process sees a flow's writes all at once, when its batch ends."""
    from newsreel.api.store.sqlite import SqliteStore

    path = tmp_path / "grouped.db"
    store, other = SqliteStore(path, clock), SqliteStore(path, clock)
    with store.batch():
        store.put("job", "1", {"a": 1})
        store.increment("rate", "b", 5, clock.now() + 60)
        assert other.get("job", "1") is None  # not committed yet
    assert other.get("job", "1") == {"a": 1}
    assert other.increment("rate", "b", 5, clock.now() + 60) == 2
