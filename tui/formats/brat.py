"""brat standoff (https://brat.nlplab.org/standoff.html) from native gold rows (DESIGN.md §2).

One article (and annotator) becomes `NAME.txt`, exactly the row's `text`, and
`NAME.ann`, its annotations; `annotation.conf` declares every type, role and
attribute used, `visual.conf` colours them, and `manifest.jsonl` maps each
NAME back to the article id, annotator and meta (brat lists only `.txt`).

The mapping:

- an entity is `T1<TAB>LABEL START END<TAB>TEXT`; a label is made a brat type
  name (`brat_name`: `[A-Za-z0-9_-]`, never one of the layer or event types
  below), and where that changed it the original is kept in a note
  (`#1<TAB>AnnotatorNotes T1<TAB>{"label": "WORK OF ART"}`);
- a quote is an `Attribution` event with the roles `Source` (the speaker
  mention), `Cue`, `Content` and `SpeakerRef` (the named mention the speaker
  resolves to), its kind an attribute (`A1<TAB>Kind E1 direct`);
- a meeting is a `Meet` event on its trigger with the roles `Participant`,
  `Participant2`, ... (brat's numbering of a repeated role), `Place` and
  `Time`; its `event` id and `date` go in a note on the event
  (`#2<TAB>AnnotatorNotes E2<TAB>{"event": "e1", "date": "2025-10-21"}`).

Triggers: brat events need one, a text-bound annotation typed with the event
type. A quote's trigger is its cue; a quote without a cue is anchored on its
content (an `Attribution` span over the quoted words), so the trigger is only
an anchor: read the `Cue` role to know whether the quote has a cue. A meeting
without a trigger would be anchored on its first participant, place or time.

Arguments: where a `Source`, `SpeakerRef`, `Participant`, `Place` or `Time`
span is exactly an entity's span, the role points at that entity's `T` (a
participant that is also a PERSON stays one PERSON annotation); otherwise
the span gets a `T` of the role's own type (`Source`, `Mention`,
`Participant`, `Place`, `Time`). `Cue` and `Content` always have their own
types. The same span and type is written once and its `T` id reused.
annotation.conf allows exactly these types for each role.

Text-bound annotations cannot cross a line in brat, so a span over a line
break is written as discontinuous fragments split there (`T3<TAB>Content 10
20;21 40<TAB>first line second line`, the fragments' texts joined by a space
as brat does). Every character `str.splitlines` breaks at counts as a line
break (brat reads `.ann` files that way), and a span of nothing but line
breaks is left out. Offsets are code points of the `.txt`, which is written
as UTF-8 without newline translation, so they hold.

Only decided annotations are exported: an item whose `status` is `rejected`
or `suggested` is left out (gold rows should not hold any).

Nothing here imports the UI or spaCy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.atomic import atomic_write_text, fsync_dir
from tui.formats.errors import OutputError

ATTRIBUTION = "Attribution"
MEET = "Meet"
#: brat event types (and the types of their trigger spans).
EVENT_TYPES: tuple[str, ...] = (ATTRIBUTION, MEET)

SOURCE = "Source"
CUE = "Cue"
CONTENT = "Content"
MENTION = "Mention"
PARTICIPANT = "Participant"
PLACE = "Place"
TIME = "Time"
#: Text-bound types of the quote and meeting layers.
LAYER_TYPES: tuple[str, ...] = (SOURCE, CUE, CONTENT, MENTION, PARTICIPANT, PLACE, TIME)

KIND = "Kind"
NOTES = "AnnotatorNotes"
#: The kinds of quote the `Kind` attribute always declares.
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect")

CONF_NAME = "annotation.conf"
VISUAL_NAME = "visual.conf"
MANIFEST_NAME = "manifest.jsonl"

_RESERVED = frozenset(EVENT_TYPES + LAYER_TYPES)
_LEFT_OUT = frozenset({"rejected", "suggested"})
# Runs of text between line breaks: every character str.splitlines breaks at.
_PIECE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")

Frags = tuple[tuple[int, int], ...]


def brat_name(value: str) -> str:
    """`value` as brat wants a type or attribute value: only `[A-Za-z0-9_-]`.

    Spaces become `_` (as brat does: `WORK OF ART` is `WORK_OF_ART`). A value
    that needs more than that (other characters, accents, nothing left, only
    hyphens, or one of the layer or event types) keeps what it can, `_` for
    the rest, plus `_` and 6 hex digits of its SHA-256, so that distinct
    labels stay distinct: `Ünïcödé` is `Unicode_…`, `人物` is `label_…`.
    """
    spaced = value.replace(" ", "_")
    if _NOT_NAME.search(spaced) is None and spaced.strip("-") and spaced not in _RESERVED:
        return spaced
    ascii_form = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    base = _NOT_NAME.sub("_", ascii_form)
    if not base.strip("_-"):
        base = "label"
    return f"{base}_{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:6]}"


def fragments(text: str, start: int, end: int) -> Frags:
    """The pieces of `start:end` between line breaks, as brat fragments (maybe none)."""
    return tuple((m.start(), m.end()) for m in _PIECE.finditer(text, start, end))


@dataclass
class BratDocument:
    """The `.ann` of one row, and the entity types and quote kinds it uses."""

    ann: str
    entity_types: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)


class _Builder:
    """Numbers and writes the annotations of one row."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        text = row.get("text")
        if not isinstance(text, str):
            raise ValueError(f"article {row.get('id')!r}: its text is not a string")
        self.text = text
        self.article = row.get("id")
        self.textbounds: list[str] = []
        self.events: list[str] = []
        self.attributes: list[str] = []
        self.notes: list[str] = []
        self.tb_ids: dict[tuple[Frags, str], str] = {}
        self.entity_at: dict[tuple[int, int], str] = {}
        self.entity_types: set[str] = set()
        self.kinds: set[str] = set()
        self.labelled: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ spans

    def span(self, value: Any, what: str) -> tuple[int, int] | None:
        """(start, end) of a native span dict, checked against the text; None for null."""
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ValueError(f"article {self.article!r}: {what} is not a span")
        start, end = value.get("start"), value.get("end")
        if (not isinstance(start, int) or not isinstance(end, int)
                or isinstance(start, bool) or isinstance(end, bool)):
            raise ValueError(f"article {self.article!r}: {what} has no integer start and end")
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"article {self.article!r}: {what} at {start}-{end} is outside "
                             f"the text ({len(self.text)} characters) or empty")
        if "text" in value and value["text"] != self.text[start:end]:
            raise ValueError(f"article {self.article!r}: {what} at {start}-{end} does not "
                             "match the text there (a stale record?)")
        return start, end

    def textbound(self, span: tuple[int, int] | None, type_: str) -> str | None:
        """The id of the `T` of this span and type, written on first use (None: no text)."""
        if span is None:
            return None
        frags = fragments(self.text, *span)
        if not frags:
            return None
        key = (frags, type_)
        tid = self.tb_ids.get(key)
        if tid is None:
            tid = f"T{len(self.tb_ids) + 1}"
            self.tb_ids[key] = tid
            offsets = ";".join(f"{s} {e}" for s, e in frags)
            covered = " ".join(self.text[s:e] for s, e in frags)
            self.textbounds.append(f"{tid}\t{type_} {offsets}\t{covered}\n")
        return tid

    def argument(self, span: tuple[int, int] | None, own_type: str) -> str | None:
        """The entity `T` with exactly this span, else a `T` of the role's own type."""
        if span is not None and span in self.entity_at:
            return self.entity_at[span]
        return self.textbound(span, own_type)

    def note(self, target: str, data: Mapping[str, Any]) -> None:
        """An AnnotatorNotes line; JSON with ASCII escapes keeps it on one line."""
        body = json.dumps(dict(data), ensure_ascii=True, sort_keys=True)
        self.notes.append(f"#{len(self.notes) + 1}\t{NOTES} {target}\t{body}\n")

    def event(self, type_: str, trigger: str, args: Sequence[tuple[str, str]]) -> str:
        eid = f"E{len(self.events) + 1}"
        parts = [f"{type_}:{trigger}", *(f"{role}:{tid}" for role, tid in args)]
        self.events.append(f"{eid}\t{' '.join(parts)}\n")
        return eid

    # ------------------------------------------------------------ layers

    def entities(self, items: Iterable[Any]) -> None:
        spans: list[tuple[int, int, str]] = []
        for n, item in enumerate(items):
            if not _kept(item):
                continue
            span = self.span(item, f"entity {n}")
            assert span is not None
            spans.append((*span, str(item.get("label", ""))))
        for start, end, label in sorted(spans):
            type_ = brat_name(label)
            tid = self.textbound((start, end), type_)
            if tid is None:
                continue
            self.entity_types.add(type_)
            self.entity_at.setdefault((start, end), tid)
            if type_ != label and (tid, label) not in self.labelled:
                self.labelled.add((tid, label))
                self.note(tid, {"label": label})

    def quotes(self, quotes: Iterable[Any]) -> None:
        for n, quote in enumerate(quotes):
            if not isinstance(quote, Mapping):
                raise ValueError(f"article {self.article!r}: quote {n} is not an object")
            if not _kept(quote):
                continue
            content = self.span(quote.get("content"), f"quote {n} content")
            speaker = self.span(quote.get("speaker"), f"quote {n} speaker")
            cue = self.span(quote.get("cue"), f"quote {n} cue")
            ref = self.span(quote.get("speaker_ref"), f"quote {n} speaker_ref")
            content_id = self.textbound(content, CONTENT)
            if content_id is None:
                continue  # a quote of no words has nothing to show
            trigger = self.textbound(cue, ATTRIBUTION) or self.textbound(content, ATTRIBUTION)
            assert trigger is not None
            args: list[tuple[str, str]] = []
            for role, tid in ((SOURCE, self.argument(speaker, SOURCE)),
                              (CUE, self.textbound(cue, CUE)),
                              (CONTENT, content_id),
                              ("SpeakerRef", self.argument(ref, MENTION))):
                if tid is not None:
                    args.append((role, tid))
            eid = self.event(ATTRIBUTION, trigger, args)
            kind = quote.get("kind")
            if isinstance(kind, str) and kind:
                value = brat_name(kind)
                self.kinds.add(value)
                self.attributes.append(f"A{len(self.attributes) + 1}\t{KIND} {eid} {value}\n")

    def meetings(self, meetings: Iterable[Any]) -> None:
        for n, meeting in enumerate(meetings):
            if not isinstance(meeting, Mapping):
                raise ValueError(f"article {self.article!r}: meeting {n} is not an object")
            if not _kept(meeting):
                continue
            trigger_span = self.span(meeting.get("trigger"), f"meeting {n} trigger")
            people = meeting.get("participants") or []
            if not isinstance(people, list):
                raise ValueError(f"article {self.article!r}: meeting {n} participants "
                                 "is not a list")
            participants = [self.span(p, f"meeting {n} participant {i}")
                            for i, p in enumerate(people)]
            place = self.span(meeting.get("place"), f"meeting {n} place")
            time = self.span(meeting.get("time"), f"meeting {n} time")
            trigger = None
            for anchor in (trigger_span, *participants, place, time):
                trigger = self.textbound(anchor, MEET)
                if trigger is not None:
                    break
            if trigger is None:
                continue  # nothing of it is in the text
            args: list[tuple[str, str]] = []
            seen: set[str] = set()
            for span in participants:
                tid = self.argument(span, PARTICIPANT)
                if tid is not None and tid not in seen:
                    seen.add(tid)
                    args.append((_numbered(PARTICIPANT, len(seen)), tid))
            for role, span in ((PLACE, place), (TIME, time)):
                tid = self.argument(span, role)
                if tid is not None:
                    args.append((role, tid))
            eid = self.event(MEET, trigger, args)
            extra = {key: meeting[key] for key in ("event", "date")
                     if meeting.get(key) not in (None, "")}
            if extra:
                self.note(eid, extra)

    def ann(self) -> str:
        return "".join(self.textbounds + self.events + self.attributes + self.notes)


