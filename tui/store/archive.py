"""Keeping an annotator's record of an article whose text changed, then starting anew.

When an article's text changes after it was annotated, the decisions no longer
fit it. Nothing is thrown away: the old record, with the old text, is kept in
the store under the article id `ID#was-HASH` (HASH: the old text's hash; not
marked done, so only `byline export --all` exports it), and
the article's own record is replaced, in one batch (all or nothing), by the
decisions carried over to the new text (tui.core.carry) or by none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.core.model import AnnotationRecord, Article
from tui.store.gold import GoldStore


def archived_id(article_id: str, text_hash: str) -> str:
    """The id the record of `article_id` on the text `text_hash` is kept under."""
    return f"{article_id}#was-{text_hash}"


def renew(store: GoldStore, article: Article, annotator: str, record: AnnotationRecord,
          old: Article, changes: Mapping[str, Any]) -> str:
    """Keep `record` (made on the text of `old`) under its archived id, then apply
    `changes` to the article's record on its new text, not done; returns the archived id.

    `changes` should remove every old item id (None) that is not set again. One
    batch: a failure leaves the store as it was (and closes it, tui.store.gold).
    """
    kept = archived_id(article.id, record.text_hash)
    old_items: dict[str, Any] = {**record.items, **record.quotes, **record.meetings}
    with store.batch():
        store.put_article(Article(id=kept, text=old.text, meta=dict(old.meta)))
        store.save_items(kept, annotator, record.text_hash, old_items)
        # Not done: a default export (done records only) leaves the old text out.
        store.set_done(kept, annotator, record.text_hash, False)
        store.put_article(article)
        store.save_items(article.id, annotator, article.text_hash, changes)
        store.set_done(article.id, annotator, article.text_hash, False)
    return kept
