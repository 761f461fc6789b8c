"""What the article screen says: undo across visits, undo messages, keys in force."""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import article_screen, make_app, static_text, stored, stored_items
from tests.conftest import SEED_ID
from tui.app.screens.library import LibraryScreen
from tui.core.model import Status

SIZE = (120, 40)


async def test_undo_history_survives_leaving_the_article(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None and session.current is not None
        first = session.current
        text = session.text_of(first)
        await pilot.press("4")  # the fourth label of the legend: a correction
        relabelled = stored_items(cached_store)[first.id]
        assert relabelled[3] == "corrected"
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("enter")
        await pilot.pause()
        again = article_screen(app)
        assert again is not screen and again.article.id == SEED_ID
        assert again.check_action("undo", ()) is True
        await pilot.press("u")
        status = static_text(app, "#status-line")
        assert status == f"Undid relabel: {text!r} is an undecided suggestion " \
                         f"({first.label}) again"
        # The store first: a second opener reads the undo back.
        assert first.id not in stored_items(cached_store)
        assert again.session is not None
        assert again.session.items[first.id].status is Status.SUGGESTED
        await pilot.press("r")
        assert static_text(app, "#status-line") == \
            f"Redid relabel: {text!r} is {relabelled[2]}"
        assert stored_items(cached_store)[first.id] == relabelled
        await pilot.press("u", "u")
        assert "Nothing to undo" in static_text(app, "#status-line")


async def test_messages_name_the_remapped_keys(cached_store: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\naccept = "j"\nlayer = "L"\nreject = "z"\nadd-item = "O"\n'
                      'cue-here = "K"\n', encoding="utf-8")
    app = make_app(cached_store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        key_bar = static_text(app, "#key-bar")
        assert "j" in key_bar.split() and "L" in key_bar.split()
        await pilot.press("L")
        screen = article_screen(app)
        assert screen.shown_layer == "quotes"
        status = static_text(app, "#status-line")
        assert "j accept" in status and "z reject" in status
        assert "K cue" in status and "O new from selection" in status
        assert "a accept" not in status and "x reject" not in status
        # A quote made from a selection: its hint names the keys in force.
        quotes = screen.quotes
        assert quotes is not None
        await pilot.press("v", "right", "O")
        status = static_text(app, "#status-line")
        assert status.startswith("Added an indirect quote 'DOHA'"), status
        assert status.endswith("now set its speaker (s, w) and cue (K)")
        record = stored(cached_store)
        assert record is not None and quotes.current is not None
        assert record.quotes[quotes.current.id].status is Status.ADDED
