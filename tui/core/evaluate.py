"""Scoring predicted annotations against gold ones: precision, recall and F1 per layer.

Both sides are native JSONL rows (DESIGN.md §2), matched by `id`. A gold
article with no predicted row counts as predicted empty: everything in it is
missed. Predicted rows whose id is not in the gold are ignored (and counted).

- Entities: exact span and label, per label and overall. Only the labels the
  gold uses anywhere are scored (a gold set that annotates PERSON, ORG and GPE
  says nothing about a model's DATE); `labels` overrides that choice.
- Quotes: a predicted quote matches a gold quote when its content overlaps at
  least 80% of the gold content (`QUOTE_OVERLAP`); matching is one-to-one and
  greedy, best overlap first. Scored for all quotes (kind ignored), and for
  direct and indirect quotes separately (gold and predicted of that kind only).
- Speaker attribution: accuracy over the quote pairs matched above. An
  attributed gold quote (speaker or speaker_ref given) is right when the
  predicted speaker or speaker_ref overlaps the gold speaker or speaker_ref;
  an unattributed gold quote (neither given) is right only when the
  prediction gives neither either.
- Meetings: triggers match when they overlap (one-to-one, greedy). Over the
  matched trigger pairs: participants (one-to-one overlap), place and time
  (overlap), and the resolved `date` (equal strings). A role missing on both
  sides counts nothing; a predicted value that misses the gold one is both a
  false positive and a false negative.

Pure Python: no spaCy, Rich or Textual here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Span
from tui.core.names import clean_id, clean_name, type_name
from tui.core.native_values import meeting_of, offset, quote_of

#: The share of the gold quote content a predicted content must cover to match it.
QUOTE_OVERLAP = 0.8

T = TypeVar("T")


# ------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class Score:
    """True positives, false positives and false negatives, with P/R/F1 (None when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def support(self) -> int:
        """The number of gold items."""
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        predicted = self.tp + self.fp
        return self.tp / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN); 1.0 when there is nothing to find and nothing was found."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class Accuracy:
    """How many of `total` cases were right."""

    correct: int = 0
    total: int = 0

    def __add__(self, other: Accuracy) -> Accuracy:
        return Accuracy(self.correct + other.correct, self.total + other.total)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report: a layer, a label or role, and its figures."""

    layer: str
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    accuracy: float | None
    support: int
    tp: int
    fp: int
    fn: int

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "label": self.label, "precision": self.precision,
                "recall": self.recall, "f1": self.f1, "accuracy": self.accuracy,
                "support": self.support, "tp": self.tp, "fp": self.fp, "fn": self.fn}


def score_row(layer: str, label: str, score: Score) -> Row:
    return Row(layer, label, score.precision, score.recall, score.f1, None, score.support,
               score.tp, score.fp, score.fn)


def accuracy_row(layer: str, label: str, accuracy: Accuracy) -> Row:
    return Row(layer, label, None, None, None, accuracy.accuracy, accuracy.total,
               accuracy.correct, 0, accuracy.total - accuracy.correct)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every figure of one evaluation."""

    articles: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    entities: Mapping[str, Score]
    quotes: Score
    direct_quotes: Score
    indirect_quotes: Score
    speakers: Accuracy
    triggers: Score
    participants: Score
    place: Score
    time: Score
    date: Score

    @property
    def entities_overall(self) -> Score:
        total = Score()
        for score in self.entities.values():
            total = total + score
        return total

    def rows(self) -> list[Row]:
        """The report, one row per layer and label or role, in a fixed order."""
        rows = [score_row("entities", label, self.entities[label])
                for label in sorted(self.entities)]
        rows.append(score_row("entities", "overall", self.entities_overall))
        rows += [
            score_row("quotes", "all", self.quotes),
            score_row("quotes", "direct", self.direct_quotes),
            score_row("quotes", "indirect", self.indirect_quotes),
            accuracy_row("speakers", "accuracy", self.speakers),
            score_row("meetings", "trigger", self.triggers),
            score_row("meetings", "participants", self.participants),
            score_row("meetings", "place", self.place),
            score_row("meetings", "time", self.time),
            score_row("meetings", "date", self.date),
        ]
        return rows

    def to_json(self) -> dict[str, Any]:
        return {"articles": self.articles, "missing": list(self.missing),
                "extra": list(self.extra), "rows": [row.to_json() for row in self.rows()]}


# ---------------------------------------------------------------- the input


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class Annotations:
    """The layers of one native JSONL row, typed."""

    id: str
    entities: tuple[Entity, ...] = ()
    quotes: tuple[QuoteSuggestion, ...] = ()
    meetings: tuple[MeetingSuggestion, ...] = ()


