"""The article screen: the text with its entities, the current one described, the keys.

The screen owns an `EntitySession` (tui.core) and turns each key into one
session action. The session writes the decision to the gold store before it
changes anything in memory; the screen then repaints only the lines the
action touched. Suggestions come from the store's cache, or from the model in
a worker thread while the text is already on screen.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from functools import lru_cache

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tui.app.bindings import ARTICLE_BINDINGS
from tui.app.clipboard import copy_text
from tui.app.context import AppContext
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.keybar import KeyBar, key_bar_text
from tui.app.widgets.panels import EntityPanel, Legend, describe_item, legend_text
from tui.core.labels import label_for_digit, with_extra_labels
from tui.core.model import Article, EntityItem, Suggestions
from tui.core.session import Edge, EntitySession, Outcome
from tui.core.text import display_safe
from tui.store.gold import StoreError

_ALWAYS = {"help", "library", "finish", "app.quit"}


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
        self.labels: tuple[str, ...] = ctx.labels
        self.stale = False
        self.model_pending = False
        self._last_key_state: tuple[object, ...] | None = None
        self._last_title: Text | None = None
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
        cached = store.suggestions(article.id, article.text_hash, self.ctx.models.resolved)
        if cached is not None:
            self._start_session(cached)
        else:
            self.model_pending = True
            self._refresh_panels()
            self._suggest()

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
        record = store.annotation(article.id, annotator)
        stored = record.items if record is not None else {}

        def sink(changes: Mapping[str, EntityItem | None]) -> None:
            store.save_items(article.id, annotator, article.text_hash, changes)

        self.session = EntitySession(article, suggestions, stored, annotator, sink)
        extra = [item.label for item in self.session.items.values()]
        labels = with_extra_labels(self.labels, extra)
        if labels != self.labels:
            self.labels = labels
            self.query_one(Legend).update(legend_text(labels))
        self.view.set_session(self.session)
        current = self.session.current
        if current is not None:
            self.view.show_offset(current.start)
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
        if self.session is not None:
            description = describe_item(self.session, self.session.current)
        elif self.model_pending:
            description = Text("Loading the model: suggestions will appear in a moment.",
                               style="italic")
        else:
            description = Text("No suggestions.", style="italic")
        panel.update(description, layout=False)

    # ------------------------------------------------------------- key guards

    def _key_state(self) -> tuple[object, ...]:
        """Everything `check_action` depends on; the footer is redrawn when it changes."""
        session = self.session
        if session is None:
            return (None, self.stale)
        return (session.current is not None, self.view.selection_anchor is not None,
                session.can_undo, session.can_redo, session.has_undecided(),
                bool(session.items), len(self.labels))

    def _refresh_keys(self) -> None:
        """Grey out or enable the keys in the key bar, when what they can do changed.

        Textual asks `check_action` itself when a key is pressed, so a disabled key
        never acts; the bar only has to show it.
        """
        state = self._key_state()
        if state != self._last_key_state:
            self._last_key_state = state
            keymap = self.ctx.keymap
            self.query_one(KeyBar).update(key_bar_text(
                ARTICLE_BINDINGS, keymap,
                lambda b: self.check_action(*_action_of(b)) is True), layout=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _ALWAYS or action == "quit":
            return True
        session = self.session
        if session is None:
            return None
        view = self.view
        selecting = view.selection_anchor is not None
        current = session.current
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
            return True if session.has_undecided() else None
        if action in ("next", "previous"):
            return True if session.items else None
        if action == "clear_selection":
            return True if selecting else None
        if action in ("cursor", "cursor_line", "toggle_selection", "extend_selection"):
            return True if len(session.tokens) else None
        return True

    # ---------------------------------------------------------------- actions

    def _act(self, action: Callable[[EntitySession], Outcome]) -> Outcome | None:
        """Run a session action; a store failure is shown, never raised."""
        session = self.session
        if session is None:
            return None
        before = session.current
        try:
            outcome = action(session)
        except StoreError as error:
            self._set_status(str(error), error=True)
            self.notify(str(error), severity="error", markup=False, timeout=10)
            return None
        self._after(outcome, before)
        return outcome

    def _after(self, outcome: Outcome, before: EntityItem | None) -> None:
        session = self.session
        assert session is not None
        spans = list(outcome.spans)
        current = session.current
        spans.extend(item.span for item in (before, current) if item is not None)
        view = self.view
        if current is not None and (before is None or before.id != current.id
                                    or current.span != before.span):
            token = session.tokens.index_at_or_after(current.start)
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
        session = self.session
        if session is None:
            return
        if session.current is None and self.view.cursor is not None:
            # Off any entity: go to the nearest one after (or before) the cursor.
            offset = session.tokens.starts[self.view.cursor]
            self._act(lambda s: s.next_from(offset, step))
            return
        self._act(lambda s: s.next(step))

    def action_accept(self) -> None:
        self._act(lambda s: s.accept())

    def action_reject(self) -> None:
        self._act(lambda s: s.reject())

    def action_delete(self) -> None:
        self._act(lambda s: s.delete())

    def action_undo(self) -> None:
        self._act(lambda s: s.undo())

    def action_redo(self) -> None:
        self._act(lambda s: s.redo())

    def action_apply_to_mentions(self) -> None:
        self._act(lambda s: s.apply_to_mentions())

    def action_accept_all(self) -> None:
        self._act(lambda s: s.accept_all())

    def action_resize(self, edge: str, grow: bool) -> None:
        side: Edge = "left" if edge == "left" else "right"
        self._act(lambda s: s.resize(side, bool(grow)))

    def _label(self, label: str) -> None:
        view = self.view
        selection = view.selection_span()
        if selection is not None:
            previous = view.selection_anchor
            view.set_selection_anchor(None)
            outcome = self._act(lambda s: s.add(selection, label))
            if outcome is None or not outcome.ok:
                view.set_selection_anchor(previous)  # refused: keep the selection to adjust it
            self._refresh_keys()
            return
        self._act(lambda s: s.relabel(label))

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

    def _sync_current_to_cursor(self) -> None:
        session, view = self.session, self.view
        if session is None or view.cursor is None:
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
            self._sync_current_to_cursor()

    # ------------------------------------------------------------ the rest

    def action_copy(self) -> None:
        session = self.session
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
            self.notify("This article is read-only: its text changed since it was annotated.",
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
        left = self.session.counts()["suggested"] if self.session else 0
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
