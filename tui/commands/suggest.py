"""`byline suggest`: run the model over articles, headless, and write native JSONL.

Reads the given files and folders, reports every file it cannot read (one line
each) and carries on with the rest, loads the model, and writes one native
JSONL row per article (entities with status "suggested").

Corpus scale (10,000 articles and more):

- **Streaming.** Articles are read lazily, file by file and JSONL line by
  line (a first pass checks every file and counts the articles, holding only
  their ids; a second pass reads them again as the pipeline takes them in),
  go through one `nlp.pipe` over a generator, and every row is written as it
  comes: memory does not grow with the corpus.
- **Resumable.** Rows are appended to OUTPUT a batch at a time (write, flush,
  fsync), so an interruption at any moment (Ctrl-C, SIGKILL, a crash) leaves
  a file whose complete lines are all valid rows; at most its last line is
  torn. `resume=True` (`--resume`) keeps an existing OUTPUT's complete rows,
  drops a torn last line, skips every article already there with the same
  text (compared by `text_hash`) and appends the rest, so the finished file
  holds the same rows as one uninterrupted run. It refuses a file that is
  not byline suggestions (naming the file and line), rows from another model
  (name or version), and an article whose text changed since its row was
  written. Without `resume` or `force` an existing OUTPUT is refused;
  `force` replaces it (the old file is truncated when the first batch is
  written, so a run that fails before that leaves it as it was).
- **Progress.** With a terminal on stderr, a bar with the count, articles/s
  and the time left; otherwise only the final summary line.

Exit codes: 0 all went well; 1 the output was written but some input files
had errors; 2 nothing could be read, the model failed, or the output could
not be written; 130 interrupted (Ctrl-C): the rows written so far are kept,
and running again with `--resume` finishes the file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tui.atomic import fsync_dir, temp_name
from tui.commands.outputs import OutputRule
from tui.core.files import open_regular, read_problem
from tui.core.model import Article
from tui.core.text import text_hash
from tui.formats.errors import InputError, OutputError
from tui.formats.jsonl_out import encode_row
from tui.formats.native import suggestion_row
from tui.formats.outputs import Kind, OutputClosed, Target, terminal_safe, write_error
from tui.formats.readers import (
    _error,
    _expand,
    _read_file,
    bad_lines_warning,
    jsonl_line_article,
    shown_name,
)
from tui.terminal import raw_stream, say

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_FAILED = 2
EXIT_INTERRUPTED = 130
#: The reader of a pipe went away (128 + SIGPIPE, as a shell reports `yes | head -1`).
EXIT_CLOSED = 141

_BOM = b"\xef\xbb\xbf"


class ResumeError(Exception):
    """An existing output that cannot be resumed: one line, naming the file (and line)."""


# ------------------------------------------------------------ the existing output


@dataclass
class Done:
    """What an existing suggestions file holds: its complete rows, and where they end."""

    #: Article id -> the hash of the text its row was made on.
    hashes: dict[str, str] = field(default_factory=dict)
    #: The model (name, version) of the rows, and the line it was first seen on.
    model: tuple[str, str] | None = None
    #: Bytes of complete lines; anything after them (a torn last line) is dropped.
    keep: int = 0
    #: Whether the file ends with a torn line.
    torn: bool = False


def read_done(path: Path, shown: str | None = None) -> Done:
    """The complete rows of the suggestions file `path` (named `shown` in messages, as the
    user gave it); raises `ResumeError` for a file that is not one (naming the line)."""
    done = Done()
    name = shown if shown is not None else shown_name(path)

    def refuse(number: int, reason: str) -> ResumeError:
        return ResumeError(f"{name}:{number}: {reason}; cannot resume "
                           f"(use --force to replace the file)")

    try:
        handle = open_regular(path)
    except OSError as error:
        raise ResumeError(f"{name}: {read_problem(error, path)}") from None
    with handle:
        try:
            return _done_rows(handle, done, refuse)
        except OSError as error:  # a read that fails half-way (EIO, a file gone bad)
            raise ResumeError(f"{name}: {read_problem(error, path)}") from None


def _done_rows(handle: BinaryIO, done: Done,
               refuse: Callable[[int, str], ResumeError]) -> Done:
    """The rows of an open suggestions file, into `done` (see `read_done`)."""
    offset = 0
    for number, raw in enumerate(handle, start=1):
        if not raw.endswith(b"\n"):
            done.torn = True  # an interrupted append: dropped, its article done again
            break
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise refuse(number, "not a byline suggestions file (invalid JSON)") from None
        if not (isinstance(row, dict) and isinstance(row.get("id"), str)
                and isinstance(row.get("text"), str) and isinstance(row.get("model"), dict)
                and isinstance(row["model"].get("name"), str)
                and isinstance(row["model"].get("version"), str)):
            raise refuse(number, 'not a byline suggestions file (a row needs "id", '
                                 '"text" and a "model" with "name" and "version")')
        model = (row["model"]["name"], row["model"]["version"])
        if done.model is None:
            done.model = model
        elif model != done.model:
            raise refuse(number, f"rows from two models ({_model_name(done.model)} "
                                 f"and {_model_name(model)})")
        if row["id"] in done.hashes:
            raise refuse(number, f"article {row['id']!r} is there twice")
        done.hashes[row["id"]] = text_hash(row["text"])
        offset += len(raw)
    done.keep = offset
    return done


def _model_name(model: tuple[str, str]) -> str:
    return f"{model[0]} {model[1]}"


# ------------------------------------------------------------------- the input


def stream_file(path: Path, bad: list[InputError] | None = None) -> Iterator[Article]:
    """The articles of one `.txt` or `.jsonl` file, a JSONL line at a time.

    Accepts and refuses exactly what `tui.formats.readers.read_file` does
    (raising its `InputError`), without holding the whole file; given `bad`, a
    JSONL line that cannot be read is appended there and left out instead (as
    `read_paths` with `skip_bad_lines`).
    """
    for article, _ in _stream_lines(path, bad):
        yield article


def _stream_lines(path: Path, bad: list[InputError] | None = None
                  ) -> Iterator[tuple[Article, int | None]]:
    """`stream_file` with each article's line (None for a `.txt`)."""
    if path.suffix.lower() != ".jsonl":
        yield from _read_file(path)
        return
    try:
        handle = open_regular(path)
    except OSError as error:
        raise _error(path, read_problem(error, path)) from None
    stem = shown_name(path.stem)
    source = shown_name(path)
    seen: dict[str, int] = {}
    with handle:
        number = 0
        try:
            for raw in handle:
                number += 1
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                ended = raw.endswith(b"\n")
                data = raw[:-1] if ended else raw
                try:
                    if b"\x00" in data:
                        raise ValueError("NUL")
                    line = data.decode("utf-8")
                except (UnicodeDecodeError, ValueError):
                    raise _canonical_error(path) from None
                found = jsonl_line_article(path, line, number, not ended, (stem, source),
                                           seen, bad)
                if found is not None:
                    yield found[0], number
        except OSError as error:
            raise _error(path, f"cannot read ({error.strerror or error})") from None
    if not seen:
        raise bad[0] if bad else _error(path, "empty file")


