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

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tui.app.bindings import ARTICLE_BINDINGS, KEY_BAR, key_names
from tui.app.clipboard import copy_text
from tui.app.context import AppContext
from tui.app.long_lived import article_closed, article_opened, collect_after_redraw
from tui.app.screens.cursor_keys import MOVE_ACTIONS, CursorKeys
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.keybar import KeyBar, key_bar_text
from tui.app.widgets.panels import (
    EntityPanel,
    Legend,
    compact_item,
    describe_item,
    describe_layer_item,
    legend_line,
    role_legend_line,
)
from tui.app.widgets.search_bar import SearchBar
from tui.core.history import Outcome
from tui.core.labels import label_for_digit, with_extra_labels
from tui.core.layer_session import LayerSession
from tui.core.layers import MEETINGS, QUOTES, value_spans
from tui.core.meeting_session import MeetingSession
from tui.core.model import Article, EntityItem, Span, Status, Suggestions
from tui.core.quote_session import QuoteSession
from tui.core.review import Difference
from tui.core.session import Edge, EntitySession
from tui.core.text import display_line, display_safe
from tui.store.gold import StoreError

_ALWAYS = {"help", "library", "finish", "app.quit", "model_review", "toggle_side"}
#: The keys of an article whose text changed since it was annotated.
_RENEW_ACTIONS = {"carry_over", "start_again"}
ENTITIES = "entities"
#: The layers in the order `t` goes through them.
LAYERS: tuple[str, ...] = (ENTITIES, QUOTES, MEETINGS)
#: The entity labels that can speak or meet (the speaker cycle goes through these).
ACTOR_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
_QUOTE_ACTIONS = {"cycle_speaker", "speaker_here", "cue_here", "toggle_kind"}
_MEETING_ACTIONS = {"participant", "place", "time", "merge", "split"}
_ENTITY_ACTIONS = {"digit", "pick_label", "apply_to_mentions"}
#: Below this width the side panel folds away (one line above the keys says the
#: essentials); below WIDE it is narrower. `P` shows or hides it at any width.
FOLD_BELOW = 90
WIDE = 110
#: The side panel's width from WIDE columns up, and below.
WIDE_SIDE, NARROW_SIDE = 38, 30
#: The title bar's parts that go first when it is too narrow, in that order; the
#: layer, the annotator, the model warning and `done` always stay.
_TITLE_DROPS = ("layers", "meta", "place", "store", "badge")
#: The article's title gets at least this many cells before the parts above go.
_TITLE_MIN = 46


@lru_cache(maxsize=128)
def _short_name(name: str, cells: int = 24) -> Text:
    """A file name for the title bar: display-safe, one line, a middle ellipsis if long."""
    shown = display_line(name)
    if cell_len(shown) > cells:
        half = (cells - 1) // 2
        head = Text(shown, no_wrap=True)
        head.truncate(half)
        tail = shown[::-1]
        tail_text = Text(tail, no_wrap=True)
        tail_text.truncate(cells - 1 - cell_len(head.plain))
        shown = head.plain + "…" + tail_text.plain[::-1]
    return Text(shown, no_wrap=True)


@lru_cache(maxsize=128)
def _parse_action(action: str) -> tuple[str, tuple[object, ...]]:
    """An action string's name and literal parameters, as `check_action` receives them."""
    name, _, rest = action.partition("(")
    if not rest:
        return name, ()
    return name, tuple(ast.literal_eval(f"({rest[:-1]},)"))


def _action_of(binding: Binding) -> tuple[str, tuple[object, ...]]:
    return _parse_action(binding.action)


