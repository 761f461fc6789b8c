"""`byline agreement STORE...`: inter-annotator agreement over one or more gold stores.

Opens every store read-only (no lock is taken, nothing is written, so it
works while the app is open on a store). The annotators are every annotator
with a record in any of the stores; where two stores hold the same annotator
name, each is named `name@STORE` (the store's file name, or the path as given
where two stores share a file name). Every pair of annotators is compared on
the articles both annotated on the same text, with the rules of
`tui.core.agreement`; an article's text (and the cached model tokens, for
kappa) is taken from the first store, in the order given, that holds it.

Prints one table row per pair (articles compared, articles skipped, entity
F1, token kappa, quote F1, speaker agreement, meeting F1, participant F1;
`-` where a figure is undefined) and, under the table, what `skipped` counts
and how participants match (`FOOTNOTES`), or one JSON object with `as_json`.

Exit codes: 0 compared; 2 a store could not be read, a store was given
twice, or there are fewer than two annotators. Errors go through `error`,
one line without the `byline: error: ` prefix (the default callback adds it
and writes to stderr), as `run_evaluate` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import StringIO
from pathlib import Path

from tui.core.agreement import AgreementReport, Tokens, agreement
from tui.core.files import real_path
from tui.core.model import AnnotationRecord
from tui.core.text import display_line, json_text
from tui.store.gold import GoldStore, StoreError
from tui.terminal import say, say_error

EXIT_OK = 0
EXIT_FAILED = 2

#: The width the table is laid out for.
TABLE_WIDTH = 120


class AgreementInputError(Exception):
    """Stores that cannot be compared; the message is one line."""


def _store_labels(stores: Sequence[Path]) -> list[str]:
    """How each store is named in `name@STORE`: its file name, or its path where names clash."""
    names = [path.name for path in stores]
    return [path.name if names.count(path.name) == 1 else str(path) for path in stores]


def _open_all(stores: Sequence[Path]) -> list[GoldStore]:
    seen: dict[Path, Path] = {}
    for path in stores:
        key = real_path(path)
        if key in seen:
            raise AgreementInputError(f"{path}: given twice (as {seen[key]})")
        seen[key] = path
    opened: list[GoldStore] = []
    try:
        for path in stores:
            try:
                opened.append(GoldStore.open(path, read_only=True))
            except OSError as failure:
                raise AgreementInputError(
                    f"{path}: cannot read ({failure.strerror or failure})") from None
    except BaseException:
        for store in opened:
            store.close_quietly()
        raise
    return opened


def _records(opened: Sequence[GoldStore], labels: Sequence[str]
             ) -> dict[str, list[AnnotationRecord]]:
    """Annotator name (qualified where two stores share it) -> that annotator's records."""
    per_store: list[dict[str, list[AnnotationRecord]]] = []
    for store in opened:
        names: dict[str, list[AnnotationRecord]] = {}
        for record in store.annotations():  # one pass over the shards
            names.setdefault(record.annotator, []).append(record)
        per_store.append(names)
    counts: dict[str, int] = {}
    for names in per_store:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    records: dict[str, list[AnnotationRecord]] = {}
    for label, names in zip(labels, per_store, strict=True):
        for name, rows in names.items():
            records[name if counts[name] == 1 else f"{name}@{label}"] = rows
    return records


def _text_source(opened: Sequence[GoldStore]
                 ) -> Callable[[str, str], tuple[str, Tokens | None] | None]:
    cache: dict[tuple[str, str], tuple[str, Tokens | None] | None] = {}

    def text_of(article_id: str, text_hash: str) -> tuple[str, Tokens | None] | None:
        key = (article_id, text_hash)
        if key not in cache:
            text = next((a.text for a in (s.article(article_id, text_hash) for s in opened)
                         if a is not None), None)
            tokens = next((c.tokens for c in (s.suggestions(article_id, text_hash)
                                              for s in opened) if c is not None), None)
            cache[key] = None if text is None else (text, tokens)
        return cache[key]

    return text_of


def compute_agreement(stores: Sequence[Path]) -> AgreementReport:
    """The agreement report of the stores; raises `AgreementInputError` or `StoreError`."""
    if not stores:
        raise AgreementInputError("no store given")
    paths = [Path(p) for p in stores]
    opened = _open_all(paths)
    try:
        records = _records(opened, _store_labels(paths))
        if len(records) < 2:
            found = ", ".join(sorted(records)) or "none"
            raise AgreementInputError(
                f"agreement needs at least two annotators; the store(s) hold {len(records)} "
                f"({display_line(found)})")
        return agreement(records, _text_source(opened))
    finally:
        for store in opened:
            store.close_quietly()


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _name(name: str) -> str:
    """An annotator name as it may be drawn: no control, invisible or line-breaking character."""
    return display_line(name)


def render_table(report: AgreementReport, width: int = TABLE_WIDTH) -> list[str]:
    """The report as a Rich table rendered to plain lines (no colour, no markup parsed)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(Text("annotator A"), overflow="fold")
    table.add_column(Text("annotator B"), overflow="fold")
    for heading in ("articles", "skipped", "entity\nF1", "token\nkappa", "quote\nF1",
                    "speaker\nagreement", "meeting\nF1", "participant\nF1"):
        table.add_column(Text(heading), justify="right", no_wrap=True)
    for pair in report.pairs:
        c = pair.counts
        table.add_row(Text(_name(pair.first)), Text(_name(pair.second)),
                      Text(str(pair.articles)), Text(str(pair.skipped)),
                      *(Text(_figure(v)) for v in (c.entity_f1, c.kappa, c.quote_f1,
                                                   c.speaker_agreement, c.meeting_f1,
                                                   c.participant_f1)))
    out = StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      no_color=True, markup=False, emoji=False, highlight=False,
                      legacy_windows=False)
    console.print(table)
    return [line.rstrip() for line in out.getvalue().splitlines()]


#: The lines under the table: what `skipped` counts, how participants match.
FOOTNOTES = (
    "skipped: articles not compared: annotated by only one of the pair, on different versions",
    "  of the text, or with no text in any store (--json counts each reason).",
    "participant F1: over meetings matched by trigger; a participant matches the same span",
    "  exactly, as entities do (\"Qatar\" and \"Qatar's emir\" are two participants).",
)


def run_agreement(stores: Sequence[Path], echo: Callable[[str], None] = say,
                  as_json: bool = False, error: Callable[[str], None] = say_error) -> int:
    """Compare every pair of annotators of `stores`, print the report through `echo`; return
    the exit code (0, or 2 with one line through `error`: see the module doc)."""
    try:
        report = compute_agreement(stores)
    except (AgreementInputError, StoreError) as failure:
        error(str(failure))
        return EXIT_FAILED
    if as_json:
        echo(json_text(report.to_json()))
        return EXIT_OK
    shared = sum(1 for pair in report.pairs if pair.articles)
    echo(f"{len(report.annotators)} annotator(s) in {len(stores)} store(s); "
         f"{len(report.pairs)} pair(s), {shared} with shared articles")
    for line in render_table(report):
        echo(line)
    for line in FOOTNOTES:
        echo(line)
    return EXIT_OK