def _kept(item: Any) -> bool:
    return not (isinstance(item, Mapping) and item.get("status") in _LEFT_OUT)


def _numbered(role: str, n: int) -> str:
    """brat's name for the n-th argument of a repeated role: Role, Role2, Role3, ..."""
    return role if n == 1 else f"{role}{n}"


def _list(row: Mapping[str, Any], key: str) -> list[Any]:
    value = row.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"article {row.get('id')!r}: {key} is not a list")
    return value


def brat_document(row: Mapping[str, Any]) -> BratDocument:
    """The `.ann` of one native gold row, with the types and kinds it uses.

    Raises ValueError (one line) for a span outside the text or not matching it.
    """
    builder = _Builder(row)
    builder.entities(_list(row, "entities"))
    builder.quotes(_list(row, "quotes"))
    builder.meetings(_list(row, "meetings"))
    return BratDocument(builder.ann(), builder.entity_types, builder.kinds)


def brat_ann(row: Mapping[str, Any]) -> str:
    """The text of the `.ann` file of one native gold row."""
    return brat_document(row).ann


def brat_conf(entity_types: Iterable[str] = (), kinds: Iterable[str] = ()) -> str:
    """annotation.conf declaring the layer types, `entity_types`, the events and `Kind`."""
    labels = sorted(set(entity_types) - _RESERVED)
    values = [*QUOTE_KINDS, *sorted(set(kinds) - set(QUOTE_KINDS))]

    def one_of(own: str) -> str:
        return "|".join([own, *labels])

    lines = [
        "# brat configuration written by `byline export --format brat`.",
        "[entities]",
        *labels,
        *(["-" * 40] if labels else []),
        *LAYER_TYPES,
        "",
        "[relations]",
        "# (none)",
        "",
        "[events]",
        f"{ATTRIBUTION}\tSource?:{one_of(SOURCE)}, Cue?:{CUE}, Content:{CONTENT}, "
        f"SpeakerRef?:{one_of(MENTION)}",
        f"{MEET}\tParticipant*:{one_of(PARTICIPANT)}, Place?:{one_of(PLACE)}, "
        f"Time?:{one_of(TIME)}",
        "",
        "[attributes]",
        f"{KIND}\tArg:{ATTRIBUTION}, Value:{'|'.join(values)}",
        "",
    ]
    return "\n".join(lines)