class ArticleScreen(CursorKeys):
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
        #: The stored record was made on another text: C carries it over, N starts again.
        self.text_changed = False
        self.read_only_reason = "its text changed since it was annotated"
        self.model_pending = False
        self._collect_pending = False
        self._last_key_state: tuple[object, ...] | None = None
        self._last_title: tuple[object, ...] | None = None
        #: The screen's width, set on every resize: the title, key bar and legend fit it.
        self.width = 120
        #: The side panel shown (True) or hidden (False) by `P`; None: by the width.
        self.side_choice: bool | None = None
        self.folded = False
        self._message = Text()
        #: The entity session, its revision and its actor mentions (see `_actor_mentions`).
        self._mentions: tuple[EntitySession, int, tuple[Span, ...]] | None = None
        #: The article's place in the corpus, for the title bar.
        self.place = ctx.index_of(article.id)
        #: Whether the article is marked done: read once, changed only by `f`.
        self.done = ctx.is_done(article)
        #: Binding id -> the keys in force, for the hints in messages.
        self.keys = key_names(ctx.keymap)

    # ------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        yield Static(id="title-bar")
        with Horizontal(id="body"):
            yield ArticleView(self.article, id="article")
            with Vertical(id="side"):
                yield EntityPanel(id="entity-panel")
                yield Static(id="status-line")
        yield Static(id="compact-line")
        yield Legend(id="legend")
        yield SearchBar(self.keys("search-cancel"), id="search-bar")
        yield KeyBar(id="key-bar")

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        self.view.focus()
        self._fit(self.app.size.width)
        self._load()
        self._refresh_keys()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self.width:
            self._fit(event.size.width)
            self._refresh_panels()
            self._refresh_keys()
        # A resize redraws everything: collect its garbage once the new frame is shown,
        # not on the keys that follow (see long_lived); once for the resize's events.
        if not self._collect_pending:
            self._collect_pending = True
            self.call_after_refresh(self._collect_after_resize)

    def _collect_after_resize(self) -> None:
        self._collect_pending = False
        collect_after_redraw()

    def _fit(self, width: int) -> None:
        """Lay the screen out for `width` columns: the side panel's width or fold, the
        legend; the title and key bar are redrawn for it on their next refresh."""
        self.width = width
        self.folded = not self.side_choice if self.side_choice is not None \
            else width < FOLD_BELOW
        # Inline styles on the two widgets, not classes on the screen: a class change
        # makes Textual apply the whole stylesheet to every node again (~70 ms).
        side, compact = self.query_one("#side"), self.query_one("#compact-line")
        side_width = NARROW_SIDE if width < WIDE else WIDE_SIDE
        if side.styles.width is None or side.styles.width.value != side_width:
            side.styles.width = side_width
        if side.display == self.folded:
            side.display = not self.folded
        if compact.display != self.folded:
            compact.display = self.folded
        self._last_title = None
        self._last_key_state = None
        self._refresh_legend()

    def _refresh_legend(self) -> None:
        legend = role_legend_line(self.shown_layer) if self.shown_layer != ENTITIES \
            else legend_line(self.labels, self.width)
        self.query_one(Legend).update(legend, layout=False)

    def action_toggle_side(self) -> None:
        """Show or hide the side panel (at any width)."""
        self.side_choice = self.folded
        self._fit(self.width)
        self._refresh_panels()
        self._refresh_keys()
        key = self.keys("side-panel")
        self._set_status(f"Side panel {'hidden' if self.folded else 'shown'} ({key} "
                         f"{'shows' if self.folded else 'hides'} it)")

    def _load(self) -> None:
        store, article = self.ctx.store, self.article
        summary = store.summary(article.id, self.ctx.annotator)
        if summary is not None and summary.text_hash != article.text_hash:
            self.stale = self.text_changed = True
            key = self.keys
            self._set_status(
                "This article's text has changed since it was annotated: the stored "
                "annotations no longer fit it, so it is shown read-only. "
                f"{key('carry-over')}: carry the decisions still found over to the new text; "
                f"{key('start-again')}: start again (the old record is kept either way).",
                error=True)
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

        history, keys = self.ctx.history(article), self.keys
        self.session = EntitySession(article, suggestions, stored, annotator, sink,
                                     history=history)
        tokens, model = self.session.tokens, suggestions.model
        self.quotes = QuoteSession(article, model, tokens, suggestions.quotes,
                                   record.quotes if record else {}, annotator, sink, history,
                                   keys=keys)
        self.meetings = MeetingSession(article, model, tokens, suggestions.meetings,
                                       record.meetings if record else {}, annotator, sink,
                                       history, keys=keys)
        extra = [item.label for item in self.session.items.values()]
        labels = with_extra_labels(self.labels, extra)
        if labels != self.labels:
            self.labels = labels
            self._refresh_legend()
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
        # The article's tokens, spans and lines live while it is open: once they are
        # drawn, keep them out of the garbage collector's full scans (see long_lived).
        self.call_after_refresh(self._keep_out_of_gc)

    def _keep_out_of_gc(self) -> None:
        if self.is_attached:  # (not if the article closed before its first frame)
            article_opened()

    def on_unmount(self) -> None:
        article_closed()

    # ---------------------------------------------------------------- display

    def _set_status(self, message: str, error: bool = False) -> None:
        line = Text(display_safe(message), style="bold red" if error else "italic")
        self._message = line
        for widget in self.query("#status-line").results(Static):
            widget.update(line, layout=False)
        if self.folded and self.is_mounted:
            self._refresh_compact()

    def _title_parts(self) -> dict[str, Text]:
        """The title bar's parts in the order shown (the article's title last: it fills
        whatever room the others leave)."""
        article = self.article
        parts: dict[str, Text] = {"badge": Text.assemble((" byline ", "bold reverse"), " ")}
        meta = [str(article.meta.get(k)) for k in ("date", "dateline") if article.meta.get(k)]
        if meta:
            parts["meta"] = Text("  " + display_line(" · ".join(meta)[:40]), style="dim")
        parts["place"] = Text(f"  {self.place + 1}/{len(self.ctx.articles)}", style="dim")
        layers = Text("  ")
        for layer in LAYERS:
            layers.append(f" {layer} ",
                          style="bold reverse" if layer == self.shown_layer else "dim")
        parts["layers"] = layers
        parts["layer"] = Text.assemble("  ", (f" {self.shown_layer} ", "bold reverse"))
        annotator = Text(display_line(self.ctx.annotator[:40]), no_wrap=True)
        annotator.truncate(24, overflow="ellipsis")
        parts["by"] = Text.assemble(("  by ", "dim"), annotator)
        parts["store"] = Text.assemble(("  → ", "dim"), _short_name(self.ctx.store.path.name))
        if self.model_pending:
            parts["model"] = Text("  loading model…", style="bold yellow")
        elif self.session is not None and self.session.model.rule_based:
            parts["model"] = Text("  ⚠ rule-based fallback model", style="bold yellow")
        if self.done:
            parts["done"] = Text("  ✓ done", style="bold green")
        return parts

    def _title_text(self, width: int | None = None) -> Text:
        """Title, date and dateline, place in the corpus, layers, annotator, store, model
        state, done mark: the least important parts go first when `width` (by default the
        screen's) is short."""
        width = self.width if width is None else width
        parts = self._title_parts()
        title = Text(display_safe(self.article.title[:200].replace("\n", " ")),
                     style="bold", no_wrap=True)
        wanted = min(cell_len(title.plain), _TITLE_MIN)

        def used() -> int:
            shown = [p for name, p in parts.items()
                     if name != "layer" or "layers" not in parts]
            return sum(cell_len(p.plain) for p in shown)

        for name in _TITLE_DROPS:
            if used() + wanted <= width:
                break
            parts.pop(name, None)
        if "layers" in parts:
            del parts["layer"]
        room = width - used()
        title.truncate(max(room, 0), overflow="ellipsis")
        bar = Text(no_wrap=True, overflow="ellipsis", end="")
        badge = parts.pop("badge", None)
        if badge is not None:
            bar.append_text(badge)
        if room >= 4:
            bar.append_text(title)
        for part in parts.values():
            bar.append_text(part)
        return bar

    def _refresh_title(self) -> None:
        """Redraw the title bar when anything it shows (or the width) changed."""
        rule_based = self.session is not None and self.session.model.rule_based
        state = (self.shown_layer, self.model_pending, rule_based, self.done, self.width)
        if state != self._last_title:
            self._last_title = state
            self.query_one("#title-bar", Static).update(self._title_text(self.width),
                                                        layout=False)

    def _refresh_compact(self) -> None:
        """The one line that stands for the side panel when it is folded away."""
        target = self._target() if self.session is not None else None
        self.query_one("#compact-line", Static).update(compact_item(target, self._message),
                                                       layout=False)

    def _refresh_panels(self) -> None:
        self._refresh_title()
        if self.folded:
            self._refresh_compact()
            return
        panel = self.query_one(EntityPanel)
        layer = self._layer_session()
        if layer is not None:
            description = describe_layer_item(layer, layer.current)
        elif self.session is not None:
            description = describe_item(self.session, self.session.current, self.keys)
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
            return (None, self.stale, self.width)
        target = self._target()
        assert target is not None
        return (self.shown_layer, target.current is not None,
                self.view.selection_anchor is not None,
                target.has_undecided(), bool(target.items), len(self.labels), self.width)

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
                self._key_bar_enabled, self.width), layout=False)

    def _key_bar_enabled(self, binding: Binding) -> bool:
        """Whether the key bar shows `binding` as able to act: `a` and `x` on a bare word
        only say what to do instead, so they stay grey there."""
        name, parameters = _action_of(binding)
        if name in ("accept", "reject") and self._hint_only():
            return False
        return self.check_action(name, parameters) is True

    def _hint_only(self) -> bool:
        """In the entity layer with nothing current and nothing selected: `a` and `x`
        answer with a hint (`_nothing_to_decide`)."""
        return (self.shown_layer == ENTITIES and self.session is not None
                and self.session.current is None and self.view.selection_anchor is None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _ALWAYS or action == "quit":
            return True
        if action in _RENEW_ACTIONS:
            return True if self.text_changed else None
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
        if action in ("accept", "reject") and self._hint_only():
            return True  # on a bare word: says how to label it (`_nothing_to_decide`)
        if action in ("accept", "reject", "delete"):
            return True if current is not None and (not selecting
                                                    or self._selection_is_current()) else None
        if action in ("resize", "apply_to_mentions", "copy"):
            return True if current is not None and not selecting else None
        on_token = view.cursor is not None
        if action == "digit":
            digit = int(str(parameters[0])) if parameters else 0
            has_label = label_for_digit(self.labels, digit) is not None
            return True if has_label and (selecting or current is not None or on_token) \
                else None
        if action == "pick_label":
            return True if selecting or current is not None or on_token else None
        if action in ("undo", "redo"):
            return True  # with nothing to undo (redo), the press says so
        if action == "accept_all":
            return True if target.has_undecided() else None
        if action in ("next", "previous"):
            return True if target.items else None
        if action == "clear_selection":
            return True if selecting else None
        if action in MOVE_ACTIONS:
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

    def _selection_is_current(self) -> bool:
        """In the entity layer, whether the selection is exactly the current entity (as a
        search leaves it): then a, x and d decide that entity."""
        current = self.session.current if self.session is not None else None
        return (self.shown_layer == ENTITIES and current is not None
                and self.view.selection_span() == current.span)

    def _on_target(self, name: str) -> None:
        """Run the method `name` (accept, reject, ...) of the shown layer's session."""
        target = self._target()
        if target is not None:
            if self._selection_is_current():
                self.view.set_selection_anchor(None)
            self._act(getattr(target, name))

    def action_accept(self) -> None:
        if not self._nothing_to_decide("accept"):
            self._on_target("accept")

    def action_reject(self) -> None:
        if not self._nothing_to_decide("reject"):
            self._on_target("reject")

    def _nothing_to_decide(self, verb: str) -> bool:
        """In the entity layer with the cursor on a bare word (no entity, no selection):
        say how to label it instead of doing nothing. True when it said so."""
        if not self._hint_only():
            return False
        key = self.keys
        self._set_status(
            f"Nothing to {verb} here: press a digit ({key('label-1')}…{key('label-9')}) or "
            f"{key('pick-label')} to label this word, or select with {key('select')} and "
            "then press a digit")
        return True

    def action_delete(self) -> None:
        self._on_target("delete")

    def action_accept_all(self) -> None:
        self._on_target("accept_all")

    def action_undo(self) -> None:
        if self.session is not None:
            self._show_changed(self._act(self.session.history.undo))

    def action_redo(self) -> None:
        if self.session is not None:
            self._show_changed(self._act(self.session.history.redo))

    def _show_changed(self, outcome: Outcome | None) -> None:
        """After an undo or redo: the item it changed on screen, and the cursor with it."""
        if outcome is None or not outcome.ok or self.session is None:
            return
        span = self._current_anchor()
        if span is None:
            if not outcome.spans:
                return
            span = outcome.spans[0]
        view = self.view
        view.show_span(span)
        cursor = view.cursor_span()
        if cursor is None or not view.is_shown(cursor.start):
            token = self.session.tokens.index_at_or_after(span.start)
            if token is not None:
                view.move_cursor(token, keep_anchor=False)

    def action_apply_to_mentions(self) -> None:
        session = self.session
        if session is not None:
            self._act(session.apply_to_mentions)

    def action_resize(self, edge: str, grow: bool) -> None:
        side: Edge = "left" if edge == "left" else "right"
        target = self._target()
        if target is not None:
            outcome = self._act(lambda: target.resize(side, bool(grow)))
            anchor = self._current_anchor()
            if outcome is not None and outcome.ok and anchor is not None:
                # The edge that moved stays on screen (the end of an entity below the fold).
                self.view.show_span(anchor, end_first=side == "right")

    # ------------------------------------------------------------------ layers

    def _show_layer(self, layer: str, follow_cursor: bool = True) -> None:
        """Draw and act on `layer`; its item under the cursor becomes current (with
        `follow_cursor`; an undo keeps the item it went back to)."""
        self.shown_layer = layer
        shown = self._layer_session()
        session, view = self.session, self.view
        if follow_cursor and shown is not None and session is not None \
                and view.cursor is not None:
            offset = session.tokens.starts[view.cursor]
            # The item whose content or trigger is under the cursor, else one whose
            # speaker, cue, participant, place or time is.
            found = shown.item_at(offset) or next(
                (item for _, _, item in shown.role_spans(offset, offset + 1)
                 if item.status is not Status.REJECTED), None)
            if found is not None:
                shown.select(found.id)
        view.set_layer(shown)
        self._refresh_legend()
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
        found = differences(self.article.text, record,
                            self.meetings.items.values() if self.meetings else None)
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
        key = self.keys
        hints = {ENTITIES: f"digits label, {key('select')} selects",
                 QUOTES: f"{key('speaker-next')}/{key('speaker-here')} speaker, "
                         f"{key('cue-here')} cue, {key('kind')} direct/indirect, "
                         f"{key('add-item')} new from selection",
                 MEETINGS: f"{key('participant')} participant, {key('place')} place, "
                           f"{key('time')} time, {key('merge')}/{key('split')} merge/split, "
                           f"{key('add-item')} new"}
        self._set_status(f"Layer: {layer} ({key('next')}/{key('previous')} move, "
                         f"{key('accept')} accept, {key('reject')} reject; {hints[layer]})")

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
        cursor = view.cursor_span()
        if selection is None and cursor is not None and entities.item_at(cursor.start) is None:
            # A bare word under the cursor: it becomes a one-token entity.
            self._act(lambda: entities.add(cursor, label))
            return
        if selection is not None:
            previous = view.selection_anchor
            view.set_selection_anchor(None)
            same = self._entity_spanning(selection)
            if same is not None:
                # The selection is an entity already (a search found it): relabel it.
                def relabel() -> Outcome:
                    entities.select(same.id)
                    return entities.relabel(label)

                self._act(relabel)
                self._refresh_keys()
                return
            outcome = self._act(lambda: entities.add(selection, label))
            if outcome is None or not outcome.ok:
                view.set_selection_anchor(previous)  # refused: keep the selection to adjust it
            self._refresh_keys()
            return
        self._act(lambda: entities.relabel(label))

    def _entity_spanning(self, span: Span) -> EntityItem | None:
        """The entity (not rejected) whose span is exactly `span`, if any."""
        if self.session is None:
            return None
        return next((i for i in self.session.overlapping(span.start, span.end)
                     if i.span == span and i.status is not Status.REJECTED), None)

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

    def action_toggle_selection(self) -> None:
        view = self.view
        view.set_selection_anchor(None if view.selection_anchor is not None else view.cursor)
        self._set_status("Selecting: move with the arrows, then a digit or "
                         f"{self.keys('pick-label')} to add the entity"
                         if view.selection_anchor is not None else "Selection dropped")
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

    def action_carry_over(self) -> None:
        self._renew(carry=True)

    def action_start_again(self) -> None:
        self._renew(carry=False)

    def _renew(self, carry: bool) -> None:
        """The text changed: keep the old record, then carry its decisions over to the new
        text (`carry`) or start again, and open the article on its new text."""
        from tui.core.carry import Carried, carry_over
        from tui.store.archive import renew

        store, article, annotator = self.ctx.store, self.article, self.ctx.annotator
        try:
            record = store.annotation(article.id, annotator)
            old = None if record is None else store.article(article.id, record.text_hash)
            if record is None or old is None:
                self._set_status("The text these decisions were made on is not in the gold "
                                 "store: nothing can be carried over or kept.", error=True)
                return
            carried = carry_over(old.text, article.text, record) if carry else Carried(
                dropped=len(record.items) + len(record.quotes) + len(record.meetings))
            kept = renew(store, article, annotator, record, old, carried.changes(record))
        except StoreError as error:
            self._set_status(str(error), error=True)
            self.notify(str(error), severity="error", markup=False, timeout=10)
            return
        self.stale = self.text_changed = self.done = False
        self._last_key_state = None
        self._load()
        if carry:
            message = (f"Carried {carried.kept} decisions over to the new text; "
                       f"{carried.dropped} not found there were left out")
        else:
            message = "Started again on the new text"
        self._set_status(f"{message} (the old record is kept as {kept!r}).")
        self._refresh_panels()
        self._refresh_keys()

    def action_library(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.ctx.keymap))
