"""`byline review`: the adjudication app driven by real keys, each pick in the merged
store at once; agreed items pass through; a restart shows what was settled."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from tui.app.adjudicate import AdjudicationApp, ArticlesScreen, DisagreementsScreen
from tui.commands.review import prepare_review
from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday, [bold]AFP[/] said."
ARTICLE = Article("a1", TEXT, {"title": "Kalin [@click=app.quit] meets Hamas"})
SOLO = Article("a2", "Only one annotator read this one about Qatar.", {})


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def store(path: Path, who: str, entities: list[tuple[str, str, str]],
          solo: bool = False) -> Path:
    with GoldStore.open(path) as gold:
        gold.put_article(ARTICLE)
        items = {}
        for item_id, needle, label in entities:
            start, end = at(needle)
            items[item_id] = EntityItem(item_id, start, end, label, Status.ADDED,
                                        annotator=who)
        gold.save_items(ARTICLE.id, who, ARTICLE.text_hash, items)
        if solo:
            gold.put_article(SOLO)
            gold.save_items(SOLO.id, who, SOLO.text_hash,
                            {"a:1": EntityItem("a:1", 40, 45, "GPE", Status.ADDED)})
    return path


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    ana = store(tmp_path / "ana.json", "ana", [("a:1", "Kalin", "PERSON"),
                                              ("a:2", "Hamas", "ORG"),
                                              ("a:3", "late Tuesday", "DATE")], solo=True)
    bo = store(tmp_path / "bo.json", "bo", [("a:1", "Kalin", "PERSON"),
                                            ("a:2", "Hamas officials", "ORG"),
                                            ("a:3", "[bold]AFP[/]", "ORG")])
    return ana, bo


def merged_spans(path: Path) -> set[tuple[str, str]]:
    with GoldStore.open(path, read_only=True) as gold:
        record = gold.annotation(ARTICLE.id, "judge")
        assert record is not None
        return {(TEXT[i.start:i.end], i.label) for i in record.items.values()}


async def test_picks_with_digits_are_saved_at_once(stores: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    merged = tmp_path / "merged.json"
    session = prepare_review(list(stores), merged, "judge")
    assert session.passed == 1 and len(session.reviews) == 1
    app = AdjudicationApp(session)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DisagreementsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 3  # Hamas vs Hamas officials; late Tuesday; AFP
        rows = [[str(c) for c in table.get_row_at(n)] for n in range(3)]
        assert "“Hamas” ORG" in rows[0][2] and "“Hamas officials” ORG" in rows[0][3]
        assert "[bold]AFP[/]" in rows[2][3]  # shown as written, never as markup
        await pilot.press("2")          # Hamas officials (bo)
        await pilot.press("1")          # late Tuesday (ana)
        assert merged_spans(merged) == {("Kalin", "PERSON"), ("Hamas officials", "ORG"),
                                         ("late Tuesday", "DATE")}
        await pilot.press("0")          # AFP: neither
        await pilot.press("p", "p", "u")  # back on Hamas (the first row): unsettle it
        assert merged_spans(merged) == {("Kalin", "PERSON"), ("late Tuesday", "DATE")}
        await pilot.press("2", "b")
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)
        row = [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[2:] == ["3", "3"]
    with GoldStore.open(merged, read_only=True) as gold:
        record = gold.annotation(ARTICLE.id, "judge")
        assert record is not None and record.done
        solo = gold.annotation(SOLO.id, "judge")
        assert solo is not None and len(solo.items) == 1  # one annotator: passed through
    again = prepare_review(list(stores), merged, "judge")
    try:
        assert again.choices[ARTICLE.id] == {0: "bo", 1: "ana"}  # "neither" cannot be seen
    finally:
        again.merged.close()


def test_the_merged_store_cannot_be_an_input(stores: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="is one of the stores to review"):
        prepare_review(list(stores), stores[0], "judge")
