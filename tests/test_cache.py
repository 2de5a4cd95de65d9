"""The one per-process cache: an entry lives `seconds` after it is set, and the oldest goes when full."""

import pytest

from core import cache
from core.cache import MISSING, TtlCache


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(cache, "monotonic", lambda: now[0])
    return now


def test_an_entry_is_served_until_its_time_is_up(clock):
    pages = TtlCache[str, str](5.0, 10)
    pages.set("a", "page")
    clock[0] += 4.9
    assert pages.get("a") == "page"
    clock[0] += 0.1
    assert pages.get("a") is None
    assert pages.set("a", "again") == "again"
    assert pages.get("a") == "again"


def test_none_can_be_kept_and_told_apart_from_a_miss(clock):
    devices = TtlCache[str, int | None](5.0, 10)
    assert devices.get("unknown", MISSING) is MISSING
    devices.set("unknown", None)
    assert devices.get("unknown", MISSING) is None


def test_when_full_the_oldest_entry_goes(clock):
    lists = TtlCache[int, str](5.0, 2)
    lists.set(1, "one")
    lists.set(2, "two")
    lists.set(1, "one again")  # set anew: now the youngest
    lists.set(3, "three")
    assert (lists.get(1), lists.get(2), lists.get(3)) == ("one again", None, "three")
    assert len(lists) == 2


def test_pop_and_clear_forget(clock):
    templates = TtlCache[tuple[int, str], str](30.0, 10)
    templates.set((1, "reminder"), "mine")
    templates.set((2, "reminder"), "theirs")
    templates.pop((1, "reminder"))
    templates.pop((9, "never set"))
    assert templates.get((1, "reminder")) is None and templates.get((2, "reminder")) == "theirs"
    templates.clear()
    assert len(templates) == 0


def test_a_cache_keeps_something_for_some_time():
    with pytest.raises(ValueError):
        TtlCache(0, 10)
    with pytest.raises(ValueError):
        TtlCache(5.0, 0)


def test_a_database_emptied_under_the_process_leaves_no_cached_row_behind():
    """PostgreSQL's ids start again after TRUNCATE … RESTART IDENTITY: a list cached as "session-1" must not
    answer for the next test's session 1."""
    lists = TtlCache[str, str](5.0, 10)
    lists.set("session-1", "yesterday's rally")
    cache.forget_everything()
    assert lists.get("session-1") is None
