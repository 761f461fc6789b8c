"""One shard of the gold store: the articles, cached suggestions and annotations of
the article ids that hash to it, and the small index entry that describes it.

A shard's tables are laid out as TinyDB lays them out (`articles`,
`suggestions`, `annotations`; documents keyed by a numeric id), so a shard file
opens with `tinydb.TinyDB(path)`. `ShardState.apply` is the one place a
journal step changes a shard, used both for a live change and for replay.
`ShardIndex` is what the store keeps in memory for a shard it has not loaded:
which articles, suggestion runs and annotations it holds, with their counts.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from tui.core.model import Status
from tui.store.validate import Invalid, check_article, check_item, check_suggestions, check_text

__all__ = ["ANNOTATIONS", "ARTICLES", "SUGGESTIONS", "TABLES", "AnnotationSummary", "Doc",
           "Invalid", "ShardIndex", "ShardState", "Table", "distribute", "get", "item_status",
           "shard_name", "shard_of", "step_article"]

ARTICLES: Final = "articles"
SUGGESTIONS: Final = "suggestions"
ANNOTATIONS: Final = "annotations"
TABLES: Final = (ARTICLES, SUGGESTIONS, ANNOTATIONS)

_DECIDED: Final = frozenset(status.value for status in Status if status.is_decided)
ENTITIES: Final = "entities"

Doc = dict[str, Any]
Table = dict[str, Doc]


def shard_of(article_id: str, shards: int) -> int:
    """The shard an article id belongs to (stable across runs and machines)."""
    return zlib.crc32(article_id.encode("utf-8", "surrogatepass")) % shards


def shard_name(number: int) -> str:
    """The file name of shard `number`."""
    return f"{number:04x}.json"


def get(doc: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """`doc[key]`, checked to be a `kind` (raises `Invalid`)."""
    if not isinstance(doc, dict):
        raise Invalid(f"expected an object, found {type(doc).__name__}")
    if key not in doc:
        raise Invalid(f"no {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"{key!r} has the wrong type ({type(value).__name__})")
    return value


def item_status(item: Doc) -> tuple[str, str]:
    """The status and layer of a stored item already checked (`check_item`)."""
    return item["status"], item.get("layer", ENTITIES)


@dataclass
class Tally:
    """Decided items of one annotation by layer (entities: `decided`, of them `added`)."""

    decided: int = 0
    added: int = 0
    quotes: int = 0
    meetings: int = 0

    def count(self, status_layer: tuple[str, str], sign: int) -> None:
        status, layer = status_layer
        if status not in _DECIDED:
            return
        if layer == "quotes":
            self.quotes += sign
        elif layer == "meetings":
            self.meetings += sign
        else:
            self.decided += sign
            if status == Status.ADDED.value:
                self.added += sign


@dataclass(frozen=True, slots=True)
class AnnotationSummary:
    """One annotator's progress on one article, for the library screen.

    `decided` and `added` count entities; `quotes` and `meetings` the decided
    items of those layers.
    """

    text_hash: str
    decided: int
    added: int
    done: bool
    updated: str | None
    quotes: int = 0
    meetings: int = 0


@dataclass
class ShardIndex:
    """What the store knows of a shard without loading it.

    `sha256`, `size` and `seq` are those of the shard file as last written
    (None for a shard that has never been written): `seq` is the number of the
    last journal step the compaction that wrote it had taken in.
    """

    articles: set[tuple[str, str]] = field(default_factory=set)
    suggestions: dict[tuple[str, str], dict[str, tuple[int, int]]] = field(default_factory=dict)
    annotations: dict[tuple[str, str], AnnotationSummary] = field(default_factory=dict)
    sha256: str | None = None
    size: int | None = None
    seq: int | None = None
    #: `to_doc` as last made or read (None once anything above changes: see `changed`).
    doc: Doc | None = field(default=None, compare=False, repr=False)

    def changed(self) -> None:
        """Say that the entry changed, so that `to_doc` makes its document again."""
        self.doc = None

    def __bool__(self) -> bool:
        return bool(self.articles or self.suggestions or self.annotations)

    def to_doc(self, number: int) -> Doc:
        """The index table document for this shard (compact lists, not objects); kept
        until `changed`, so that a compaction remakes only the changed shards' documents."""
        if self.doc is None:
            self.doc = self._make_doc(number)
        return self.doc

    def _make_doc(self, number: int) -> Doc:
        return {
            "shard": number, "sha256": self.sha256, "size": self.size, "seq": self.seq,
            "articles": sorted([a, h] for a, h in self.articles),
            "suggestions": sorted([a, h, spec, seq, count]
                                  for (a, h), by_spec in self.suggestions.items()
                                  for spec, (seq, count) in by_spec.items()),
            "annotations": sorted([a, who, s.text_hash, s.done, s.updated, s.decided, s.added,
                                   s.quotes, s.meetings]
                                  for (who, a), s in self.annotations.items()),
        }

    @staticmethod
    def from_doc(doc: Any) -> tuple[int, ShardIndex]:
        """Read an index document (raises `Invalid`)."""
        number = get(doc, "shard", int)
        seq = doc.get("seq")
        index = ShardIndex(sha256=doc.get("sha256"), size=doc.get("size"),
                           seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None)
        try:
            for article_id, text_hash in get(doc, "articles", list):
                index.articles.add((str(article_id), str(text_hash)))
            for article_id, text_hash, spec, seq, count in get(doc, "suggestions", list):
                index.suggestions.setdefault((article_id, text_hash), {})[spec] = (seq, count)
            for row in get(doc, "annotations", list):
                article_id, who, text_hash, done, updated, decided, added, quotes, meets = row
                index.annotations[(who, article_id)] = AnnotationSummary(
                    text_hash, decided, added, done, updated, quotes, meets)
        except (TypeError, ValueError) as error:
            raise Invalid(f"index entry of shard {number}: {error}") from None
        index.doc = doc
        return number, index


