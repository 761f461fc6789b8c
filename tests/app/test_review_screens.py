"""The review screens in the real app: the differences of an article (R), and the
model's precision and recall across the store (ctrl+r in the library)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable

from tests.app.helpers import ANNOTATOR, article_screen, make_app, static_text
from tests.conftest import SEED_ID
from tui.app.screens.review import ItemDetailScreen, ModelReportScreen, ReviewScreen
from tui.core.layers import LayerItem
from tui.core.model import Article, Span, Status
from tui.store.gold import GoldStore

SIZE = (120, 40)


def cells(app: object, row: int) -> list[str]:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    return [str(cell) for cell in table.get_row_at(row)]


async def test_R_lists_the_differences_and_enter_goes_to_one(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        await pilot.press("R")  # nothing decided yet: a warning, no screen
        assert app.screen is screen
        first = session.current
        assert first is not None
        await pilot.press("a")          # accepted: no difference
        second = session.current
        assert second is not None
        await pilot.press("x")          # rejected: spurious
        third = session.current
        assert third is not None
        label = "ORG" if third.label != "ORG" else "PERSON"
        digit = str(screen.labels.index(label) + 1)
        await pilot.press(digit)        # relabelled: wrong label
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        rows = [cells(app, n) for n in range(2)]
        kinds = {row[1] for row in rows}
        assert kinds == {"spurious", "wrong label"}
        wrong = next(n for n, row in enumerate(rows) if row[1] == "wrong label")
        assert f"{label}" in rows[wrong][2] and third.label in rows[wrong][3]
        for _ in range(wrong):
            await pilot.press("n")
        await pilot.press("enter")      # the whole item, both sides
        await pilot.pause()
        assert isinstance(app.screen, ItemDetailScreen)
        assert app.screen.rows[1] == ("label", (label, third.label))
        await pilot.press("enter")      # and Enter there goes to it
        await pilot.pause()
        assert app.screen is screen
        assert session.current_id == third.id
        assert session.items[second.id].status is Status.REJECTED
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.is_running


async def test_a_speaker_and_cue_difference_shows_the_speakers_and_the_cues(
        cached_store: Path, seed_articles: list[Article]) -> None:
    """The model gave "the two-state solution was the only way..." to "his office"
    (cue "said" after it); the annotator to Erdogan, with the "said" before it. The rows
    show the speakers and the cues, not the same cut-off content twice; Enter shows the
    whole quote on both sides."""
    with GoldStore.open(cached_store) as gold:
        article = next(a for a in seed_articles if a.id == SEED_ID)
        cache = gold.suggestions(SEED_ID, article.text_hash)
        assert cache is not None
        text = article.text
        model = next(q for q in cache.quotes if text[q.content.start:].startswith("the two"))
        erdogan = Span(text.index("Erdogan told"), text.index("Erdogan told") + 7)
        said = text.index("said the two-state")
        value = replace(model, speaker=erdogan, speaker_ref=erdogan, cue=Span(said, said + 4))
        item = LayerItem("q:s:1", value, Status.CORRECTED, model, annotator=ANNOTATOR)
        gold.save_items(SEED_ID, ANNOTATOR, article.text_hash, {"q:s:1": item})
    assert model.cue is not None
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        rows = {row[1]: row for row in (cells(app, n) for n in range(2))}
        assert rows["wrong speaker"][2:] == ["“Erdogan”", "“his office” → —"]
        assert rows["wrong cue"][2:] == [f"“said” {said}–{said + 4}",
                                         f"“said” {model.cue.start}–{model.cue.end}"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemDetailScreen)
        shown = static_text(app, "#item-detail-table")
        assert "speaker_ref" in shown and "resolve the Israeli-Palestinian issue" in shown
        assert "his office" in shown and "indirect" in shown
        await pilot.press("escape")     # back to the list, not the article
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_ctrl_r_in_the_library_shows_the_model_report(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "x", "b")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ModelReportScreen)
        table = app.screen.query_one(DataTable)
        rows = [cells(app, n) for n in range(table.row_count)]
        entities = next(r for r in rows if r[0] == "entities" and r[1] == "all")
        # decided, accepted, corrected, rejected, missed, precision, recall
        assert entities[2:7] == ["3", "2", "0", "1", "0"]
        assert entities[7] == "0.667" and entities[8] == "1.000"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ModelReportScreen)


def test_no_two_bindings_of_a_screen_share_a_key() -> None:
    from tui.app.bindings import ARTICLE_BINDINGS, LIBRARY_BINDINGS

    for bindings in (ARTICLE_BINDINGS, LIBRARY_BINDINGS):
        keys = [key.strip() for b in bindings for key in b.key.split(",")]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
