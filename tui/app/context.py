"""What every screen of the app shares: the corpus, the store, who annotates, the model.

The model is loaded at most once, lazily, in whichever worker thread first
needs it; importing this module does not import spaCy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.history import History
from tui.core.model import Article
from tui.store.gold import GoldStore

if TYPE_CHECKING:
    from tui.nlp.models import LoadedModel


class ModelProvider:
    """Loads the spaCy pipeline once, on first use, safely from several threads."""

    def __init__(self, requested: str | None, resolved: str,
                 preloaded: LoadedModel | None = None) -> None:
        self.requested = requested
        self.resolved = resolved
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = preloaded

    def get(self) -> LoadedModel:
        with self._lock:
            if self._loaded is None:
                from tui.nlp.models import load_model

                self._loaded = load_model(self.requested)
            return self._loaded


@dataclass
class AppContext:
    """The corpus, the gold store and the settings of one run of the app."""

    articles: list[Article]
    store: GoldStore
    annotator: str
    models: ModelProvider
    labels: tuple[str, ...]
    keymap: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: What reading the corpus left out (files in folders, bad JSONL lines), one line each.
    notices: list[str] = field(default_factory=list)
    #: The undo history of each article opened in this run, by (id, text hash): it
    #: outlives the article screen, so leaving an article and coming back keeps it.
    histories: dict[tuple[str, str], History] = field(default_factory=dict)

    def history(self, article: Article) -> History:
        """The undo history of `article` (of its present text) for this run."""
        return self.histories.setdefault((article.id, article.text_hash), History())

    def index_of(self, article_id: str) -> int:
        for index, article in enumerate(self.articles):
            if article.id == article_id:
                return index
        return -1

    def is_done(self, article: Article) -> bool:
        summary = self.store.summary(article.id, self.annotator)
        return summary is not None and summary.done and summary.text_hash == article.text_hash

    def next_undone(self, after: str | None = None) -> Article | None:
        """The first article not marked done, looking after `after` and then from the top."""
        start = self.index_of(after) + 1 if after is not None else 0
        order = self.articles[start:] + self.articles[:start]
        for article in order:
            if article.id != after and not self.is_done(article):
                return article
        return None
