"""`byline export`: gold data from the store to a JSONL file (a folder for brat).

The store is opened read-only (no lock taken, nothing written), so export
works while an annotator has the app open on the same store. Every file an
export writes (the output, Label Studio's config beside it, every file of a
brat folder, spaCy's train and dev files) follows `tui.commands.outputs`:
never a file of any gold store, never replaced without `--force`; `-`
(standard output), a FIFO or a device takes the formats that write one file.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tui.commands.export import Entry, check_export, export_rows
from tui.commands.outputs import OutputRule
from tui.core.model import AnnotationRecord, Article, Suggestions
from tui.formats.brat import write_brat
from tui.formats.conll import conll_document
from tui.formats.docbin import write_docbin
from tui.formats.errors import OutputError
from tui.formats.jsonl_out import encode_row, write_encoded, write_jsonl
from tui.formats.labelstudio import labelstudio_config, labelstudio_task
from tui.formats.native import gold_row, gold_row_stored, suggestion_row
from tui.formats.outputs import STDOUT_NAME, Target, descriptor_of, open_output
from tui.store.gold import GoldStore, StoreError, gc_paused, read_shard_tables, shards_dir
from tui.store.shard import Doc, shard_name


def gold_entries(store: GoldStore, all_articles: bool, annotator: str | None,
                 with_suggestions: bool = True
                 ) -> Iterator[tuple[Article, AnnotationRecord, Suggestions | None]]:
    """(article, record, suggestions) for each record to export, in the store's order.

    Without `with_suggestions` the cached suggestions are not decoded (None).
    """
    for record in store.annotations(annotator):
        if not (record.done or all_articles):
            continue
        article = store.article(record.article_id, record.text_hash)
        if article is None:
            raise StoreError(f"{store.path}: article '{record.article_id}' is annotated but "
                             "its text is missing from the store")
        suggestions = (store.suggestions(record.article_id, record.text_hash)
                       if with_suggestions else None)
        yield article, record, suggestions


def run_export(db: Path, out: Path, fmt: str, all_articles: bool, annotator: str | None,
               force: bool, dev_fraction: float = 0.0, seed: int = 0,
               note: Callable[[str], None] | None = None) -> int:
    """Write the export (for brat, the folder `out`; for spaCy with `dev_fraction`, a
    folder with train.spacy and dev.spacy); return how many articles were written.

    Every output is checked before the store is read. `note` gets one line about what
    was not written (Label Studio's config, when the tasks go to a stream; without
    `all_articles`, the records with decisions not marked done, or that there were no
    decisions at all)."""
    # With --all, native rows also list the suggestions nobody decided (Prodigy, brat: no place).
    include_pending = all_articles and fmt == "native"
    check_export(fmt, include_pending)
    if dev_fraction and fmt != "spacy":
        raise ValueError("--dev splits a spaCy export only (--format spacy)")
    rule = OutputRule(stores=[db])
    if fmt == "brat" or (fmt == "spacy" and dev_fraction):
        return _export_folder(db, out, fmt, all_articles, annotator, force, dev_fraction,
                              seed, rule, note)
    target = rule.target(out, force=force, what=f"a {fmt} export")
    if fmt == "spacy" and target.is_terminal():
        raise OutputError(target.name, "is a terminal: a spaCy DocBin is binary; "
                                       "redirect it to a file or a pipe")
    config = _config_target(rule, out, target, force) if fmt == "labelstudio" else None
    store = _open(db)
    try:
        count = _export_records(store, target, config, fmt, all_articles, annotator,
                                include_pending, rule, note)
        if not all_articles and note is not None:
            _note_left_out(store, annotator, count, note)
        return count
    finally:
        store.close()


def _note_left_out(store: GoldStore, annotator: str | None, count: int,
                   note: Callable[[str], None]) -> None:
    """Say what an export without --all left out, and why an export wrote nothing."""
    left_out = store.undone_records(annotator)
    if left_out:
        note(f"{left_out} article{'' if left_out == 1 else 's'} with decisions not marked "
             f"done {'was' if left_out == 1 else 'were'} left out (mark an article done with "
             f"f in the app, or export with --all)")
    elif count == 0:
        whose = "" if annotator is None else f" by {annotator}"
        note(f"the store holds no decisions{whose} to export")


def _export_records(store: GoldStore, target: Target, config: Target | None, fmt: str,
                    all_articles: bool, annotator: str | None, include_pending: bool,
                    rule: OutputRule, note: Callable[[str], None] | None) -> int:
    """Write one file's export of the open `store` (see `run_export`)."""
    if fmt == "native" and not include_pending:
        with gc_paused():
            return write_encoded(target, _native_chunks(store, annotator, all_articles))
    if fmt in ("conll", "labelstudio", "spacy"):
        # These take the model's tokens (or its suggestions) from the cached suggestions.
        entries = gold_entries(store, all_articles, annotator, with_suggestions=True)
        with gc_paused():
            count = _write_other(fmt, entries, target, config, rule)
        if fmt == "labelstudio" and config is None and note is not None:
            note(f"the Label Studio labeling config was not written: {target.name} is "
                 f"not a file to write it beside (export to a file to get it)")
        return count
    # Prodigy takes its tokens from the suggestions; native needs them for `pending`.
    entries = gold_entries(store, all_articles, annotator,
                           with_suggestions=fmt == "prodigy" or include_pending)
    with gc_paused():
        return write_jsonl(target, export_rows(entries, fmt, include_pending))


