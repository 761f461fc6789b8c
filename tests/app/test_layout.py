"""The screens fit the terminal: at 80x24 (and narrower) the key bar keeps `?` and `q`, the
title keeps the layer, the annotator and `done`, the legend is one line, the side panel
folds into one line (and `P` brings it back), the help fits and scrolls, the library
shows how to open and quit and every id whole. Read from the widgets as drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.containers import VerticalScroll

from tests.app.helpers import ANNOTATOR, article_screen, make_app, static_text
from tests.conftest import SEED_ID
from tui.app.screens.article import _short_name
from tui.app.screens.help import HelpScreen
from tui.app.screens.library import LibraryScreen

SMALL = (80, 24)


def drawn(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every line of the screen as the compositor draws it (modal screens included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def shown(app, selector: str) -> bool:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return bool(widget.display) and widget.region.width > 0


@pytest.mark.parametrize("width", [80, 60, 40])
async def test_the_key_bar_keeps_help_and_quit_in_every_layer(cached_store: Path,
                                                              width: int) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        for layer in ("entities", "quotes", "meetings"):
            assert article_screen(app).shown_layer == layer
            bar = static_text(app, "#key-bar")
            assert " ? Help " in bar and " q Quit " in bar, (layer, bar)
            assert cell_len(bar.rstrip()) <= width, bar
            assert drawn(app)[-1].rstrip() == bar.rstrip()  # nothing of it cut
            await pilot.press("t")


async def test_the_key_bar_shows_the_layer_keys_at_80_columns(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("t")
        bar = static_text(app, "#key-bar")
        assert " s Speaker " in bar and " k Cue " in bar and " a Accept " in bar, bar
        await pilot.press("t")
        bar = static_text(app, "#key-bar")
        assert " e Participant " in bar and " h Place " in bar, bar


async def test_the_title_keeps_layer_annotator_and_done_at_80_columns(
        cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        for layer in ("entities", "quotes", "meetings"):
            title = static_text(app, "#title-bar")
            assert f" {layer} " in title and f"by {ANNOTATOR}" in title, title
            assert drawn(app)[0].rstrip() == title.rstrip()
            await pilot.press("t")
        await pilot.press("f")  # done: the next article opens
        await pilot.pause()
        assert article_screen(app).article.id != SEED_ID
        await pilot.press("b")  # back to the library, and the done article again
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert article_screen(app).article.id == SEED_ID
        title = static_text(app, "#title-bar")
        assert "✓ done" in title and f"by {ANNOTATOR}" in title and " entities " in title
        assert cell_len(title.rstrip()) <= SMALL[0], title


async def test_the_title_names_the_store_when_there_is_room(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        title = static_text(app, "#title-bar")
        assert "→ gold.json" in title and "2025-10-23" in title, title
        assert str(cached_store.parent) not in title


def test_a_long_or_hostile_store_name_is_shortened_in_the_middle() -> None:
    name = _short_name("annotations-of-the-whole-newsroom-2025\x1b[2J.json").plain
    assert cell_len(name) <= 24 and "…" in name and name.endswith(".json")
    assert "\x1b" not in name
    assert _short_name("gold.json").plain == "gold.json"


async def test_the_legend_is_one_line_of_short_labels(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        legend = static_text(app, "#legend")
        assert "\n" not in legend.rstrip("\n") and cell_len(legend.rstrip()) <= SMALL[0]
        assert " 1  PER " in legend and " 2  ORG " in legend and "more…" in legend, legend
        assert "PERSON" not in legend


async def test_the_side_panel_folds_at_80_columns_and_p_toggles_it(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert not shown(app, "#side") and shown(app, "#compact-line")
        session = screen.session
        assert session is not None and session.current is not None
        compact = static_text(app, "#compact-line")
        assert f"“{session.text_of(session.current)}”" in compact
        assert session.current.label in compact and "suggested" in compact
        await pilot.press("a")  # the message of the last step shows on that line too
        await pilot.press("P")
        await pilot.pause()
        assert shown(app, "#side") and not shown(app, "#compact-line")
        assert app.screen.query_one("#side").region.width <= 30
        assert "decided" in static_text(app, "#entity-panel")
        await pilot.press("P")
        await pilot.pause()
        assert not shown(app, "#side")
        assert "Side panel hidden" in static_text(app, "#compact-line")


async def test_the_side_panel_is_shown_wide_and_p_hides_it(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown(app, "#side") and not shown(app, "#compact-line")
        await pilot.press("P")
        await pilot.pause()
        assert not shown(app, "#side") and shown(app, "#compact-line")
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert not shown(app, "#side"), "P's choice holds through a resize"


async def test_a_resize_folds_and_unfolds_the_side_panel(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown(app, "#side") and app.screen.query_one("#side").region.width == 38
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        assert app.screen.query_one("#side").region.width == 30
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert not shown(app, "#side") and shown(app, "#compact-line")
        assert " ? Help " in static_text(app, "#key-bar")
        await pilot.press("question_mark")  # resized under the help: fitted on return
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert article_screen(app).width == 120 and shown(app, "#side")


async def test_the_quote_panel_says_what_the_model_suggested(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("t", "n")
        quotes = article_screen(app).quotes
        assert quotes is not None and quotes.current is not None
        before = quotes.current.value
        assert before.cue is not None
        panel = static_text(app, "#entity-panel")
        assert f"({before.cue.start}–{before.cue.end})" in panel, panel
        assert "Model said" not in panel
        await pilot.press("i")  # direct / indirect: now corrected
        panel = static_text(app, "#entity-panel")
        assert "Model said" in panel and f"  kind    {before.kind}" in panel, panel
        assert f"  cue     {quotes.article.text[before.cue.start:before.cue.end]}" in panel


async def test_the_help_fits_and_scrolls_at_80x24(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help", VerticalScroll)
        assert box.region.right <= SMALL[0] and box.region.bottom <= SMALL[1]
        lines = drawn(app)
        assert lines[0].startswith("╭") and lines[0].rstrip().endswith("╮"), lines[0]
        assert any("Config id" in line for line in lines)
        assert box.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0


@pytest.mark.parametrize("size", [SMALL, (120, 40)])
async def test_the_library_shows_open_and_quit_and_whole_ids(
        cached_store: Path, size: tuple[int, int]) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        bar = static_text(app, "#key-bar")
        assert " Enter Open " in bar and " ctrl+q Quit " in bar, bar
        screen_text = "\n".join(drawn(app))
        for article in app.ctx.articles:
            assert article.id in screen_text, article.id


async def test_the_meeting_panel_says_what_the_model_suggested_where_it_differs(
        cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("t", "t", "n")
        meetings = article_screen(app).meetings
        assert meetings is not None and meetings.current is not None
        before = meetings.current.value
        assert before.place is not None
        assert "Model said" not in static_text(app, "#entity-panel")
        await pilot.press("left", "left", "h")  # the place: the name before "met"
        after = meetings.current.value
        assert after.place != before.place and after.participants == before.participants
        panel = static_text(app, "#entity-panel")
        place = meetings.article.text[before.place.start:before.place.end]
        assert "Model said" in panel and f"  place   {place}" in panel, panel
        assert "  with" not in panel  # the participants did not change
