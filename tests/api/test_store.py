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