def _canonical_error(path: Path) -> InputError:
    """The error `read_file` gives for `path` (for the rare bytes-level problems)."""
    try:
        _read_file(path)
    except InputError as error:
        return error
    return _error(path, "cannot read as text")  # pragma: no cover - the two readers agree


@dataclass
class Survey:
    """The first pass over the input: the files to read, their errors and the counts."""

    files: list[Path] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    articles: int = 0
    skipped: int = 0
    #: One line per file whose bad lines were skipped (`skip_bad_lines`).
    warnings: list[str] = field(default_factory=list)


def survey(paths: Sequence[Path], done: Done, skip_bad_lines: bool = False) -> Survey:
    """Check every input file (as `read_paths` does, one error per refused file) and count
    the articles to do; raises `ResumeError` for an article whose text changed since its
    row in the existing output was written."""
    result = Survey()
    seen_files: set[str] = set()
    first_source: dict[str, str] = {}
    for given in paths:
        for path in _expand(Path(given), result.errors):
            key = os.path.normcase(os.path.abspath(path))
            if key in seen_files:
                continue
            seen_files.add(key)
            ids: list[str] = []
            skipped = 0
            bad: list[InputError] | None = [] if skip_bad_lines else None
            try:
                for article, line in _stream_lines(path, bad):
                    if article.id in first_source:
                        raise _error(path, f"duplicate article id {article.id!r} "
                                           f"(first read from {first_source[article.id]})",
                                     line)
                    ids.append(article.id)
                    old = done.hashes.get(article.id)
                    if old is None:
                        continue
                    if old != article.text_hash:
                        raise ResumeError(
                            f"{shown_name(path)}: article {article.id!r} has a different text "
                            f"than its row in the output; cannot resume (use --force to "
                            f"start again)")
                    skipped += 1
            except InputError as error:
                result.errors.append(error)
                continue
            name = shown_name(path)
            for article_id in ids:
                first_source[article_id] = name
            result.files.append(path)
            if bad:
                result.warnings.append(bad_lines_warning(path, bad))
            result.articles += len(ids)
            result.skipped += skipped
    return result


