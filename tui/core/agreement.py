"""Inter-annotator agreement: how far two annotators' gold data on the same texts agree.

Only gold items count (status `accepted`, `corrected` or `added`: see
`Status.is_gold`). Two annotators are compared on the articles both annotated
with the same text: an annotation record is keyed by article id and text hash,
so an article only one of them annotated, or that they annotated on different
versions of its text, is skipped (and counted). For each pair, over all
shared articles (micro-averaged: counts are summed first, then the figures
computed):

- entities: F1 of exact span-and-label matches (a multiset: a duplicate
  counts once per copy). F1 is symmetric, so which annotator is the
  reference does not matter;
- tokens: Cohen's kappa over the article's tokens (the cached model's tokens
  where given, else `simple_tokens`), each token labelled with the gold
  entity overlapping it, or "O" (where an annotator's entities overlap each
  other, the longest wins, then the earliest, then the label's order), pooled
  over every token of every shared article. kappa = (po - pe) / (1 - pe);
  undefined (None) when there are no tokens or pe == 1 (both annotators gave
  every token one and the same label, so chance explains all agreement);
- quotes: F1 of the quote contents matched one-to-one with the rule of
  `tui.core.evaluate` (the second annotator's content covers at least 80% of
  the first's). That rule is not symmetric: the first annotator of the pair
  (the first in sorted order) is the reference;
- speakers: among the matched quotes, the share whose speakers agree by
  `tui.core.evaluate.speaker_correct` (overlapping speaker or speaker_ref, or
  both unattributed; this rule is symmetric);
- meetings: F1 of the triggers matched one-to-one by overlap, and F1 of the
  participants over the matched meetings, a participant matching only the
  same span exactly (a multiset, as for entities): "Qatar" and "Qatar's emir"
  are two different participants, however much they overlap.

Every F1 and share is None where it is undefined (nothing on either side).

Pure Python: no spaCy, Rich or Textual here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from tui.core.evaluate import (
    QUOTE_OVERLAP,
    Accuracy,
    Entity,
    Score,
    greedy_match,
    overlap,
    quote_match,
    spans_overlap,
    speaker_correct,
)
from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, Span
from tui.core.tokens import TokenIndex, simple_tokens

#: The label of a token no gold entity covers.
OUTSIDE = "O"

Tokens = Sequence[tuple[int, int]]


# ---------------------------------------------------------------- the input


@dataclass(frozen=True, slots=True)
class GoldAnnotations:
    """One annotator's gold items on one article text."""

    entities: tuple[Entity, ...] = ()
    quotes: tuple[QuoteSuggestion, ...] = ()
    meetings: tuple[MeetingSuggestion, ...] = ()


def gold_of(record: AnnotationRecord) -> GoldAnnotations:
    """The gold items of a record (rejected and undecided items left out), in a stable order."""
    entities = sorted((Entity(item.start, item.end, item.label)
                       for item in record.items.values() if item.status.is_gold),
                      key=lambda e: (e.start, e.end, e.label))
    quotes = [item.value for _, item in sorted(record.quotes.items())
              if item.status.is_gold]
    meetings = [item.value for _, item in sorted(record.meetings.items())
                if item.status.is_gold]
    quotes.sort(key=lambda q: (q.content.start, q.content.end))
    meetings.sort(key=lambda m: (m.trigger.start, m.trigger.end))
    return GoldAnnotations(tuple(entities), tuple(quotes), tuple(meetings))


