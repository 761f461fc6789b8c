"""Exporting gold entities as spaCy training data: DocBin (`.spacy`) files.

`write_docbin` turns native gold rows (`tui.formats.native.gold_row`: `id`,
`text`, `entities` of `{start, end, label}`) into spaCy `Doc`s with the gold
entities set as `doc.ents`, ready for `python -m spacy train`:

* Tokens. Where `tokens_of(row)` gives token offsets (the non-space tokens of
  the pipeline that made byline's suggestions, cached in the store), the Doc is
  built from them with `Doc(vocab, words=, spaces=)`: the text between tokens
  becomes trailing spaces or whitespace tokens, as spaCy's own tokenizer makes
  them, so that `doc.text` is the article text exactly. Otherwise (or when the
  offsets do not fit the text) `spacy.blank("en")`'s tokenizer is used.
* Entities keep their labels as they are. One whose boundaries fall inside a
  token is widened to whole tokens (`Doc.char_span(alignment_mode="expand")`,
  leading and trailing whitespace tokens trimmed) and counted as `snapped`.
  One that then overlaps an entity already kept (kept: earlier start first,
  then the longer), covers no token, or lies outside the text is left out and
  counted as `dropped`. Every token outside the entities is gold "O": an
  article is taken as fully annotated.
* Only entities: quotes and meetings have no place in a DocBin and are not
  exported. The row id is kept in `doc.user_data["id"]`.

With `dev_fraction > 0`, `out` is a folder holding `train.spacy` and
`dev.spacy`, split by article id (rows of one article, say from two
annotators, stay in one part), deterministically for a `seed` whatever the
order of the rows. The dev part holds `round(n * dev_fraction)` articles,
at least 1 and at most n - 1; splitting fewer than 2 articles is refused
(`OutputError`) and nothing is written.

Writing is atomic: the file (or the folder) is written under a temporary
name beside `out` and renamed into place; an existing `out` is replaced only
with `force` (a folder only when it holds nothing but `train.spacy` and
`dev.spacy`). One file may also go to a stream (`tui.formats.outputs`).
spaCy is imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.atomic import atomic_write_bytes, fsync_dir, temp_name
from tui.formats.errors import OutputError
from tui.formats.outputs import Target, open_output, output_target

TRAIN_NAME = "train.spacy"
DEV_NAME = "dev.spacy"
#: The token attributes stored: entity annotation only (ORTH and SPACY always are).
_ATTRS = ["ENT_IOB", "ENT_TYPE"]

TokensOf = Callable[[dict[str, Any]], Sequence[tuple[int, int]] | None]


@dataclass(frozen=True)
class DocBinResult:
    """What `write_docbin` wrote: the paths and the counts.

    `docs` = `train` + `dev`; `entities` were set on the Docs, `snapped` of them
    widened to token boundaries, and `dropped` gold entities were left out.
    Without a split, `train_path` is `out` and `dev_path` is None.
    """

    out: Path
    train_path: Path
    dev_path: Path | None
    docs: int
    train: int
    dev: int
    entities: int
    snapped: int
    dropped: int

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.train_path,) if self.dev_path is None else (self.train_path, self.dev_path)


@dataclass
class _Counts:
    entities: int = 0
    snapped: int = 0
    dropped: int = 0


def write_docbin(rows: Iterable[dict[str, Any]], out: Path | Target, *,
                 dev_fraction: float = 0.0, seed: int = 0, force: bool = False,
                 tokens_of: TokensOf | None = None,
                 guard: Callable[[Path], None] | None = None) -> DocBinResult:
    """Write the gold entities of `rows` as spaCy Docs to `out` (see the module docstring).

    `out` is a path, or (one file, no split) a `Target` its caller has checked: standard
    output, a FIFO or a device is written to directly. `guard` is called with the folder
    of a split and each file to be written in it, and raises to refuse one."""
    if not 0.0 <= dev_fraction < 1.0:
        raise ValueError(f"dev_fraction must be at least 0 and below 1, not {dev_fraction}")
    split = dev_fraction > 0.0
    target: Target | None = None
    if isinstance(out, Target):
        if split:
            raise ValueError("a train/dev split is written to a folder, not to a stream")
        target, out = out, Path(out.shown)
    out = Path(out)
    if split:
        for path in (out, out / TRAIN_NAME, out / DEV_NAME):
            if guard is not None:
                guard(path)
        _check_folder(out, force=force)
    elif target is None:
        if guard is not None:
            guard(out)
        target = output_target(out, force=force)

    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    counts = _Counts()
    docs: list[tuple[str, Any]] = []
    for number, row in enumerate(rows, 1):
        row_id = str(row.get("id", number))
        docs.append((row_id, _make_doc(nlp, row, row_id, tokens_of, counts)))

    dev_ids: frozenset[str] = frozenset()
    if split:
        dev_ids = _dev_ids([row_id for row_id, _ in docs], dev_fraction, seed, out)
    train_bin = DocBin(attrs=_ATTRS, store_user_data=True)
    dev_bin = DocBin(attrs=_ATTRS, store_user_data=True)
    for row_id, doc in docs:
        (dev_bin if row_id in dev_ids else train_bin).add(doc)

    if split:
        _write_folder(out, {TRAIN_NAME: train_bin.to_bytes(), DEV_NAME: dev_bin.to_bytes()},
                      force=force)
        train_path, dev_path = out / TRAIN_NAME, out / DEV_NAME
    else:
        assert target is not None
        with open_output(target) as handle:
            handle.write(train_bin.to_bytes())
        train_path, dev_path = out, None
    return DocBinResult(out=out, train_path=train_path, dev_path=dev_path, docs=len(docs),
                        train=len(train_bin), dev=len(dev_bin), entities=counts.entities,
                        snapped=counts.snapped, dropped=counts.dropped)


# --- Docs ----------------------------------------------------------------------------------


def _make_doc(nlp: Any, row: dict[str, Any], row_id: str, tokens_of: TokensOf | None,
              counts: _Counts) -> Any:
    text = row.get("text")
    if not isinstance(text, str):
        raise ValueError(f"row {row_id!r} has no text")
    tokens = tokens_of(row) if tokens_of is not None else None
    doc = None
    if tokens:
        doc = doc_from_tokens(nlp.vocab, text, tokens)
    if doc is None:
        doc = nlp.make_doc(text)
    doc.user_data["id"] = row_id
    doc.ents = _gold_spans(doc, row.get("entities") or [], counts)
    return doc


def doc_from_tokens(vocab: Any, text: str, tokens: Sequence[tuple[int, int]]) -> Any:
    """A Doc of `text` with the given (non-space) tokens, or None when they do not fit it.

    The text between two tokens becomes the first one's trailing space (a single
    " ") and, for anything more, a token of its own, as spaCy's tokenizer does;
    `doc.text == text` always.
    """
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []

    def gap(start: int, end: int) -> None:
        between = text[start:end]
        if not between:
            return
        if between[0] == " " and words and not spaces[-1]:
            spaces[-1] = True
            between = between[1:]
        if between:
            words.append(between)
            spaces.append(False)

    previous = 0
    for start, end in tokens:
        if not (isinstance(start, int) and isinstance(end, int)) \
                or start < previous or end <= start or end > len(text):
            return None
        gap(previous, start)
        words.append(text[start:end])
        spaces.append(False)
        previous = end
    gap(previous, len(text))
    doc = Doc(vocab, words=words, spaces=spaces)
    return doc if doc.text == text else None


def _gold_spans(doc: Any, entities: Iterable[dict[str, Any]], counts: _Counts) -> list[Any]:
    """The entities as non-overlapping token spans; counts what was snapped or dropped."""
    spans: list[tuple[Any, bool]] = []
    size = len(doc.text)
    for entity in entities:
        start, end, label = entity.get("start"), entity.get("end"), entity.get("label")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str)
                and label and 0 <= start < end <= size):
            counts.dropped += 1
            continue
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            first, last = span.start, span.end
            while first < last and doc[first].is_space:
                first += 1
            while last > first and doc[last - 1].is_space:
                last -= 1
            span = doc[first:last] if first < last else None
        if span is None:
            counts.dropped += 1
            continue
        if span.label_ != label:
            from spacy.tokens import Span

            span = Span(doc, span.start, span.end, label=label)
        spans.append((span, (span.start_char, span.end_char) != (start, end)))
    spans.sort(key=lambda pair: (pair[0].start, -pair[0].end))
    kept: list[Any] = []
    taken: set[int] = set()
    for span, snapped in spans:
        if taken.intersection(range(span.start, span.end)):
            counts.dropped += 1
            continue
        taken.update(range(span.start, span.end))
        kept.append(span)
        counts.snapped += snapped
    counts.entities += len(kept)
    return kept


# --- The split -----------------------------------------------------------------------------


def _dev_ids(ids: list[str], dev_fraction: float, seed: int, out: Path) -> frozenset[str]:
    """The article ids of the dev part: a seeded order of the distinct ids, cut."""
    distinct = sorted(set(ids))
    if len(distinct) < 2:
        raise OutputError(out, f"cannot split {len(distinct)} article(s) into train and dev: "
                               "at least 2 are needed")

    def key(row_id: str) -> tuple[str, str]:
        digest = hashlib.sha256(f"{seed}\0{row_id}".encode("utf-8", "surrogatepass"))
        return digest.hexdigest(), row_id

    ordered = sorted(distinct, key=key)
    n_dev = min(max(round(len(distinct) * dev_fraction), 1), len(distinct) - 1)
    return frozenset(ordered[:n_dev])


# --- Writing -------------------------------------------------------------------------------


def _check_folder(out: Path, *, force: bool) -> None:
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(out, f"folder {directory} does not exist")
    if out.exists() and not out.is_dir():
        raise OutputError(out, "is a file, not a folder (a train/dev split is a folder)")
    if out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name not in (TRAIN_NAME, DEV_NAME))
        if others:
            raise OutputError(out, f"is a folder holding other files ({', '.join(others)});"
                                   " not replacing it")
        if not force:
            raise OutputError(out, "already exists (use --force to replace it)")


def _write_folder(out: Path, files: dict[str, bytes], *, force: bool) -> None:
    """Write `files` into a temporary folder beside `out`, then rename it to `out`.

    An existing `out` is first renamed aside and removed once the new folder is
    in place; if the rename fails, it is put back.
    """
    tmp = temp_name(out)
    tmp.mkdir()
    try:
        for name, data in files.items():
            atomic_write_bytes(tmp / name, data)
        old: Path | None = None
        if out.exists():
            if not force:
                raise OutputError(out, "already exists (use --force to replace it)")
            old = temp_name(out)
            os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            if old is not None:
                os.replace(old, out)
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    fsync_dir(out.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
