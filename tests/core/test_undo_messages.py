"""What undo and redo say, a history that outlives its sessions, hints naming the keys in
force, and a quote between quote marks being direct."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.core.test_layer_sessions import (
    ARTICLE,
    ENTITIES,
    INDIRECT,
    MEET1,
    MEET2,
    MEET3,
    MODEL,
    QUOTE,
    TEXT,
    TOKENS,
    sink_for,
    span,
)
from tui.core.history import History
from tui.core.keys import KeyNames, binding_ids
from tui.core.meeting_session import MeetingSession
from tui.core.model import Span, Status, Suggestions
from tui.core.quote_session import QuoteSession, quoted
from tui.core.session import EntitySession
from tui.core.tokens import simple_tokens
from tui.store.gold import GoldStore

CORE = Path(__file__).resolve().parents[2] / "tui" / "core"
#: A remapped keymap, as tui.app.bindings.key_names would hand it over.
REMAPPED = {"speaker-next": "F1", "speaker-here": "W", "cue-here": "K",
            "participant": "P", "place": "H", "time": "Y"}


@pytest.fixture
def store(tmp_path: Path) -> GoldStore:
    gold = GoldStore.open(tmp_path / "gold.json")
    gold.put_article(ARTICLE)
    yield gold
    gold.close_quietly()


def build(store: GoldStore, history: History, keys: KeyNames = binding_ids
          ) -> tuple[EntitySession, QuoteSession, MeetingSession]:
    """The three sessions of the article as the app builds them: from what is stored."""
    record = store.annotation(ARTICLE.id, "ann")
    suggestions = Suggestions(MODEL, ARTICLE.text_hash, ENTITIES, tuple(simple_tokens(TEXT)),
                              (QUOTE, INDIRECT), (MEET1, MEET2, MEET3))
    clock = lambda: "2025-10-23T10:00:00Z"  # noqa: E731
    entities = EntitySession(ARTICLE, suggestions, record.items if record else {}, "ann",
                             sink_for(store), clock=clock, history=history)
    quotes = QuoteSession(ARTICLE, MODEL, TOKENS, suggestions.quotes,
                          record.quotes if record else {}, "ann", sink_for(store), history,
                          clock=clock, keys=keys)
    meetings = MeetingSession(ARTICLE, MODEL, TOKENS, suggestions.meetings,
                              record.meetings if record else {}, "ann", sink_for(store),
                              history, clock=clock, keys=keys)
    return entities, quotes, meetings


def test_entity_undo_and_redo_say_the_state_now(store: GoldStore) -> None:
    history = History()
    entities, _, _ = build(store, history)
    assert entities.current is not None and entities.text_of(entities.current) == "Kalin"
    assert entities.relabel("GPE").message == "'Kalin' is now GPE"
    assert history.undo().message == "Undid relabel: 'Kalin' is an undecided suggestion " \
                                     "(PERSON) again"
    assert history.redo().message == "Redid relabel: 'Kalin' is GPE"
    assert entities.relabel("NORP").ok
    assert history.undo().message == "Undid relabel: 'Kalin' is GPE again"
    assert history.redo().message == "Redid relabel: 'Kalin' is NORP"
    assert entities.reject().ok
    assert history.undo().message == "Undid reject: 'Kalin' is NORP again"
    assert entities.add(span("Doha"), "GPE").ok
    assert history.undo().message == "Undid add: 'Doha' is no longer an entity"
    assert history.redo().message == "Redid add: 'Doha' is GPE"
    assert history.undo().ok and history.undo().ok and history.undo().ok
    assert history.undo().message == "Nothing to undo"


def test_quote_and_meeting_undo_and_redo_say_the_state_now(store: GoldStore) -> None:
    history = History()
    entities, quotes, meetings = build(store, history)
    assert quotes.current is not None and quotes.current.value == QUOTE
    assert quotes.set_speaker(span("AFP"), named=True).ok
    quote = "the quote 'We agreed on the next steps'"
    assert history.undo().message == f"Undid speaker: {quote} is by he → Kalin again"
    assert history.redo().message == f"Redid speaker: {quote} is by AFP"
    assert quotes.toggle_kind().message == "Now an indirect quote"
    assert history.undo().message == f"Undid kind: {quote} is direct again"
    assert history.redo().message == f"Redid kind: {quote} is indirect"
    assert quotes.set_cue(span("told")).ok  # the cue again: removed
    assert history.undo().message == f"Undid cue: {quote} has the cue 'told' again"
    assert history.redo().message == f"Redid cue: {quote} has no cue"
    quotes.select(f"q:s:{INDIRECT.content.start}:{INDIRECT.content.end}")
    assert quotes.accept().ok
    assert history.undo().message == \
        "Undid accept: the quote 'The talks were friendly' is an undecided suggestion again"
    assert meetings.current is not None and meetings.current.value == MEET1
    assert meetings.set_place(span("Ankara")).ok
    assert history.undo().message == "Undid place: the meeting 'met' has the place 'Doha' again"
    assert history.redo().message == "Redid place: the meeting 'met' has the place 'Ankara'"
    assert meetings.toggle_participant(span("Kalin")).ok
    assert history.undo().message == \
        "Undid participant: the meeting 'met' has the participants Kalin; Hamas officials again"
    assert history.redo().message == \
        "Redid participant: the meeting 'met' has the participants Hamas officials"
    assert meetings.set_time(span("late Tuesday")).ok  # again: removed
    assert history.undo().message == \
        "Undid time: the meeting 'met' has the time 'late Tuesday' (2025-10-21) again"
    assert meetings.add_from(span("friendly")).ok
    assert history.undo().message == "Undid add: the meeting 'friendly' is gone"
    assert history.redo().message == "Redid add: the meeting 'friendly' is added"
    assert entities.current is not None  # the entity layer is untouched throughout


def test_history_outlives_its_sessions_and_writes_the_store_first(
        store: GoldStore, tmp_path: Path) -> None:
    """Sessions rebuilt from the store (the article opened again) take the old history
    over: undo writes the store, then memory, and what is stored reads back the same."""
    history = History()
    entities, quotes, meetings = build(store, history)
    kalin = entities.current
    assert kalin is not None
    assert entities.relabel("GPE").ok and quotes.toggle_kind().ok and meetings.accept().ok
    # Leave the article and come back: new sessions, the same history.
    entities, quotes, meetings = build(store, history)
    assert history.can_undo
    assert history.undo().message.startswith("Undid accept: the meeting 'met'")
    assert history.undo().message.startswith("Undid kind:")
    assert history.undo().message == "Undid relabel: 'Kalin' is an undecided suggestion " \
                                     "(PERSON) again"
    store.close()
    reopened = GoldStore.open(tmp_path / "gold.json", read_only=True)
    try:
        record = reopened.annotation(ARTICLE.id, "ann")
    finally:
        reopened.close()
    assert record is None or (not record.items and not record.quotes and not record.meetings)
    assert entities.items[kalin.id].status is Status.SUGGESTED
    assert quotes.items[f"q:s:{QUOTE.content.start}:{QUOTE.content.end}"].value == QUOTE
    store_again = GoldStore.open(tmp_path / "gold.json")
    try:
        entities, quotes, meetings = build(store_again, history)
        assert history.redo().message == "Redid relabel: 'Kalin' is GPE"
        record = store_again.annotation(ARTICLE.id, "ann")
        assert record is not None and record.items[kalin.id].label == "GPE"
        assert entities.items[kalin.id].label == "GPE"
    finally:
        store_again.close()


def test_a_step_whose_items_changed_meanwhile_is_refused(store: GoldStore) -> None:
    history = History()
    entities, _, _ = build(store, history)
    kalin = entities.current
    assert kalin is not None and entities.relabel("GPE").ok
    store.save_items(ARTICLE.id, "ann", ARTICLE.text_hash, {kalin.id: None})  # elsewhere
    build(store, history)
    refused = history.undo()
    assert not refused.ok and refused.message.startswith("Cannot undo: the entities changed")
    assert history.can_undo  # kept: nothing was written
    assert store.annotation(ARTICLE.id, "ann") is None or \
        kalin.id not in store.annotation(ARTICLE.id, "ann").items  # type: ignore[union-attr]


def test_a_quote_between_quote_marks_is_direct(store: GoldStore) -> None:
    history = History()
    _, quotes, _ = build(store, history)
    quotes.reject()
    # The words alone, without the marks or the comma before the closing mark.
    outcome = quotes.add_from(span("We agreed on the next steps"))
    assert outcome.ok and quotes.current is not None
    assert quotes.current.value.kind == "direct"
    assert outcome.message.startswith("Added a direct quote 'We agreed on the next steps'")
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None and record.quotes[quotes.current.id].value.kind == "direct"
    quotes.delete()
    outcome = quotes.add_from(span("Erdogan hosted the emir"))
    assert outcome.ok and outcome.message.startswith("Added an indirect quote")
    assert quotes.current is not None and quotes.current.value.kind == "indirect"
    assert quotes.toggle_kind().message == "Now a direct quote"


@pytest.mark.parametrize(("text", "words", "direct"), [
    ("He said “We stay.” Then", "We stay", True),
    ("He said «We stay», then", "We stay", True),
    ("He said \"We stay,\" then", "We stay", True),
    ("He said ‘we stay’ then", "we stay", True),
    ("He said “ We stay ” then", "We stay", True),
    ("He said we stay. Then", "we stay", False),
    ("He said “we stay and then left", "we stay", False),
    ("He said the plan was “dead”", "the plan was", False),
    ("“Dead,” he said of the minister’s plan", "the minister", False),
    ("He said „wir bleiben“ dann", "wir bleiben", True),
])
def test_quoted(text: str, words: str, direct: bool) -> None:
    start = text.index(words)
    assert quoted(text, Span(start, start + len(words))) is direct


def test_hints_name_the_keys_given(store: GoldStore) -> None:
    keys: KeyNames = lambda binding_id: REMAPPED.get(binding_id, binding_id)  # noqa: E731
    _, quotes, meetings = build(store, History(), keys)
    quotes.reject()
    added = quotes.add_from(span("Erdogan hosted the emir")).message
    assert added.endswith("now set its speaker (F1, W) and cue (K)")
    meeting = meetings.add_from(span("friendly")).message
    assert meeting.endswith("now add its participants (P), place (H) and time (Y)")


#: A key letter written into a message: "(e)", "(s, w)", "press a", "a accept", "n/p".
_KEY_LETTER = re.compile(r"(?<![a-zA-Z])\([a-zA-Z](, [a-zA-Z])*\)|\bpress [b-zA-Z]\b|"
                         r"(^|[ (])[a-zA-Z] (accept|reject|undo|redo|cue|speaker|selects)\b|"
                         r"\b[a-zA-Z]/[a-zA-Z]\b")


def _message_strings(path: Path) -> list[str]:
    """The string constants of a module, f-string parts included, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_message_names_a_key_letter() -> None:
    """The core's messages and the app's hints name keys through the keymap only."""
    assert _KEY_LETTER.search("now add its participants (e), place (h)")
    assert _KEY_LETTER.search("n/p move, a accept, x reject")
    assert not _KEY_LETTER.search("3 file(s) could not be read")
    assert not _KEY_LETTER.search("press a digit (1…9)")  # "a" the article
    assert _KEY_LETTER.search("press x to reject")
    paths = [*sorted(CORE.glob("*.py")), *sorted((CORE.parent / "app").rglob("*.py"))]
    found = [(path.name, text) for path in paths
             for text in _message_strings(path) if _KEY_LETTER.search(text)]
    assert found == []
