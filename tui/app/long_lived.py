"""Keep the garbage collector's full collections off the keys while an article is open.

A full (generation 2) collection scans every container object alive: with a
20,000-word article open that took 20-45 ms, and it fell on whatever key was
being pressed. So:

- objects frozen with `gc.freeze` are never scanned: the app freezes what it
  holds once it is up; while an article is open, what is alive once it is
  drawn, and after that whatever survives a full collection (the lines drawn
  as the annotator moves on), so that each full collection scans only what is
  new since the last;
- while an article is open a full collection waits for a pause in the input
  (`IDLE_SECONDS` without a key, see `collect_if_idle`); without a pause it
  comes after `FULL_EVERY` young collections instead of Python's 10, so
  memory stays bounded while someone types without stopping;
- when the article closes, the app lets go (`gc.unfreeze`, Python's own
  thresholds back), so that what the article held can be collected.
"""

from __future__ import annotations

import gc
from typing import Any, Final

#: Generation 1 collections between two full collections while an article is open
#: and the input never pauses (Python's default: 10).
FULL_EVERY: Final = 100
#: Seconds without input after which the app runs the full collection it put off.
IDLE_SECONDS: Final = 1.0

_saved_thresholds: list[tuple[int, int, int]] = []


def freeze_long_lived() -> None:
    """Everything alive now lives at least as long as the app."""
    gc.freeze()


def _after_full_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()  # what survived a full collection lives as long as the article


def article_opened() -> None:
    """An article is open and drawn: freeze what it holds (and what survives each full
    collection while it stays open), and put full collections off to pauses."""
    gc.freeze()
    if _after_full_collection not in gc.callbacks:
        gc.callbacks.append(_after_full_collection)
    if not _saved_thresholds:
        young, middle, _ = thresholds = gc.get_threshold()
        _saved_thresholds.append(thresholds)
        gc.set_threshold(young, middle, FULL_EVERY)


def article_closed() -> None:
    """The article closed: what was frozen may be garbage now; let the collector see it
    again with its own thresholds (the next article freezes what is still alive)."""
    if _after_full_collection in gc.callbacks:
        gc.callbacks.remove(_after_full_collection)
    if _saved_thresholds:
        gc.set_threshold(*_saved_thresholds.pop())
    gc.unfreeze()


def collect_if_idle(idle_seconds: float) -> bool:
    """Run the full collection that was put off, if an article is open, the input has
    paused for `IDLE_SECONDS` and young collections have moved objects on since the
    last one. True if it ran."""
    if not _saved_thresholds or idle_seconds < IDLE_SECONDS or gc.get_count()[2] == 0:
        return False
    gc.collect()
    return True