class ShardState:
    """A loaded shard: its tables exactly as TinyDB lays them out, plus indices.

    `tables` is what a compaction writes; the indices point at the same documents.
    """

    def __init__(self, tables: dict[str, Any], *, deep: bool = False) -> None:
        """Check the shape of every table and document and build the indices (raises
        `Invalid`). A checksum proves who wrote a file, not that what it holds is well
        formed, so every article and annotation item is checked (`tui.store.validate`).
        A cached suggestion run is checked in full when it is read (`suggestion_data`),
        or here when `deep` (the doctor)."""
        self.tables: dict[str, Table] = {name: tables.get(name, {}) for name in TABLES}
        self.articles: dict[tuple[str, str], Doc] = {}
        self.suggestions: dict[tuple[str, str], dict[str, Doc]] = {}
        self.annotations: dict[str, dict[str, Doc]] = {}
        self._tallies: dict[tuple[str, str], Tally] = {}
        self.next_id: dict[str, int] = {}
        self._index(deep)

    @staticmethod
    def empty() -> ShardState:
        return ShardState({name: {} for name in TABLES})

    def _index(self, deep: bool) -> None:
        for name in TABLES:
            table = self.tables[name]
            if not isinstance(table, dict):
                raise Invalid(f"table {name} is not an object")
            top = 0
            for doc_id, doc in table.items():
                if not doc_id.isdigit() or not isinstance(doc, dict):
                    raise Invalid(f"table {name}: document {doc_id!r} is not a TinyDB document")
                top = max(top, int(doc_id))
            self.next_id[name] = top + 1
        for doc_id, doc in self.tables[ARTICLES].items():
            check_article(doc)
            key = (doc["id"], doc["text_hash"])
            if key in self.articles:
                raise Invalid(f"table articles: document {doc_id} repeats article {key[0]!r}")
            self.articles[key] = doc
        for doc_id, doc in self.tables[SUGGESTIONS].items():
            key = (get(doc, "article_id", str), get(doc, "text_hash", str))
            spec = get(doc, "model_spec", str)
            get(doc, "seq", int)
            data = get(doc, "data", dict)
            if deep:
                check_suggestions(data, self.text_size(*key))
            elif data.get("entities").__class__ is not list:
                raise Invalid(f"table suggestions: document {doc_id} has no entities list")
            by_spec = self.suggestions.setdefault(key, {})
            if spec in by_spec:
                raise Invalid(f"table suggestions: document {doc_id} repeats a cache entry")
            by_spec[spec] = doc
        for doc_id, doc in self.tables[ANNOTATIONS].items():
            article_id = check_text(get(doc, "article_id", str), "an article id")
            annotator = check_text(get(doc, "annotator", str), "an annotator name")
            text_hash = get(doc, "text_hash", str)
            get(doc, "done", bool)
            get(doc, "updated", (str, type(None)))
            by_article = self.annotations.setdefault(annotator, {})
            if article_id in by_article:
                raise Invalid(f"table annotations: document {doc_id} repeats "
                              f"({article_id!r}, {annotator!r})")
            by_article[article_id] = doc
            size = self.text_size(article_id, text_hash)
            for item_id, item in get(doc, "items", dict).items():
                check_item(item_id, item, size)

    def suggestion_data(self, key: tuple[str, str], spec: str) -> dict[str, Any]:
        """The data of the cached suggestion run `spec` for `key` (article id, text
        hash), checked in full (raises `Invalid`)."""
        data: dict[str, Any] = self.suggestions[key][spec]["data"]
        check_suggestions(data, self.text_size(*key))
        return data

    def text_size(self, article_id: str, text_hash: str) -> int | None:
        """The length of the article text spans of this id and hash point into (None
        where the shard does not hold it)."""
        doc = self.articles.get((article_id, text_hash))
        return None if doc is None else len(doc["text"])

    def tally(self, annotator: str, article_id: str) -> Tally:
        """The counts of one annotation (worked out on first use, then kept up to date)."""
        key = (annotator, article_id)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = Tally()
            for item in self.annotations[annotator][article_id]["items"].values():
                tally.count(item_status(item), +1)
        return tally

    def records(self) -> int:
        """How many annotation records the shard holds."""
        return sum(len(by_article) for by_article in self.annotations.values())

    # ---- what the index says of it

    def summary(self, annotator: str, article_id: str) -> AnnotationSummary:
        doc = self.annotations[annotator][article_id]
        tally = self.tally(annotator, article_id)
        return AnnotationSummary(text_hash=doc["text_hash"], decided=tally.decided,
                                 added=tally.added, done=doc["done"], updated=doc["updated"],
                                 quotes=tally.quotes, meetings=tally.meetings)

    def index(self) -> ShardIndex:
        """This shard's index entry, computed from its contents."""
        index = ShardIndex(articles=set(self.articles))
        for key, by_spec in self.suggestions.items():
            index.suggestions[key] = {spec: (doc["seq"], len(doc["data"].get("entities", ())))
                                      for spec, doc in by_spec.items()}
        for annotator, by_article in self.annotations.items():
            for article_id in by_article:
                index.annotations[(annotator, article_id)] = self.summary(annotator, article_id)
        return index

    # ---- steps

    def check(self, step: Doc) -> None:
        """Raise `Invalid` unless `step` is a well-formed journal step for this shard."""
        op = get(step, "op", str)
        if op in ("items", "done"):
            check_text(get(step, "article_id", str), "an article id")
            check_text(get(step, "annotator", str), "an annotator name")
            text_hash = get(step, "text_hash", str)
            get(step, "updated", str)
            if op == "done":
                get(step, "done", bool)
                return
            size = self.text_size(step["article_id"], text_hash)
            for item_id, item in get(step, "changes", dict).items():
                if item is not None:
                    check_item(item_id, item, size)
        elif op == "article":
            check_article({"id": step.get("id"), "text": step.get("text"),
                           "meta": step.get("meta"), "text_hash": step.get("text_hash")})
        elif op == "suggestions":
            key = (get(step, "article_id", str), get(step, "text_hash", str))
            check_text(key[0], "an article id")
            get(step, "model_spec", str)
            get(step, "seq", int)
            check_suggestions(get(step, "data", dict), self.text_size(*key))
        else:
            raise Invalid(f"unknown step {op!r}")

    def apply(self, step: Doc, index: ShardIndex) -> None:
        """Apply one journal step and bring `index` up to date (raises `Invalid`, before
        changing anything, if the step is malformed)."""
        self.check(step)
        self.apply_checked(step, index)

    def apply_checked(self, step: Doc, index: ShardIndex) -> None:
        """Apply a step `check` has passed."""
        op = step["op"]
        if op == "items":
            self._apply_items(step, index)
        elif op == "done":
            doc = self._annotation_doc(step)
            doc["done"] = step["done"]
            self._summarise(doc, index)
        elif op == "article":
            self._apply_article(step, index)
        else:
            self._apply_suggestions(step, index)

    def _summarise(self, doc: Doc, index: ShardIndex) -> None:
        annotator, article_id = doc["annotator"], doc["article_id"]
        index.annotations[(annotator, article_id)] = self.summary(annotator, article_id)

    def _insert(self, table: str, doc: Doc) -> None:
        doc_id = self.next_id[table]
        self.next_id[table] = doc_id + 1
        self.tables[table][str(doc_id)] = doc

    def _annotation_doc(self, step: Doc) -> Doc:
        article_id, annotator = step["article_id"], step["annotator"]
        text_hash, updated = step["text_hash"], step["updated"]
        by_article = self.annotations.setdefault(annotator, {})
        doc = by_article.get(article_id)
        if doc is None:
            doc = {"article_id": article_id, "annotator": annotator, "text_hash": text_hash,
                   "items": {}, "done": False, "updated": updated}
            self._insert(ANNOTATIONS, doc)
            by_article[article_id] = doc
        doc["text_hash"] = text_hash
        doc["updated"] = updated
        return doc

    def _apply_items(self, step: Doc, index: ShardIndex) -> None:
        changes = step["changes"]
        doc = self._annotation_doc(step)
        items: dict[str, Doc] = doc["items"]
        tally = self.tally(doc["annotator"], doc["article_id"])
        for item_id, item in changes.items():
            old = items.pop(item_id, None)
            if old is not None:
                tally.count(item_status(old), -1)
            if item is not None:
                items[item_id] = item
                tally.count(item_status(item), +1)
        self._summarise(doc, index)

    def _apply_article(self, step: Doc, index: ShardIndex) -> None:
        doc = {"id": step["id"], "text": step["text"], "meta": step["meta"],
               "text_hash": step["text_hash"]}
        key = (doc["id"], doc["text_hash"])
        old = self.articles.get(key)
        if old is None:
            self._insert(ARTICLES, doc)
            self.articles[key] = doc
        else:
            old.update(doc)
        index.articles.add(key)

    def _apply_suggestions(self, step: Doc, index: ShardIndex) -> None:
        key = (step["article_id"], step["text_hash"])
        spec, seq, data = step["model_spec"], step["seq"], step["data"]
        doc = {"article_id": key[0], "text_hash": key[1], "model_spec": spec, "seq": seq,
               "data": data}
        by_spec = self.suggestions.setdefault(key, {})
        old = by_spec.get(spec)
        if old is None:
            self._insert(SUGGESTIONS, doc)
            by_spec[spec] = doc
        else:
            old.update(doc)
        index.suggestions.setdefault(key, {})[spec] = (seq, len(data.get("entities", ())))


def step_article(step: Doc) -> str:
    """The article id a journal step is about (raises `Invalid`)."""
    if get(step, "op", str) == "article":
        return str(get(step, "id", str))
    return str(get(step, "article_id", str))


def distribute(tables: dict[str, Any], shards: int) -> dict[int, dict[str, Table]]:
    """Split whole-store tables (schema 1) into per-shard tables, keeping document ids."""
    out: dict[int, dict[str, Table]] = {}
    keys = {ARTICLES: "id", SUGGESTIONS: "article_id", ANNOTATIONS: "article_id"}
    for name, key in keys.items():
        for doc_id, doc in get(tables, name, dict).items():
            number = shard_of(get(doc, key, str), shards)
            shard = out.setdefault(number, {n: {} for n in TABLES})
            shard[name][doc_id] = doc
    return out


def all_summaries(indices: Iterable[ShardIndex]) -> Iterable[tuple[tuple[str, str],
                                                                  AnnotationSummary]]:
    """Every (annotator, article id) and its summary across shards."""
    for index in indices:
        yield from index.annotations.items()