def _open(db: Path) -> GoldStore:
    if not db.exists():
        raise StoreError(f"{db}: no gold store here (nothing annotated yet?)")
    return GoldStore.open(db, read_only=True)


def _export_folder(db: Path, out: Path, fmt: str, all_articles: bool, annotator: str | None,
                   force: bool, dev_fraction: float, seed: int, rule: OutputRule,
                   note: Callable[[str], None] | None) -> int:
    """brat, or spaCy split into train and dev: a folder, each file checked by `rule`."""
    what = ("a brat export (a folder of files)" if fmt == "brat"
            else "a spaCy train/dev split (a folder)")
    if str(out) == "-" or descriptor_of(out) is not None:
        raise OutputError(STDOUT_NAME if str(out) == "-" else out,
                          f"{what} cannot be written to standard output; give a folder")
    rule.check(out)
    try:
        mode = os.stat(out).st_mode
    except OSError:
        mode = stat.S_IFDIR
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise OutputError(out, f"is not a folder: {what} needs one")
    store = _open(db)
    try:
        with gc_paused():
            if fmt == "spacy":
                entries = gold_entries(store, all_articles, annotator, with_suggestions=True)
                count = _write_spacy(entries, out, force, dev_fraction, seed, rule)
            else:  # rows straight from the stored documents, nothing decoded
                rows = (gold_row_stored(article, doc)
                        for article, doc in store.stored_records(annotator)
                        if doc["done"] or all_articles)
                count = write_brat(rows, out, force=force, guard=rule.check)
        if not all_articles and note is not None:
            _note_left_out(store, annotator, count, note)
        return count
    finally:
        store.close()


def _config_target(rule: OutputRule, out: Path, target: Target, force: bool) -> Target | None:
    """Where Label Studio's labeling config goes: `NAME.config.xml` beside a file output,
    checked like the output itself, before anything is written; None for a stream."""
    if target.streamed or target.path is None:
        return None
    config = Path(out).with_name(Path(out).stem + ".config.xml")
    if os.path.realpath(config) == os.path.realpath(target.path):
        raise OutputError(config, "is the export itself; give the export another name")
    return rule.target(config, force=force, streams=False, what="the Label Studio config")


# ------------------------------------------------------------ CoNLL, Label Studio, spaCy


Tokens = tuple[tuple[int, int], ...]


def _tokens(article: Article, suggestions: Suggestions | None) -> Tokens | None:
    """The model's tokens of this text, where its cached suggestions are of this text."""
    if suggestions is not None and suggestions.text_hash == article.text_hash:
        return suggestions.tokens
    return None


def _write_spacy(entries: Iterator[Entry], out: Path | Target, force: bool,
                 dev_fraction: float, seed: int, rule: OutputRule) -> int:
    tokens: dict[str, Tokens | None] = {}

    def rows() -> Iterator[dict[str, Any]]:
        for article, record, suggestions in entries:
            tokens[article.id] = _tokens(article, suggestions)
            yield gold_row(article, record)

    result = write_docbin(rows(), out, dev_fraction=dev_fraction, seed=seed, force=force,
                          tokens_of=lambda row: tokens.get(row["id"]), guard=rule.check)
    return result.docs


