"""Meeting suggestions: who met whom, where and when (ACE 2005 Contact:Meet), by rules.

`suggest_meetings` reads the dependency parse and the entities of a spaCy
`Doc` (the whole article or one chunk of it) and returns one
`MeetingSuggestion` per mention of a meeting, in text order. Nothing is
learned: the rules follow the constructions of wire reporting.

Triggers
    Verbs: meet, host, visit, confer (with), receive and welcome (a visitor),
    sit down with (trigger `sat down`). Nouns: talks, meeting(s), summit,
    visit; and discussions, negotiations, consultations, session only where
    they name who takes part; `hold/have talks` gives the trigger `held talks`.
    Other senses are left out: `meet the deadline/target/demands ...`, `was met
    with criticism`, `met in a semifinal`, `the summit of Everest`, a noun used
    as a modifier (`meeting point`), `talk` as a verb of speaking, and `host`,
    `receive`, `welcome` whose object is not a party (`host the Games`). A verb
    whose object is itself a meeting noun (`hosted a summit`, `held talks`) is
    not a trigger of its own: the noun is, and takes the verb's subject. A
    noun counted in another (`two days of talks`, `the next round of talks`)
    takes that one's place in the clause.

Participants
    Subjects and objects of a verb trigger (with their conjuncts), `with`,
    `between`, `among`, `of` and agent (`by`) objects, possessors (`X's
    meeting`), name modifiers (`the Trump-Putin summit`, `US-China talks`),
    and the subject of a light verb (`X held talks`, `X hosted a summit`).
    `During/after/at their talks, X told Y` takes X and Y from the clause;
    `X arrived in Beijing for a visit` takes X (and the place and time).
    Each argument is cut at its `and`/`or` (and the commas of such a list; an
    apposition stays whole), also where the parser hung the coordination on a
    modifier (`Owners and union representatives`). The span of a participant:
    the last PERSON entity inside it if any (`Turkey's President Recep Tayyip
    Erdogan` -> `Recep Tayyip Erdogan`; a trailing `'s` dropped); else an
    ORG/GPE/NORP entity that is its head (`Qatar`); else the noun phrase as
    written up to its head, back to the nearest punctuation (`Hamas
    officials`, `the Hamas delegation`, `their leaders`), without what follows
    the head (`led by ...`, `of ...`). Objects of `meet`, `with` and `between`
    may be any noun phrase (`met traders`); elsewhere a phrase must look like a
    party (an entity, a proper noun, a personal pronoun or a noun such as
    `officials`, `delegation`). A dateline (`DOHA:`, `LONDON —`) is never one.

Place and time
    Place: `visit` + place or `a visit to` + place; `in/at` + a GPE, LOC or
    FAC entity (or a phrase with one: `in a Miami hotel` -> Miami, `in a
    hotel in Maidstone` -> Maidstone) attached to the trigger, to the verb of
    its clause or, failing those, to the objects of their prepositions (where
    the parser often hangs them). Time: a DATE or TIME entity (`Monday
    evening` joined), or a weekday or `today/yesterday/tomorrow`, attached
    the same way, directly or through `on/at/in/during/by`; durations (`three
    hours`) are not times. `date` is `tui.core.dates.resolve_date(time,
    article_date, future=...)`, future when the clause is (`will`, `plans/is
    due/is expected to`, `upcoming`).

Events
    Mentions of one real meeting share an `event` id (`e1`, `e2`, ... in order
    of first mention). Each participant has `names` (its own identity: an
    entity's text and, for a person, the surname) and `sides` (what it belongs
    to: a possessor or modifier entity, `Turkey's President` -> turkey,
    `Hamas officials` -> hamas; `their` resolved to the nearest plural or
    coordinated subject before it in the sentence). A mention joins the most
    recently mentioned event it is compatible with: no conflicting date, and
    a shared name, or a group participant (`their leaders`, `Hamas officials`:
    sides, no name) whose sides are all among the other's names and sides. A
    definite mention that names no one (`the talks`, `All meetings`, `their
    talks`, `the first meeting between the two`) joins the most recent event
    with no conflicting date. Anything else starts a new event.

Offsets: `offset` is where the doc's text starts in the article; every span
returned is an article offset. `entities` (article offsets) are used instead
of `doc.ents` when given, so that corrected entities are what counts.
Event ids are numbered per call: a caller that runs chunks one by one gets
ids that restart in each. spaCy is never imported here (its objects are typed
`Any`): importing this module is cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core.dates import resolve_date
from tui.core.layers import MeetingSuggestion
from tui.core.model import EntitySuggestion, Span

#: A spaCy Token / Doc (typed loosely: spaCy is not imported here).
Token = Any
Doc = Any

PARTY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
TIME_LABELS = frozenset({"DATE", "TIME"})

#: Verbs that are meetings by themselves (lemmas).
VERB_TRIGGERS = frozenset({"meet", "host", "visit", "confer", "receive", "welcome", "sit"})
#: Verbs that need a party as object (or `with`) to be a meeting.
VERBS_NEEDING_PARTY = frozenset({"host", "receive", "welcome", "visit", "confer"})
#: Nouns that are meetings by themselves (lower-case forms).
NOUN_TRIGGERS = frozenset({"talks", "meeting", "meetings", "summit", "summits", "visit",
                           "visits"})
#: Nouns that are meetings only where they name who takes part.
WEAK_NOUN_TRIGGERS = frozenset({"discussions", "negotiations", "consultations", "session",
                                "sessions"})
#: Objects of `meet` that make it mean "satisfy", not "come together".
NON_MEETING_OBJECTS = frozenset({
    "target", "deadline", "demand", "need", "expectation", "requirement", "criterion",
    "criteria", "standard", "goal", "threshold", "condition", "obligation", "challenge",
    "resistance", "cost", "end", "fate", "death", "quota", "commitment", "objective",
    "request", "payment", "debt", "expense", "criticism", "approval", "match", "eye",
    "corner", "ball", "cross", "shot", "pass", "header", "free-kick", "kick", "standards",
    "specification", "bill", "mark", "forecast", "estimate", "burden", "mandate",
})
#: `met in a semifinal`: a sports fixture, not a meeting.
SPORTS_ROUNDS = frozenset({"final", "semifinal", "semi-final", "quarterfinal", "quarter-final",
                           "match", "game", "tie", "fixture", "playoff", "derby", "league"})
#: Common nouns that denote people or bodies who can meet.
PARTY_NOUNS = frozenset({
    "official", "leader", "delegation", "minister", "president", "counterpart", "envoy",
    "representative", "negotiator", "mediator", "diplomat", "chief", "head", "king", "queen",
    "emir", "prince", "ambassador", "side", "team", "group", "government", "ministry",
    "delegate", "senator", "lawmaker", "governor", "mayor", "chancellor", "premier",
    "secretary", "commander", "general", "spokesman", "spokeswoman", "executive", "ceo",
    "director", "member", "committee", "council", "board", "cabinet", "party", "union",
    "rebel", "militant", "activist", "family", "student", "worker", "investor", "partner",
    "ally", "allies", "foreign minister", "pope", "chairman", "chair", "bishop", "sheikh",
    "visitor", "guest", "host", "counterparts", "people", "nation",
    "country", "state", "power", "authority", "administration", "mission", "agency",
})
PERSONAL_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you", "him", "her", "them",
                               "us", "me"})
POSSESSIVE_PRONOUNS = frozenset({"their", "his", "her", "its", "our", "my", "your"})
FUTURE_AUXILIARIES = frozenset({"will", "'ll", "shall", "wo"})
RELATIVE_PRONOUNS = frozenset({"who", "that", "which", "whom"})
#: Verbs of which a meeting noun is the object, whose subject takes part.
LIGHT_VERBS = frozenset({"hold", "have", "host", "conduct", "attend", "join", "begin", "start",
                         "resume", "open", "convene", "chair", "lead", "wrap", "conclude",
                         "end", "call", "seek", "request", "pay", "make", "plan", "schedule",
                         "arrange", "enter", "continue"})
#: Nouns a meeting noun is counted in: `two days of talks`, `a new round of talks`.
ROUND_NOUNS = frozenset({"round", "day", "hour", "week", "month", "series", "marathon",
                         "night", "year", "string", "flurry", "spate", "cycle"})
#: Heads of `to` + verb that put it in the future.
FUTURE_HEADS = frozenset({"plan", "due", "expect", "schedule", "set", "intend", "go", "aim",
                          "hope", "agree", "prepare", "slate", "poise", "want", "seek"})
FUTURE_MODIFIERS = frozenset({"upcoming", "planned", "forthcoming", "next", "proposed",
                              "scheduled", "coming", "expected", "future"})
DEFINITE_DETERMINERS = frozenset({"the", "this", "that", "these", "those", "all", "both",
                                  "such", "their", "his", "her", "its", "our", "each"})
TIME_WORDS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                        "sunday", "today", "tonight", "yesterday", "tomorrow"})
#: Prepositions through which a time attaches to its clause.
TIME_PREPOSITIONS = frozenset({"on", "at", "in", "during", "by"})
#: A duration ("three hours", "two days"), not a point in time.
_DURATION = re.compile(
    r"^(?:(?:about|nearly|some|more than|over|almost|around)\s+)?"
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|a few)"
    r"\s+(?:hours?|minutes?|days?|weeks?|months?|years?)$", re.IGNORECASE)
#: Dependents after a participant's head that are not part of its name.
POST_MODIFIERS = frozenset({"acl", "relcl", "prep", "advcl", "punct"})
#: Prepositions of a phrase whose clause says who took part (`During their talks, X told Y`).
FRAME_PREPOSITIONS = frozenset({"during", "after", "at", "following", "before", "in"})


@dataclass
class _Participant:
    span: Span
    names: frozenset[str]
    sides: frozenset[str]

    @property
    def is_group(self) -> bool:
        return not self.names and bool(self.sides)


@dataclass
class _Mention:
    trigger: Span
    participants: list[_Participant]
    place: Span | None
    time: Span | None
    date: str | None
    definite: bool
    event: str = ""

    @property
    def anaphoric(self) -> bool:
        """Definite, naming no one new: `the talks`, `the first meeting between the two`."""
        return self.definite and all(not p.names and not p.sides for p in self.participants)


@dataclass
class _Event:
    id: str
    names: set[str] = field(default_factory=set)
    sides: set[str] = field(default_factory=set)
    groups: list[frozenset[str]] = field(default_factory=list)
    dates: set[str] = field(default_factory=set)

    def add(self, mention: _Mention) -> None:
        for p in mention.participants:
            self.names |= p.names
            self.sides |= p.sides
            if p.is_group:
                self.groups.append(p.sides)
        if mention.date:
            self.dates.add(mention.date)


class _Entities:
    """Entity labels per token of one doc, from article-offset suggestions or `doc.ents`."""

    def __init__(self, doc: Doc, n: int, offset: int,
                 entities: Sequence[EntitySuggestion]) -> None:
        self.label: dict[int, str] = {}
        self.span: dict[int, tuple[int, int]] = {}  # token index -> (start, end) token indices
        spans: Iterable[tuple[int, int, str]]
        if entities:
            spans = [(e.start - offset, e.end - offset, e.label) for e in entities]
        else:
            spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for start, end, label in spans:
            if end <= 0 or start >= n:
                continue
            piece = doc.char_span(max(0, start), min(n, end), alignment_mode="expand")
            if piece is None or len(piece) == 0:
                continue
            for i in range(piece.start, piece.end):
                self.label[i] = label
                self.span[i] = (piece.start, piece.end)

    def of(self, token: Token) -> str:
        return self.label.get(token.i, "")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'")
    for prefix in ("the ",):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if text.endswith("'s"):
        text = text[:-2]
    return " ".join(text.split())


def _conjuncts(token: Token) -> list[Token]:
    found = [token]
    for child in token.children:
        if child.dep_ == "conj":
            found.extend(_conjuncts(child))
    return found


class _Reader:
    """The rules, over one doc."""

    def __init__(self, doc: Doc, offset: int, entities: Sequence[EntitySuggestion],
                 article_date: str | None) -> None:
        self.doc = doc
        self.offset = offset
        self.text: str = doc.text  # built anew on every access: read it once
        self.ents = _Entities(doc, len(self.text), offset, entities)
        self.article_date = article_date

    # -- spans ----------------------------------------------------------------
    def span_of(self, start: int, end: int) -> Span:
        """The article span of tokens `start..end` (end exclusive)."""
        first, last = self.doc[start], self.doc[end - 1]
        return Span(first.idx + self.offset, last.idx + len(last.text) + self.offset)

    def entity_tokens(self, token: Token) -> tuple[int, int]:
        return self.ents.span.get(token.i, (token.i, token.i + 1))

    def entity_text(self, token: Token) -> str:
        start, end = self.entity_tokens(token)
        return str(self.doc[start:end].text)

    # -- participants ---------------------------------------------------------
    def pieces(self, head: Token) -> list[list[Token]]:
        """The subtree of `head` cut at the `and`/`or` (and list commas) of its coordination.

        Also cut: a coordination the parser hung on a modifier of the head
        (`Owners and union representatives`, with `Owners` a modifier of
        `representatives`), where the modifier is a name or a plural noun, not
        an adjective (`diplomatic and intelligence chiefs` stays whole). Commas
        are cut only in a list with `and`/`or`, so an apposition stays whole
        (`Britain's foreign secretary, David Ashworth`). A modifier of a
        meeting noun is cut at its hyphens too (`the Trump-Putin summit`).
        """
        separators = {","}
        if head.dep_ in ("compound", "amod", "nmod") \
                and head.head.lower_ in NOUN_TRIGGERS | WEAK_NOUN_TRIGGERS:
            separators |= {"-", "–", "/"}
        cuts: set[int] = set()
        commas: set[int] = set()
        for conj in _conjuncts(head):
            for child in conj.subtree if separators != {","} else conj.children:
                hyphen = child.dep_ == "punct" and child.text in separators - {","}
                if child.dep_ == "cc" or hyphen:
                    cuts.add(child.i)
                elif child.dep_ == "punct" and child.text == ",":
                    commas.add(child.i)
        for token in head.subtree:
            parent = token.head
            if token.dep_ == "cc" and parent.i != head.i and parent.pos_ in ("NOUN", "PROPN") \
                    and (parent.dep_ == "nmod" or parent.tag_ in ("NNS", "NNPS")
                         or self.ents.of(parent) in PARTY_LABELS):
                cuts.add(token.i)
        if cuts:
            cuts |= commas
        doc = head.doc
        pieces: list[list[Token]] = [[]]
        for i in range(head.left_edge.i, head.right_edge.i + 1):
            if i in cuts:
                pieces.append([])
            elif not doc[i].is_space:
                pieces[-1].append(doc[i])
        return [p for p in pieces if p]

    def is_dateline(self, start: int, end: int) -> bool:
        """`DOHA:` / `LONDON —` / `PARIS (Reuters)` opening a line: not a participant."""
        words = self.doc[start:end]
        if not all(t.is_upper or not t.is_alpha for t in words):
            return False
        before = self.doc[start - 1] if start > 0 else None
        after = self.doc[end] if end < len(self.doc) else None
        line_start = before is None or "\n" in before.text or before.is_space
        return line_start and after is not None and after.text in (":", "—", "–", "-", "(")

    def is_party(self, token: Token) -> bool:
        """True if the phrase headed by `token` can be a participant."""
        if self.ents.of(token) in PARTY_LABELS:
            return True
        if token.lower_ in PERSONAL_PRONOUNS or token.pos_ == "PROPN":
            return True
        if token.lemma_.lower() in PARTY_NOUNS or token.lower_ in PARTY_NOUNS:
            return True
        return any(self.ents.of(t) in PARTY_LABELS for t in token.lefts
                   if t.dep_ in ("compound", "poss", "amod", "nmod"))

    def their_sides(self, pronoun: Token) -> frozenset[str]:
        """What a possessive `their` stands for: the nearest plural subject before it."""
        sent = pronoun.sent
        for i in range(pronoun.i - 1, sent.start - 1, -1):
            token = self.doc[i]
            if token.dep_ not in ("nsubj", "nsubjpass"):
                continue
            conjuncts = _conjuncts(token)
            keys = {_norm(self.entity_text(t)) for t in conjuncts
                    if self.ents.of(t) in PARTY_LABELS}
            if len(keys) >= 2 or (keys and token.tag_ in ("NNS", "NNPS")):
                return frozenset(keys)
        return frozenset()

    def participant(self, piece: list[Token], lenient: bool) -> _Participant | None:
        """The participant a coordinated piece names, or None.

        `lenient`: any noun phrase will do (the object of `meet`, `talks with`);
        else it must look like a party (an entity, a pronoun, a party noun).
        """
        indices = {t.i for t in piece}
        # Leave out what follows the phrase: relative clauses, participles, prepositions.
        piece = [t for t in piece if not any(
            a.i in indices and a.dep_ in POST_MODIFIERS for a in (t, *t.ancestors)
            if a.head.i in indices and a.head.i != a.i)]
        if not piece:
            return None
        indices = {t.i for t in piece}
        heads = [t for t in piece if t.head.i not in indices or t.head.i == t.i]
        head = heads[-1] if heads else piece[-1]
        if head.dep_ in ("prep", "cc", "punct") or head.pos_ in ("ADP", "PUNCT", "CCONJ"):
            return None
        persons = [t for t in piece if self.ents.of(t) == "PERSON"]
        chosen: tuple[int, int] | None = None
        names: set[str] = set()
        if persons:
            chosen = self.entity_tokens(persons[-1])
        elif self.ents.of(head) in PARTY_LABELS:
            chosen = self.entity_tokens(head)
        if chosen is not None:
            while chosen[1] - chosen[0] > 1 and self.doc[chosen[1] - 1].lower_ in ("'s", "’s"):
                chosen = (chosen[0], chosen[1] - 1)  # Daniel Brooks's meeting
            if self.is_dateline(*chosen):
                return None
            text = str(self.doc[chosen[0]:chosen[1]].text)
            names.add(_norm(text))
            if self.ents.of(self.doc[chosen[0]]) == "PERSON" and chosen[1] - chosen[0] > 1:
                names.add(_norm(self.doc[chosen[1] - 1].text))
            start, end = chosen
        else:
            nominal = head.pos_ in ("NOUN", "PROPN", "PRON", "NUM") \
                and head.lemma_.lower() not in NON_MEETING_OBJECTS \
                and head.lower_ not in ("it", "this", "that", "what", "which")
            if not (self.is_party(head) or (lenient and nominal)):
                return None
            # The phrase up to its head, back to the nearest punctuation (a dateline).
            start, end = head.i, head.i + 1
            while start - 1 in indices and not self.doc[start - 1].is_punct:
                start -= 1
            while start < head.i and self.doc[start].dep_ in ("cc", "prep"):
                start += 1
        sides: set[str] = set()
        for t in piece:
            if (start <= t.i < end) == (chosen is not None):
                continue  # an entity's own tokens; a phrase's tokens outside it
            if self.ents.of(t) in ("GPE", "ORG"):
                sides.add(_norm(self.entity_text(t)))
            if t.tag_ == "PRP$" and t.lower_ == "their":
                sides |= self.their_sides(t)
        sides -= names
        return _Participant(self.span_of(start, end), frozenset(names), frozenset(sides))

    def participants_of(self, heads: Iterable[tuple[Token, bool]]) -> list[_Participant]:
        """The participants named by argument heads `(token, lenient)`, in text order."""
        found: list[_Participant] = []
        for head, lenient in heads:
            if head.lower_ in RELATIVE_PRONOUNS and head.dep_.startswith("nsubj"):
                head = head.head.head  # officials who met X -> officials
            for piece in self.pieces(head):
                p = self.participant(piece, lenient)
                if p is not None and all(not p.span.overlaps(q.span) for q in found):
                    found.append(p)
        return sorted(found, key=lambda p: p.span.start)

    # -- triggers -------------------------------------------------------------
    def with_objects(self, token: Token, preps: frozenset[str]) -> list[Token]:
        found: list[Token] = []
        for child in token.children:
            if child.dep_ in ("prep", "agent") and child.lower_ in preps:
                found.extend(c for c in child.children if c.dep_ == "pobj")
        return found

    def subjects(self, verb: Token) -> list[Token]:
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            return subjects
        if verb.dep_ in ("xcomp", "conj", "acomp") and verb.head.pos_ in ("VERB", "AUX", "ADJ"):
            return self.subjects(verb.head)
        if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):
            return [verb.head]
        return []

    def verb_mention(self, verb: Token) -> list[tuple[Token, bool]] | None:
        """The argument heads of a verb trigger, or None if it is no meeting."""
        lemma = verb.lemma_.lower()
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        if any(o.lower_ in NOUN_TRIGGERS | WEAK_NOUN_TRIGGERS for o in objects):
            return None  # hosted a summit, held talks: the noun is the trigger
        withs = self.with_objects(verb, frozenset({"with"}))
        agents = [pobj for c in verb.children if c.dep_ == "agent"
                  for pobj in c.children if pobj.dep_ == "pobj"]
        if lemma == "sit" and (not any(c.lower_ == "down" for c in verb.children) or not withs):
            return None
        if lemma == "meet" and any(o.lemma_.lower() in NON_MEETING_OBJECTS
                                   for o in (*objects, *withs)):
            return None  # met the deadline; was met with criticism
        if lemma == "meet" and any(o.lemma_.lower() in SPORTS_ROUNDS for o in self.with_objects(
                verb, frozenset({"in", "at"}))):
            return None  # the two players met in a semifinal
        places = []
        if lemma == "visit":  # visit Washington: a place, not a participant
            places = [o for o in objects if self.ents.of(o) in PLACE_LABELS]
            objects = [o for o in objects if o not in places]
        if lemma in VERBS_NEEDING_PARTY and not withs and not (
                places or any(self.is_party(o) or lemma == "visit" for o in objects)):
            return None
        if lemma == "visit":  # visited evacuation centres: a trigger, no participant
            objects = [o for o in objects if self.is_party(o)]
        lenient_objects = lemma == "meet"
        return [*((t, True) for t in self.subjects(verb)),
                *((t, lenient_objects) for t in objects),
                *((t, True) for t in (*withs, *agents))]

    def anchor(self, noun: Token) -> Token:
        """The phrase a meeting noun stands in: `two days of talks` -> days."""
        head = noun.head
        if noun.dep_ == "pobj" and head.lower_ == "of" and head.head.pos_ == "NOUN" \
                and head.head.lemma_.lower() in ROUND_NOUNS:
            return head.head
        return noun

    def noun_mention(self, noun: Token) -> list[tuple[Token, bool]] | None:
        """The argument heads of a noun trigger, or None if it is no meeting."""
        if noun.dep_ in ("compound", "amod"):
            return None  # meeting point, summit venue
        heads: list[tuple[Token, bool]] = [
            (t, True) for t in self.with_objects(noun, frozenset({"with", "between", "among"}))]
        of_objects = self.with_objects(noun, frozenset({"of"}))
        if noun.lemma_.lower() == "summit" and any(
                self.ents.of(o) == "LOC" or not self.is_party(o) for o in of_objects):
            return None  # the summit of Everest
        heads.extend((o, False) for o in of_objects)
        if noun.lemma_.lower() == "visit":  # a visit by X
            heads.extend((o, True) for o in self.with_objects(noun, frozenset({"by"})))
        for child in noun.lefts:
            possessor = child.dep_ == "poss" and child.lower_ not in POSSESSIVE_PRONOUNS
            modifier = (child.dep_ in ("compound", "amod", "nmod")
                        and (self.ents.of(child) in PARTY_LABELS or child.pos_ == "PROPN"))
            if possessor or modifier:
                heads.append((child, True))
        anchor = self.anchor(noun)
        verb = anchor.head
        if anchor.dep_ in ("dobj", "pobj") and verb.lemma_.lower() in LIGHT_VERBS:
            heads.extend((t, True) for t in self.subjects(verb))
            heads.extend((t, True) for t in self.with_objects(verb, frozenset({"with"})))
        if noun.lower_ in WEAK_NOUN_TRIGGERS and not heads:
            return None
        if not heads and noun.lemma_.lower() == "visit" and anchor.dep_ == "pobj" \
                and verb.lower_ in ("for", "on") and verb.head.pos_ in ("VERB", "AUX"):
            heads.extend((t, True) for t in self.subjects(verb.head))  # X arrived for a visit
        their = any(c.dep_ == "poss" and c.lower_ == "their" for c in noun.lefts)
        if not heads and their and anchor.dep_ == "pobj" and verb.lower_ in FRAME_PREPOSITIONS:
            clause = verb.head
            if clause.pos_ in ("VERB", "AUX"):
                heads.extend((t, False) for t in self.subjects(clause))
                heads.extend((c, False) for c in clause.children
                             if c.dep_ in ("dobj", "dative"))
        return heads

    # -- place, time, tense ---------------------------------------------------
    def clause_tokens(self, trigger: Token) -> list[Token]:
        """The trigger and, for a noun, the light verb it is the object of."""
        found = [trigger]
        if trigger.pos_ in ("NOUN", "PROPN"):
            anchor = self.anchor(trigger)
            if anchor.i != trigger.i:
                found.append(anchor)
            if trigger.lemma_.lower() == "visit" and anchor.dep_ == "pobj" \
                    and anchor.head.lower_ in ("for", "on") \
                    and anchor.head.head.pos_ in ("VERB", "AUX"):
                found.append(anchor.head.head)  # arrived in Beijing on Tuesday for a visit
            if anchor.dep_ in ("dobj", "nsubj", "nsubjpass") \
                    and anchor.head.pos_ in ("VERB", "AUX"):
                found.append(anchor.head)
        return found

    def place(self, trigger: Token) -> Span | None:
        tokens = self.clause_tokens(trigger)
        if trigger.pos_ in ("VERB", "AUX"):  # met X in Kyiv, parsed as "X in Kyiv"
            objects = [c for c in trigger.children if c.dep_ == "dobj"]
            for obj in objects:
                if trigger.lemma_.lower() == "visit" and self.ents.of(obj) in PLACE_LABELS:
                    start, end = self.entity_tokens(obj)
                    return self.span_of(start, end)
            tokens += objects
        if trigger.lemma_.lower() == "visit":  # a visit to Beijing
            for pobj in self.with_objects(trigger, frozenset({"to"})):
                if self.ents.of(pobj) in PLACE_LABELS:
                    start, end = self.entity_tokens(pobj)
                    return self.span_of(start, end)
        for token in [*tokens, *self.attached(tokens)]:
            for pobj in self.with_objects(token, frozenset({"in", "at"})):
                # in Doha; in a Miami hotel; in a hotel in Maidstone
                inner = [c for c in pobj.lefts if c.dep_ in ("compound", "amod", "nmod")]
                inner += self.with_objects(pobj, frozenset({"in", "at"}))
                for place in (pobj, *inner):
                    if self.ents.of(place) in PLACE_LABELS:
                        start, end = self.entity_tokens(place)
                        return self.span_of(start, end)
        return None

    def attached(self, tokens: list[Token]) -> list[Token]:
        """Objects of the prepositions of `tokens`: where a misattached place or time hangs.

        `Talks ... ended without agreement in Kampala on Saturday` hangs both
        on `agreement`; they are looked for there after the clause itself.
        """
        return [pobj for token in tokens for child in token.children if child.dep_ == "prep"
                for pobj in child.children if pobj.dep_ == "pobj"]

    def time(self, trigger: Token) -> Span | None:
        tokens = self.clause_tokens(trigger)
        for token in [*tokens, *self.attached(tokens)]:
            candidates: list[Token] = []
            for child in token.children:
                if child.dep_ in ("npadvmod", "tmod", "advmod", "obl", "nmod", "dobj") \
                        or child.dep_ == "pobj":
                    candidates.append(child)
                elif child.dep_ == "prep" and child.lower_ in TIME_PREPOSITIONS:
                    candidates.extend(c for c in child.children if c.dep_ == "pobj")
            for cand in candidates:
                if self.ents.of(cand) in TIME_LABELS:
                    start, end = self.entity_tokens(cand)
                    for left in cand.lefts:  # Monday (DATE) evening (TIME)
                        if left.dep_ == "compound" and self.ents.of(left) in TIME_LABELS:
                            start = min(start, self.entity_tokens(left)[0])
                    if _DURATION.search(str(self.doc[start:end].text)):
                        continue
                    return self.span_of(start, end)
                if cand.lower_ in TIME_WORDS:
                    start = min([cand.i, *(c.i for c in cand.lefts if c.dep_ == "amod")])
                    return self.span_of(start, cand.i + 1)
        return None

    def is_future(self, trigger: Token) -> bool:
        if trigger.pos_ in ("NOUN", "PROPN"):
            trigger = self.anchor(trigger)
        if any(c.lower_ in FUTURE_MODIFIERS for c in trigger.lefts):
            return True
        token = trigger
        for _ in range(4):
            children = list(token.children)
            if any(c.dep_ == "aux" and c.lower_ in FUTURE_AUXILIARIES for c in children):
                return True
            has_to = any(c.dep_ == "aux" and c.lower_ == "to" for c in children)
            if has_to and token.dep_ in ("xcomp", "acomp", "ccomp") \
                    and token.head.lemma_.lower() in FUTURE_HEADS:
                return True
            if token.head.i == token.i or token.dep_ not in ("xcomp", "dobj", "nsubj",
                                                             "nsubjpass", "acomp", "conj"):
                return False
            token = token.head
        return False

    def is_definite(self, trigger: Token) -> bool:
        """`the talks`, `their meeting`, `All meetings`; a verb whose arguments are all definite."""
        if trigger.pos_ in ("NOUN", "PROPN"):
            trigger = self.anchor(trigger)
            return any(c.dep_ in ("det", "poss", "predet") and c.lower_ in DEFINITE_DETERMINERS
                       for c in trigger.lefts)
        return False

    # -- mentions -------------------------------------------------------------
    def trigger_span(self, token: Token) -> Span:
        """The trigger word, with `down` of `sat down` and `held` of `held talks`."""
        start, end = token.i, token.i + 1
        if token.lemma_.lower() == "sit":
            for child in token.rights:
                if child.dep_ == "prt" and child.lower_ == "down":
                    end = child.i + 1
        elif token.dep_ == "dobj" and token.i > 0 and token.head.i == token.i - 1 \
                and token.head.lemma_.lower() in ("hold", "have"):
            start = token.i - 1
        return self.span_of(start, end)

    def mentions(self) -> list[_Mention]:
        found: list[_Mention] = []
        for token in self.doc:
            if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in VERB_TRIGGERS \
                    and not token.lower_.startswith("talk"):
                heads = self.verb_mention(token)
            elif token.pos_ in ("NOUN", "PROPN") and (
                    token.lower_ in NOUN_TRIGGERS or token.lower_ in WEAK_NOUN_TRIGGERS):
                heads = self.noun_mention(token)
            else:
                continue
            if heads is None:
                continue
            participants = self.participants_of(heads)
            time = self.time(token)
            date = None
            if time is not None:
                text = self.text[time.start - self.offset:time.end - self.offset]
                date = resolve_date(text, self.article_date, future=self.is_future(token))
            found.append(_Mention(
                trigger=self.trigger_span(token), participants=participants,
                place=self.place(token), time=time, date=date,
                definite=self.is_definite(token)))
        return found


def _compatible(event: _Event, mention: _Mention) -> bool:
    if mention.date and event.dates and mention.date not in event.dates:
        return False
    names = {n for p in mention.participants for n in p.names}
    sides = {s for p in mention.participants for s in p.sides}
    if names & event.names:
        return True
    for group in event.groups:
        if group and group <= names | sides:
            return True
    known = event.names | event.sides
    return any(p.is_group and p.sides <= known for p in mention.participants)


def _assign_events(mentions: list[_Mention]) -> None:
    """Give every mention its event id (see the module docstring)."""
    recent: list[_Event] = []  # most recently mentioned last
    count = 0
    for mention in mentions:
        chosen: _Event | None = None
        for event in reversed(recent):
            if mention.participants and not mention.anaphoric:
                if _compatible(event, mention):
                    chosen = event
                    break
            elif mention.anaphoric and not (
                    mention.date and event.dates and mention.date not in event.dates):
                chosen = event
                break
        if chosen is None:
            count += 1
            chosen = _Event(f"e{count}")
        else:
            recent.remove(chosen)
        recent.append(chosen)
        chosen.add(mention)
        mention.event = chosen.id


def suggest_meetings(doc: Doc, offset: int = 0, entities: Sequence[EntitySuggestion] = (),
                     article_date: str | None = None) -> list[MeetingSuggestion]:
    """The meeting mentions of `doc`, whose text starts at article offset `offset`.

    `entities` are the article's entity suggestions (article offsets; those
    outside the doc are ignored); without them the doc's own entities are used.
    `article_date` (ISO) resolves times to calendar dates. Event ids are
    numbered within this doc.
    """
    reader = _Reader(doc, offset, entities, article_date)
    mentions = reader.mentions()
    _assign_events(mentions)
    return [MeetingSuggestion(trigger=m.trigger, participants=tuple(p.span for p in m.participants),
                              place=m.place, time=m.time, date=m.date, event=m.event)
            for m in mentions]
