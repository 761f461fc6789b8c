"""`byline import`: articles and the spans marked on them, from another tool's file into
the gold store, as one annotator's gold decisions or as a model's suggestions.

Everything is read and checked before anything is written: a bad record stops
the import with its file and line named, and the store is untouched. The
writing itself is all or nothing: the whole import is one batch of the store
(`GoldStore.batch`), so a full disk, an error or a crash half-way leaves the
store as it was, and the same import can simply be run again.
Suggestions are stored under the model spec `import:NAME`; open the app with
`--model import:NAME` to review them as byline's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tui.commands.outputs import check_store_path
from tui.core.layers import LayerItem
from tui.core.model import EntityItem, EntitySuggestion, ModelInfo, Status, Suggestions
from tui.core.tokens import simple_tokens
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle
from tui.formats.readers import shown_name
from tui.store.gold import GoldStore, StoreError

#: The formats `byline import` reads, the default first.
IMPORT_FORMATS: tuple[str, ...] = ("native", "prodigy", "doccano", "labelstudio")
#: What imported spans become.
IMPORT_AS: tuple[str, ...] = ("gold", "suggestions")


def _reader(fmt: str, as_: str) -> Callable[[Path], list[ImportedArticle]]:
    if fmt == "native":
        from tui.formats.native_in import read_native
        return read_native
    if fmt == "prodigy":
        from tui.formats.prodigy_in import read_prodigy
        return read_prodigy
    if fmt == "doccano":
        from tui.formats.doccano import read_doccano
        return read_doccano
    if fmt == "labelstudio":  # a task's predictions are suggestions, its annotations gold
        from tui.formats.labelstudio import read_labelstudio
        return partial(read_labelstudio, predictions=as_ == "suggestions")
    raise ValueError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})")


def read_imported(paths: Sequence[Path], fmt: str,
                  as_: str = "gold") -> tuple[list[ImportedArticle], int]:
    """Every record of `paths` in format `fmt` to import as `as_`, and how many the files
    hold that are not to be imported (Prodigy's rejected and ignored tasks). An article id
    twice is an error naming both places (for gold, the same id and annotator twice)."""
    reader = _reader(fmt, as_)
    per_annotator = as_ == "gold"
    skipped = 0
    found: list[ImportedArticle] = []
    first: dict[tuple[str, str | None], tuple[Path, int | None]] = {}
    for path in paths:
        read = reader(path)
        skipped += int(getattr(read, "skipped_count", 0))
        for item in read:
            key = (item.article.id, item.annotator if per_annotator else None)
            if key in first:
                where, line = first[key]
                at = f"{shown_name(where)}:{line}" if line is not None else shown_name(where)
                raise InputError(shown_name(path), f"duplicate id {key[0]!r} (first at {at})",
                                 item.line)
            first.setdefault(key, (path, item.line))
            found.append(item)
    return found, skipped


def run_import(paths: Sequence[Path], fmt: str, as_: str, db: Path, annotator: str,
               model_name: str, warn: Callable[[str], None] | None = None
               ) -> tuple[int, int, int]:
    """Import `paths` into the store `db`; return (articles, spans) written and how many
    records were left out (rejected or ignored in the file).

    Raises `InputError` (a bad file), `StoreError` (the store) or ValueError
    (bad options), in every case with nothing imported. Once the import is in
    (its batch committed), a compaction that fails as the store closes (a full
    disk) loses nothing: the journal holds it all, the next open compacts, and
    `warn` is told.
    """
    if as_ not in IMPORT_AS:
        raise ValueError(f"--as must be one of {', '.join(IMPORT_AS)}, not {as_!r}")
    check_store_path(db, inputs=paths)  # a store index, never another store file or an input
    items, skipped = read_imported(paths, fmt, as_)
    if not items:
        raise InputError(shown_name(paths[0]), "nothing to import")
    store = GoldStore.open(db)
    try:
        if as_ == "gold":
            for item in items:
                who = item.annotator or annotator
                if store.annotation(item.article.id, who) is not None:
                    raise StoreError(f"{db}: {who} already has decisions on article "
                                     f"{item.article.id!r}; nothing was imported")
        model = ModelInfo(name=model_name, version="", spec=f"import:{model_name}")
        try:
            spans = _write(store, items, as_, annotator, model)
        except StoreError as error:
            raise StoreError(f"{error}; nothing was imported (an import is all or nothing: "
                             f"run it again)") from None
    except BaseException:
        store.close_quietly()
        raise
    try:
        store.close()
    except StoreError as error:
        if warn is not None:
            warn(f"the import is in the store, but {error}; byline finishes the compaction "
                 f"when it next opens the store")
    return len(items), spans, skipped


def _write(store: GoldStore, items: list[ImportedArticle], as_: str, annotator: str,
           model: ModelInfo) -> int:
    """Write every item in one batch of the store; return how many spans."""
    spans = 0
    with store.batch():
        for item in items:
            store.put_article(item.article)
            if as_ == "suggestions":
                store.put_suggestions(item.article.id, _suggestions(item, model))
            else:
                who = item.annotator or annotator
                store.save_items(item.article.id, who, item.article.text_hash,
                                 _gold_items(item, who))
            spans += len(item.entities) + len(item.quotes) + len(item.meetings)
    return spans


def _suggestions(item: ImportedArticle, model: ModelInfo) -> Suggestions:
    text = item.article.text
    return Suggestions(model=model, text_hash=item.article.text_hash,
                       entities=tuple(EntitySuggestion(s, e, label)
                                      for s, e, label in item.entities),
                       tokens=tuple(simple_tokens(text)), quotes=item.quotes,
                       meetings=item.meetings)


def _gold_items(item: ImportedArticle, who: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    changes: dict[str, Any] = {}
    for n, (start, end, label) in enumerate(item.entities, 1):
        entity = EntityItem(id=f"a:{n}", start=start, end=end, label=label,
                            status=Status.ADDED, annotator=who, time=now)
        changes[entity.id] = entity
    for prefix, values in (("q", item.quotes), ("m", item.meetings)):
        for n, value in enumerate(values, 1):
            layer: LayerItem[Any] = LayerItem(id=f"{prefix}:a:{n}", value=value,
                                              status=Status.ADDED, annotator=who, time=now)
            changes[layer.id] = layer
    return changes
