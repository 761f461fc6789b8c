"""`byline review STORE... -o MERGED`: gather every annotator's records of the same
articles for adjudication, and write what passes through untouched.

`prepare_review` reads the input stores (read-only) and opens the merged store
(a writer): articles with one annotator pass through whole; articles with two
or more get their agreed items written at once and their disagreements listed
for the reviewer (`tui.app.adjudicate`), whose every pick is saved at once.
Rejections are decisions like the rest (`tui.core.adjudicate`): agreed ones pass
through, and a side picked brings its rejections, so the merged store's
export lists them under `rejected`, `rejected_quotes` and `rejected_meetings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui.commands.outputs import check_store_path
from tui.core.adjudicate import ArticleReview, Item, merged_items, review_article, taken_side
from tui.core.files import real_path
from tui.core.model import AnnotationRecord, Article
from tui.store.gold import GoldStore, StoreError


@dataclass
class ReviewSession:
    """The articles to adjudicate, the merged store and who the adjudicator is."""

    merged: GoldStore
    adjudicator: str
    reviews: list[ArticleReview] = field(default_factory=list)
    articles: dict[str, Article] = field(default_factory=dict)
    choices: dict[str, dict[int, str | None]] = field(default_factory=dict)
    passed: int = 0

    def settle(self, review: ArticleReview, index: int, who: str | None) -> None:
        """Pick `who`'s items (None: nobody's) for disagreement `index`; saved at once."""
        choices = dict(self.choices.get(review.article_id, {}))
        choices[index] = who
        self._write(review, choices)
        self.choices[review.article_id] = choices

    def unsettle(self, review: ArticleReview, index: int) -> None:
        choices = dict(self.choices.get(review.article_id, {}))
        choices.pop(index, None)
        self._write(review, choices)
        self.choices[review.article_id] = choices

    def _write(self, review: ArticleReview, choices: dict[int, str | None]) -> None:
        new = merged_items(review, choices, self.adjudicator)
        old = self.merged.annotation(review.article_id, self.adjudicator)
        changes: dict[str, Item | None] = {}
        if old is not None:
            changes.update(dict.fromkeys([*old.items, *old.quotes, *old.meetings]))
        changes.update(new)
        self.merged.save_items(review.article_id, self.adjudicator, review.text_hash, changes)
        done = len(choices) == len(review.disagreements)
        self.merged.set_done(review.article_id, self.adjudicator, review.text_hash, done)

    def settled(self, review: ArticleReview) -> int:
        return len(self.choices.get(review.article_id, {}))


def _name_records(stores: Sequence[Path]) -> tuple[dict[tuple[str, str], list[AnnotationRecord]],
                                                   dict[str, Article]]:
    by_article: dict[tuple[str, str], list[AnnotationRecord]] = {}
    articles: dict[str, Article] = {}
    seen: dict[str, Path] = {}
    for path in stores:
        with GoldStore.open(path, read_only=True) as store:
            for record in store.annotations():
                name = record.annotator
                if name in seen and seen[name] != path:
                    name = f"{name}@{path.name}"
                seen.setdefault(record.annotator, path)
                record.annotator = name
                by_article.setdefault((record.article_id, record.text_hash), []).append(record)
                if record.article_id not in articles:
                    article = store.article(record.article_id, record.text_hash)
                    if article is not None:
                        articles[record.article_id] = article
    return by_article, articles


def prepare_review(stores: Sequence[Path], merged_path: Path,
                   adjudicator: str) -> ReviewSession:
    """Read the stores, open the merged store, write what passes through; raises
    `StoreError` or ValueError (bad arguments)."""
    if len(stores) < 1:
        raise ValueError("give the annotators' gold stores to review")
    resolved = {real_path(p) for p in stores}
    if real_path(merged_path) in resolved:
        raise ValueError(f"{merged_path}: is one of the stores to review; choose a new "
                         f"store for the merged gold")
    check_store_path(merged_path, stores=stores)  # never a file of any store but an index
    by_article, articles = _name_records(stores)
    merged = GoldStore.open(merged_path)
    session = ReviewSession(merged, adjudicator, articles=articles)
    try:
        for (article_id, text_hash), records in sorted(by_article.items()):
            article = articles.get(article_id)
            if article is None or article.text_hash != text_hash:
                continue
            merged.put_article(article)
            existing = merged.annotation(article_id, adjudicator)
            if len(records) == 1:
                if existing is None:
                    record = records[0]
                    items: dict[str, Item | None] = {**record.items, **record.quotes,
                                                     **record.meetings}
                    merged.save_items(article_id, adjudicator, text_hash, items)
                    merged.set_done(article_id, adjudicator, text_hash, record.done)
                session.passed += 1
                continue
            review = review_article(records)
            session.reviews.append(review)
            if existing is None:
                session._write(review, {})
            else:
                kept: list[Item] = [*existing.items.values(), *existing.quotes.values(),
                                    *existing.meetings.values()]
                chosen = {n: taken_side(d, kept) for n, d in enumerate(review.disagreements)}
                session.choices[article_id] = {n: who for n, who in chosen.items()
                                               if who is not None}
    except BaseException:
        merged.close_quietly()
        raise
    return session


__all__ = ["ReviewSession", "StoreError", "prepare_review"]
