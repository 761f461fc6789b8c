"""Quote suggestions: who said what, found by rules over one spaCy parse.

`suggest_quotes(doc, offset, entities)` reads a parsed `Doc` (an article, or
one chunk of it that starts at article offset `offset`) and returns
`QuoteSuggestion`s whose spans are article offsets.

Direct quotes are found in the text, not the parse:

- Marks: straight `"`, typographic `“ ”` (and `„`), guillemets `« »`, and
  single `‘ ’` only when they pair at word boundaries inside one paragraph
  (so the apostrophes of "Turkey’s" or "don’t" are never quote marks, nor a
  `‘` typed for an apostrophe: the ‘90s, rock ‘n’ roll; a `’` that may be a
  plural possessive, "the players’ union", closes only when no other `’`
  does). Marks nested inside an open quote belong to it.
- `content` is the text between the marks, without surrounding whitespace
  and without a trailing `,` `;` or `:` ("“We agreed,” he said" gives
  "We agreed"); sentence-final `.` `?` `!` are kept.
- A paragraph that opens a quote without closing it, followed by a paragraph
  that opens one again (with the same kind of mark: double, single or
  guillemet), makes one quote running over both; a quote still open
  at a line end whose next line closes it (hard-wrapped text) runs on too; a
  quote left open otherwise ends with its paragraph.
- A quote interrupted by its attribution (`“A,” he said, “B.”`, and
  `“A,” he said. “B.”` where the gap is A's own attribution) is one quote. The
  native format holds one content span, so its content runs from the start of
  A to the end of B and includes the attribution between them.
- A quote that follows another in the same paragraph after an attribution
  that is not the first one's own, has its own content and, without a cue of
  its own, the same speaker and cue.
- A quoted phrase of fewer than four words with no reporting verb is taken for
  scare quotes and dropped, unless it is a sentence of its own ("No more
  delays." on a sign) or lies inside a reported clause (then it is a partial
  quote of that clause's verb, and the clause is not also an indirect quote:
  the parse does not always link the phrase to the verb). One of fewer than
  four words that only modifies a noun (the “peace dividend” plan) is dropped
  whatever verb is near; so is a quote of any length that follows
  "so-called" or a naming participle ("a group called", "dubbed", "known
  as"; not "he called it") or that is a title in title case inside a sentence
  (the film “All Quiet on the Western Front”) unless a verb that voices words
  governs it (chanted “Free Palestine”).

Attribution: the cue is a reporting verb (`REPORTING_VERBS`, or "according
to") that the parse links to the quote (a token inside the quote has it as its
nearest reporting ancestor outside the quote, as in `He said: “...”`,
`“...,” the official told AFP` or the partial `affirmed ... “to a complete
ceasefire”`; climbing through other verbs only where they head the reported
clause, and taking a parenthetical attribution, `The plan, the spokesman said,
was “...”`), else one next to the quote in its sentence (after a quote that ends its
clause, or before one after a comma or colon), else the verb of a sentence
ending in a colon just before the quote. Never a verb in another paragraph.
The speaker is the verb's
subject noun phrase as written (its subtree without relative clauses,
appositions and edge punctuation; past a dateline the parse took for the
subject, "MEXICO CITY — Mexico’s economy minister, ... said"); for a relative clause (`Darwish, who
affirmed`) the noun it modifies; for a verb without a subject (`but said`,
`was quoted as saying`) the subject of the verb it depends on.

Indirect speech: a reporting verb with a subject and a clausal complement
(`ccomp`) outside any direct quote gives an `indirect` quote whose content is
the complement (without a leading "that", a trailing ", citing ..." aside, and
only on the complement's side of the verb; a "that" clause the parse hung on
"in a statement" counts too); "according to X" gives the clause it attaches
to, with X as speaker. A complement that is itself an attribution ("..., his
office said") gives its quote to the inner verb only.

`speaker_ref`: the PERSON or ORG entity holding the speaker phrase's head word
(else a PERSON inside it; "a senior EU official" is not the EU), or one in
apposition to it ("the group’s leader, Omar Haddad,"); for a
pronoun (he, she: a person; they, it: a group) or a definite description (`the
official`, `the minister`), the most recent compatible earlier speaker (its
own `speaker_ref`, or the earlier mention itself when that was an unnamed
description like "a Turkish official"; a pronoun skips pronouns of another
gender and pronouns that named no one, and gives way to a PERSON/ORG that has
been the subject of a clause since that speaker), or else the most recent
compatible entity before the quote outside quotes (preferring the subject of
its sentence) (a description matches a named entity that carries
the same title: "the minister" and "Foreign Minister Hakan Fidan"). An
unattributed quote keeps `speaker`, `cue` and `speaker_ref` None. Nothing is
carried between chunks: each call starts with no earlier speakers.

spaCy is never imported here at run time: the functions only read the `Doc`
they are given.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.layers import QuoteKind, QuoteSuggestion
from tui.core.model import EntitySuggestion, Span

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

#: Lemmas of the verbs that report speech.
REPORTING_VERBS: frozenset[str] = frozenset({
    "say", "tell", "add", "affirm", "warn", "deny", "insist", "state", "note", "explain",
    "claim", "argue", "write", "announce", "ask", "reply", "confirm", "stress", "urge",
    "declare", "assert", "maintain", "acknowledge", "admit", "allege", "answer", "caution",
    "comment", "complain", "concede", "contend", "emphasise", "emphasize", "indicate",
    "inform", "mention", "observe", "predict", "promise", "pledge", "report", "reiterate",
    "remark", "reveal", "respond", "suggest", "underline", "underscore", "vow", "tweet",
    "post", "recall", "describe", "demand", "accuse", "testify", "counter", "retort",
    "exclaim", "shout", "continue", "conclude", "lament", "boast", "quip", "assure",
    "clarify", "highlight", "disclose", "dismiss", "welcome", "point", "call", "quote",
    "tout", "hint", "signal", "threaten", "brief", "recount", "agree", "concur", "chant",
    "yell", "plead", "scream",
})
#: Reporting verbs whose clausal complement is taken as indirect speech.
_INDIRECT_EXCLUDED = frozenset({"continue", "call", "describe", "welcome", "dismiss",
                                "quote", "post", "ask"})

_OPEN_DOUBLE = "“„"
_CLOSE_DOUBLE = "”"
_STRAIGHT = '"'
_GUILLEMET_OPEN = "«"
_GUILLEMET_CLOSE = "»"
_SINGLE_OPEN = "‘"
_SINGLE_CLOSE = "’"
_ALL_MARKS = frozenset(_OPEN_DOUBLE + _CLOSE_DOUBLE + _STRAIGHT + _GUILLEMET_OPEN
                       + _GUILLEMET_CLOSE + _SINGLE_OPEN + _SINGLE_CLOSE + "‟")
_BEFORE_OPEN = " \t\n([{—–-/"
#: What follows an apostrophe that is not an opening mark, though typed as one: a decade
#: or year (‘90s, class of ‘08), an elision (rock ‘n’ roll, ‘em, ‘til).
_ELISION = re.compile(r"\d\ds\b|\d\d(?![\w ])|(?:n|em|til|tis|twas|cause)(?![\w])")
_CONTENT_TRAIL = " \t\n,;:"
_MIN_UNATTRIBUTED_WORDS = 4
_MODIFIERS = frozenset({"compound", "amod", "nmod", "nummod", "poss", "appos", "nsubj",
                        "nsubjpass"})
_MAX_GAP = 160
_AFTER_ALL = 1 << 62  # past any text offset
#: Participles that name what follows (`_names`).
_NAMING = frozenset({"called", "dubbed", "named", "titled", "entitled", "nicknamed", "known",
                     "billed", "branded", "labelled", "labeled"})
#: Lowercase words of a title in title case (“All Quiet on the Western Front”).
_TITLE_LOWER = frozenset({"a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at",
                          "to", "for", "by", "with", "from", "as", "into", "over", "upon",
                          "vs", "de", "la", "le", "du", "von", "van"})
#: Verbs that voice the words they govern: a title-case quote after them is speech.
_VOICING = frozenset({"chant", "shout", "yell", "scream", "cry", "read", "say", "proclaim",
                      "declare", "exclaim", "tell"})
_SCAN_AFTER = 8
_SCAN_BEFORE = 10
_CLAUSE_DROP = frozenset({"relcl", "acl", "appos", "advcl", "parataxis"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f", "they": "p", "them": "p",
           "it": "n", "we": "p"}
_GROUP_PRONOUNS = frozenset({"they", "it", "them", "we"})
_ORG_NOUNS = frozenset({"company", "group", "movement", "ministry", "organisation",
                        "organization", "agency", "firm", "party", "department", "office",
                        "army", "military", "militia", "union", "council", "committee",
                        "bank", "court", "statement", "spokesman", "spokeswoman"})


@dataclass
class Quoted:
    """A passage in quote marks as found in the text (one paragraph's piece of a quote).

    `start`/`end` is the content, `open_at` the opening mark, `close_at` the character
    just after the closing mark (or the paragraph end): all offsets in the text searched.
    """

    start: int
    end: int
    open_at: int
    close_at: int  # the index just after the closing mark (or the paragraph end)
    closed: bool = True  # False when the paragraph ended with the quote still open
    clause_ends: bool = False  # the quote ends its clause: `,”` `.”` or `”,` `” —`


@dataclass
class _Found:
    """A quote on its way out, in doc character offsets, with its parse tokens."""

    content: tuple[int, int]
    kind: QuoteKind
    cue: tuple[int, int] | None = None
    verb: Token | None = None
    speaker: tuple[int, int] | None = None
    speaker_head: Token | None = None
    ref: tuple[int, int] | None = None
    raw: list[Quoted] = field(default_factory=list)
    name_like: bool = False  # scare quotes or a name: never a quote


# --- finding the marks ------------------------------------------------------------------


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


def _next_line_start(text: str, pos: int) -> int | None:
    """The first non-blank character after the line break at `pos`, or None at the end."""
    i = pos
    n = len(text)
    while i < n and text[i] in " \t\n\r":
        i += 1
    return i if i < n else None


def _single_opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if not (before in _BEFORE_OPEN or before in "“\"«") or after.isspace():
        return False
    # An apostrophe typed (or auto-corrected) as an opening mark: the ‘90s, rock ‘n’ roll.
    return _ELISION.match(text, i + 1) is None


def _single_closes(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and not after.isalnum()


def _plural_possessive(text: str, i: int) -> bool:
    """True for the `’` of "the players’ union": after an s, before a lowercase word."""
    return (i > 0 and text[i - 1] == "s" and i + 2 < len(text) and text[i + 1] == " "
            and text[i + 2].islower())


def _double_family(ch: str) -> bool:
    return ch in _OPEN_DOUBLE or ch in _CLOSE_DOUBLE or ch == _STRAIGHT or ch == "‟"


def _closes_double(text: str, i: int) -> bool:
    ch = text[i]
    if ch in _CLOSE_DOUBLE or ch == "‟":
        return True
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch == _STRAIGHT:
        return not before.isspace() or after.isspace()
    # “ used as a closer (German „...“): only after a word and before a space or mark.
    return not before.isspace() and (after.isspace() or not after.isalnum())


def find_direct(text: str) -> list[Quoted]:
    """Every quoted passage of `text`, as `Quoted` pieces in text order (one per paragraph)."""
    found: list[Quoted] = []
    n = len(text)
    family: str | None = None  # the open quote's marks: "double" or "guillemet"
    content_start = 0
    open_at = 0
    i = 0
    while i < n:
        ch = text[i]
        if family is None:
            if ch in _OPEN_DOUBLE or (ch == _STRAIGHT and i + 1 < n and not text[i + 1].isspace()):
                family, open_at, content_start = "double", i, i + 1
            elif ch == _GUILLEMET_OPEN:
                family, open_at, content_start = "guillemet", i, i + 1
            elif ch == _SINGLE_OPEN and _single_opens(text, i):
                close = _find_single_close(text, i + 1)
                if close is not None:
                    found.append(Quoted(i + 1, close, i, close + 1))
                    i = close + 1
                    continue
                end = _line_end(text, i + 1)
                following = _single_continues(text, end)
                if following is not None:
                    # Open at the paragraph end, opened again below: one quote runs on.
                    found.append(Quoted(i + 1, end, i, end, closed=False))
                    i = following
                    continue
            i += 1
            continue
        if ch == "\n":
            # A paragraph ends inside an open quote.
            following = _next_line_start(text, i)
            reopens = following is not None and (
                (family == "double" and text[following] in _OPEN_DOUBLE + _STRAIGHT)
                or (family == "guillemet" and text[following] == _GUILLEMET_OPEN))
            if reopens and following is not None:
                found.append(Quoted(content_start, i, open_at, i, closed=False))
                open_at, content_start = following, following + 1
                i = following + 1
                continue
            single_break = following is not None and text.count("\n", i, following) == 1
            if following is not None and single_break and family in ("double", "guillemet"):
                next_end = _line_end(text, following)
                line = text[following:next_end]
                closers = (_CLOSE_DOUBLE + _STRAIGHT) if family == "double" else _GUILLEMET_CLOSE
                openers = (_OPEN_DOUBLE) if family == "double" else _GUILLEMET_OPEN
                first_close = min((k for k, c in enumerate(line) if c in closers
                                   and (c != _STRAIGHT or _closes_double(line, k))),
                                  default=-1)
                first_open = min((line.find(c) for c in openers if c in line), default=-1)
                if first_close != -1 and (first_open == -1 or first_close < first_open):
                    i += 1  # hard-wrapped: the quote closes on the next line
                    continue
            found.append(Quoted(content_start, i, open_at, i, closed=False))
            family = None
            i += 1
            continue
        if family == "double" and _double_family(ch):
            if ch in _OPEN_DOUBLE and text[i - 1].isspace() and i + 1 < n \
                    and not text[i + 1].isspace():
                # A new opener inside an open quote: the earlier mark was never closed.
                open_at, content_start = i, i + 1
            elif _closes_double(text, i):
                found.append(Quoted(content_start, i, open_at, i + 1))
                family = None
        elif family == "guillemet" and ch == _GUILLEMET_CLOSE:
            found.append(Quoted(content_start, i, open_at, i + 1))
            family = None
        i += 1
    if family is not None:
        found.append(Quoted(content_start, n, open_at, n, closed=False))
    trimmed = [_trim(r, text) for r in found]
    return [r for r in trimmed if r.end > r.start]


def _find_single_close(text: str, start: int) -> int | None:
    """The `’` that closes a `‘` opened just before `start`, within its paragraph.

    A `’` that may be a plural possessive ("the players’ union") closes only when no
    other `’` closes before the next opening `‘`.
    """
    end = _line_end(text, start)
    possessive: int | None = None
    j = text.find(_SINGLE_CLOSE, start, end)
    while j != -1:
        if _single_closes(text, j):
            if not _plural_possessive(text, j):
                if possessive is not None and text.find(_SINGLE_OPEN, possessive, j) != -1:
                    return possessive
                return j
            if possessive is None:
                possessive = j
        j = text.find(_SINGLE_CLOSE, j + 1, end)
    return possessive


def _single_continues(text: str, line_end: int) -> int | None:
    """Where a `‘` quote left open at `line_end` re-opens in the next paragraph, or None.

    News style runs a quote over paragraphs by leaving each paragraph but the last
    unclosed and opening the next one with a quote mark again.
    """
    following = _next_line_start(text, line_end)
    if following is None or text[following] != _SINGLE_OPEN or not _single_opens(text, following):
        return None
    return following


def _trim(raw: Quoted, text: str) -> Quoted:
    start, end = raw.start, raw.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in _CONTENT_TRAIL:
        end -= 1
    clause_ends = False
    if raw.closed:
        inside = text[raw.close_at - 2:raw.close_at - 1] if raw.close_at >= 2 else ""
        after = text[raw.close_at:raw.close_at + 3].lstrip(" \t")
        clause_ends = (inside != "" and inside in ",.?!;—–") or after[:1] in (",", "—", "–")
    return Quoted(start, end, raw.open_at, raw.close_at, raw.closed, clause_ends)


def _group_paragraphs(raws: list[Quoted], text: str) -> list[list[Quoted]]:
    """Join the pieces of a quote running over several paragraphs."""
    groups: list[list[Quoted]] = []
    for raw in raws:
        if groups:
            last = groups[-1][-1]
            between = text[last.close_at:raw.open_at]
            if not last.closed and "\n" in between and not between.strip():
                groups[-1].append(raw)
                continue
        groups.append([raw])
    return groups


# --- the parse ---------------------------------------------------------------------------


def _token_index(starts: Sequence[int], char: int) -> int:
    """The index of the first token that starts at or after character `char`.

    `starts` are the start characters of the doc's tokens, in order.
    """
    return bisect_left(starts, char)


def _is_reporting(token: Token) -> bool:
    return token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in REPORTING_VERBS


def _according(token: Token) -> Token | None:
    """The "to" of "according to" when `token` is "according", else None."""
    if token.lower_ != "according":
        return None
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is not None and nxt.lower_ == "to":
        return nxt
    return None


def _cue_span(token: Token) -> tuple[int, int]:
    to = _according(token)
    if to is not None:
        return token.idx, to.idx + len(to)
    end = token.idx + len(token)
    for child in token.rights:
        if child.dep_ == "prt" and child.i == token.i + 1:
            end = child.idx + len(child)
    return token.idx, end


def _mention(head: Token) -> tuple[int, int] | None:
    """The noun phrase of `head` as written: its subtree without clauses, appositions, edges."""
    left = head.left_edge.i
    right = head.right_edge.i
    for child in head.children:
        if child.dep_ in _CLAUSE_DROP or (child.dep_ == "prep" and child.i > head.i
                                          and child.lower_ in ("in", "on", "during", "at")):
            if child.i > head.i:
                right = min(right, child.left_edge.i - 1)
            else:
                left = max(left, child.right_edge.i + 1)
    doc = head.doc
    return _trimmed(doc, left, right)


def _trimmed(doc: Doc, left: int, right: int) -> tuple[int, int] | None:
    """The character span of tokens left..right without punctuation or space at either end."""
    while left < right and (doc[left].is_punct or doc[left].is_space):
        left += 1
    while right > left and (doc[right].is_punct or doc[right].is_space):
        right -= 1
    if doc[left].is_punct or doc[left].is_space:
        return None
    return doc[left].idx, doc[right].idx + len(doc[right])


def _subject(verb: Token) -> Token | None:
    """The subject of a reporting verb (or of "according to"), climbing where it has none."""
    to = _according(verb)
    if to is not None:
        for child in to.children:
            if child.dep_ == "pobj":
                return child
        return None
    current = verb
    for _ in range(4):
        subjects = [c for c in current.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            best = min(subjects, key=lambda s: abs(s.i - current.i))
            if best.tag_ in ("WP", "WDT") or best.lower_ in ("that", "which"):
                if current.dep_ == "relcl":
                    return current.head
                return None
            return _past_dateline(best)
        climbs = current.dep_ in ("conj", "xcomp", "advcl", "pcomp", "prep")
        if climbs and current.head is not current:
            current = current.head
            continue
        return None
    return None


def _past_dateline(subject: Token) -> Token:
    """The subject itself, or for a dateline the parse took for one ("MEXICO CITY —
    Mexico’s economy minister, Luis Herrera, said": the dash and then an apposition),
    the noun after the dash."""
    dashes = [c.i for c in subject.rights if c.text in ("—", "–", "-", "--")]
    if not dashes or subject.left_edge.i != subject.sent.start:
        return subject
    after = [c for c in subject.rights if c.dep_ == "appos" and c.i > dashes[0]]
    return after[0] if after else subject


def _in_any(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """True when `pos` is inside one of `spans` (in text order, not overlapping)."""
    k = bisect_right(spans, (pos, _AFTER_ALL)) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


def _names(token: Token) -> bool:
    """True for a word that introduces a name rather than speech: "so-called", or a
    participle such as "called" or "dubbed" that modifies a noun or is passive (a group
    called “...”, is known as “...”), unlike the verb of a speaker ("he called it")."""
    lower = token.lower_
    if lower == "so-called":
        return True
    if lower not in _NAMING:
        return False
    return token.dep_ in ("acl", "amod") or any(c.dep_ in ("auxpass", "nsubjpass")
                                                for c in token.children)


def _mid_sentence(text: str, open_at: int) -> bool:
    """True when a word of the same sentence comes before the opening mark at `open_at`."""
    i = open_at - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    while i >= 0 and text[i] in _ALL_MARKS:
        i -= 1
    return i >= 0 and text[i] != "\n" and text[i] not in ".?!:"


def _title_like(text: str, raw: Quoted, tokens: list[Token]) -> bool:
    """True for a title of a work in quote marks inside a sentence (the film “All Quiet on
    the Western Front”, he had watched “The Godfather”): words in title case, unless a verb
    that voices words governs them (protesters chanted “Free The Dock Workers”)."""
    words = [w.strip(".,;:!?…") for w in text[raw.start:raw.end].split()]
    words = [w for w in words if w]
    if len(words) < 2 or not words[0][:1].isupper() or not _mid_sentence(text, raw.open_at):
        return False
    capitalised = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
    if len(capitalised) < 2 or any(w not in capitalised and w.lower() not in _TITLE_LOWER
                                   for w in words):
        return False
    if all(w.isupper() for w in capitalised if w.isalpha()):
        return False  # a slogan in capitals
    for token in tokens:
        node = token
        for _ in range(6):
            if node.head is node:
                break
            node = node.head
            if not raw.open_at <= node.idx < raw.close_at and node.pos_ in ("VERB", "AUX"):
                if node.lemma_.lower() in _VOICING:
                    return False
                break
    return True


def _name_like(text: str, tokens: list[Token], raw_first: Quoted, raw_last: Quoted) -> bool:
    """True for a quote that names something (a title, the so-called “...”, a group called
    “...”) or for a short one that only modifies a noun (the “peace dividend” plan)."""
    if not tokens:
        return False
    start, end = raw_first.open_at, raw_last.close_at
    for token in reversed(tokens[0].doc[max(0, tokens[0].i - 4):tokens[0].i]):
        if _names(token):
            return True
        if token.pos_ in ("VERB", "AUX"):
            break  # "is known for saying: “...”": the naming word is not the quote's
    if raw_first is raw_last and _title_like(text, raw_first, tokens):
        return True
    if len(tokens) >= _MIN_UNATTRIBUTED_WORDS:
        return False
    tops = [t for t in tokens if t.head is t or not start <= t.head.idx < end]
    return bool(tops) and all(t.dep_ in _MODIFIERS for t in tops)


def _standalone(text: str, found: _Found) -> bool:
    """True for a quote that is a sentence of its own, however short ("No more delays."
    on a sign, at a paragraph's start or after a full stop): speech, not scare quotes."""
    first, last = found.raw[0], found.raw[-1]
    start, end = found.content
    if _mid_sentence(text, first.open_at) or not text[start:start + 1].isupper():
        return False
    if text[end - 1:end] not in (".", "?", "!"):
        return False
    after = text[last.close_at:last.close_at + 3].lstrip(" \t")
    return after == "" or after[0] == "\n" or after[0].isupper() or after[0] in _ALL_MARKS


def _parenthetical(node: Token, start: int, end: int) -> Token | None:
    """A reporting verb set off by commas inside the clause of `node` ("The plan, the
    spokesman said, was “not on the table.”"), with a subject of its own, else None."""
    for child in node.children:
        if child.dep_ == "parataxis" and not start <= child.idx < end and _is_reporting(child) \
                and any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children):
            return child
    return None


def _verb_for(text: str, tokens: list[Token], start: int, end: int,
              quoted: Sequence[tuple[int, int]]) -> Token | None:
    """The reporting verb the parse links to the tokens of the quote `start..end`.

    A short quote that only modifies a noun or names something (the “peace dividend”
    plan, a so-called “lone wolf”) is a name or scare quotes, not speech: it has no verb.
    """
    for token in tokens:
        node = token
        steps = 0
        while node.head is not node and steps < 12:
            node = node.head
            steps += 1
            if start <= node.idx < end:
                continue
            if _in_any(node.idx, quoted):
                break
            # Outside the quote: climb a little way to a reporting verb.
            climb: Token | None = node
            for _ in range(4):
                if climb is None:
                    break
                if _is_reporting(climb) or _according(climb) is not None:
                    # ... in the quote's paragraph: a parse may run over a paragraph break.
                    gap = text[end:climb.idx] if climb.idx >= end else text[climb.idx:start]
                    return None if "\n" in gap else climb
                aside = _parenthetical(climb, start, end)
                if aside is not None:
                    gap = text[aside.idx:start] if aside.idx < start else text[end:aside.idx]
                    return None if "\n" in gap else aside
                if climb.head is climb or (climb.pos_ in ("VERB", "AUX")
                                           and climb.dep_ not in ("ccomp", "xcomp")):
                    # Another verb's clause ("a firm that sells “smart” phones, he said"):
                    # the quote is not what the reporting verb above reports.
                    break
                climb = climb.head
            break
    return None


def _verb_near(doc: Doc, starts: Sequence[int], raw_first: Quoted, raw_last: Quoted,
               quoted: Sequence[tuple[int, int]]) -> Token | None:
    """A reporting verb next to the quote in its sentence (after it first, then before it).

    After the quote only when the quote ends its clause (a comma or a sentence end inside
    the marks, or a comma or dash just after them); before it only when a comma or colon
    comes just before the opening mark, or the verb itself does.
    """
    first_after = _token_index(starts, raw_last.close_at)
    count = 0
    if not raw_last.clause_ends:
        first_after = len(doc)
    for token in doc[first_after:first_after + _SCAN_AFTER * 2]:
        if token.text in _ALL_MARKS or _in_any(token.idx, quoted):
            break
        if token.is_space:
            if "\n" in token.text:
                break
            continue
        if token.is_sent_start and token.idx > raw_last.close_at and count:
            break
        if _is_reporting(token) or _according(token) is not None:
            return token
        if token.text in ".?!":
            break
        count += 1
        if count >= _SCAN_AFTER:
            break
    last_before = _token_index(starts, raw_first.open_at)
    count = 0
    previous = [t for t in doc[max(0, last_before - 3):last_before] if not t.is_space]
    if not previous or not (previous[-1].text in (",", ":") or _is_reporting(previous[-1])):
        return None
    for token in reversed(doc[max(0, last_before - _SCAN_BEFORE * 2):last_before]):
        if token.text in _ALL_MARKS or _in_any(token.idx, quoted):
            break
        if token.is_space:
            if "\n" in token.text and count:
                break
            continue
        if token.text in ".?!":
            break
        if _is_reporting(token) or _according(token) is not None:
            return token
        count += 1
        if count >= _SCAN_BEFORE:
            break
    return None


def _verb_before_colon(doc: Doc, text: str, open_at: int) -> Token | None:
    """The last reporting verb of a sentence ending in a colon just before `open_at`."""
    before = text[max(0, open_at - 200):open_at].rstrip()
    if not before.endswith(":"):
        return None
    before = text[:open_at].rstrip()
    if not before.endswith(":"):
        return None
    colon = doc.char_span(len(before) - 1, len(before), alignment_mode="expand")
    if colon is None:
        return None
    verbs = [t for t in colon.sent if t.i < colon.start and _is_reporting(t)]
    return verbs[-1] if verbs else None


def _attribute(found: _Found, verb: Token) -> None:
    found.verb = verb
    found.cue = _cue_span(verb)
    subject = _subject(verb)
    mention = None if subject is None else _mention(subject)
    if mention is not None:
        found.speaker = mention
        found.speaker_head = subject


# --- speaker resolution --------------------------------------------------------------------


@dataclass
class _Antecedent:
    span: tuple[int, int]  # article offsets
    ref: tuple[int, int] | None
    lemma: str
    plural: bool
    person: bool  # may be a person (not an organisation)
    pronoun: str | None  # the pronoun itself, for a pronoun mention


def _entity_in(span: tuple[int, int], head: Token | None, offset: int,
               entities: Sequence[EntitySuggestion]) -> EntitySuggestion | None:
    """The named mention of a speaker phrase: the PERSON or ORG entity holding its head
    word, else its first PERSON. An organisation that only qualifies the head ("a senior
    EU official") is not the speaker."""
    inside = [e for e in entities if e.label in ("PERSON", "ORG")
              and span[0] + offset <= e.start and e.end <= span[1] + offset]
    if not inside:
        return None
    if head is not None:
        h = head.idx + offset
        for e in inside:
            if e.start <= h < e.end:
                return e
    people = [e for e in inside if e.label == "PERSON"]
    return people[0] if people else None


def _titled(entity: EntitySuggestion, lemma: str, doc: Doc, starts: Sequence[int],
            offset: int) -> bool:
    """True when `entity` carries the title `lemma` ("Foreign Minister Hakan Fidan")."""
    start = entity.start - offset
    end = entity.end - offset
    if start < 0:
        return False
    tokens = list(doc[_token_index(starts, start):_token_index(starts, end)])
    if not tokens:
        return False
    first = tokens[0]
    for k in range(1, 5):
        j = first.i - k
        if j < 0:
            break
        t = doc[j]
        if t.is_punct and t.text not in "-":
            break
        if t.lemma_.lower() == lemma or t.lower_ == lemma:
            return True
    root = tokens[-1]
    return any(c.dep_ == "appos" and c.lemma_.lower() == lemma for c in root.children)


def _definite_description(head: Token) -> bool:
    """True for "the official", "this minister": a common noun with a definite determiner."""
    return (head.pos_ in ("NOUN", "PROPN") and not head.ent_type_ and head.text.islower()
            and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that")
                    for c in head.children))


def _resolve(found: _Found, history: list[_Antecedent], doc: Doc, starts: Sequence[int],
             offset: int, entities: Sequence[EntitySuggestion],
             quoted: Sequence[tuple[int, int]]) -> None:
    head = found.speaker_head
    if found.speaker is None or head is None:
        return
    named = _entity_in(found.speaker, head, offset, entities)
    for appos in (c for c in head.children if c.dep_ == "appos"):
        # "The group’s leader, Omar Haddad, said": the name in apposition.
        mention = _mention(appos)
        if named is None and mention is not None:
            named = _entity_in(mention, appos, offset, entities)
    if named is not None:
        found.ref = (named.start, named.end)
        return
    lower = head.lower_
    before = min(found.content[0], found.speaker[0]) + offset
    if head.pos_ == "PRON" and lower in _PERSON_PRONOUNS:
        want_person, lemma = True, ""
    elif head.pos_ == "PRON" and lower in _GROUP_PRONOUNS:
        want_person, lemma = False, ""
    elif _definite_description(head):
        want_person, lemma = lower not in _ORG_NOUNS, head.lemma_.lower()
    else:
        return
    plural = "Plur" in head.morph.get("Number", [])
    label = "PERSON" if want_person else "ORG"
    quoted_article = [(s + offset, e + offset) for s, e in quoted]
    candidates = [e for e in entities if e.label == label and e.end <= before
                  and not _in_any(e.start, quoted_article)]
    if lemma:
        candidates = [e for e in candidates if _titled(e, lemma, doc, starts, offset)]
    for antecedent in reversed(history):
        if antecedent.span[0] >= before:
            continue
        if lemma:
            if antecedent.lemma != lemma or antecedent.plural != plural:
                continue
        elif want_person != (antecedent.person and not antecedent.plural):
            continue
        elif antecedent.pronoun is not None and (
                antecedent.ref is None or _GENDER.get(antecedent.pronoun) != _GENDER.get(lower)):
            continue  # "she" after "he"; a pronoun that named no one
        if not lemma:
            # A new subject since that speaker ("Phil Dunmore was gracious. “...,” he said")
            # takes over; a name merely mentioned since does not.
            later = [e for e in candidates if e.start >= antecedent.span[1]
                     and _is_subject(e, doc, starts, offset)]
            if later:
                best = max(later, key=lambda e: e.start)
                found.ref = (best.start, best.end)
                return
        found.ref = antecedent.ref or antecedent.span
        return
    if candidates:
        best = _salient(candidates, doc, starts, offset)
        found.ref = (best.start, best.end)


def _is_subject(entity: EntitySuggestion, doc: Doc, starts: Sequence[int], offset: int) -> bool:
    """True when `entity` (article offsets) is the subject of its clause in `doc`."""
    if entity.start < offset or not len(doc):
        return False
    token = doc[min(_token_index(starts, entity.start - offset), len(doc) - 1)]
    sentence = token.sent
    root = token
    while root.head is not root and root.dep_ in ("compound", "flat", "appos", "conj") \
            and sentence.start <= root.head.i < sentence.end:
        root = root.head
    return root.dep_ in ("nsubj", "nsubjpass")


def _salient(candidates: list[EntitySuggestion], doc: Doc, starts: Sequence[int],
             offset: int) -> EntitySuggestion:
    """The most recent candidate, preferring a subject within its sentence ("Maria Lopez
    met John Ortiz. “...,” she said": Maria Lopez)."""
    last = max(candidates, key=lambda e: e.start)
    if last.start < offset or not len(doc):
        return last
    sentence = doc[min(_token_index(starts, last.start - offset), len(doc) - 1)].sent
    same = [e for e in candidates if sentence.start_char <= e.start - offset < sentence.end_char]
    for entity in sorted(same, key=lambda e: -e.start):
        if _is_subject(entity, doc, starts, offset):
            return entity
    return last


def _antecedent(found: _Found, offset: int,
                entities: Sequence[EntitySuggestion]) -> _Antecedent | None:
    head = found.speaker_head
    if found.speaker is None or head is None:
        return None
    span = (found.speaker[0] + offset, found.speaker[1] + offset)
    ref_label = None
    if found.ref is not None:
        ref_label = next((e.label for e in entities if (e.start, e.end) == found.ref), None)
    plural = "Plur" in head.morph.get("Number", []) or any(c.dep_ == "conj" for c in head.children)
    person = ref_label == "PERSON" or (ref_label is None and head.lower_ not in _ORG_NOUNS
                                       and head.ent_type_ not in ("ORG", "GPE", "NORP"))
    lemma = head.lemma_.lower()
    pronoun = head.lower_ if head.pos_ == "PRON" else None
    return _Antecedent(span=span, ref=found.ref, lemma=lemma, plural=plural, person=person,
                       pronoun=pronoun)


# --- indirect speech ---------------------------------------------------------------------


def _clause_span(verb: Token, clause: Token, drop: Token | None = None) -> tuple[int, int] | None:
    """The span of `clause`'s subtree on its side of `verb`, without edges and `drop`."""
    doc = verb.doc
    tokens = [t for t in clause.subtree if (t.i > verb.i) == (clause.i > verb.i)]
    dropped: set[int] = set()
    if drop is not None:
        dropped.update(t.i for t in drop.subtree)
    for child in clause.children:
        # "..., citing persistent inflation": a trailing participle is the reporter's aside.
        if child.dep_ == "advcl" and child.tag_ == "VBG" and child.i > clause.i \
                and child.left_edge.i > 0 and doc[child.left_edge.i - 1].text == ",":
            dropped.update(t.i for t in child.subtree)
    tokens = [t for t in tokens if t.i not in dropped]
    if not tokens:
        return None
    # Contiguous around the clause head.
    ids = sorted(t.i for t in tokens)
    kept = {clause.i}
    pos = clause.i
    while pos - 1 in ids:
        pos -= 1
        kept.add(pos)
    pos = clause.i
    while pos + 1 in ids:
        pos += 1
        kept.add(pos)
    left, right = min(kept), max(kept)
    while left < right and (doc[left].is_punct or doc[left].is_space
                            or (doc[left].dep_ == "mark" and doc[left].lower_ == "that")
                            or doc[left].dep_ == "cc"):
        left += 1
    while right > left and (doc[right].is_punct or doc[right].is_space or doc[right].dep_ == "cc"):
        right -= 1
    if doc[left].is_punct or doc[left].is_space:
        return None
    return doc[left].idx, doc[right].idx + len(doc[right])


def _nested_attribution(clause: Token) -> bool:
    """True when `clause` is itself an attribution with its own subject and reported clause
    ("Erdogan said [X, his office said]"): the inner verb reports X, the outer nothing."""
    return (_is_reporting(clause) and any(c.dep_ == "nsubj" for c in clause.children)
            and any(c.dep_ == "ccomp" for c in clause.children))


def _reported_clauses(verb: Token) -> list[Token]:
    """The heads of the clauses `verb` reports: its ccomp, or a "that" clause the parse hung
    on the noun of a prepositional phrase ("said in a statement that ...")."""
    found = [c for c in verb.children if c.dep_ == "ccomp" and not _nested_attribution(c)]
    if found:
        return found
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.i > verb.i):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            for clause in pobj.children:
                if clause.dep_ in ("acl", "relcl", "ccomp") and any(
                        m.dep_ == "mark" and m.lower_ == "that" for m in clause.children):
                    found.append(clause)
    return found


