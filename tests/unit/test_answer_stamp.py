"""The stamp answers are kept under (projections/progress.py) and the bounded cache that keeps them
(projections/answer_cache.py)."""

from __future__ import annotations

from projections.answer_cache import AnswerCache
from projections.progress import Progress


def test_the_stamp_moves_when_any_view_moves_not_only_the_lowest() -> None:
    # Given two views, one catching up alone far behind the other
    progress = Progress()
    progress.advance(10, (10, 500))
    before = progress.stamp
    # When the view ahead moves on and the one behind does not
    progress.advance(10, (10, 600))
    # Then the lowest position stays (read-your-writes waits on it) but the stamp moves
    assert progress.position == 10
    assert progress.stamp != before


def test_the_stamp_after_a_reset_is_never_one_from_before() -> None:
    # Given views at a position, then emptied and rebuilt to the same position
    progress = Progress()
    progress.advance(7, (7, 7))
    before = progress.stamp
    progress.reset()
    progress.advance(7, (7, 7))
    # Then the stamp differs: an answer kept before the reset is not handed out after it
    assert progress.stamp != before


def test_the_cache_drops_the_least_recently_used_beyond_its_bounds() -> None:
    cache = AnswerCache(max_entries=2, max_bytes=100)
    cache.put("a", b"1", 1)
    cache.put("b", b"2", 1)
    assert cache.get("a") == b"1"  # "a" used last: "b" is the oldest now
    cache.put("c", b"3", 1)
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    # One too large for the whole bound is not kept; bytes are bounded as well as entries
    cache.put("huge", b"x", 101)
    assert cache.get("huge") is None
    cache.put("d", b"4", 60)
    cache.put("e", b"5", 60)
    assert cache.get("d") is None and cache.size <= 100


class _Tracking:
    """The tracking rows, as another process keeping the views leaves them."""

    dialect = "sqlite"

    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows

    async def fetch(self, sql: str, *params: object) -> list[dict]:
        assert "projection_tracking" in sql
        return [{"name": n, "position": p} for n, p in sorted(self.rows.items())]


def test_without_a_worker_here_the_stamp_is_read_from_the_tracking_rows() -> None:
    import asyncio

    from domain.clock import ManualClock
    from projections.rebuild import SUFFIX
    from projections.read_side import ReadSide
    from tests.story import TEST_TODAY

    rows = {"accountability": 40, "gaps": 12}
    reads = ReadSide(_Tracking(rows), ManualClock.on(TEST_TODAY), None, 1.0)  # type: ignore[arg-type]
    before = asyncio.run(reads.stamp())
    rows["accountability"] = 41  # the view ahead moves; the lowest does not
    moved = asyncio.run(reads.stamp())
    rows["gaps" + SUFFIX] = 3  # a rebuild's tables, not yet swapped in, are not views yet
    assert before != moved and asyncio.run(reads.stamp()) == moved
    rows.update(accountability=12, gaps=41)  # the same positions, held by other views
    assert asyncio.run(reads.stamp()) != moved
