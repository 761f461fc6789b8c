"""Keep what lives as long as the app, or as an open article, out of the garbage
collector's full scans.

A full (generation 2) collection scans every container object alive: with a
20,000-word article open that is 20-45 ms, and it falls on whatever key is
being pressed. Objects frozen with `gc.freeze` are never scanned. So the app
freezes what it holds once it is up; while an article is open, what is alive
once it is drawn, and after that whatever survives a full collection (the
article's lines drawn as the annotator moves on), so that each full collection
scans only what is new since the last (on the 20,000-word article: 5-10 ms,
about once every 30 to 100 keys). When the article closes the app lets go
(`gc.unfreeze`), so that what the article held can be collected.

A resize redraws every widget and wraps the text again: the next full
collection then has about four times as much to scan (40-65 ms). So the app
runs it at once after a resize, once the resized screen is drawn, and the keys
that follow do not pay for it.

What is frozen is never collected, also once it turns into garbage: about 2
kB a key (some of Textual's objects alive at a collection, in reference
cycles, dropped later) would stay until the article closes. So every
`COMPLETE_EVERY`-th full collection lets go instead of freezing, and the next
one scans everything (20-45 ms, once every 300 to 1,000 keys): what stays is
bounded by a megabyte or two.

Python's thresholds are left alone: putting full collections off (100 young
collections between two instead of 10) made each one cost far more (28 ms at
30, 170 ms at 100), a worse pause for someone who types without stopping.
"""

from __future__ import annotations

import gc
from typing import Any, Final

#: Full collections between two complete ones while an article is open (see above).
COMPLETE_EVERY: Final = 10
#: Full collections since the article opened.
_full_collections = [0]


def freeze_long_lived() -> None:
    """Everything alive now lives at least as long as the app or the open article."""
    gc.freeze()


def _after_full_collection(phase: str, info: dict[str, Any]) -> None:
    if phase != "stop" or info.get("generation") != 2:
        return
    _full_collections[0] += 1
    if _full_collections[0] % COMPLETE_EVERY:
        gc.freeze()  # what survived a full collection lives as long as the article
    else:
        gc.unfreeze()  # the next full collection scans everything: a complete one


def article_opened() -> None:
    """An article is open and drawn: freeze what it holds, and what survives each full
    collection while it stays open."""
    gc.freeze()
    _full_collections[0] = 0
    if _after_full_collection not in gc.callbacks:
        gc.callbacks.append(_after_full_collection)


def article_closed() -> None:
    """The article closed: what was frozen may be garbage now; let the collector see it
    again (the next article freezes what is still alive)."""
    if _after_full_collection in gc.callbacks:
        gc.callbacks.remove(_after_full_collection)
    gc.unfreeze()


def collect_after_redraw() -> None:
    """A resize redrew the screen: collect what it left behind now (the survivors are
    frozen by `_after_full_collection`) rather than on a later key. Only while an
    article is open."""
    if _after_full_collection in gc.callbacks:
        gc.collect()