def _indirect(doc: Doc, quoted: Sequence[tuple[int, int]]) -> list[_Found]:
    result: list[_Found] = []

    def overlaps(span: tuple[int, int]) -> bool:
        return any(span[0] < e and s < span[1] for s, e in quoted)

    for token in doc:
        to = _according(token)
        if to is not None:
            if _in_any(token.idx, quoted) or token.head is token:
                continue
            span = _clause_span_whole(token.head, token)
            if span is None or overlaps(span):
                continue
            found = _Found(content=span, kind="indirect")
            _attribute(found, token)
            if found.speaker is not None:
                result.append(found)
            continue
        if not _is_reporting(token) or token.lemma_.lower() in _INDIRECT_EXCLUDED:
            continue
        if _in_any(token.idx, quoted):
            continue
        for child in _reported_clauses(token):
            span = _clause_span(token, child)
            if span is None or overlaps(span) or span[1] - span[0] < 2:
                continue
            found = _Found(content=span, kind="indirect")
            _attribute(found, token)
            if found.speaker is not None and not (found.speaker[0] < span[1]
                                                  and span[0] < found.speaker[1]):
                result.append(found)
    return result


def _clause_span_whole(clause: Token, according: Token) -> tuple[int, int] | None:
    """The span of `clause`'s subtree without the "according to X" phrase, on the larger side."""
    doc = clause.doc
    dropped = {t.i for t in according.subtree}
    ids = [t.i for t in clause.subtree if t.i not in dropped]
    left_side = [i for i in ids if i < according.i]
    right_side = [i for i in ids if i > according.right_edge.i]
    side = left_side if len(left_side) >= len(right_side) else right_side
    if not side:
        return None
    left, right = min(side), max(side)
    return _trimmed(doc, left, right)


