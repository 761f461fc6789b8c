"""`byline export`: gold data from the store to a JSONL file (a folder for brat).

The store is opened read-only (no lock taken, nothing written), so export
works while an annotator has the app open on the same store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.commands.export import check_export, export_rows
from tui.core.model import AnnotationRecord, Article, Suggestions
from tui.formats.brat import write_brat
from tui.formats.errors import OutputError
from tui.formats.jsonl_out import write_jsonl
from tui.formats.native import gold_row_stored
from tui.store.gold import GoldStore, StoreError, gc_paused


def gold_entries(store: GoldStore, all_articles: bool, annotator: str | None,
                 with_suggestions: bool = True
                 ) -> Iterator[tuple[Article, AnnotationRecord, Suggestions | None]]:
    """(article, record, suggestions) for each record to export, in the store's order.

    Without `with_suggestions` the cached suggestions are not decoded (None).
    """
    for record in store.annotations(annotator):
        if not (record.done or all_articles):
            continue
        article = store.article(record.article_id, record.text_hash)
        if article is None:
            raise StoreError(f"{store.path}: article '{record.article_id}' is annotated but "
                             "its text is missing from the store")
        suggestions = (store.suggestions(record.article_id, record.text_hash)
                       if with_suggestions else None)
        yield article, record, suggestions


def run_export(db: Path, out: Path, fmt: str, all_articles: bool, annotator: str | None,
               force: bool) -> int:
    """Write the export (for brat, the folder `out`); return how many rows were written."""
    # With --all, native rows also list the suggestions nobody decided (Prodigy, brat: no place).
    include_pending = all_articles and fmt == "native"
    check_export(fmt, include_pending)
    if not db.exists():
        raise StoreError(f"{db}: no gold store here (nothing annotated yet?)")
    if out.exists() and out.resolve() == db.resolve():
        raise OutputError(out, "is the gold store itself: choose another output file")
    if fmt != "brat" and out.is_dir():
        raise OutputError(out, "is a folder, not a file")
    store = GoldStore.open(db, read_only=True)
    try:
        rows: Iterator[dict[str, Any]]
        if fmt in ("native", "brat") and not include_pending:
            # The fast path: rows straight from the stored documents, nothing decoded.
            rows = (gold_row_stored(article, doc)
                    for article, doc in store.stored_records(annotator)
                    if doc["done"] or all_articles)
        else:
            # Prodigy takes its tokens from the suggestions; native needs them for `pending`.
            entries = gold_entries(store, all_articles, annotator,
                                   with_suggestions=fmt == "prodigy" or include_pending)
            rows = export_rows(entries, fmt, include_pending=include_pending)
        with gc_paused():
            if fmt == "brat":
                return write_brat(rows, out, force=force, protected=(db,))
            return write_jsonl(out, rows, force=force)
    finally:
        store.close()