def brat_visual_conf() -> str:
    """visual.conf: short labels and colours for the layer and event types."""
    colours = {ATTRIBUTION: "#ffd479", MEET: "#ff9ec7", SOURCE: "#a6d8ff", CUE: "#fff1b3",
               CONTENT: "#e6e6e6", MENTION: "#cfe8ff", PARTICIPANT: "#c6f0c2",
               PLACE: "#b8e6e0", TIME: "#e3d4ff"}
    return "\n".join([
        "[labels]",
        f"{ATTRIBUTION} | Attribution | Attr",
        f"{MEET} | Meet",
        "SpeakerRef | Speaker ref | Ref",
        f"{PARTICIPANT} | Participant | Part",
        "",
        "[drawing]",
        "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
        "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
        *(f"{name}\tbgColor:{colour}" for name, colour in colours.items()),
        "",
    ])


# ---------------------------------------------------------------- file names


def _slug(value: str, limit: int) -> str:
    ascii_form = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NOT_NAME.sub("_", ascii_form).strip("_-")[:limit].strip("_-")


def _digest(*parts: str | None) -> str:
    raw = json.dumps(list(parts), ensure_ascii=True)
    return hashlib.sha256(raw.encode("ascii")).hexdigest()[:10]


def file_names(keys: Sequence[tuple[str, str | None]]) -> list[str]:
    """A safe, unique file name (no extension) for each `(article id, annotator)`.

    The name is the id made safe (ASCII letters, digits, `_` and `-`, at most
    60 characters, `article` if nothing is left), then `__` and the annotator
    where several keys share the id, then `-` and 10 hex digits of a SHA-256
    of the id (and annotator): `doha-3f1c...`, `doha__maria-9b2e...`. Names
    are unique even on a case-insensitive file system.
    """
    shared = Counter(article_id for article_id, _ in keys)
    names: list[str] = []
    used: set[str] = set()
    for article_id, annotator in keys:
        stem = _slug(article_id, 60) or "article"
        if shared[article_id] > 1:
            stem += "__" + (_slug(annotator or "", 30) or "anonymous")
            digest = _digest(article_id, annotator)
        else:
            digest = _digest(article_id)
        name = f"{stem}-{digest}"
        n = 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{digest}-{n}"
        used.add(name.lower())
        names.append(name)
    return names