def parse_row(row: Any) -> Annotations:
    """The annotations of a native JSONL row; raises ValueError naming what is wrong.

    Strict about types (`tui.core.native_values`); ids and labels are checked
    and cleaned as every reader does (`tui.core.names`).
    """
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    if row.get("id") is None:
        raise ValueError('missing or invalid "id" (a string or an integer)')
    article_id = clean_id(row["id"])
    entities: list[Entity] = []
    quotes: list[QuoteSuggestion] = []
    meetings: list[MeetingSuggestion] = []
    for key in ("entities", "quotes", "meetings"):
        if not isinstance(row.get(key, []), list):
            raise ValueError(f'"{key}" must be an array')
    where = ""
    try:
        for n, item in enumerate(row.get("entities", [])):
            where = f"entities[{n}]"
            if not isinstance(item, dict):
                raise ValueError(f"an entity must be an object, not {type_name(item)}")
            entities.append(Entity(offset(item["start"], "start"), offset(item["end"], "end"),
                                   clean_name(item["label"], '"label"')))
        for n, item in enumerate(row.get("quotes", [])):
            where = f"quotes[{n}]"
            quotes.append(quote_of(item))
        for n, item in enumerate(row.get("meetings", [])):
            where = f"meetings[{n}]"
            meetings.append(meeting_of(item))
    except KeyError as error:
        raise ValueError(f"{where}: missing {error}") from None
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return Annotations(article_id, tuple(entities), tuple(quotes), tuple(meetings))


# ----------------------------------------------------------------- matching