def _write_other(fmt: str, entries: Iterator[Entry], target: Target, config: Target | None,
                 rule: OutputRule) -> int:
    """CoNLL, Label Studio (and its config) or a spaCy DocBin, to a checked `target`."""
    if fmt == "spacy":
        return _write_spacy(entries, target, True, 0.0, 0, rule)
    count = 0
    if fmt == "conll":
        with open_output(target) as handle:
            for article, record, suggestions in entries:
                handle.write(conll_document(gold_row(article, record),
                                            _tokens(article, suggestions)).encode("utf-8"))
                count += 1
        return count
    labels: dict[str, None] = {}
    with open_output(target) as handle:
        handle.write(b"[\n")
        for article, record, suggestions in entries:
            row = gold_row(article, record)
            predicted = (suggestion_row(article, suggestions)
                         if suggestions is not None
                         and suggestions.text_hash == article.text_hash else None)
            for item in (*row["entities"], *(predicted["entities"] if predicted else ())):
                labels.setdefault(item["label"], None)
            task = labelstudio_task(row, predicted, row)
            handle.write((b",\n" if count else b"") + encode_row(task).rstrip(b"\n"))
            count += 1
        handle.write(b"\n]\n")
    if config is not None:
        with open_output(config) as handle:
            handle.write((labelstudio_config(list(labels)) + "\n").encode("utf-8"))
    return count


# ------------------------------------------------------------ the fast native export

#: From this many shards on, a native export reads and encodes them in worker processes.
PARALLEL_FROM = 64


def _encode_pairs(pairs: list[tuple[Doc, Doc]], all_articles: bool) -> tuple[bytes, int]:
    lines = [encode_row(gold_row_stored(article, doc)) for article, doc in pairs
             if doc["done"] or all_articles]
    return b"".join(lines), len(lines)


def _export_shard(job: tuple[str, int, list[tuple[str, str]], bool, str | None, int]
                  ) -> tuple[bytes, int]:
    """In a worker: the encoded native rows of one shard's records, as the store read by
    the parent sees it (a compaction under way cannot change them)."""
    store, number, keys, all_articles, sha256, index_seq = job
    path = shards_dir(Path(store)) / shard_name(number)
    tables = read_shard_tables(Path(store), number, sha256, index_seq)
    articles = {(doc["id"], doc["text_hash"]): doc for doc in tables["articles"].values()}
    wanted = set(keys)
    lines = []
    for doc in tables["annotations"].values():
        key = (doc["article_id"], doc["annotator"])
        if key not in wanted or not (doc["done"] or all_articles):
            continue
        article = articles.get((key[0], doc["text_hash"]))
        if article is None:
            raise StoreError(f"{path}: article '{key[0]}' is annotated but its text is "
                             f"missing from the store")
        lines.append((key, encode_row(gold_row_stored(article, doc))))
    lines.sort(key=lambda line: line[0])
    return b"".join(line for _, line in lines), len(lines)


def _native_chunks(store: GoldStore, annotator: str | None,
                   all_articles: bool) -> Iterator[tuple[bytes, int]]:
    """Native JSONL lines, shard by shard in the store's order: rows straight from the
    stored documents (nothing decoded into objects), several shards at once in worker
    processes where the machine has the cores and the store the size."""
    plan = store.export_plan(annotator)
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(plan) < PARALLEL_FROM:
        for number, _, keys in plan:
            yield _encode_pairs(store.stored_records_of(number, keys), all_articles)
        return
    jobs = ((str(store.path), number, keys, all_articles, *store.shard_expected(number))
            for number, file, keys in plan if file)
    with multiprocessing.get_context("fork").Pool(workers, initializer=gc.disable) as pool:
        done = pool.imap(_export_shard, jobs, chunksize=32)
        for number, file, keys in plan:
            if file is None:  # changed in memory by the journal: this process has it
                yield _encode_pairs(store.stored_records_of(number, keys), all_articles)
            else:
                yield next(done)