# --- the whole -------------------------------------------------------------------------------


def _overlaps_sorted(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    """True when `span` overlaps one of `spans` (sorted and not overlapping each other)."""
    k = bisect_left(spans, (span[1], span[1]))
    return k > 0 and spans[k - 1][1] > span[0]


def _partial_in_reported(short: list[_Found], indirect: list[_Found]) -> list[_Found]:
    """The short quotes that lie inside a reported clause, attributed to its verb.

    The parse does not always link a partial quote to its reporting verb ("told
    reporters after the talks that Ottawa would match ... “dollar for dollar”" hangs the
    clause on "talks"); the indirect quote found around it has the verb.
    """
    if not short or not indirect:
        return []
    clauses = sorted((f.content[0], -f.content[1], k) for k, f in enumerate(indirect))
    firsts = [c[0] for c in clauses]
    result: list[_Found] = []
    for found in short:
        open_at, end = found.raw[0].open_at, found.content[1]
        k = bisect_left(firsts, open_at + 1)
        # The clauses starting before the quote, nearest first; a clause holding the quote
        # is among the few nearest ones (reported clauses barely nest).
        for c in reversed(clauses[max(0, k - 4):k]):
            clause = indirect[c[2]]
            if clause.content[1] >= end and clause.verb is not None:
                _attribute(found, clause.verb)
                result.append(found)
                break
    return result


def _merge_gap(text: str, first: _Found, second: _Found) -> str | None:
    """The text between two direct quotes when it may be one attribution, else None."""
    gap = text[first.raw[-1].close_at:second.raw[0].open_at]
    if "\n" in gap or len(gap) > _MAX_GAP or not gap.strip():
        return None
    return gap


def suggest_quotes(doc: Doc, offset: int = 0,
                   entities: Sequence[EntitySuggestion] = ()) -> list[QuoteSuggestion]:
    """The quotes of `doc` (a text starting at article offset `offset`), in text order.

    `entities` are the article's entity suggestions in article offsets; with
    none, the doc's own entities are used. Every span returned is an article
    offset.
    """
    text: str = doc.text
    starts = [t.idx for t in doc]
    if not entities:
        entities = [EntitySuggestion(e.start_char + offset, e.end_char + offset, e.label_)
                    for e in doc.ents]
    groups = _group_paragraphs(find_direct(text), text)
    quoted_marks = sorted((g[0].open_at, g[-1].close_at) for g in groups)
    direct: list[_Found] = []
    for group in groups:
        found = _Found(content=(group[0].start, group[-1].end), kind="direct", raw=group)
        others = [q for q in quoted_marks if q != (group[0].open_at, group[-1].close_at)]
        tokens = [t for r in group
                  for t in doc[_token_index(starts, r.start):_token_index(starts, r.end)]
                  if not t.is_space and not t.is_punct]
        if _name_like(text, tokens, group[0], group[-1]):
            found.name_like = True
            direct.append(found)  # dropped below; kept until then as a quoted span
            continue
        verb = _verb_for(text, tokens, group[0].open_at, group[-1].close_at, others)
        if verb is None:
            verb = _verb_near(doc, starts, group[0], group[-1], others)
        if verb is None:
            verb = _verb_before_colon(doc, text, group[0].open_at)
        if verb is not None:
            _attribute(found, verb)
        direct.append(found)
    # Interrupted quotes and quotes continuing after an attribution.
    merged: list[_Found] = []
    for found in direct:
        if merged and not found.name_like and not merged[-1].name_like:
            last = merged[-1]
            gap = _merge_gap(text, last, found)
            gap_start = last.raw[-1].close_at
            gap_end = found.raw[0].open_at
            cue = last.cue if last.cue is not None else found.cue
            cue_in_gap = cue is not None and gap_start <= cue[0] < gap_end
            if gap is not None and cue_in_gap:
                stripped = gap.strip()
                owner = last if last.cue is not None and gap_start <= last.cue[0] < gap_end \
                    else found
                # “A,” he said, “B.” and “A,” he said. “B.”: the attribution of A
                # interrupts one utterance, so A and B are one quote.
                if stripped.endswith((",", "—", "–")) or (stripped.endswith(".")
                                                          and owner is last):
                    joined = _Found(content=(last.content[0], found.content[1]), kind="direct",
                                    raw=last.raw + found.raw)
                    joined.cue, joined.verb = owner.cue, owner.verb
                    joined.speaker, joined.speaker_head = owner.speaker, owner.speaker_head
                    merged[-1] = joined
                    continue
                if found.cue is None or found.cue == last.cue:
                    found.cue, found.verb = last.cue, last.verb
                    found.speaker, found.speaker_head = last.speaker, last.speaker_head
        merged.append(found)
    kept: list[_Found] = []
    short: list[_Found] = []  # unattributed and too short to be a quote on its own
    for f in merged:
        if f.name_like:
            continue
        if (f.cue is not None or _standalone(text, f)
                or len(text[f.content[0]:f.content[1]].split()) >= _MIN_UNATTRIBUTED_WORDS):
            kept.append(f)
        else:
            short.append(f)
    # Dropped scare quotes do not hide the indirect speech around them.
    indirect = _indirect(doc, sorted((f.raw[0].open_at, f.raw[-1].close_at) for f in kept))
    partial = _partial_in_reported(short, indirect)
    if partial:
        # A partial quote inside a reported clause stands for it (the clause is not also
        # an indirect quote): "Ottawa would match any investment “dollar for dollar”".
        kept.extend(partial)
        kept.sort(key=lambda f: f.content[0])
        marks = sorted((f.raw[0].open_at, f.raw[-1].close_at) for f in partial)
        indirect = [f for f in indirect if not _overlaps_sorted(f.content, marks)]
    quoted_spans = sorted((f.raw[0].open_at, f.raw[-1].close_at) for f in kept)
    everything = kept + indirect
    everything.sort(key=lambda f: (f.content[0], f.content[1]))
    history: list[_Antecedent] = []
    for found in everything:
        _resolve(found, history, doc, starts, offset, entities, quoted_spans)
        antecedent = _antecedent(found, offset, entities)
        if antecedent is not None:
            history.append(antecedent)

    def shift(span: tuple[int, int] | None) -> Span | None:
        return None if span is None else Span(span[0] + offset, span[1] + offset)

    result: list[QuoteSuggestion] = []
    for found in everything:
        content = shift(found.content)
        assert content is not None
        ref = None if found.ref is None else Span(found.ref[0], found.ref[1])
        result.append(QuoteSuggestion(content=content, speaker=shift(found.speaker),
                                      cue=shift(found.cue), speaker_ref=ref, kind=found.kind))
    return result

