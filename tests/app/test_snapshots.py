"""Snapshots of every screen, with the seed article, at 80x24 and at 120x40: the article
in each layer, the library, the help, the label picker, the model review (`R`), the
model report (`ctrl+r` in the library) and the adjudication of `byline review` (its list
and one article's disagreements).

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at every SVG that changed before committing it (nothing important cut).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import make_app
from tests.conftest import SEED_ID
from tui.app.adjudicate import AdjudicationApp
from tui.commands.review import prepare_review
from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}

#: The keys that lead from the seed article (the screen `byline` opens) to each screen.
SCREENS = {
    "entities": ["n", "n"],
    "quotes": ["t", "n"],
    "meetings": ["t", "t", "n"],
    "library": ["b"],
    "help": ["question_mark"],
    "label_picker": ["n", "l"],
    "model_review": ["x", "R"],
    "model_report": ["a", "x", "b", "ctrl+r"],
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(cached_store: Path, snap_compare, screen: str,  # type: ignore[no-untyped-def]
                         size: str) -> None:
    app = make_app(cached_store)
    assert snap_compare(app, terminal_size=SIZES[size], press=SCREENS[screen])


def _adjudication_stores(folder: Path, article: Article) -> list[Path]:
    """Two annotators' stores on the seed article who disagree on two entities."""
    text = article.text

    def entity(item_id: str, needle: str, label: str, who: str) -> EntityItem:
        start = text.index(needle)
        return EntityItem(item_id, start, start + len(needle), label, Status.ADDED,
                          annotator=who)

    sides = {"ana": [("Ibrahim Kalin", "PERSON"), ("Hamas", "ORG"), ("Doha", "GPE")],
             "bo": [("Ibrahim Kalin", "PERSON"), ("Hamas officials", "ORG"),
                    ("Doha", "LOC")]}
    paths = []
    for who, entities in sides.items():
        path = folder / f"{who}.json"
        with GoldStore.open(path) as gold:
            gold.put_article(article)
            gold.save_items(article.id, who, article.text_hash,
                            {f"a:{n}": entity(f"a:{n}", needle, label, who)
                             for n, (needle, label) in enumerate(entities)})
        paths.append(path)
    return paths


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("screen", "press"), [("articles", []), ("disagreements", ["enter"])])
def test_adjudication_snapshot(tmp_path: Path, seed_articles: list[Article],  # type: ignore[no-untyped-def]
                               snap_compare, screen: str, press: list[str], size: str) -> None:
    article = next(a for a in seed_articles if a.id == SEED_ID)
    session = prepare_review(_adjudication_stores(tmp_path, article),
                             tmp_path / "merged.json", "judge")
    assert len(session.reviews) == 1
    assert snap_compare(AdjudicationApp(session), terminal_size=SIZES[size], press=press)
