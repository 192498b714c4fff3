"""recordsadmin/cacheahead.py: entries read ahead in one round trip, each taken once."""

import pytest
from django.core.cache import cache

from recordsadmin import cacheahead

pytestmark = pytest.mark.django_db  # the cache is in the database


def test_entries_read_ahead_are_answered_once_then_from_the_cache(monkeypatch):
    cache.set("ahead:a", 1)
    with cacheahead.reading(["ahead:a", "ahead:none"]):
        cache.set("ahead:a", 2)  # written after the read ahead
        asked = []
        real_get = cache.get
        monkeypatch.setattr(
            cache, "get", lambda *args, **kw: asked.append(args) or real_get(*args, **kw)
        )
        assert cacheahead.get("ahead:a") == 1
        assert cacheahead.get("ahead:none", "default") == "default"
        assert asked == []
        # A second read, and a key not named, ask the cache.
        assert cacheahead.get("ahead:a") == 2
        assert cacheahead.get("ahead:other") is None
        assert [args[0] for args in asked] == ["ahead:a", "ahead:other"]
    monkeypatch.undo()
    cache.set("ahead:a", 3)
    assert cacheahead.get("ahead:a") == 3  # outside the block: the cache


def test_nested_blocks_keep_their_own_keys():
    cache.set_many({"ahead:x": "x", "ahead:y": "y"})
    with cacheahead.reading(["ahead:x"]):
        with cacheahead.reading(["ahead:y"]):
            cache.set("ahead:x", "x2")
            assert cacheahead.get("ahead:x") == "x2"
        cache.set("ahead:x", "x3")
        assert cacheahead.get("ahead:x") == "x"
