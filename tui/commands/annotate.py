"""`byline annotate`: read articles, open the gold store, run the app.

`build_context` does everything but running the app, so the tests and the
benchmarks build exactly what the command line builds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from tui.app.bindings import ALL_BINDING_IDS
from tui.app.context import AppContext, ModelProvider
from tui.commands.arguments import ArgumentError, default_annotator
from tui.commands.outputs import check_store_path
from tui.core.config import load_config
from tui.formats.readers import read_paths, shown_name
from tui.store.gold import GoldStore

DEFAULT_CORPUS = Path("seeds")
DEFAULT_STORE = Path("annotations") / "gold.json"


class UsageError(Exception):
    """A problem the user must fix before byline can start: one line."""


def build_context(paths: Sequence[Path], db: Path, annotator: str | None, model: str | None,
                  config: Path | None, *, skip_bad_lines: bool = False) -> AppContext:
    """Read the corpus and open the store; raise UsageError or StoreError with one line.

    What the reading left out (files in the folders, bad JSONL lines with
    `skip_bad_lines`) is in the context's `notices`, one line each.
    """
    from tui.nlp.models import resolve_model_spec

    settings, warnings = load_config(config, ALL_BINDING_IDS, explicit=config is not None)
    result = read_paths(list(paths), skip_bad_lines=skip_bad_lines)
    errors = [str(error) for error in result.errors]
    if not result.articles:
        detail = f" ({errors[0]})" if errors else ""
        where = ", ".join(shown_name(p) for p in paths)
        raise UsageError(f"no article could be read from {where}{detail}")
    try:
        name = annotator or settings.annotator or default_annotator()
    except ArgumentError as error:
        raise UsageError(str(error)) from None
    check_store_path(db, inputs=list(paths))  # never a journal, shard or lock of a store
    store = GoldStore.open(db)
    return AppContext(
        articles=result.articles, store=store, annotator=name,
        models=ModelProvider(model, resolve_model_spec(model)),
        labels=settings.entity_labels, keymap=settings.keymap,
        errors=errors, warnings=warnings, notices=result.notices(),
    )


def run_annotate(paths: Sequence[Path], db: Path, annotator: str | None, model: str | None,
                 config: Path | None, *, skip_bad_lines: bool = False,
                 echo: Callable[[str], None] | None = None) -> None:
    """Build the context, `echo` its notices (before the app takes the terminal), run."""
    from tui.app.app import BylineApp

    ctx = build_context(paths, db, annotator, model, config, skip_bad_lines=skip_bad_lines)
    if echo is not None:
        for notice in ctx.notices:
            echo(f"byline: {notice}")
    try:
        BylineApp(ctx).run()
    finally:
        ctx.store.close()
