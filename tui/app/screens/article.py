"""The article screen: the text with one layer drawn over it, the current item described, the keys.

The screen owns three sessions (tui.core) sharing one undo history: entities
(`EntitySession`), quotes (`QuoteSession`) and meetings (`MeetingSession`).
`t` switches the layer drawn and acted on; each key is one action of the
current layer's session. A session writes the decision to the gold store
before it changes anything in memory; the screen then repaints only the
lines the action touched. Suggestions come from the store's cache, or from
the model in a worker thread while the text is already on screen.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tui.app.bindings import ARTICLE_BINDINGS, KEY_BAR
from tui.app.clipboard import copy_text
from tui.app.context import AppContext
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.keybar import KeyBar, key_bar_text
from tui.app.widgets.panels import (
    EntityPanel,
    Legend,
    describe_item,
    describe_layer_item,
    legend_text,
    role_legend_text,
)
from tui.core.history import Outcome
from tui.core.labels import label_for_digit, with_extra_labels
from tui.core.layer_session import LayerSession
from tui.core.layers import MEETINGS, QUOTES, value_spans
from tui.core.meeting_session import MeetingSession
from tui.core.model import Article, Span, Status, Suggestions
from tui.core.quote_session import QuoteSession
from tui.core.review import Difference
from tui.core.session import Edge, EntitySession
from tui.core.text import display_safe
from tui.store.gold import StoreError

_ALWAYS = {"help", "library", "finish", "app.quit", "model_review"}
ENTITIES = "entities"
#: The layers in the order `t` goes through them.
LAYERS: tuple[str, ...] = (ENTITIES, QUOTES, MEETINGS)
#: The entity labels that can speak or meet (the speaker cycle goes through these).
ACTOR_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
_QUOTE_ACTIONS = {"cycle_speaker", "speaker_here", "cue_here", "toggle_kind"}
_MEETING_ACTIONS = {"participant", "place", "time", "merge", "split"}
_ENTITY_ACTIONS = {"digit", "pick_label", "apply_to_mentions"}


@lru_cache(maxsize=128)
def _parse_action(action: str) -> tuple[str, tuple[object, ...]]:
    """An action string's name and literal parameters, as `check_action` receives them."""
    name, _, rest = action.partition("(")
    if not rest:
        return name, ()
    return name, tuple(ast.literal_eval(f"({rest[:-1]},)"))


def _action_of(binding: Binding) -> tuple[str, tuple[object, ...]]:
    return _parse_action(binding.action)


