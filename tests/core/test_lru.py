from core.lru import LRU


def test_it_keeps_the_most_recently_used_and_forgets_the_oldest():
    cache: LRU[int, str] = LRU(2)
    cache.put(1, "a")
    cache.put(2, "b")
    assert cache.get(1) == "a"  # 1 is now the most recent
    cache.put(3, "c")
    assert cache.get(2) is None and cache.get(1) == "a" and cache.get(3) == "c"
    assert len(cache) == 2
