"""`byline suggest`: run the model over articles, headless, and write native JSONL.

Reads the given files and folders, reports every file it cannot read (one line
each) and carries on with the rest, loads the model, and writes one native
JSONL row per article (entities with status "suggested") atomically: the
output file appears complete or not at all.

Exit codes: 0 all went well; 1 the output was written but some input files
had errors; 2 nothing could be read, the model failed, or the output could
not be written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tui.formats.errors import OutputError
from tui.formats.jsonl_out import write_jsonl
from tui.formats.native import suggestion_row
from tui.formats.readers import read_paths

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_FAILED = 2


def run_suggest(paths: Sequence[Path], out: Path, model: str | None, batch_size: int = 64,
                n_process: int = 1, force: bool = False, progress: bool | None = None,
                echo: Callable[[str], None] = print) -> int:
    """Suggest entities for the articles of `paths` and write them to `out`; return the exit code.

    `progress` shows a progress bar on stderr (None: only when stderr is a
    terminal). Messages (errors, the model's warning, the summary) go to `echo`,
    one line each.
    """
    out = Path(out)
    result = read_paths([Path(p) for p in paths])
    for error in result.errors:
        echo(f"error: {error}")
    articles = result.articles
    if not articles:
        if not result.errors:
            echo("error: no articles found (give .txt or .jsonl files, or folders of them)")
        else:
            echo("error: no articles could be read; nothing written")
        return EXIT_FAILED
    if out.exists() and not force:
        echo(f"error: {out}: already exists (use --force to replace it)")
        return EXIT_FAILED
    if batch_size < 1 or (n_process < 1 and n_process != -1):
        echo("error: the batch size and the number of processes must be at least 1")
        return EXIT_FAILED

    from tui.nlp.models import ModelError, load_model
    from tui.nlp.suggest import suggest

    try:
        loaded = load_model(model)
    except ModelError as error:
        echo(f"error: {error}")
        return EXIT_FAILED
    if loaded.warning:
        echo(f"warning: {loaded.warning}")

    results = suggest(loaded, articles, batch_size=batch_size, n_process=n_process)
    rows: Iterator[dict[str, Any]] = (suggestion_row(a, s) for a, s in results)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        if show:
            count = _write_with_progress(out, rows, len(articles), force)
        else:
            count = write_jsonl(out, rows, force=force)
    except OutputError as error:
        echo(f"error: {error}")
        return EXIT_FAILED
    except OSError as error:
        echo(f"error: {out}: cannot write ({error.strerror or error})")
        return EXIT_FAILED
    echo(f"wrote {count} article{'s' if count != 1 else ''} to {out} ({loaded.info.label})")
    return EXIT_INPUT_ERRORS if result.errors else EXIT_OK


def _write_with_progress(out: Path, rows: Iterator[dict[str, Any]], total: int,
                         force: bool) -> int:
    """`write_jsonl` with a Rich progress bar on stderr: articles done / total, rate, time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
    )
    from rich.text import Text

    # The pipeline hands results back a batch at a time, so Rich's windowed speed
    # estimate jumps; these columns use the average since the start instead.
    def average_rate(task: Task) -> float | None:
        elapsed = task.elapsed
        return task.completed / elapsed if elapsed and task.completed else None

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            rate = average_rate(task)
            return Text("-- articles/s" if rate is None else f"{rate:.1f} articles/s",
                        style="progress.data.speed")

    class TimeLeftColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            rate = average_rate(task)
            if task.finished:
                left = "done"
            elif rate is None or task.total is None:
                left = "-:--:--"
            else:
                seconds = int((task.total - task.completed) / rate)
                left = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d} left"
            return Text(left, style="progress.remaining")

    columns = (TextColumn("suggesting", markup=False), BarColumn(), MofNCompleteColumn(),
               RateColumn(), TimeLeftColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("suggest", total=total)

        def counted() -> Iterator[dict[str, Any]]:
            for row in rows:
                yield row
                bar.advance(task)

        return write_jsonl(out, counted(), force=force)
