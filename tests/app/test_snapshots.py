"""Snapshot of the article screen: layout, highlights, side panel, legend and footer.

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at the SVG before committing it.
"""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import make_app


def test_article_screen_snapshot(cached_store: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app(cached_store)
    assert snap_compare(app, terminal_size=(120, 40), press=["n", "n", "right"])