# ---------------------------------------------------------------- writing


def write_brat(rows: Iterable[Mapping[str, Any]], out_dir: Path | str, force: bool = False,
               *, guard: Callable[[Path], None] | None = None) -> int:
    """Write `rows` as a brat collection in the folder `out_dir`; return how many.

    A missing `out_dir` is made (its parent must exist) and appears complete,
    at once: everything is written to a hidden folder beside it, renamed into
    place at the end. An existing empty folder, or a non-empty one with
    `force`, is filled file by file, each file replaced atomically; files of
    other names in it are left alone. A non-empty folder without `force`, or a
    file in the way, is an OutputError before anything is written; `guard` is
    called with the folder and with every file about to be written into it, and
    raises (an OutputError) to refuse one (a file of a gold store: see
    `tui.commands.outputs`), before anything is moved. A bad row is a ValueError
    and leaves `out_dir` as it was.
    """
    shown = Path(out_dir)
    target = Path(os.path.abspath(shown))
    if guard is not None:
        guard(shown)
    try:
        exists = _check_target(shown, target, force)
        if exists:
            staging = target / f".byline-brat.{secrets.token_hex(6)}.tmp"
        else:
            staging = target.parent / f".{target.name or 'brat'}.{secrets.token_hex(6)}.tmp"
        os.mkdir(staging)
    except OSError as error:
        raise OutputError(shown, error.strerror or str(error)) from None
    try:
        count = _write_collection(rows, staging)
        if exists:
            _merge(shown, staging, target, force, guard)
        else:
            os.rename(staging, target)
            fsync_dir(target.parent)
        return count
    except OSError as error:
        raise OutputError(shown, error.strerror or str(error)) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _check_target(shown: Path, target: Path, force: bool) -> bool:
    """Whether `target` exists as a folder; OutputError where it must not be written."""
    if target.exists() and not target.is_dir():
        raise OutputError(shown, "is a file, not a folder (brat writes a folder of files)")
    if target.is_dir():
        if not force and any(target.iterdir()):
            raise OutputError(shown, "is a folder that is not empty "
                                     "(use --force to write into it)")
        return True
    if not target.parent.is_dir():
        raise OutputError(shown, f"folder {target.parent} does not exist")
    return False