def articles_to_do(files: Sequence[Path], done: Done,
                   skip_bad_lines: bool = False) -> Iterator[Article]:
    """The articles of `files` (already surveyed) that `done` lacks, read lazily (the bad
    lines left out with `skip_bad_lines`: the survey has said so)."""
    for path in files:
        for article in stream_file(path, [] if skip_bad_lines else None):
            if done.hashes.get(article.id) != article.text_hash:
                yield article


# ------------------------------------------------------------------ the output


class Appender:
    """Rows appended to the output a batch at a time: write, then fsync.

    The output is opened at the first batch, so a run that fails before writing
    anything leaves an old file as it was: a new file is created; an existing
    one (`--force`) is replaced by a new file renamed over it (a hard link to
    the old one keeps its contents); with `keep` (`--resume`), it is cut to its
    first `keep` bytes to drop a torn line. A stream (standard output, a FIFO,
    a device) is written as it comes, escaped for a terminal
    (`tui.formats.outputs.terminal_safe`). A batch that fails half-way is cut
    off a regular file again, so the file ends with a complete row.
    """

    def __init__(self, target: Target, *, keep: int | None) -> None:
        self.target = target
        self.keep = keep
        self.fd: int | None = None
        self.written = 0
        self._regular = False
        self._escape = False

    def open(self) -> int:
        if self.fd is None:
            self.fd = self._open()
            self._regular = stat.S_ISREG(os.fstat(self.fd).st_mode)
            self._escape = os.isatty(self.fd)
            if self.keep is None and not self.target.streamed:
                assert self.target.path is not None
                os.fsync(self.fd)
                fsync_dir(self.target.path.parent)
        return self.fd

    def _open(self) -> int:
        target = self.target
        if target.fd is not None:
            return os.dup(target.fd)
        assert target.path is not None
        if target.kind is Kind.STREAM:
            return os.open(target.path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        if self.keep is not None:
            fd = os.open(target.path, os.O_WRONLY)
            os.ftruncate(fd, self.keep)
            os.lseek(fd, self.keep, os.SEEK_SET)
            return fd
        if target.kind is Kind.FILE:
            tmp = temp_name(target.path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                with contextlib.suppress(OSError):  # the new file keeps the old one's mode
                    os.fchmod(fd, stat.S_IMODE(os.stat(target.path).st_mode))
                os.replace(tmp, target.path)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
            return fd
        return os.open(target.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)

    def write(self, data: bytes, rows: int) -> None:
        fd = self.open()
        if self._escape:
            data = terminal_safe(data.decode("utf-8", "replace")).encode("utf-8")
        start = os.lseek(fd, 0, os.SEEK_CUR) if self._regular else None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if self._regular:
                os.fsync(fd)
        except OSError:
            if start is not None:
                with contextlib.suppress(OSError):  # drop the part of this batch written
                    os.ftruncate(fd, start)
                    os.fsync(fd)
            raise
        self.written += rows

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def write_rows(appender: Appender, rows: Iterator[dict[str, Any]], batch: int,
               on_row: Callable[[], None] | None = None) -> int:
    """Append `rows` to `appender`, `batch` rows per write and fsync; return how many."""
    buffer = bytearray()
    pending = 0
    for row in rows:
        buffer += encode_row(row)
        pending += 1
        if pending >= batch:
            appender.write(bytes(buffer), pending)
            buffer.clear()
            pending = 0
        if on_row is not None:
            on_row()
    if pending:
        appender.write(bytes(buffer), pending)
    return appender.written


# --------------------------------------------------------------------- progress


def rate_text(done: int, elapsed: float | None) -> str:
    """The average rate since the start: "12.3 articles/s" ("-- articles/s" before any)."""
    if not elapsed or not done:
        return "-- articles/s"
    return f"{done / elapsed:.1f} articles/s"


def time_left_text(done: int, total: int | None, elapsed: float | None,
                   finished: bool = False) -> str:
    """The time left at the average rate: "0:05:46 left", "done", or "-:--:--" unknown."""
    if finished:
        return "done"
    if not elapsed or not done or total is None:
        return "-:--:--"
    seconds = int(max(0, total - done) * elapsed / done)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d} left"


def progress_text(done: int, total: int, elapsed: float | None) -> str:
    """The bar's text: "1234/10000 articles, 25.3 articles/s, 0:05:46 left"."""
    return (f"{done}/{total} articles, {rate_text(done, elapsed)}, "
            f"{time_left_text(done, total, elapsed, total > 0 and done >= total)}")


def _write_with_progress(appender: Appender, rows: Iterator[dict[str, Any]], total: int,
                         batch: int) -> int:
    """`write_rows` with a Rich progress bar on stderr: articles done / total, rate, time left."""
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
    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(rate_text(int(task.completed), task.elapsed),
                        style="progress.data.speed")

    class TimeLeftColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            total = None if task.total is None else int(task.total)
            return Text(time_left_text(int(task.completed), total, task.elapsed,
                                       task.finished), style="progress.remaining")

    columns = (TextColumn("suggesting", markup=False), BarColumn(), MofNCompleteColumn(),
               RateColumn(), TimeLeftColumn())
    # The bar's own escape sequences go to the unfiltered stream; its text is byline's.
    # Anything else written meanwhile keeps going through the filtered sys.stderr.
    console = Console(file=raw_stream(err=True))
    with Progress(*columns, console=console, transient=False, redirect_stdout=False,
                  redirect_stderr=False) as bar:
        task = bar.add_task("suggest", total=total)
        return write_rows(appender, rows, batch, lambda: bar.advance(task))


# ---------------------------------------------------------------------- command


def run_suggest(paths: Sequence[Path], out: Path, model: str | None, batch_size: int = 64,
                n_process: int = 1, force: bool = False, progress: bool | None = None,
                echo: Callable[[str], None] = say, resume: bool = False,
                skip_bad_lines: bool = False) -> int:
    """Suggest entities for the articles of `paths` and write them to `out`; return the exit code.

    `progress` shows a progress bar on stderr (None: only when stderr is a
    terminal). `resume` finishes an interrupted run (see the module's
    docstring). Messages (errors, the model's warning, the summary) go to
    `echo`, one line each. `skip_bad_lines` leaves out the JSONL lines that cannot
    be read (one warning per file) instead of refusing their file.
    """
    if resume and force:
        echo("byline: error: --resume and --force cannot be used together")
        return EXIT_FAILED
    if batch_size < 1 or (n_process < 1 and n_process != -1):
        echo("byline: error: the batch size and the number of processes must be at least 1")
        return EXIT_FAILED
    try:
        target = OutputRule(inputs=[Path(p) for p in paths]).target(out, force=True)
    except OutputError as error:
        echo(f"byline: error: {error}")
        return EXIT_FAILED
    if target.kind is Kind.FILE and not (force or resume):
        echo(f"byline: error: {target.name}: already exists (use --force to replace it, "
             f"or --resume to finish it)")
        return EXIT_FAILED
    if resume and target.streamed:
        echo(f"byline: error: {target.name}: not a file: --resume finishes a file")
        return EXIT_FAILED
    if resume and target.kind is Kind.FILE and _linked(target):
        echo(f"byline: error: {target.name}: is a hard link to another file as well; --resume "
             f"appends in place, which would change that file too")
        return EXIT_FAILED
    done = Done()
    resuming = resume and target.kind is Kind.FILE
    try:
        if resuming:
            assert target.path is not None
            done = read_done(target.path, target.name)
        found = survey([Path(p) for p in paths], done, skip_bad_lines)
    except ResumeError as error:
        echo(f"byline: error: {error}")
        return EXIT_FAILED
    for input_error in found.errors:
        echo(f"byline: error: {input_error}")
    for warning in found.warnings:
        echo(f"warning: {warning}")
    if not found.files:
        if not found.errors:
            echo("byline: error: no articles found (give .txt or .jsonl files, or folders of them)")
        else:
            echo("byline: error: no articles could be read; nothing written")
        return EXIT_FAILED

    from tui.nlp.models import ModelError, load_model
    from tui.nlp.suggest import suggest

    try:
        loaded = load_model(model)
    except ModelError as error:
        echo(f"byline: error: {error}")
        return EXIT_FAILED
    if loaded.warning:
        echo(f"warning: {loaded.warning}")
    ours = (loaded.info.name, loaded.info.version)
    if done.model is not None and done.model != ours:
        echo(f"byline: error: {target.name}: its rows are from {_model_name(done.model)}, not "
             f"{_model_name(ours)}; cannot resume (use the same --model, or --force to "
             f"replace the file)")
        return EXIT_FAILED

    todo = found.articles - found.skipped
    appender = Appender(target, keep=done.keep if resuming else None)
    results = suggest(loaded, articles_to_do(found.files, done, skip_bad_lines),
                      batch_size=batch_size, n_process=n_process)
    rows: Iterator[dict[str, Any]] = (suggestion_row(a, s) for a, s in results)
    show = (sys.stderr is not None and sys.stderr.isatty()) if progress is None else progress
    start = time.perf_counter()
    try:
        if resuming and (done.torn or not todo):
            appender.open()  # drop the torn line even when nothing is left to do
        if show:
            count = _write_with_progress(appender, rows, todo, batch_size)
        else:
            count = write_rows(appender, rows, batch_size)
    except KeyboardInterrupt:
        echo(f"interrupted: {appender.written} article{_s(appender.written)} written to "
             f"{target.name} (of {todo}); run again with --resume to finish")
        return EXIT_INTERRUPTED
    except InputError as error:  # a file changed between the two passes
        echo(f"byline: error: {error} (changed while running?); {appender.written} "
             f"article{_s(appender.written)} written to {target.name}; --resume finishes it")
        return EXIT_FAILED
    except OSError as error:
        failure = write_error(target, error)
        if isinstance(failure, OutputClosed):
            return EXIT_CLOSED  # the reader went away: end quietly, as Unix tools do
        kept = ("" if target.streamed else f"; {appender.written} complete "
                f"article{_s(appender.written)} kept, --resume finishes it")
        echo(f"byline: error: {failure}{kept}")
        return EXIT_FAILED
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the pipeline's worker processes at once
        appender.close()
    seconds = time.perf_counter() - start
    kept = f"; {found.skipped} already there" if resuming else ""
    echo(f"wrote {count} article{_s(count)} to {target.name} ({loaded.info.label}{kept}; "
         f"{seconds:.1f} s, {rate_text(count, seconds)})")
    return EXIT_INPUT_ERRORS if found.errors else EXIT_OK


def _linked(target: Target) -> bool:
    """Whether the file `target` has other names (hard links) than its own."""
    try:
        return os.stat(target.path or "").st_nlink > 1
    except OSError:
        return False


def _s(count: int) -> str:
    return "" if count == 1 else "s"
