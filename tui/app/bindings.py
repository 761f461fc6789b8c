"""Every key binding of byline, each with an id so the config file can remap it.

The article screen, the help panel, the README and the config validation all
read this one table.
"""

from __future__ import annotations

from textual.binding import Binding

from tui.core.keys import KeyNames
from tui.core.text import display_line

ARTICLE_BINDINGS: list[Binding] = [
    Binding("t", "switch_layer", "Layer", id="layer",
            tooltip="Switch layer: entities → quotes → meetings"),
    Binding("n", "next", "Next", id="next", tooltip="Next entity, quote or meeting"),
    Binding("p", "previous", "Prev", id="previous", tooltip="Previous entity, quote or meeting"),
    Binding("a", "accept", "Accept", id="accept", tooltip="Accept it, go to the next undecided"),
    Binding("x", "reject", "Reject", id="reject", tooltip="Reject it, go to the next undecided"),
    *[
        Binding(str(d), f"digit({d})", f"Label {d}", id=f"label-{d}", show=False,
                tooltip=f"Give label {d} of the legend (adds the selection as an entity)")
        for d in range(1, 10)
    ],
    Binding("l", "pick_label", "Label…", id="pick-label",
            tooltip="Pick a label from the full list"),
    # The quote layer.
    Binding("s", "cycle_speaker(1)", "Speaker", id="speaker-next",
            tooltip="Attribute the quote to the next person or organisation (then unattributed)"),
    Binding("S", "cycle_speaker(-1)", "Speaker back", id="speaker-previous", show=False,
            tooltip="Attribute the quote to the previous person or organisation"),
    Binding("w", "speaker_here", "Who", id="speaker-here",
            tooltip="The speaker is the entity (or selection) under the cursor"),
    Binding("k", "cue_here", "Cue", id="cue-here",
            tooltip="The cue is the word (or selection) under the cursor; again removes it"),
    Binding("i", "toggle_kind", "Kind", id="kind", tooltip="Toggle direct / indirect"),
    # The meeting layer.
    Binding("e", "participant", "Participant", id="participant",
            tooltip="Add (or remove) the entity or selection under the cursor as a participant"),
    Binding("h", "place", "Place", id="place",
            tooltip="The place is the entity or selection under the cursor; again removes it"),
    Binding("y", "time", "Time", id="time",
            tooltip="The time is the entity or selection under the cursor (its date resolved)"),
    Binding("g", "merge", "Merge", id="merge",
            tooltip="Same meeting as the most likely other mention (the nearest earlier one "
                    "sharing a participant or the place, else the one before); again: the "
                    "next candidate, then back to its own event"),
    Binding("G", "split", "Split", id="split", tooltip="A meeting of its own (a new event id)"),
    # Both.
    Binding("o", "add_item", "New", id="add-item",
            tooltip="A new quote (content) or meeting (trigger) from the selection"),
    Binding("left_square_bracket", "resize('left', True)", "Extend left", id="grow-left",
            show=False, key_display="[", tooltip="Move the start one token left"),
    Binding("left_curly_bracket", "resize('left', False)", "Shrink left", id="shrink-left",
            show=False, key_display="{", tooltip="Move the start one token right"),
    Binding("right_square_bracket", "resize('right', True)", "Extend right", id="grow-right",
            show=False, key_display="]", tooltip="Move the end one token right"),
    Binding("right_curly_bracket", "resize('right', False)", "Shrink right", id="shrink-right",
            show=False, key_display="}", tooltip="Move the end one token left"),
    Binding("left", "cursor(-1)", "Token left", id="cursor-left", show=False),
    Binding("right", "cursor(1)", "Token right", id="cursor-right", show=False),
    Binding("up", "cursor_line(-1)", "Line up", id="cursor-up", show=False),
    Binding("down", "cursor_line(1)", "Line down", id="cursor-down", show=False),
    # Fast movement: each moves the token cursor (the view follows it); the shift+ keys
    # extend the selection instead (starting one at the cursor if there is none).
    Binding("shift+up", "cursor_line(-1, True)", "Select line up", id="select-up", show=False,
            tooltip="Extend the selection a line up"),
    Binding("shift+down", "cursor_line(1, True)", "Select line down", id="select-down",
            show=False, tooltip="Extend the selection a line down"),
    Binding("home", "cursor_line_start", "Line start", id="line-start", show=False,
            tooltip="Cursor to the first word of the line"),
    Binding("end", "cursor_line_end", "Line end", id="line-end", show=False,
            tooltip="Cursor to the last word of the line"),
    Binding("shift+home", "cursor_line_start(True)", "Select to line start",
            id="select-line-start", show=False, tooltip="Extend the selection to the line's start"),
    Binding("shift+end", "cursor_line_end(True)", "Select to line end", id="select-line-end",
            show=False, tooltip="Extend the selection to the line's end"),
    Binding("pageup", "cursor_page(-1)", "Page up", id="page-up", show=False,
            tooltip="The cursor and the view a screen up"),
    Binding("pagedown", "cursor_page(1)", "Page down", id="page-down", show=False,
            tooltip="The cursor and the view a screen down"),
    Binding("shift+pageup", "cursor_page(-1, True)", "Select page up", id="select-page-up",
            show=False, tooltip="Extend the selection a screen up"),
    Binding("shift+pagedown", "cursor_page(1, True)", "Select page down",
            id="select-page-down", show=False, tooltip="Extend the selection a screen down"),
    Binding("ctrl+home,less_than_sign", "cursor_article_start", "Article start",
            id="article-start", show=False, tooltip="Cursor to the article's first word"),
    Binding("ctrl+end,greater_than_sign", "cursor_article_end", "Article end",
            id="article-end", show=False, tooltip="Cursor to the article's last word"),
    Binding("ctrl+shift+home", "cursor_article_start(True)", "Select to article start",
            id="select-article-start", show=False,
            tooltip="Extend the selection to the article's start"),
    Binding("ctrl+shift+end", "cursor_article_end(True)", "Select to article end",
            id="select-article-end", show=False,
            tooltip="Extend the selection to the article's end"),
    Binding("ctrl+left", "cursor_word(-1)", "Word left", id="word-left", show=False,
            tooltip="Previous word, passing over punctuation (the arrows stop on it)"),
    Binding("ctrl+right", "cursor_word(1)", "Word right", id="word-right", show=False,
            tooltip="Next word, passing over punctuation (the arrows stop on it)"),
    Binding("ctrl+shift+left", "cursor_word(-1, True)", "Select word left",
            id="select-word-left", show=False,
            tooltip="Extend the selection to the previous word"),
    Binding("ctrl+shift+right", "cursor_word(1, True)", "Select word right",
            id="select-word-right", show=False, tooltip="Extend the selection to the next word"),
    Binding("ctrl+up,left_parenthesis", "cursor_paragraph(-1)", "Paragraph up",
            id="paragraph-up", show=False,
            tooltip="Start of this paragraph (at its start: of the one before)"),
    Binding("ctrl+down,right_parenthesis", "cursor_paragraph(1)", "Paragraph down",
            id="paragraph-down", show=False, tooltip="Start of the next paragraph"),
    Binding("ctrl+shift+up", "cursor_paragraph(-1, True)", "Select paragraph up",
            id="select-paragraph-up", show=False,
            tooltip="Extend the selection to the paragraph's start"),
    Binding("ctrl+shift+down", "cursor_paragraph(1, True)", "Select paragraph down",
            id="select-paragraph-down", show=False,
            tooltip="Extend the selection to the paragraph's end"),
    Binding("slash", "search", "Search", id="search", key_display="/",
            tooltip="Find a phrase (any case): the match becomes the selection, a digit labels it"),
    Binding("ctrl+n", "search_again(1)", "Next match", id="search-next", show=False,
            tooltip="The next match of the last search (wraps around)"),
    Binding("ctrl+p", "search_again(-1)", "Previous match", id="search-previous", show=False,
            tooltip="The previous match of the last search (wraps around)"),
    Binding("v", "toggle_selection", "Select", id="select",
            tooltip="Start or drop a selection at the token cursor"),
    Binding("shift+left", "extend_selection(-1)", "Select left", id="select-left", show=False),
    Binding("shift+right", "extend_selection(1)", "Select right", id="select-right", show=False),
    Binding("d", "delete", "Delete", id="delete", show=False,
            tooltip="Delete an added entity; reject a suggested one"),
    Binding("u", "undo", "Undo", id="undo"),
    Binding("r", "redo", "Redo", id="redo"),
    Binding("m", "apply_to_mentions", "All mentions", id="mentions", show=False,
            tooltip="Give every other mention of this text the same decision"),
    Binding("A", "accept_all", "Accept all", id="accept-all", show=False,
            tooltip="Accept every suggestion not decided yet"),
    Binding("f", "finish", "Done", id="done",
            tooltip="Mark the article done and open the next undone one"),
    Binding("c", "copy", "Copy", id="copy", show=False,
            tooltip="Copy the current annotation as JSON"),
    Binding("R", "model_review", "Model review", id="model-review", show=False,
            tooltip="The differences between the model and the decisions in this article"),
    Binding("b", "library", "Library", id="library", tooltip="Back to the list of articles"),
    Binding("P", "toggle_side", "Panel", id="side-panel",
            tooltip="Show or hide the side panel (hidden: one line above the keys says "
                    "the essentials)"),
    # An article whose text changed since it was annotated (shown read-only until then).
    Binding("C", "carry_over", "Carry over", id="carry-over", show=False,
            tooltip="Text changed: carry the decisions still found over to the new text "
                    "(the old record is kept)"),
    Binding("N", "start_again", "Start again", id="start-again", show=False,
            tooltip="Text changed: start again on the new text (the old record is kept)"),
    Binding("question_mark", "help", "Help", id="help", key_display="?"),
    Binding("q", "app.quit", "Quit", id="quit"),
    Binding("escape", "clear_selection", "Clear selection", id="clear-selection", show=False,
            tooltip="Drop the selection"),
]

