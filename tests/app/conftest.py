"""Fixtures of the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tui.formats.readers import read_paths
from tui.store.gold import GoldStore

HOSTILE = SEEDS / "hostile"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory,
                  loaded_model: object) -> Iterator[Path]:
    """A store holding the readable hostile seeds and the model's suggestions for them
    (one per test module, which may decide on them)."""
    from tui.nlp.suggest import suggest

    db = tmp_path_factory.mktemp("hostile") / "gold.json"
    articles = read_paths([HOSTILE]).articles
    with GoldStore.open(db) as store:
        for article, suggestions in suggest(loaded_model, articles):  # type: ignore[arg-type]
            store.put_article(article)
            store.put_suggestions(article.id, suggestions)
    yield db
