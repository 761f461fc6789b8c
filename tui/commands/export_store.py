"""`byline export`: gold data from the store to a JSONL file (a folder for brat).

The store is opened read-only (no lock taken, nothing written), so export
works while an annotator has the app open on the same store.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.atomic import atomic_binary_writer, atomic_write_text, atomic_writer
from tui.commands.export import Entry, check_export, export_rows
from tui.core.model import AnnotationRecord, Article, Suggestions
from tui.formats.brat import write_brat
from tui.formats.conll import conll_document
from tui.formats.docbin import write_docbin
from tui.formats.errors import OutputError
from tui.formats.jsonl_out import check_output, encode_row, write_encoded, write_jsonl
from tui.formats.labelstudio import labelstudio_config, labelstudio_task
from tui.formats.native import gold_row, gold_row_stored, suggestion_row
from tui.store.gold import (
    GoldStore,
    StoreError,
    backups_dir,
    gc_paused,
    journal_path,
    lock_path,
    read_shard_tables,
    shards_dir,
)
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
               force: bool, dev_fraction: float = 0.0, seed: int = 0) -> int:
    """Write the export (for brat, the folder `out`; for spaCy with `dev_fraction`, a
    folder with train.spacy and dev.spacy); return how many articles were written."""
    # With --all, native rows also list the suggestions nobody decided (Prodigy, brat: no place).
    include_pending = all_articles and fmt == "native"
    check_export(fmt, include_pending)
    if not db.exists():
        raise StoreError(f"{db}: no gold store here (nothing annotated yet?)")
    if is_store_file(out, db):
        raise OutputError(out, "is part of the gold store (its index, journal, lock, shards "
                               "or backups): choose another output file")
    if fmt != "brat" and out.is_dir() and not (fmt == "spacy" and dev_fraction):
        raise OutputError(out, "is a folder, not a file")
    if dev_fraction and fmt != "spacy":
        raise ValueError("--dev splits a spaCy export only (--format spacy)")
    store = GoldStore.open(db, read_only=True)
    try:
        rows: Iterator[dict[str, Any]]
        if fmt == "native" and not include_pending:
            with gc_paused():
                return write_encoded(out, _native_chunks(store, annotator, all_articles),
                                     force=force)
        if fmt in ("conll", "labelstudio", "spacy"):
            # These take the model's tokens (or its suggestions) from the cached suggestions.
            entries = gold_entries(store, all_articles, annotator, with_suggestions=True)
            with gc_paused():
                return _write_other(fmt, entries, out, force, dev_fraction, seed)
        if fmt == "brat" and not include_pending:
            # Rows straight from the stored documents, nothing decoded.
            rows = (gold_row_stored(article, doc)
                    for article, doc in store.stored_records(annotator)
                    if doc["done"] or all_articles)
        else:
            # Prodigy takes its tokens from the suggestions; native needs them for `pending`.
            entries = gold_entries(store, all_articles, annotator,
                                   with_suggestions=fmt == "prodigy" or include_pending)
            rows = export_rows(entries, fmt, include_pending=include_pending)
        with gc_paused():
            if fmt == "brat":
                return write_brat(rows, out, force=force, protected=store_files(db))
            return write_jsonl(out, rows, force=force)
    finally:
        store.close()


def store_files(db: Path) -> list[Path]:
    """The files a gold store is made of that exist now (an export must never replace one)."""
    found = [p for p in (db, journal_path(db), lock_path(db)) if p.exists()]
    for folder in (shards_dir(db), backups_dir(db)):
        if folder.is_dir():
            found.extend(p for p in folder.rglob("*") if p.is_file())
    return found


def is_store_file(out: Path, db: Path) -> bool:
    """True where `out` is one of the gold store's files or lies in one of its folders."""
    target = Path(os.path.realpath(out))
    if target in {Path(os.path.realpath(p)) for p in (db, journal_path(db), lock_path(db))}:
        return True
    return any(target == Path(os.path.realpath(folder))
               or Path(os.path.realpath(folder)) in target.parents
               for folder in (shards_dir(db), backups_dir(db)))


# ------------------------------------------------------------ CoNLL, Label Studio, spaCy


Tokens = tuple[tuple[int, int], ...]


def _tokens(article: Article, suggestions: Suggestions | None) -> Tokens | None:
    """The model's tokens of this text, where its cached suggestions are of this text."""
    if suggestions is not None and suggestions.text_hash == article.text_hash:
        return suggestions.tokens
    return None


def _write_other(fmt: str, entries: Iterator[Entry], out: Path, force: bool,
                 dev_fraction: float, seed: int) -> int:
    if fmt == "spacy":
        tokens: dict[str, Tokens | None] = {}

        def rows() -> Iterator[dict[str, Any]]:
            for article, record, suggestions in entries:
                tokens[article.id] = _tokens(article, suggestions)
                yield gold_row(article, record)

        result = write_docbin(rows(), out, dev_fraction=dev_fraction, seed=seed, force=force,
                              tokens_of=lambda row: tokens.get(row["id"]))
        return result.docs
    check_output(out, force)
    count = 0
    if fmt == "conll":
        with atomic_writer(out, newline="\n") as text:
            for article, record, suggestions in entries:
                text.write(conll_document(gold_row(article, record),
                                            _tokens(article, suggestions)))
                count += 1
        return count
    labels: dict[str, None] = {}
    with atomic_binary_writer(out) as raw:
        raw.write(b"[\n")
        for article, record, suggestions in entries:
            row = gold_row(article, record)
            predicted = (suggestion_row(article, suggestions)
                         if suggestions is not None
                         and suggestions.text_hash == article.text_hash else None)
            for item in (*row["entities"], *(predicted["entities"] if predicted else ())):
                labels.setdefault(item["label"], None)
            task = labelstudio_task(row, predicted, row)
            raw.write((b",\n" if count else b"") + encode_row(task).rstrip(b"\n"))
            count += 1
        raw.write(b"\n]\n")
    config = out.with_name(out.stem + ".config.xml")
    atomic_write_text(config, labelstudio_config(list(labels)) + "\n")
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