#: Keys that act in one layer only (the others act in every layer, on its items).
LAYER_ONLY: dict[str, frozenset[str]] = {
    "entities": frozenset({*(f"label-{d}" for d in range(1, 10)), "pick-label", "mentions"}),
    "quotes": frozenset({"speaker-next", "speaker-previous", "speaker-here", "cue-here", "kind",
                         "add-item"}),
    "meetings": frozenset({"participant", "place", "time", "merge", "split", "add-item"}),
}

#: The keys on each layer's key bar, in the order of ARTICLE_BINDINGS.
KEY_BAR: dict[str, frozenset[str]] = {
    "entities": frozenset({"layer", "next", "previous", "accept", "reject", "pick-label",
                           "select", "search", "undo", "redo", "done", "library", "side-panel",
                           "help", "quit"}),
    "quotes": frozenset({"layer", "next", "previous", "accept", "reject", "speaker-next",
                         "speaker-here", "cue-here", "kind", "add-item", "search", "undo", "done",
                         "side-panel", "help", "quit"}),
    "meetings": frozenset({"layer", "next", "previous", "accept", "reject", "participant",
                           "place", "time", "merge", "split", "add-item", "search", "undo", "done",
                           "side-panel", "help", "quit"}),
}

#: The keys of the search input (`/`); the letters and digits type into it.
SEARCH_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel search", id="search-cancel",
            tooltip="Close the search input; the cursor stays where it was"),
]

