"""doccano's JSONL formats: sequence labelling and relation extraction.

Two schemas, one article a line, offsets in code points of the text, end
exclusive (as doccano's Python backend counts them):

- Sequence labelling (`doccano_task`): `{"id", "text", "label": [[start, end,
  "LABEL"], ...], "meta"}`, the gold entities only, sorted. doccano's older
  exports call the list `"labels"`; `read_doccano` takes both.
- Relation extraction (`doccano_relation_task`): `{"id", "text", "entities":
  [{"id", "label", "start_offset", "end_offset"}], "relations": [{"id",
  "from_id", "to_id", "type"}], "meta"}`.

How the relation schema holds byline's layers:

- Every gold entity is a span with its own label (ids 1, 2, ... in entity
  order).
- A gold quote is a `QUOTE` span (its content), a `CUE` span (its cue, if
  any) with a `cue` relation QUOTE -> CUE, and a `speaker` relation QUOTE ->
  the speaker mention. The speaker mention is the gold entity with exactly
  that span where there is one, else a span labelled `SPEAKER`. Its
  `speaker_ref` is a `refers_to` relation from the speaker mention to the
  span it resolves to (again an entity span where one has those offsets, else
  a `SPEAKER` span). A `speaker_ref` equal to the speaker mention itself is a
  `refers_to` from the span to itself: without it, "resolves to itself"
  (`Kalin said`) and "unresolved" (`officials said`) would read back alike. A
  quote with a `speaker_ref` and no speaker mention has its `refers_to` from
  the QUOTE span.
- A gold meeting is a `MEETING` span (its trigger) with `participant`
  relations (in the order of its participants), a `place` and a `time`
  relation to those spans (entity spans where the offsets match, else spans
  labelled `PARTICIPANT`, `PLACE`, `MEETING_TIME`).
- Spans of one role with the same offsets are written once and shared.
- The labels above (`QUOTE`, `CUE`, `SPEAKER`, `MEETING`, `PARTICIPANT`,
  `PLACE`, `MEETING_TIME`) are reserved in the relation schema: a span with
  one of them is read as part of a quote or meeting, never as an entity.
- What the schema cannot hold is not written: a meeting's `event` and
  `date`, each decision's status and provenance. `read_doccano` numbers the
  meetings of an article `e1`, `e2`, ... (each its own event), leaves `date`
  None, and calls a quote `direct` where its content is enclosed in quote
  marks in the text, else `indirect` (`quote_kind`).

An article's id is its `id` where that is a string or an integer (checked
as every reader checks ids, `tui.core.names.clean_id`), else `STEM-LINE`;
labels and `meta.annotator` are cleaned as every reader cleans names
(`tui.core.names.clean_name`).

`read_doccano` is strict, like `tui.formats.readers`: a file that is not
UTF-8, a line that is not a JSON object, NaN or Infinity, a missing text, a
span out of range or with a boundary inside characters normalisation joins
(a CRLF, a base letter and its combining mark), a relation to an unknown id
... raise one `InputError` naming the file and line; nothing of a bad file is
returned. Texts are normalised as byline reads every text, and the spans
moved with them (`tui.formats.imported.normalised`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.core.layers import MeetingSuggestion, QuoteKind, QuoteSuggestion
from tui.core.model import Article, Span
from tui.core.names import BadName, clean_id, clean_name
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle, normalised
from tui.formats.readers import (
    MetaError,
    clean_meta,
    json_type,
    parse_json_line,
    read_text_file,
    shown_name,
    text_problem,
)

QUOTE = "QUOTE"
CUE = "CUE"
SPEAKER = "SPEAKER"
MEETING = "MEETING"
PARTICIPANT = "PARTICIPANT"
PLACE = "PLACE"
MEETING_TIME = "MEETING_TIME"
#: Labels of the relation schema that mark parts of quotes and meetings, not entities.
ROLE_LABELS: frozenset[str] = frozenset({QUOTE, CUE, SPEAKER, MEETING, PARTICIPANT, PLACE,
                                         MEETING_TIME})
#: Relation types, and the label of the span each must start from.
RELATION_TYPES: dict[str, frozenset[str]] = {
    "speaker": frozenset({QUOTE}), "cue": frozenset({QUOTE}),
    "participant": frozenset({MEETING}), "place": frozenset({MEETING}),
    "time": frozenset({MEETING}), "refers_to": frozenset(),  # from a speaker or a QUOTE
}

_OPEN_MARKS = "“„\"«‘"
_CLOSE_MARKS = "”\"»’"
_BEFORE_CLOSE = " \t\n,;:"


# ------------------------------------------------------------------ export


def doccano_task(row: dict[str, Any]) -> dict[str, Any]:
    """The sequence-labelling line of a native gold row (`tui.formats.native.gold_row`)."""
    labels = sorted([int(e["start"]), int(e["end"]), str(e["label"])] for e in row["entities"])
    return {"id": row["id"], "text": row["text"], "label": labels, "meta": dict(row["meta"])}


class _Spans:
    """The relation schema's spans, numbered as they are added, shared where they may be."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.relations: list[dict[str, Any]] = []
        self._entity: dict[tuple[int, int], int] = {}
        self._role: dict[tuple[int, int, str], int] = {}
        self._seen: set[tuple[int, int, str]] = set()

    def _add(self, start: int, end: int, label: str) -> int:
        span_id = len(self.rows) + 1
        self.rows.append({"id": span_id, "label": label, "start_offset": start,
                          "end_offset": end})
        return span_id

    def entity(self, start: int, end: int, label: str) -> None:
        span_id = self._add(start, end, label)
        self._entity.setdefault((start, end), span_id)

    def role(self, span: dict[str, Any], label: str, *, reuse: bool) -> int:
        """The id of the span for `span` in role `label`: a same-offset entity if `reuse`."""
        start, end = int(span["start"]), int(span["end"])
        if reuse and (start, end) in self._entity:
            return self._entity[(start, end)]
        key = (start, end, label)
        if key not in self._role:
            self._role[key] = self._add(start, end, label)
        return self._role[key]

    def relate(self, from_id: int, to_id: int, kind: str) -> None:
        key = (from_id, to_id, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.relations.append({"id": len(self.relations) + 1, "from_id": from_id,
                               "to_id": to_id, "type": kind})


def doccano_relation_task(row: dict[str, Any]) -> dict[str, Any]:
    """The relation-extraction line of a native gold row: entities, quotes and meetings.

    The mapping is in the module docstring.
    """
    spans = _Spans()
    for e in sorted(row["entities"], key=lambda e: (e["start"], e["end"], e["label"])):
        spans.entity(int(e["start"]), int(e["end"]), str(e["label"]))
    for quote in row.get("quotes", []):
        head = spans.role(quote["content"], QUOTE, reuse=False)
        speaker = None
        if quote.get("speaker"):
            speaker = spans.role(quote["speaker"], SPEAKER, reuse=True)
            spans.relate(head, speaker, "speaker")
        if quote.get("cue"):
            spans.relate(head, spans.role(quote["cue"], CUE, reuse=False), "cue")
        if quote.get("speaker_ref"):
            ref = spans.role(quote["speaker_ref"], SPEAKER, reuse=True)
            spans.relate(head if speaker is None else speaker, ref, "refers_to")
    for meeting in row.get("meetings", []):
        head = spans.role(meeting["trigger"], MEETING, reuse=False)
        for participant in meeting.get("participants") or []:
            spans.relate(head, spans.role(participant, PARTICIPANT, reuse=True), "participant")
        if meeting.get("place"):
            spans.relate(head, spans.role(meeting["place"], PLACE, reuse=True), "place")
        if meeting.get("time"):
            spans.relate(head, spans.role(meeting["time"], MEETING_TIME, reuse=True), "time")
    return {"id": row["id"], "text": row["text"], "entities": spans.rows,
            "relations": spans.relations, "meta": dict(row["meta"])}


def quote_kind(text: str, content: Span) -> QuoteKind:
    """`direct` where `content` is enclosed in quote marks in `text`, else `indirect`.

    Whitespace may separate the content from its marks, and `,` `;` `:` may
    stand before the closing mark ("“We agreed,” he said").
    """
    before = content.start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    after = content.end
    while after < len(text) and text[after] in _BEFORE_CLOSE:
        after += 1
    opened = (before > 0 and text[before - 1] in _OPEN_MARKS) or (
        text[content.start] in _OPEN_MARKS)
    closed = (after < len(text) and text[after] in _CLOSE_MARKS) or (
        text[content.end - 1] in _CLOSE_MARKS and content.end - content.start > 1)
    return "direct" if opened and closed else "indirect"


# ------------------------------------------------------------------ import


def read_doccano(path: Path) -> list[ImportedArticle]:
    """The articles of a doccano JSONL file of either schema; raises `InputError`."""
    path = Path(path)
    content = read_text_file(path)
    lines = content.split("\n")
    truncated = not content.endswith("\n")
    stem = shown_name(path.stem)
    found: list[ImportedArticle] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj = parse_json_line(path, line, number, truncated and number == len(lines))

        def fail(reason: str, number: int = number) -> InputError:
            return InputError(shown_name(path), reason, number)

        article = _read_line(obj, number, stem, shown_name(path), fail)
        if article.article.id in first_line:
            raise fail(f"duplicate id {article.article.id!r} "
                       f"(first on line {first_line[article.article.id]})")
        first_line[article.article.id] = number
        found.append(article)
    return found


_Fail = Callable[[str], InputError]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_line(obj: Any, number: int, stem: str, source: str, fail: _Fail) -> ImportedArticle:
    if not isinstance(obj, dict):
        raise fail(f"not a JSON object ({json_type(obj)})")
    text = obj.get("text")
    if text is None:
        raise fail('missing "text"')
    problem = text_problem(text)
    if problem is not None:
        raise fail(problem)
    raw_id = obj.get("id")
    raw_meta = obj.get("meta")
    try:
        # doccano's own ids are numbers; an id of another type is not an article id
        keep = isinstance(raw_id, str | int) and not isinstance(raw_id, bool)
        article_id = clean_id(raw_id) if keep else f"{stem}-{number}"
        raw_annotator = raw_meta.get("annotator") if isinstance(raw_meta, dict) else None
        annotator = (None if raw_annotator is None
                     else clean_name(raw_annotator, '"meta.annotator"'))
    except BadName as error:
        raise fail(str(error)) from None
    try:
        meta = clean_meta(raw_meta) if isinstance(raw_meta, dict) else {}
    except MetaError as error:
        raise fail(str(error)) from None
    meta.setdefault("source", source)
    if "entities" in obj or "relations" in obj:
        spans, relations = _relation_spans(obj, fail)
    else:
        spans, relations = _label_spans(obj, fail), []
    for start, end, _, label in spans:
        if not 0 <= start < end <= len(text):
            raise fail(f"span {start}-{end} ({label}) is outside the text "
                       f"(length {len(text)}) or empty")
    labelled = [(start, end, str(i)) for i, (start, end, _, _) in enumerate(spans)]
    try:
        new_text, moved = normalised(text, labelled)
    except ValueError as error:
        raise fail(str(error)) from None
    where = {int(key): Span(start, end) for start, end, key in moved}
    relation_schema = "entities" in obj or "relations" in obj
    entities: list[tuple[int, int, str]] = []
    roles: dict[int, tuple[Span, str]] = {}
    span_of: dict[int, Span] = {}
    for i, (_, _, span_id, label) in enumerate(spans):
        if relation_schema:
            span_of[span_id] = where[i]
        if relation_schema and label in ROLE_LABELS:
            roles[span_id] = (where[i], label)
        else:
            entities.append((where[i].start, where[i].end, label))
    quotes, meetings = _layers(new_text, span_of, roles, relations, fail)
    return ImportedArticle(
        article=Article(id=article_id, text=new_text, meta=meta),
        entities=tuple(sorted(entities)), line=number,
        annotator=annotator,
        quotes=quotes, meetings=meetings)


def _check_offsets(start: Any, end: Any, where: str, fail: _Fail) -> tuple[int, int]:
    if not (_is_int(start) and _is_int(end)):
        raise fail(f"{where}: offsets must be integers, not {_brief(start)} and {_brief(end)}")
    return int(start), int(end)


def _label_spans(obj: dict[str, Any], fail: _Fail) -> list[tuple[int, int, Any, str]]:
    key = "label" if "label" in obj else "labels"
    raw = obj.get(key, [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise fail(f'"{key}" must be an array, not {json_type(raw)}')
    spans: list[tuple[int, int, Any, str]] = []
    for n, item in enumerate(raw, start=1):
        where = f'"{key}" item {n}'
        if not (isinstance(item, list) and len(item) == 3):
            raise fail(f"{where} must be [start, end, \"LABEL\"], not {_brief(item)}")
        start, end = _check_offsets(item[0], item[1], where, fail)
        spans.append((start, end, None, _clean_label(item[2], fail, where)))
    return spans


def _clean_label(label: Any, fail: _Fail, where: str) -> str:
    """The label as every reader keeps labels (`tui.core.names.clean_name`)."""
    try:
        return clean_name(label, f"{where}: label")
    except BadName as error:
        raise fail(str(error)) from None


def _brief(value: Any) -> str:
    """`value` in a message: its JSON, cut short (repr escapes every control character)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def _relation_spans(obj: dict[str, Any], fail: _Fail
                    ) -> tuple[list[tuple[int, int, Any, str]], list[tuple[int, int, str, int]]]:
    raw = obj.get("entities", [])
    raw_relations = obj.get("relations", [])
    raw = [] if raw is None else raw
    raw_relations = [] if raw_relations is None else raw_relations
    for key, value in (("entities", raw), ("relations", raw_relations)):
        if not isinstance(value, list):
            raise fail(f'"{key}" must be an array, not {json_type(value)}')
    spans: list[tuple[int, int, Any, str]] = []
    seen: set[int] = set()
    for n, item in enumerate(raw, start=1):
        where = f'"entities" item {n}'
        if not isinstance(item, dict):
            raise fail(f"{where} must be an object, not {json_type(item)}")
        for key in ("id", "label", "start_offset", "end_offset"):
            if key not in item:
                raise fail(f'{where} has no "{key}"')
        span_id, label = item["id"], item["label"]
        if not _is_int(span_id):
            raise fail(f'{where}: "id" must be an integer, not {_brief(span_id)}')
        if span_id in seen:
            raise fail(f"{where}: duplicate entity id {span_id}")
        seen.add(span_id)
        label = _clean_label(label, fail, where)
        start, end = _check_offsets(item["start_offset"], item["end_offset"], where, fail)
        spans.append((start, end, span_id, label))
    labels = {span_id: label for _, _, span_id, label in spans}
    relations: list[tuple[int, int, str, int]] = []
    for n, item in enumerate(raw_relations, start=1):
        where = f'"relations" item {n}'
        if not isinstance(item, dict):
            raise fail(f"{where} must be an object, not {json_type(item)}")
        for key in ("from_id", "to_id", "type"):
            if key not in item:
                raise fail(f'{where} has no "{key}"')
        from_id, to_id, kind = item["from_id"], item["to_id"], item["type"]
        for end_id in (from_id, to_id):
            if not _is_int(end_id) or end_id not in labels:
                raise fail(f"{where} ({_brief(kind)}) refers to unknown entity id "
                           f"{_brief(end_id)}")
        if not isinstance(kind, str) or kind not in RELATION_TYPES:
            raise fail(f"{where}: unknown relation type {_brief(kind)} "
                       f"(expected one of {', '.join(sorted(RELATION_TYPES))})")
        allowed = RELATION_TYPES[kind]
        if allowed and labels[from_id] not in allowed:
            raise fail(f"{where}: a {_brief(kind)} relation must start from a "
                       f"{'/'.join(sorted(allowed))} span, not {labels[from_id]}")
        if kind != "refers_to" and labels[to_id] in (QUOTE, MEETING):
            raise fail(f"{where}: a {_brief(kind)} relation cannot point at a "
                       f"{labels[to_id]} span")
        relations.append((from_id, to_id, kind, n))
    return spans, relations


def _layers(text: str, span_of: dict[int, Span],
            roles: dict[int, tuple[Span, str]], relations: list[tuple[int, int, str, int]],
            fail: _Fail) -> tuple[tuple[QuoteSuggestion, ...], tuple[MeetingSuggestion, ...]]:
    out: dict[int, dict[str, list[int]]] = {}
    for from_id, to_id, kind, _ in relations:
        out.setdefault(from_id, {}).setdefault(kind, []).append(to_id)
    used = {to_id for _, to_id, _, _ in relations} | {f for f, _, _, _ in relations}

    def one(head: int, kind: str, what: str) -> Span | None:
        targets = out.get(head, {}).get(kind, [])
        if len(targets) > 1:
            raise fail(f"{what} span {head} has {len(targets)} {kind!r} relations (at most 1)")
        return span_of[targets[0]] if targets else None

    def one_id(head: int, kind: str, what: str) -> int | None:
        targets = out.get(head, {}).get(kind, [])
        if len(targets) > 1:
            raise fail(f"{what} span {head} has {len(targets)} {kind!r} relations (at most 1)")
        return targets[0] if targets else None

    quotes: list[QuoteSuggestion] = []
    meetings: list[MeetingSuggestion] = []
    heads = sorted(((span, span_id, label) for span_id, (span, label) in roles.items()
                    if label in (QUOTE, MEETING)), key=lambda h: (h[0].start, h[0].end, h[1]))
    for span, span_id, label in heads:
        if label == QUOTE:
            speaker_id = one_id(span_id, "speaker", QUOTE)
            ref = one(span_id, "refers_to", QUOTE)
            if speaker_id is not None:
                if ref is not None:
                    raise fail(f"QUOTE span {span_id} has a 'refers_to' relation and a speaker")
                ref = one(speaker_id, "refers_to", "speaker")
            quotes.append(QuoteSuggestion(
                content=span, speaker=None if speaker_id is None else span_of[speaker_id],
                cue=one(span_id, "cue", QUOTE), speaker_ref=ref, kind=quote_kind(text, span)))
        else:
            participants = tuple(span_of[t] for t in out.get(span_id, {}).get("participant", []))
            meetings.append(MeetingSuggestion(
                trigger=span, participants=participants, place=one(span_id, "place", MEETING),
                time=one(span_id, "time", MEETING), date=None, event=f"e{len(meetings) + 1}"))
    for span_id, (_, label) in roles.items():
        if label not in (QUOTE, MEETING) and span_id not in used:
            raise fail(f"span {span_id} labelled {label} is in no relation "
                       f"(a label reserved for quotes and meetings)")
    return tuple(quotes), tuple(meetings)