def _write_collection(rows: Iterable[Mapping[str, Any]], staging: Path) -> int:
    keys: list[tuple[str, str | None]] = []
    metas: list[Any] = []
    entity_types: set[str] = set()
    kinds: set[str] = set()
    for index, row in enumerate(rows):
        document = brat_document(row)
        entity_types |= document.entity_types
        kinds |= document.kinds
        atomic_write_text(staging / f"{index}.txt", row["text"])
        atomic_write_text(staging / f"{index}.ann", document.ann)
        meta = row.get("meta")
        annotator = meta.get("annotator") if isinstance(meta, Mapping) else None
        keys.append((str(row.get("id", "")), annotator if isinstance(annotator, str) else None))
        metas.append(meta)
    names = file_names(keys)
    for index, name in enumerate(names):
        for ext in ("txt", "ann"):
            os.rename(staging / f"{index}.{ext}", staging / f"{name}.{ext}")
    manifest = "".join(
        json.dumps({"name": name, "id": article_id, "annotator": annotator, "meta": meta},
                   ensure_ascii=False, allow_nan=False) + "\n"
        for name, (article_id, annotator), meta in zip(names, keys, metas, strict=True))
    atomic_write_text(staging / MANIFEST_NAME, manifest)
    atomic_write_text(staging / CONF_NAME, brat_conf(entity_types, kinds))
    atomic_write_text(staging / VISUAL_NAME, brat_visual_conf())
    return len(names)


def _merge(shown: Path, staging: Path, target: Path, force: bool,
           guard: Callable[[Path], None] | None) -> None:
    """Move the staged files into the existing folder `target`, each by an atomic rename."""
    names = sorted(p.name for p in staging.iterdir())
    if not force and any(p != staging for p in target.iterdir()):
        raise OutputError(shown, "is a folder that is not empty "
                                 "(use --force to write into it)")
    for name in names:
        dest = target / name
        if guard is not None:
            guard(shown / name)
        if dest.is_dir() and not dest.is_symlink():
            raise OutputError(dest, "is a folder: cannot replace it by a file")
    # The .conf files last: a collection is only usable once they are there.
    for name in sorted(names, key=lambda n: n in (CONF_NAME, VISUAL_NAME)):
        os.replace(staging / name, target / name)
    fsync_dir(target)
    with contextlib.suppress(OSError):
        os.rmdir(staging)
