"""`byline review`: the adjudication app driven by real keys, each pick in the merged
store at once; agreed items pass through; a restart shows what was settled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.conftest import SEED_ID
from tui.app.adjudicate import AdjudicationApp, ArticlesScreen, DisagreementsScreen
from tui.app.screens.review import ItemDetailScreen
from tui.commands.export_store import run_export
from tui.commands.review import prepare_review
from tui.core.adjudicate import Item
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import Article, EntityItem, EntitySuggestion, ModelInfo, Span, Status
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


# ------------------------------------------------ rejections are decisions too

MODEL = ModelInfo("en_core_web_sm", "3.8.0")


def seed_store(path: Path, who: str, article: Article, keep_cardinals: bool) -> Path:
    """One annotator's store of the seed article: the model suggested CARDINAL on both
    "two"s, GPE on "Washington" and a meeting at "meeting" (Kalin and Fidan meeting the
    Hamas delegation); `who` kept the CARDINALs and the meeting, or rejected them.
    Both rejected "Washington"."""
    text = article.text
    twos = [n for n in range(len(text)) if text.startswith("two-state", n)]
    washington = text.index("Washington")
    trigger = text.index("meeting the Hamas")
    kalin, fidan = text.index("Kalin and Fidan"), text.index("Fidan meeting")
    items: dict[str, Item | None] = {}
    status = Status.ACCEPTED if keep_cardinals else Status.REJECTED
    for start in twos:
        suggestion = EntitySuggestion(start, start + 3, "CARDINAL")
        items[f"s:{start}"] = EntityItem(f"s:{start}", start, start + 3, "CARDINAL", status,
                                         suggestion, annotator=who, model=MODEL)
    gpe = EntitySuggestion(washington, washington + 10, "GPE")
    items["s:w"] = EntityItem("s:w", washington, washington + 10, "GPE", Status.REJECTED,
                              gpe, annotator=who, model=MODEL)
    meeting = MeetingSuggestion(Span(trigger, trigger + 7),
                                (Span(kalin, kalin + 5), Span(fidan, fidan + 5)), None, None,
                                None, "e1")
    items["m:s:1"] = LayerItem("m:s:1", meeting, status, meeting, annotator=who, model=MODEL)
    with GoldStore.open(path) as gold:
        gold.put_article(article)
        gold.save_items(article.id, who, article.text_hash, items)
        gold.set_done(article.id, who, article.text_hash, True)
    return path


async def test_picking_the_side_that_rejected_keeps_the_rejections(
        tmp_path: Path, seed_articles: list[Article]) -> None:
    article = next(a for a in seed_articles if a.id == SEED_ID)
    ana = seed_store(tmp_path / "ana.json", "ana", article, keep_cardinals=False)
    bo = seed_store(tmp_path / "bo.json", "bo", article, keep_cardinals=True)
    merged = tmp_path / "merged.json"
    app = AdjudicationApp(prepare_review([ana, bo], merged, "judge"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3  # two CARDINALs, the meeting; Washington agreed
        first = [str(c) for c in table.get_row_at(0)]
        assert first[2] == "rejected “two” CARDINAL" and first[3] == "“two” CARDINAL"
        await pilot.press("1", "1", "1")  # ana's side, three times
        await pilot.pause()
    with GoldStore.open(merged, read_only=True) as gold:
        record = gold.annotation(article.id, "judge")
    assert record is not None and record.done
    rejected = sorted((article.text[i.start:i.end], i.label) for i in record.items.values()
                      if i.status is Status.REJECTED)
    assert rejected == [("Washington", "GPE"), ("two", "CARDINAL"), ("two", "CARDINAL")]
    assert [m.status for m in record.meetings.values()] == [Status.REJECTED]
    out = tmp_path / "merged.jsonl"
    assert run_export(merged, out, "native", False, None, False) == 1
    row = json.loads(out.read_text(encoding="utf-8"))
    assert sorted((r["text"], r["label"]) for r in row["rejected"]) == rejected
    assert [m["trigger"]["text"] for m in row["rejected_meetings"]] == ["meeting"]
    assert row["entities"] == [] and row["meetings"] == []


def quote_store(path: Path, who: str, speaker: str) -> Path:
    """`who` read "Kalin met ... late Tuesday" as said by `speaker`."""
    content = Span(*at("Kalin met Hamas officials in Doha late Tuesday"))
    mention = Span(*at(speaker))
    quote = QuoteSuggestion(content, mention, Span(*at("said")), mention, "indirect")
    with GoldStore.open(path) as gold:
        gold.put_article(ARTICLE)
        gold.save_items(ARTICLE.id, who, ARTICLE.text_hash,
                        {"q:a:1": LayerItem("q:a:1", quote, Status.ADDED, annotator=who)})
    return path


async def test_a_speaker_disagreement_shows_the_speakers_and_picked_fits_at_120(
        tmp_path: Path) -> None:
    ana = quote_store(tmp_path / "ana.json", "ana", "[bold]AFP[/]")
    bo = quote_store(tmp_path / "bo.json", "bo", "DOHA")
    app = AdjudicationApp(prepare_review([ana, bo], tmp_path / "merged.json", "judge"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        widths = sum(column.get_render_width(table) for column in table.columns.values())
        assert widths <= table.size.width  # the Picked column is on screen
        row = [str(c) for c in table.get_row_at(0)]
        assert row[2] == "speaker: “[bold]AFP[/]”"  # as written, never as markup
        assert row[3] == "speaker: “DOHA”"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemDetailScreen)
        assert app.screen.sides == ("1 ana", "2 bo")
        fields = dict(app.screen.rows)
        assert fields["cue"] == [f"“said” {at('said')[0]}–{at('said')[1]}"] * 2
        assert fields["kind"] == ["indirect", "indirect"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DisagreementsScreen)
        await pilot.press("2")
        await pilot.pause()
        assert str(table.get_row_at(0)[-1]) == "bo"
        await pilot.resize_terminal(80, 24)  # narrower: the columns are laid out again
        await pilot.pause()
        widths = sum(column.get_render_width(table) for column in table.columns.values())
        assert widths <= table.size.width == 80
        assert str(table.get_row_at(0)[-1]) == "bo"
