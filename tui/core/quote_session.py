"""The quote layer's own actions: speaker, cue, content, kind, and a quote from a selection.

Each action computes the corrected `QuoteSuggestion` and hands it to
`LayerSession.change` (or `add`), which writes it through the store and
makes it undoable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from tui.core.history import Outcome
from tui.core.layer_session import LayerSession
from tui.core.layers import QUOTES, QuoteKind, QuoteSuggestion
from tui.core.model import Span

#: Characters that open or close a direct quote.
QUOTE_MARKS = "\"“”‘’«»„‹›'"
#: The marks that can open a quote, and those that can close one (a straight mark both;
#: « » and ‹ › either way round, as languages differ).
OPENING_MARKS = "\"'“‘„«»‹›"
CLOSING_MARKS = "\"'”’“«»‹›"


class QuoteSession(LayerSession[QuoteSuggestion]):
    """The quotes of one article: who said what."""

    layer = QUOTES
    noun = "quote"
    prefix = "q"
    #: The speaker stops of the last `mentions` tuple seen (see `speaker_stops`).
    _stops_for: tuple[tuple[Span, ...], dict[str, list[Span]]] | None = None

    def roles(self, value: QuoteSuggestion) -> Iterable[tuple[str, Span]]:
        yield "content", value.content
        if value.speaker is not None:
            yield "speaker", value.speaker
        if value.cue is not None:
            yield "cue", value.cue
        if value.speaker_ref is not None and value.speaker_ref != value.speaker:
            yield "speaker_ref", value.speaker_ref

    def _text(self, span: Span | None) -> str:
        return "" if span is None else " ".join(self.article.text[span.start:span.end].split())

    def speaker_name(self, value: QuoteSuggestion) -> str:
        """Who the quote is attributed to, as the annotator reads it."""
        ref, speaker = self._text(value.speaker_ref), self._text(value.speaker)
        if ref and speaker and ref != speaker:
            return f"{speaker} → {ref}"
        return ref or speaker or "unattributed"

    def aspect(self, value: QuoteSuggestion, aspect: str) -> str:
        if aspect == "speaker":
            name = self.speaker_name(value)
            return "is unattributed" if name == "unattributed" else f"is by {name}"
        if aspect == "cue":
            return f"has the cue {self._text(value.cue)!r}" if value.cue else "has no cue"
        if aspect == "kind":
            return f"is {value.kind}"
        return ""

    # ---------------------------------------------------------------- speaker

    def cycle_speaker(self, mentions: Sequence[Span], step: int = 1) -> Outcome:
        """Attribute the quote to the next (or previous) of the article's named speakers.

        `mentions` are the spans of the article's people and organisations. Each
        distinct name is one stop, in order of first mention, and "unattributed"
        is one more; the quote gets the mention of that name nearest before it
        (else the first after it) as both speaker and speaker_ref.
        """
        item = self.current
        if item is None:
            return self._none()
        names = self.speaker_stops(mentions)
        if not names:
            return Outcome(False, "No people or organisations in this article to choose from",
                           layer=self.layer)
        stops: list[str | None] = [*names, None]
        value = item.value
        now = self._text(value.speaker_ref) or self._text(value.speaker) or None
        index = stops.index(now) if now in stops else (-1 if step > 0 else len(stops))
        chosen = stops[(index + step) % len(stops)]
        if chosen is None:
            updated = replace(value, speaker=None, speaker_ref=None)
            return self.change(updated, "The quote is now unattributed", "speaker", "speaker")
        spans = names[chosen]
        before = [s for s in spans if s.end <= value.content.start]
        mention = before[-1] if before else spans[0]
        updated = replace(value, speaker=mention, speaker_ref=mention)
        return self.change(updated, f"Speaker: {chosen}", "speaker", "speaker")

    def speaker_stops(self, mentions: Sequence[Span]) -> dict[str, list[Span]]:
        """Each distinct name of `mentions`, in order of first mention, with its spans.

        Worked out once for a tuple of mentions: the article screen passes the same
        tuple until the entities change, so `s` does not go through every entity of
        a long article on each press.
        """
        cached = self._stops_for
        if cached is not None and cached[0] is mentions:
            return cached[1]
        names: dict[str, list[Span]] = {}
        for span in sorted(mentions, key=lambda s: (s.start, s.end)):
            names.setdefault(self._text(span), []).append(span)
        if isinstance(mentions, tuple):
            self._stops_for = (mentions, names)
        return names

    def set_speaker(self, span: Span, named: bool) -> Outcome:
        """Make `span` the speaker; a named entity (`named`) is its own speaker_ref too."""
        item = self.current
        if item is None:
            return self._none()
        if span.overlaps(item.value.content):
            return Outcome(False, "The speaker cannot be inside the quote", layer=self.layer)
        value = replace(item.value, speaker=span,
                        speaker_ref=span if named else item.value.speaker_ref)
        return self.change(value, f"Speaker: {self._text(span)}", "speaker", "speaker")

    # ------------------------------------------------------------- the rest

    def set_cue(self, span: Span) -> Outcome:
        """Make `span` the cue (the same span again removes the cue)."""
        item = self.current
        if item is None:
            return self._none()
        if item.value.cue == span:
            return self.change(replace(item.value, cue=None), "Cue removed", "cue", "cue")
        if span.overlaps(item.value.content):
            return Outcome(False, "The cue cannot be inside the quote", layer=self.layer)
        if item.value.speaker is not None and span.overlaps(item.value.speaker):
            return Outcome(False, "The cue cannot be part of the speaker", layer=self.layer)
        return self.change(replace(item.value, cue=span), f"Cue: {self._text(span)}", "cue",
                           "cue")

    def toggle_kind(self) -> Outcome:
        item = self.current
        if item is None:
            return self._none()
        kind: QuoteKind = "indirect" if item.value.kind == "direct" else "direct"
        return self.change(replace(item.value, kind=kind),
                           f"Now {kind_article(kind)} {kind} quote", "kind", "kind")

    def resize(self, edge: str, grow: bool) -> Outcome:
        """Move the start or end of the content by one token."""
        span = self.resize_anchor(edge, grow)
        if isinstance(span, Outcome):
            return span
        item = self.current
        assert item is not None
        for other in (item.value.speaker, item.value.cue):
            if other is not None and other.overlaps(span):
                return Outcome(False, "The content would cover the speaker or the cue",
                               layer=self.layer)
        return self.change(replace(item.value, content=span),
                           f"Content now {self.describe(replace(item.value, content=span))}",
                           "resize")

    def add_from(self, selection: Span) -> Outcome:
        """A new quote whose content is `selection`, without its quote marks.

        It is direct when quote marks enclose it (inside or just outside the
        selection, past spaces and the punctuation that ends a sentence), else
        indirect; speaker and cue are set afterwards.
        """
        text = self.article.text
        start, end = selection.start, selection.end
        while start < end and (text[start] in QUOTE_MARKS or text[start].isspace()):
            start += 1
        while end > start and (text[end - 1] in QUOTE_MARKS or text[end - 1] in ",;:"
                               or text[end - 1].isspace()):
            end -= 1
        if start >= end:
            return Outcome(False, "The selection holds no words", layer=self.layer)
        kind: QuoteKind = "direct" if quoted(text, Span(start, end)) else "indirect"
        value = QuoteSuggestion(content=Span(start, end), speaker=None, cue=None,
                                speaker_ref=None, kind=kind)
        hint = (f"now set its speaker ({self.key('speaker-next')}, {self.key('speaker-here')})"
                f" and cue ({self.key('cue-here')})")
        return self.add(value, f"Added {kind_article(kind)} {kind} quote "
                               f"{self.describe(value)}: {hint}")


def kind_article(kind: str) -> str:
    """The indefinite article before a quote's kind: "an indirect", "a direct"."""
    return "an" if kind[:1] in "aeiou" else "a"


#: What may stand between the words of a quote and its closing mark.
_TRAILING = ",;:.!?…-–— \t\n"


def quoted(text: str, words: Span) -> bool:
    """Whether quote marks enclose `words`: an opening mark just before them (past
    spaces) and a closing mark just after them (past spaces and the punctuation that
    ends the quoted sentence)."""
    before = words.start
    while before > 0 and text[before - 1] in " \t\n":
        before -= 1
    after = words.end
    while after < len(text) and text[after] in _TRAILING:
        after += 1
    return before > 0 and text[before - 1] in OPENING_MARKS \
        and after < len(text) and text[after] in CLOSING_MARKS
