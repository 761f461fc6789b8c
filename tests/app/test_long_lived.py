"""An open article is kept out of the garbage collector's full scans (which took 20-45 ms
on a 20,000-word article, on whatever key they fell), and let go when it closes, so that
nothing it held is kept alive for good."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from tests.app.helpers import article_screen, make_app
from tui.app import long_lived


async def test_an_open_article_is_frozen_and_let_go_when_it_closes(cached_store: Path) -> None:
    thresholds = gc.get_threshold()
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.session is not None
        assert long_lived._after_full_collection in gc.callbacks
        assert gc.get_threshold() == thresholds  # full collections not put off (see module)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        survivors = [[n] for n in range(5000)]  # made while the article is open
        long_lived._full_collections[0] = 0  # (not the tenth, which lets go)
        gc.collect()  # a full collection: what survives it is frozen too
        assert gc.get_freeze_count() >= frozen + len(survivors)
        gone = weakref.ref(screen)
        del screen, survivors
        await pilot.press("b")  # back to the library: the article screen closes
        await pilot.pause()
        assert long_lived._after_full_collection not in gc.callbacks
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert gone() is None  # nothing it held is kept alive by the freezing


async def test_the_next_article_stays_frozen_after_done_opens_it(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = article_screen(app).article.id
        await pilot.press("f")  # done: the next undone article replaces this one
        await pilot.pause()
        await pilot.pause()
        assert article_screen(app).article.id != first
        assert long_lived._after_full_collection in gc.callbacks
        assert gc.get_freeze_count() > 0
    assert long_lived._after_full_collection not in gc.callbacks


async def test_a_resize_collects_its_garbage_once_it_is_drawn(cached_store: Path) -> None:
    full: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(1)

    app = make_app(cached_store)
    gc.callbacks.append(count)
    gc.disable()  # no collection on its own: only the ones the app asks for
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.pause()
            full.clear()
            await pilot.press("n", "n", "a", "u")
            await pilot.pause()
            assert full == []  # keys do not collect
            frozen = gc.get_freeze_count()
            await pilot.resize_terminal(100, 36)
            await pilot.pause()
            await pilot.pause()
            assert full == [1]  # one full collection once the resized screen is drawn
            assert gc.get_freeze_count() > frozen  # and what survived it is frozen
    finally:
        gc.enable()
        gc.callbacks.remove(count)


def test_every_tenth_full_collection_is_complete_so_frozen_garbage_is_let_go() -> None:
    gc.disable()  # only the collections below
    long_lived.article_opened()
    try:
        for _ in range(long_lived.COMPLETE_EVERY - 1):
            gc.collect()
            assert gc.get_freeze_count() > 0  # survivors frozen
        gc.collect()
        assert gc.get_freeze_count() == 0  # let go: the next one scans everything
        gc.collect()
        assert gc.get_freeze_count() > 0
    finally:
        long_lived.article_closed()
        gc.enable()
    assert gc.get_freeze_count() == 0