# ------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class TokenAgreement:
    """Token labels of two annotators: how many agree, of how many, and each one's label counts."""

    agree: int = 0
    total: int = 0
    first: Mapping[str, int] = field(default_factory=dict)
    second: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: TokenAgreement) -> TokenAgreement:
        return TokenAgreement(self.agree + other.agree, self.total + other.total,
                              dict(Counter(self.first) + Counter(other.first)),
                              dict(Counter(self.second) + Counter(other.second)))

    @property
    def observed(self) -> float | None:
        """po: the share of tokens given the same label."""
        return self.agree / self.total if self.total else None

    @property
    def expected(self) -> float | None:
        """pe: the agreement expected by chance from each annotator's label frequencies."""
        if not self.total:
            return None
        return self._chance() / (self.total * self.total)

    def _chance(self) -> int:
        return sum(n * self.second.get(label, 0) for label, n in self.first.items())

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa, (po - pe) / (1 - pe); None with no tokens or where pe == 1.

        Computed on the integer counts, so pe == 1 is found exactly.
        """
        squared = self.total * self.total
        chance = self._chance()
        if not self.total or chance == squared:
            return None
        return (self.total * self.agree - chance) / (squared - chance)


@dataclass(frozen=True, slots=True)
class Counts:
    """The counts of one or more articles compared, from which every figure is computed."""

    entities: Score = field(default_factory=Score)
    tokens: TokenAgreement = field(default_factory=TokenAgreement)
    quotes: Score = field(default_factory=Score)
    speakers: Accuracy = field(default_factory=Accuracy)
    triggers: Score = field(default_factory=Score)
    participants: Score = field(default_factory=Score)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.entities + other.entities, self.tokens + other.tokens,
                      self.quotes + other.quotes, self.speakers + other.speakers,
                      self.triggers + other.triggers, self.participants + other.participants)

    @property
    def entity_f1(self) -> float | None:
        return self.entities.f1

    @property
    def kappa(self) -> float | None:
        return self.tokens.kappa

    @property
    def quote_f1(self) -> float | None:
        return self.quotes.f1

    @property
    def speaker_agreement(self) -> float | None:
        return self.speakers.accuracy

    @property
    def meeting_f1(self) -> float | None:
        return self.triggers.f1

    @property
    def participant_f1(self) -> float | None:
        return self.participants.f1

    def figures(self) -> dict[str, float | None]:
        """The six figures by name, in the order of the report."""
        return {"entity_f1": self.entity_f1, "token_kappa": self.kappa,
                "quote_f1": self.quote_f1, "speaker_agreement": self.speaker_agreement,
                "meeting_f1": self.meeting_f1, "participant_f1": self.participant_f1}


def _score_json(score: Score) -> dict[str, int]:
    return {"tp": score.tp, "fp": score.fp, "fn": score.fn}


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """The agreement of two annotators over the articles both annotated.

    `articles` is how many shared articles were compared; `only_first` and
    `only_second` the articles just one of them annotated; `text_differs` the
    articles both annotated on different texts (same id, different text hash);
    `no_text` shared articles skipped because their text was not available.
    """

    first: str
    second: str
    articles: int
    only_first: int
    only_second: int
    text_differs: int
    no_text: int
    counts: Counts

    @property
    def skipped(self) -> int:
        return self.only_first + self.only_second + self.text_differs + self.no_text

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "first": self.first, "second": self.second, "articles": self.articles,
            "skipped": {"only_first": self.only_first, "only_second": self.only_second,
                        "text_differs": self.text_differs, "no_text": self.no_text},
            **c.figures(),
            "counts": {
                "entities": _score_json(c.entities),
                "tokens": {"agree": c.tokens.agree, "total": c.tokens.total,
                           "observed": c.tokens.observed, "expected": c.tokens.expected},
                "quotes": _score_json(c.quotes),
                "speakers": {"agree": c.speakers.correct, "total": c.speakers.total},
                "meetings": _score_json(c.triggers),
                "participants": _score_json(c.participants),
            },
        }


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Every annotator, and one `PairAgreement` per pair of them (in sorted order)."""

    annotators: tuple[str, ...]
    pairs: tuple[PairAgreement, ...]

    def to_json(self) -> dict[str, Any]:
        return {"annotators": list(self.annotators),
                "pairs": [pair.to_json() for pair in self.pairs]}


# ---------------------------------------------------------------- comparing


def _entity_score(first: Sequence[Entity], second: Sequence[Entity]) -> Score:
    a = Counter((e.start, e.end, e.label) for e in first)
    b = Counter((e.start, e.end, e.label) for e in second)
    tp = sum((a & b).values())
    return Score(tp, sum(b.values()) - tp, sum(a.values()) - tp)


def token_labels(entities: Sequence[Entity], tokens: Tokens) -> list[str]:
    """The label of each token: of the gold entity overlapping it, else `OUTSIDE`.

    `tokens` are sorted and do not overlap (as a pipeline's or `simple_tokens`').
    Where several entities overlap a token, the longest wins, then the earliest,
    then the first label in sorted order.
    """
    index = TokenIndex(tokens)
    labels = [OUTSIDE] * len(index)
    ranked = sorted(entities, key=lambda e: (-(e.end - e.start), e.start, e.label))
    for entity in reversed(ranked):  # the winner paints last
        if entity.end <= entity.start:
            continue
        span = Span(entity.start, entity.end)
        first, last = index.first_in(span), index.last_in(span)
        if first is None or last is None:
            continue
        for i in range(first, last + 1):
            labels[i] = entity.label
    return labels