LIBRARY_BINDINGS: list[Binding] = [
    Binding("enter", "open", "Open", id="library-open", show=True,
            tooltip="Open the highlighted article (typing filters the list)"),
    Binding("escape", "clear_filter", "Clear filter", id="library-clear-filter", show=False,
            tooltip="Empty the filter"),
    Binding("question_mark", "help", "Help", id="library-help", key_display="?"),
    Binding("ctrl+r", "model_report", "Model report", id="library-model-report",
            tooltip="The model's precision and recall per label and layer, from the decisions"),
    Binding("ctrl+q", "app.quit", "Quit", id="library-quit"),
]

#: The keys on the library's key bar (`?` is left out: the filter takes what is typed).
LIBRARY_KEY_BAR: frozenset[str] = frozenset({"library-open", "library-model-report",
                                             "library-quit"})

ALL_BINDING_IDS: frozenset[str] = frozenset(
    b.id for b in [*ARTICLE_BINDINGS, *SEARCH_BINDINGS, *LIBRARY_BINDINGS] if b.id is not None
)


_KEY_NAMES = {"left_square_bracket": "[", "right_square_bracket": "]",
              "left_curly_bracket": "{", "right_curly_bracket": "}", "question_mark": "?",
              "left_parenthesis": "(", "right_parenthesis": ")", "less_than_sign": "<",
              "greater_than_sign": ">", "slash": "/", "enter": "Enter"}


def key_name(key: str) -> str:
    """One key as people read it: `?` for `question_mark`; a single character that is not
    printable (a control, bidi or format character, an odd space) as `U+XXXX`; never a
    control or invisible character (keys come from the user's config)."""
    name = _KEY_NAMES.get(key, key)
    if len(name) == 1 and (not name.isprintable() or name.isspace()):
        return f"U+{ord(name):04X}"
    return display_line(name)


def key_display(binding: Binding, keymap: dict[str, str]) -> str:
    """The keys that trigger `binding` once `keymap` is applied, for people to read."""
    keys = keymap.get(binding.id or "", binding.key)
    return ", ".join(key_name(k.strip()) for k in keys.split(","))


def key_names(keymap: dict[str, str]) -> KeyNames:
    """Binding id -> the keys in force for it (after `keymap`), for messages and hints.

    An id no binding has is returned as it is, so a typo shows instead of a wrong key.
    """
    names = {b.id: key_display(b, keymap)
             for b in [*ARTICLE_BINDINGS, *SEARCH_BINDINGS, *LIBRARY_BINDINGS]
             if b.id is not None}
    return lambda binding_id: names.get(binding_id, binding_id)