class ArticleScreen(Screen[None]):
    """Read one article and decide on its entities with the keyboard."""

    BINDINGS = [*ARTICLE_BINDINGS]

    def __init__(self, ctx: AppContext, article: Article) -> None:
        super().__init__()
        self.ctx = ctx
        self.article = article
        self.session: EntitySession | None = None
        self.quotes: QuoteSession | None = None
        self.meetings: MeetingSession | None = None
        #: The layer drawn and acted on: "entities", "quotes" or "meetings".
        self.shown_layer = ENTITIES
        self.labels: tuple[str, ...] = ctx.labels
        self.stale = False
        self.read_only_reason = "its text changed since it was annotated"
        self.model_pending = False
        self._last_key_state: tuple[object, ...] | None = None
        self._last_title: Text | None = None
        #: The entity session, its revision and its actor mentions (see `_actor_mentions`).
        self._mentions: tuple[EntitySession, int, tuple[Span, ...]] | None = None
        #: The article's place in the corpus, for the title bar.
        self.place = ctx.index_of(article.id)
        #: Whether the article is marked done: read once, changed only by `f`.
        self.done = ctx.is_done(article)

    # ------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        yield Static(id="title-bar")
        with Horizontal(id="body"):
            yield ArticleView(self.article, id="article")
            with Vertical(id="side"):
                yield EntityPanel(id="entity-panel")
                yield Static(id="status-line")
                yield Legend(legend_text(self.labels), id="legend")
        yield KeyBar(id="key-bar")

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        self.view.focus()
        self._load()
        self._refresh_keys()

    def _load(self) -> None:
        store, article = self.ctx.store, self.article
        summary = store.summary(article.id, self.ctx.annotator)
        if summary is not None and summary.text_hash != article.text_hash:
            self.stale = True
            self._set_status(
                "This article's text has changed since it was annotated: the stored "
                "annotations no longer fit it, so it is shown read-only.", error=True)
            self._refresh_panels()
            return
        try:
            cached = store.suggestions(article.id, article.text_hash, self.ctx.models.resolved)
        except StoreError as error:
            self._unreadable(error)
            return
        if cached is not None:
            self._start_session(cached)
        else:
            self.model_pending = True
            self._refresh_panels()
            self._suggest()

    def _unreadable(self, error: StoreError) -> None:
        """The store's data for this article cannot be read: show the text read-only."""
        self.stale = True
        self.read_only_reason = "its data in the gold store cannot be read (see byline doctor)"
        self._set_status(f"{error} (the article is shown read-only; nothing was written)",
                         error=True)
        self.app.notify(str(error), severity="error", markup=False, timeout=10)
        self._refresh_panels()

    @work(thread=True, exclusive=True, group="suggest")
    def _suggest(self) -> None:
        """Run the model in a thread and cache its suggestions in the store.

        The cache is written here, not on screen, so the work is kept even if the
        annotator has left the article by the time the model is done.
        """
        from tui.nlp.suggest import suggest_one

        store_error: str | None = None
        try:
            loaded = self.ctx.models.get()
            suggestions = suggest_one(loaded, self.article)
        except Exception as error:  # the model failed: say so, keep the app up
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.app.call_from_thread(self._suggest_failed, message)
            return
        try:
            self.ctx.store.put_suggestions(self.article.id, suggestions)
        except StoreError as error:
            store_error = str(error)
        self.app.call_from_thread(self._suggestions_ready, suggestions, loaded.warning,
                                  store_error)

    def _suggest_failed(self, message: str) -> None:
        self.model_pending = False
        self._set_status(f"The model failed: {message}", error=True)
        self._refresh_panels()

    def _suggestions_ready(self, suggestions: Suggestions, warning: str | None,
                           store_error: str | None) -> None:
        self.model_pending = False
        if warning:
            self.app.notify(warning, severity="warning", markup=False, timeout=8)
        if store_error:
            self.app.notify(store_error, severity="error", markup=False)
        if self.is_attached:  # the annotator may have left the article meanwhile
            self._start_session(suggestions)

    def _start_session(self, suggestions: Suggestions) -> None:
        store, article, annotator = self.ctx.store, self.article, self.ctx.annotator
        try:
            store.put_article(article)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
        try:
            record = store.annotation(article.id, annotator)
        except StoreError as error:
            self._unreadable(error)
            return
        stored = record.items if record is not None else {}

        def sink(changes: Mapping[str, Any]) -> None:
            store.save_items(article.id, annotator, article.text_hash, changes)

        self.session = EntitySession(article, suggestions, stored, annotator, sink)
        history, tokens, model = self.session.history, self.session.tokens, suggestions.model
        self.quotes = QuoteSession(article, model, tokens, suggestions.quotes,
                                   record.quotes if record else {}, annotator, sink, history)
        self.meetings = MeetingSession(article, model, tokens, suggestions.meetings,
                                       record.meetings if record else {}, annotator, sink,
                                       history)
        extra = [item.label for item in self.session.items.values()]
        labels = with_extra_labels(self.labels, extra)
        if labels != self.labels:
            self.labels = labels
            self.query_one(Legend).update(legend_text(labels))
        self.view.set_session(self.session)
        if self.shown_layer != ENTITIES:
            self.view.set_layer(self._layer_session())
        anchor = self._current_anchor()
        if anchor is not None:
            self.view.show_offset(anchor.start)
            token = self.session.tokens.index_at_or_after(anchor.start)
            if token is not None:
                self.view.move_cursor(token, keep_anchor=False)
        self._refresh_panels()
        self._refresh_keys()

    # ---------------------------------------------------------------- display

    def _set_status(self, message: str, error: bool = False) -> None:
        line = Text(display_safe(message), style="bold red" if error else "italic")
        for widget in self.query("#status-line").results(Static):
            widget.update(line, layout=False)

    def _title_text(self) -> Text:
        """Title, date and dateline, place in the corpus, annotator, model state, done mark."""
        article = self.article
        title = Text(display_safe(article.title[:200]), style="bold")
        title.truncate(46, overflow="ellipsis")
        bar = Text(no_wrap=True, overflow="ellipsis")
        bar.append(" byline ", style="bold reverse")
        bar.append(" ")
        bar.append_text(title)
        meta = [str(article.meta.get(k)) for k in ("date", "dateline") if article.meta.get(k)]
        if meta:
            bar.append("  " + display_safe(" · ".join(meta)[:40]), style="dim")
        bar.append(f"  {self.place + 1}/{len(self.ctx.articles)}", style="dim")
        bar.append("  ")
        for layer in LAYERS:
            bar.append(f" {layer} ",
                       style="bold reverse" if layer == self.shown_layer else "dim")
        bar.append("  by ", style="dim")
        bar.append(display_safe(self.ctx.annotator[:24]))
        if self.model_pending:
            bar.append("  loading model…", style="bold yellow")
        elif self.session is not None and self.session.model.rule_based:
            bar.append("  ⚠ rule-based fallback model", style="bold yellow")
        if self.done:
            bar.append("  ✓ done", style="bold green")
        return bar

    def _refresh_panels(self) -> None:
        title = self._title_text()
        if title != self._last_title:
            self._last_title = title
            self.query_one("#title-bar", Static).update(title, layout=False)
        panel = self.query_one(EntityPanel)
        layer = self._layer_session()
        if layer is not None:
            description = describe_layer_item(layer, layer.current)
        elif self.session is not None:
            description = describe_item(self.session, self.session.current)
        elif self.model_pending:
            description = Text("Loading the model: suggestions will appear in a moment.",
                               style="italic")
        else:
            description = Text("No suggestions.", style="italic")
        panel.update(description, layout=False)

    # ------------------------------------------------------------- key guards

    def _key_state(self) -> tuple[object, ...]:
        """Everything `check_action` depends on; the key bar is redrawn when it changes."""
        session = self.session
        if session is None:
            return (None, self.stale)
        target = self._target()
        assert target is not None
        return (self.shown_layer, target.current is not None,
                self.view.selection_anchor is not None, session.can_undo, session.can_redo,
                target.has_undecided(), bool(target.items), len(self.labels))

    def _refresh_keys(self) -> None:
        """Grey out or enable the keys in the key bar, when what they can do changed.

        Textual asks `check_action` itself when a key is pressed, so a disabled key
        never acts; the bar only has to show it.
        """
        state = self._key_state()
        if state != self._last_key_state:
            self._last_key_state = state
            keymap = self.ctx.keymap
            shown = KEY_BAR[self.shown_layer]
            self.query_one(KeyBar).update(key_bar_text(
                [b for b in ARTICLE_BINDINGS if b.id in shown], keymap,
                lambda b: self.check_action(*_action_of(b)) is True), layout=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _ALWAYS or action == "quit":
            return True
        session = self.session
        if session is None:
            return None
        view = self.view
        selecting = view.selection_anchor is not None
        target = self._target()
        assert target is not None
        current = target.current
        layer = self.shown_layer
        if action == "switch_layer":
            return True
        if action in _ENTITY_ACTIONS and layer != ENTITIES:
            return None
        if action in _QUOTE_ACTIONS:
            return True if layer == QUOTES and current is not None else None
        if action in _MEETING_ACTIONS:
            return True if layer == MEETINGS and current is not None else None
        if action == "add_item":
            return True if layer != ENTITIES and selecting else None
        if action in ("accept", "reject", "delete", "resize", "apply_to_mentions", "copy"):
            return True if current is not None and not selecting else None
        if action == "digit":
            digit = int(str(parameters[0])) if parameters else 0
            has_label = label_for_digit(self.labels, digit) is not None
            return True if has_label and (selecting or current is not None) else None
        if action == "pick_label":
            return True if selecting or current is not None else None
        if action == "undo":
            return True if session.can_undo else None
        if action == "redo":
            return True if session.can_redo else None
        if action == "accept_all":
            return True if target.has_undecided() else None
        if action in ("next", "previous"):
            return True if target.items else None
        if action == "clear_selection":
            return True if selecting else None
        if action in ("cursor", "cursor_line", "toggle_selection", "extend_selection"):
            return True if len(session.tokens) else None
        return True

    # ---------------------------------------------------------------- actions

    def _layer_session(self) -> LayerSession[Any] | None:
        """The quote or meeting session when that layer is shown, else None."""
        if self.shown_layer == QUOTES:
            return self.quotes
        if self.shown_layer == MEETINGS:
            return self.meetings
        return None

    def _target(self) -> EntitySession | LayerSession[Any] | None:
        """The session of the layer shown: what n, p, a, x, d and the brackets act on."""
        layer = self._layer_session()
        return layer if layer is not None else self.session

    def _current_spans(self) -> tuple[str | None, list[Span]]:
        """The current item's id in the layer shown, and every span it is drawn over."""
        layer = self._layer_session()
        if layer is not None:
            item = layer.current
            return (item.id, list(value_spans(item.value))) if item else (None, [])
        entity = self.session.current if self.session else None
        return (entity.id, [entity.span]) if entity else (None, [])

    def _current_anchor(self) -> Span | None:
        layer = self._layer_session()
        if layer is not None:
            return layer.current.anchor if layer.current else None
        entity = self.session.current if self.session else None
        return entity.span if entity else None

    def _act(self, action: Callable[[], Outcome]) -> Outcome | None:
        """Run a session action; a store failure is shown, never raised."""
        if self.session is None:
            return None
        before = self._current_spans()
        try:
            outcome = action()
        except StoreError as error:
            self._set_status(str(error), error=True)
            self.notify(str(error), severity="error", markup=False, timeout=10)
            return None
        self._after(outcome, before)
        return outcome

    def _after(self, outcome: Outcome, before: tuple[str | None, list[Span]]) -> None:
        session = self.session
        assert session is not None
        if outcome.layer and outcome.layer != self.shown_layer:
            # Undo or redo of a step made in another layer: show that layer.
            self._show_layer(outcome.layer, follow_cursor=False)
        before_id, before_spans = before
        current_id, current_spans = self._current_spans()
        spans = [*outcome.spans, *before_spans, *current_spans]
        view = self.view
        anchor = self._current_anchor()
        # The cursor follows a new current item, or an entity's new boundaries; it stays
        # where it is when a quote or meeting changes (it points at what to add next).
        moved = before_id != current_id or (self.shown_layer == ENTITIES
                                            and before_spans != current_spans)
        if anchor is not None and moved:
            token = session.tokens.index_at_or_after(anchor.start)
            if token is not None:
                view.move_cursor(token, keep_anchor=False)
        view.refresh_spans(spans)
        if outcome.message:
            self._set_status(outcome.message, error=not outcome.ok)
        if not outcome.ok and outcome.message:
            self.notify(display_safe(outcome.message), severity="warning", markup=False,
                        timeout=3)
        self._refresh_panels()
        self._refresh_keys()

    def action_next(self) -> None:
        self._navigate(1)

    def action_previous(self) -> None:
        self._navigate(-1)

    def _navigate(self, step: int) -> None:
        session, target = self.session, self._target()
        if session is None or target is None:
            return
        if target.current is None and self.view.cursor is not None:
            # Off any item: go to the nearest one after (or before) the cursor.
            offset = session.tokens.starts[self.view.cursor]
            self._act(lambda: target.next_from(offset, step))
            return
        self._act(lambda: target.next(step))

    def _on_target(self, name: str) -> None:
        """Run the method `name` (accept, reject, ...) of the shown layer's session."""
        target = self._target()
        if target is not None:
            self._act(getattr(target, name))

    def action_accept(self) -> None:
        self._on_target("accept")

    def action_reject(self) -> None:
        self._on_target("reject")

    def action_delete(self) -> None:
        self._on_target("delete")

    def action_accept_all(self) -> None:
        self._on_target("accept_all")

    def action_undo(self) -> None:
        if self.session is not None:
            self._act(self.session.history.undo)

    def action_redo(self) -> None:
        if self.session is not None:
            self._act(self.session.history.redo)

    def action_apply_to_mentions(self) -> None:
        session = self.session
        if session is not None:
            self._act(session.apply_to_mentions)

    def action_resize(self, edge: str, grow: bool) -> None:
        side: Edge = "left" if edge == "left" else "right"
        target = self._target()
        if target is not None:
            self._act(lambda: target.resize(side, bool(grow)))

    # ------------------------------------------------------------------ layers

    def _show_layer(self, layer: str, follow_cursor: bool = True) -> None:
        """Draw and act on `layer`; its item under the cursor becomes current (with
        `follow_cursor`; an undo keeps the item it went back to)."""
        self.shown_layer = layer
        shown = self._layer_session()
        session, view = self.session, self.view
        if follow_cursor and shown is not None and session is not None \
                and view.cursor is not None:
            found = shown.item_at(session.tokens.starts[view.cursor])
            if found is not None:
                shown.select(found.id)
        view.set_layer(shown)
        self.query_one(Legend).update(role_legend_text(layer) if shown is not None
                                      else legend_text(self.labels))
        self._refresh_panels()
        self._refresh_keys()

    def action_model_review(self) -> None:
        from tui.app.screens.review import ReviewScreen
        from tui.core.review import differences

        try:
            record = self.ctx.store.annotation(self.article.id, self.ctx.annotator)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if record is None or self.stale:
            self.notify("Nothing decided in this article yet: the review compares the model "
                        "with your decisions.", severity="warning", markup=False)
            return
        found = differences(self.article.text, record)
        self.app.push_screen(ReviewScreen(self.article.title, found), self._go_to_difference)

    def _go_to_difference(self, difference: Difference | None) -> None:
        """Back from the review: show the difference's layer with its item current."""
        if difference is None or self.session is None:
            return
        self.view.set_selection_anchor(None)
        self._show_layer(difference.layer, follow_cursor=False)
        target = self._target()
        if target is not None:
            target.select(difference.item_id)
        token = self.session.tokens.index_at_or_after(difference.span.start)
        if token is not None:
            self.view.move_cursor(token, keep_anchor=False)
        self.view.refresh_spans([difference.span])
        self._refresh_panels()
        self._refresh_keys()
        self._set_status(f"{difference.kind}: annotator {difference.gold} · model "
                         f"{difference.model}")

    def action_switch_layer(self) -> None:
        if self.session is None:
            return
        layer = LAYERS[(LAYERS.index(self.shown_layer) + 1) % len(LAYERS)]
        self.view.set_selection_anchor(None)
        self._show_layer(layer)
        hints = {ENTITIES: "digits label, v selects",
                 QUOTES: "s/w speaker, k cue, i direct/indirect, o new from selection",
                 MEETINGS: "e participant, h place, y time, g/G merge/split, o new"}
        self._set_status(f"Layer: {layer} (n/p move, a accept, x reject; {hints[layer]})")

    def _under_cursor(self, prefer_entity: bool) -> tuple[Span, bool] | None:
        """What a key like w, e, h acts on: the selection, else the entity under the cursor
        (when `prefer_entity`), else the token under the cursor. The flag is True where
        the span is a named entity (a speaker that is its own speaker_ref)."""
        session, view = self.session, self.view
        if session is None:
            return None
        selection = view.selection_span()
        if selection is not None:
            same = [i for i in session.overlapping(selection.start, selection.end)
                    if i.span == selection and i.status is not Status.REJECTED]
            return selection, bool(same) and same[0].label in ACTOR_LABELS
        cursor = view.cursor_span()
        if cursor is None:
            return None
        if prefer_entity:
            entity = session.item_at(cursor.start)
            if entity is not None and entity.status is not Status.REJECTED:
                return entity.span, entity.label in ACTOR_LABELS
        return cursor, False

    def _with_target(self, prefer_entity: bool,
                     action: Callable[[Span, bool], Outcome]) -> None:
        found = self._under_cursor(prefer_entity)
        if found is None:
            return
        span, named = found
        had_selection = self.view.selection_anchor is not None
        outcome = self._act(lambda: action(span, named))
        if outcome is not None and outcome.ok and had_selection:
            self.view.set_selection_anchor(None)
            self._refresh_keys()

    def action_cycle_speaker(self, step: int) -> None:
        session, quotes = self.session, self.quotes
        if session is None or quotes is None:
            return
        mentions = self._actor_mentions(session)
        self._act(lambda: quotes.cycle_speaker(mentions, int(step)))

    def _actor_mentions(self, session: EntitySession) -> tuple[Span, ...]:
        """The spans of the people and organisations (not rejected), in text order.

        The same tuple until the entities change, so the quote session can keep
        the names it made of it (QuoteSession.speaker_stops).
        """
        cached = self._mentions
        if cached is None or cached[0] is not session or cached[1] != session.revision:
            spans = tuple(item.span for item in session.ordered()
                          if item.label in ACTOR_LABELS and item.status is not Status.REJECTED)
            cached = self._mentions = (session, session.revision, spans)
        return cached[2]

    def action_speaker_here(self) -> None:
        quotes = self.quotes
        if quotes is not None:
            self._with_target(True, quotes.set_speaker)

    def action_cue_here(self) -> None:
        quotes = self.quotes
        if quotes is not None:
            self._with_target(False, lambda span, _: quotes.set_cue(span))

    def action_toggle_kind(self) -> None:
        if self.quotes is not None:
            self._act(self.quotes.toggle_kind)

    def action_participant(self) -> None:
        meetings = self.meetings
        if meetings is not None:
            selected = self.view.selection_anchor is not None
            self._with_target(
                True, lambda span, _: meetings.toggle_participant(span, selected=selected))

    def action_place(self) -> None:
        meetings = self.meetings
        if meetings is not None:
            self._with_target(True, lambda span, _: meetings.set_place(span))

    def action_time(self) -> None:
        meetings = self.meetings
        if meetings is not None:
            self._with_target(True, lambda span, _: meetings.set_time(span))

    def action_merge(self) -> None:
        if self.meetings is not None:
            self._act(self.meetings.merge)

    def action_split(self) -> None:
        if self.meetings is not None:
            self._act(self.meetings.split)

    def action_add_item(self) -> None:
        layer = self.quotes if self.shown_layer == QUOTES else \
            self.meetings if self.shown_layer == MEETINGS else None
        view = self.view
        selection = view.selection_span()
        if layer is None or selection is None:
            return
        previous = view.selection_anchor
        view.set_selection_anchor(None)
        outcome = self._act(lambda: layer.add_from(selection))
        if outcome is None or not outcome.ok:
            view.set_selection_anchor(previous)  # refused: keep the selection to adjust it
        self._refresh_keys()

    def _label(self, label: str) -> None:
        view = self.view
        selection = view.selection_span()
        entities = self.session
        if entities is None:
            return
        if selection is not None:
            previous = view.selection_anchor
            view.set_selection_anchor(None)
            outcome = self._act(lambda: entities.add(selection, label))
            if outcome is None or not outcome.ok:
                view.set_selection_anchor(previous)  # refused: keep the selection to adjust it
            self._refresh_keys()
            return
        self._act(lambda: entities.relabel(label))

    def action_digit(self, digit: int) -> None:
        label = label_for_digit(self.labels, int(digit))
        if label is not None:
            self._label(label)

    def action_pick_label(self) -> None:
        from tui.app.screens.label_picker import LabelPicker

        def picked(label: str | None) -> None:
            if label is not None:
                self._label(label)

        current = self.session.current if self.session else None
        self.app.push_screen(LabelPicker(self.labels, current.label if current else None),
                             picked)

    # --------------------------------------------------------- cursor, select

    def _sync_current_to_cursor(self, clicked: bool = False) -> None:
        """Make the item under the cursor current.

        In the quote and meeting layers only a click does that: the arrows point at
        a speaker, cue or participant for the current item, which stays current
        while the cursor passes over other quotes and meetings (n and p change it).
        """
        session, view = self.session, self.view
        if session is None or view.cursor is None:
            return
        layer = self._layer_session()
        if layer is not None:
            if not clicked:
                return
            before_id, before_spans = self._current_spans()
            found = layer.item_at(session.tokens.starts[view.cursor])
            if found is not None:
                layer.select(found.id)
            if before_id != layer.current_id:
                view.refresh_spans([*before_spans, *self._current_spans()[1]])
                self._refresh_panels()
                self._refresh_keys()
            return
        before = session.current
        item = session.item_at(session.tokens.starts[view.cursor])
        session.select(item.id if item is not None else None)
        if (before.id if before else None) != session.current_id:
            view.refresh_spans([i.span for i in (before, session.current) if i is not None])
            self._refresh_panels()
            self._refresh_keys()

    def action_cursor(self, step: int) -> None:
        view = self.view
        if view.cursor is None:
            return
        view.move_cursor(view.cursor + int(step), keep_anchor=view.selection_anchor is not None)
        self._sync_current_to_cursor()

    def action_cursor_line(self, step: int) -> None:
        view = self.view
        session = self.session
        if view.cursor is None or session is None:
            return
        offset = session.tokens.starts[view.cursor]
        line = view.line_of(offset)
        column = offset - view.line_range(line)[0]
        token = view.token_on_line(line + int(step), column)
        if token is not None:
            view.move_cursor(token, keep_anchor=view.selection_anchor is not None)
            self._sync_current_to_cursor()

    def action_toggle_selection(self) -> None:
        view = self.view
        view.set_selection_anchor(None if view.selection_anchor is not None else view.cursor)
        self._set_status("Selecting: move with the arrows, then a digit or l to add the entity"
                         if view.selection_anchor is not None else "Selection dropped")
        self._refresh_keys()

    def action_extend_selection(self, step: int) -> None:
        view = self.view
        if view.cursor is None:
            return
        if view.selection_anchor is None:
            view.set_selection_anchor(view.cursor)
        view.move_cursor(view.cursor + int(step), keep_anchor=True)
        self._refresh_keys()

    def action_clear_selection(self) -> None:
        self.view.set_selection_anchor(None)
        self._refresh_keys()

    @on(ArticleView.Clicked)
    def _clicked(self, event: ArticleView.Clicked) -> None:
        session = self.session
        if session is None:
            return
        token = session.tokens.index_at_or_after(event.offset)
        if token is not None:
            self.view.move_cursor(token, keep_anchor=False)
            self._sync_current_to_cursor(clicked=True)

    # ------------------------------------------------------------ the rest

    def action_copy(self) -> None:
        session = self.session
        layer = self._layer_session()
        if layer is not None:
            if layer.current is None:
                return
            layer_payload = {"article": self.article.id, "layer": layer.layer,
                             **layer.current.export_json(self.article.text)}
            where = copy_text(self.app, json.dumps(layer_payload, ensure_ascii=False))
            self._set_status(f"Copied the {layer.noun} as JSON ({where})")
            self.notify(f"Copied the {layer.noun} as JSON ({where})", markup=False, timeout=3)
            return
        item = session.current if session else None
        if session is None or item is None:
            return
        payload = {"article": self.article.id, **{
            "start": item.start, "end": item.end, "text": session.text_of(item),
            "label": item.label, "status": item.status.value,
            "annotator": item.annotator, "time": item.time,
            "model": item.model.name if item.model else None,
            "model_version": item.model.version if item.model else None,
        }}
        where = copy_text(self.app, json.dumps(payload, ensure_ascii=False))
        self._set_status(f"Copied the entity as JSON ({where})")
        self.notify(f"Copied the entity as JSON ({where})", markup=False, timeout=3)

    def action_finish(self) -> None:
        if self.stale:
            self.notify(f"This article is read-only: {self.read_only_reason}.",
                        severity="warning", markup=False)
            return
        try:
            self.ctx.store.put_article(self.article)
            self.ctx.store.set_done(self.article.id, self.ctx.annotator,
                                    self.article.text_hash, True)
            self.done = True
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        left = sum(s.counts()["suggested"] for s in (self.session, self.quotes, self.meetings)
                   if s is not None)
        note = f" ({left} suggestions left undecided)" if left else ""
        following = self.ctx.next_undone(after=self.article.id)
        if following is None:
            self.notify(f"Done{note}. Every article is done.", markup=False)
            self.app.pop_screen()
            return
        self.notify(f"Done{note}. Next: {display_safe(following.title[:60])}",
                    markup=False, timeout=4)
        self.app.switch_screen(ArticleScreen(self.ctx, following))

    def action_library(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.ctx.keymap))