def overlap(a: Span, b: Span) -> int:
    """The number of code points `a` and `b` share."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def spans_overlap(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and (
        overlap(a, b) > 0 or (a.start == b.start and a.end == b.end))


def quote_match(gold: Span, pred: Span) -> float:
    """The share of `gold` that `pred` covers (an empty gold span: 1.0 when equal)."""
    length = gold.end - gold.start
    if length <= 0:
        return 1.0 if (gold.start, gold.end) == (pred.start, pred.end) else 0.0
    return overlap(gold, pred) / length


def greedy_match(gold: Sequence[T], pred: Sequence[T],
                 strength: Callable[[T, T], float],
                 threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs `(gold index, pred index)`, strongest first, each at least `threshold`.

    Ties go to the earlier gold item, then the earlier prediction.
    """
    candidates = [(strength(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)]
    candidates = [c for c in candidates if c[0] >= threshold and c[0] > 0]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, j in candidates:
        if i in used_gold or j in used_pred:
            continue
        used_gold.add(i)
        used_pred.add(j)
        pairs.append((i, j))
    return sorted(pairs)


def _span_overlap_strength(a: Span, b: Span) -> float:
    return float(overlap(a, b)) if spans_overlap(a, b) else 0.0


def _counts(matched: int, gold: int, pred: int) -> Score:
    return Score(matched, pred - matched, gold - matched)


def _compare(gold: T | None, pred: T | None, same: Callable[[T, T], bool]) -> Score:
    """One optional value against another: both absent scores nothing."""
    if gold is None and pred is None:
        return Score()
    if gold is None:
        return Score(fp=1)
    if pred is None:
        return Score(fn=1)
    return Score(tp=1) if same(gold, pred) else Score(fp=1, fn=1)


def _role(gold: Span | None, pred: Span | None) -> Score:
    return _compare(gold, pred, spans_overlap)


def _date(gold: str | None, pred: str | None) -> Score:
    return _compare(gold, pred, str.__eq__)


def _attributed(quote: QuoteSuggestion) -> bool:
    return quote.speaker is not None or quote.speaker_ref is not None


def speaker_correct(gold: QuoteSuggestion, pred: QuoteSuggestion) -> bool:
    """Whether `pred` attributes `gold`'s content to the right speaker (see the module doc)."""
    if not _attributed(gold):
        return not _attributed(pred)
    return any(spans_overlap(g, p) for g in (gold.speaker, gold.speaker_ref)
               for p in (pred.speaker, pred.speaker_ref))


# --------------------------------------------------------------- evaluation


@dataclass
class _Totals:
    entities: Counter[tuple[str, str]] = field(default_factory=Counter)
    quotes: Score = Score()
    direct: Score = Score()
    indirect: Score = Score()
    speakers: Accuracy = Accuracy()
    triggers: Score = Score()
    participants: Score = Score()
    place: Score = Score()
    time: Score = Score()
    date: Score = Score()


def _quote_score(gold: Sequence[QuoteSuggestion], pred: Sequence[QuoteSuggestion]) -> tuple[
        Score, list[tuple[int, int]]]:
    pairs = greedy_match(gold, pred, lambda g, p: quote_match(g.content, p.content),
                         QUOTE_OVERLAP)
    return _counts(len(pairs), len(gold), len(pred)), pairs


def _add_article(totals: _Totals, gold: Annotations, pred: Annotations,
                 labels: frozenset[str]) -> None:
    gold_entities = Counter((e.start, e.end, e.label) for e in gold.entities
                            if e.label in labels)
    pred_entities = Counter((e.start, e.end, e.label) for e in pred.entities
                            if e.label in labels)
    for key, n in gold_entities.items():
        hit = min(n, pred_entities.get(key, 0))
        totals.entities[(key[2], "tp")] += hit
        totals.entities[(key[2], "fn")] += n - hit
    for key, n in pred_entities.items():
        totals.entities[(key[2], "fp")] += n - min(n, gold_entities.get(key, 0))

    score, pairs = _quote_score(gold.quotes, pred.quotes)
    totals.quotes = totals.quotes + score
    for i, j in pairs:
        right = speaker_correct(gold.quotes[i], pred.quotes[j])
        totals.speakers = totals.speakers + Accuracy(int(right), 1)
    for kind in ("direct", "indirect"):
        of_kind, _ = _quote_score([q for q in gold.quotes if q.kind == kind],
                                  [q for q in pred.quotes if q.kind == kind])
        if kind == "direct":
            totals.direct = totals.direct + of_kind
        else:
            totals.indirect = totals.indirect + of_kind

    pairs = greedy_match(gold.meetings, pred.meetings,
                         lambda g, p: _span_overlap_strength(g.trigger, p.trigger), 0.0)
    totals.triggers = totals.triggers + _counts(len(pairs), len(gold.meetings),
                                                len(pred.meetings))
    for i, j in pairs:
        g, p = gold.meetings[i], pred.meetings[j]
        matched = greedy_match(g.participants, p.participants, _span_overlap_strength, 0.0)
        totals.participants = totals.participants + _counts(
            len(matched), len(g.participants), len(p.participants))
        totals.place = totals.place + _role(g.place, p.place)
        totals.time = totals.time + _role(g.time, p.time)
        totals.date = totals.date + _date(g.date, p.date)


def evaluate(gold: Iterable[Annotations], pred: Iterable[Annotations],
             labels: Iterable[str] | None = None) -> Evaluation:
    """Score `pred` against `gold`, articles matched by id (see the module doc)."""
    gold_rows = list(gold)
    predicted = {row.id: row for row in pred}
    label_set = (frozenset(labels) if labels is not None
                 else frozenset(e.label for row in gold_rows for e in row.entities))
    totals = _Totals()
    missing: list[str] = []
    for row in gold_rows:
        found = predicted.get(row.id)
        if found is None:
            missing.append(row.id)
            found = Annotations(row.id)
        _add_article(totals, row, found, label_set)
    gold_ids = {row.id for row in gold_rows}
    extra = tuple(sorted(i for i in predicted if i not in gold_ids))
    entities = {label: Score(totals.entities[(label, "tp")], totals.entities[(label, "fp")],
                             totals.entities[(label, "fn")])
                for label in sorted(label_set)}
    return Evaluation(articles=len(gold_rows), missing=tuple(missing), extra=extra,
                      entities=entities, quotes=totals.quotes, direct_quotes=totals.direct,
                      indirect_quotes=totals.indirect, speakers=totals.speakers,
                      triggers=totals.triggers, participants=totals.participants,
                      place=totals.place, time=totals.time, date=totals.date)


def format_rows(rows: Sequence[Row]) -> list[str]:
    """The rows as aligned plain-text lines, a header first; `-` where a figure is undefined."""

    def figure(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    header = ("layer", "label", "precision", "recall", "f1", "accuracy", "support",
              "tp", "fp", "fn")
    table = [header] + [
        (r.layer, r.label, figure(r.precision), figure(r.recall), figure(r.f1),
         figure(r.accuracy), str(r.support), str(r.tp), str(r.fp), str(r.fn))
        for r in rows]
    widths = [max(len(line[k]) for line in table) for k in range(len(header))]
    lines = []
    for line in table:
        cells = [line[k].ljust(widths[k]) if k < 2 else line[k].rjust(widths[k])
                 for k in range(len(header))]
        lines.append("  ".join(cells).rstrip())
    return lines