def _token_agreement(first: Sequence[Entity], second: Sequence[Entity],
                     tokens: Tokens) -> TokenAgreement:
    a = token_labels(first, tokens)
    b = token_labels(second, tokens)
    agree = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    return TokenAgreement(agree, len(a), dict(Counter(a)), dict(Counter(b)))


def _participant_score(first: Sequence[Span], second: Sequence[Span]) -> Score:
    """Participants of two matched meetings: exact span matches (a multiset)."""
    a, b = Counter(first), Counter(second)
    tp = sum((a & b).values())
    return Score(tp, sum(b.values()) - tp, sum(a.values()) - tp)


def _overlap_strength(a: Span, b: Span) -> float:
    return float(overlap(a, b)) if spans_overlap(a, b) else 0.0


def _matched(pairs: int, first: int, second: int) -> Score:
    return Score(pairs, second - pairs, first - pairs)


def compare_article(first: GoldAnnotations, second: GoldAnnotations, text: str,
                    tokens: Tokens | None = None) -> Counts:
    """The counts of two annotators' gold on one article `text` (`first` is the reference).

    `tokens` are the token spans to label for kappa; None tokenises `text` with
    `simple_tokens`.
    """
    token_spans = simple_tokens(text) if tokens is None else tokens
    entities = _entity_score(first.entities, second.entities)
    kappa = _token_agreement(first.entities, second.entities, token_spans)

    pairs = greedy_match(first.quotes, second.quotes,
                         lambda g, p: quote_match(g.content, p.content), QUOTE_OVERLAP)
    quotes = _matched(len(pairs), len(first.quotes), len(second.quotes))
    right = sum(1 for i, j in pairs if speaker_correct(first.quotes[i], second.quotes[j]))
    speakers = Accuracy(right, len(pairs))

    meetings = greedy_match(first.meetings, second.meetings,
                            lambda g, p: _overlap_strength(g.trigger, p.trigger), 0.0)
    triggers = _matched(len(meetings), len(first.meetings), len(second.meetings))
    participants = Score()
    for i, j in meetings:
        participants = participants + _participant_score(first.meetings[i].participants,
                                                         second.meetings[j].participants)
    return Counts(entities, kappa, quotes, speakers, triggers, participants)


#: Where to find an article's text and tokens: `(article id, text hash)` -> `(text, tokens
#: or None)`, or None where the text is not available.
TextSource = Callable[[str, str], tuple[str, Tokens | None] | None]


def compare_annotators(first: str, second: str, first_records: Iterable[AnnotationRecord],
                       second_records: Iterable[AnnotationRecord],
                       text_of: TextSource) -> PairAgreement:
    """The agreement of `first` and `second` over the articles both annotated (see the module
    doc), the records of each keyed by article id; `first` is the reference for quotes."""
    a = {record.article_id: record for record in first_records}
    b = {record.article_id: record for record in second_records}
    counts = Counts()
    articles = text_differs = no_text = 0
    for article_id in sorted(a.keys() & b.keys()):
        ra, rb = a[article_id], b[article_id]
        if ra.text_hash != rb.text_hash:
            text_differs += 1
            continue
        found = text_of(article_id, ra.text_hash)
        if found is None:
            no_text += 1
            continue
        text, tokens = found
        counts = counts + compare_article(gold_of(ra), gold_of(rb), text, tokens)
        articles += 1
    return PairAgreement(first, second, articles, only_first=len(a.keys() - b.keys()),
                         only_second=len(b.keys() - a.keys()), text_differs=text_differs,
                         no_text=no_text, counts=counts)


def agreement(records: Mapping[str, Iterable[AnnotationRecord]],
              text_of: TextSource) -> AgreementReport:
    """Every pair of the annotators of `records` (name -> that annotator's records), compared
    in sorted order of names (the first of a pair is the reference for quotes)."""
    by_name = {name: list(rows) for name, rows in records.items()}
    names = tuple(sorted(by_name))
    pairs = tuple(compare_annotators(x, y, by_name[x], by_name[y], text_of)
                  for x, y in combinations(names, 2))
    return AgreementReport(names, pairs)
