"""Inter-annotator agreement on hand-made annotations, with figures worked out by hand."""

from __future__ import annotations

import pytest

from tests.conftest import SEED_ID
from tui.core.agreement import (
    Counts,
    GoldAnnotations,
    TokenAgreement,
    agreement,
    compare_annotators,
    compare_article,
    gold_of,
    token_labels,
)
from tui.core.evaluate import Entity
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, Article, EntityItem, Span, Status
from tui.core.tokens import simple_tokens

# Tokens (simple_tokens): Kalin(0) met(1) Hamas(2) officials(3) in(4) Doha(5) .(6)
TEXT = "Kalin met Hamas officials in Doha."


def sp(part: str, text: str = TEXT) -> Span:
    start = text.index(part)
    return Span(start, start + len(part))


def ent(part: str, label: str, text: str = TEXT) -> Entity:
    span = sp(part, text)
    return Entity(span.start, span.end, label)


def quote(content: Span, speaker: Span | None = None,
          speaker_ref: Span | None = None) -> QuoteSuggestion:
    return QuoteSuggestion(content=content, speaker=speaker, cue=None, speaker_ref=speaker_ref,
                           kind="direct")


def meeting(trigger: Span, *participants: Span) -> MeetingSuggestion:
    return MeetingSuggestion(trigger=trigger, participants=participants, place=None, time=None,
                             date=None, event="e1")


KALIN, HAMAS, DOHA = ent("Kalin", "PERSON"), ent("Hamas", "ORG"), ent("Doha", "GPE")


def test_identical_annotations_agree_fully() -> None:
    gold = GoldAnnotations((KALIN, HAMAS, DOHA), (quote(Span(0, 9), sp("Kalin")),),
                           (meeting(sp("met"), sp("Kalin"), sp("Hamas officials")),))
    c = compare_article(gold, gold, TEXT)
    assert c.entity_f1 == 1.0
    assert c.kappa == 1.0
    assert c.quote_f1 == 1.0
    assert c.speaker_agreement == 1.0
    assert c.meeting_f1 == 1.0
    assert c.participant_f1 == 1.0
    assert c.tokens.total == 7


def test_disjoint_annotations() -> None:
    # A: Kalin PERSON; B: Doha GPE. Tokens A: P O O O O O O, B: O O O O O G O.
    # po = 5/7; pe = (1*0 + 6*6 + 0*1)/49 = 36/49; kappa = (35 - 36) / (49 - 36) = -1/13.
    c = compare_article(GoldAnnotations((KALIN,)), GoldAnnotations((DOHA,)), TEXT)
    assert c.entities.tp == 0 and c.entities.fp == 1 and c.entities.fn == 1
    assert c.entity_f1 == 0.0
    assert c.tokens.observed == pytest.approx(5 / 7)
    assert c.tokens.expected == pytest.approx(36 / 49)
    assert c.kappa == pytest.approx(-1 / 13)


def test_partial_entities_and_a_known_kappa() -> None:
    # A: Kalin PERSON, Hamas ORG, Doha GPE. B: Kalin PERSON, "Hamas officials" ORG, Doha LOC.
    # Exact matches: Kalin only -> tp 1, fp 2, fn 2, F1 = 2/(2+4) = 1/3.
    # Tokens A: P O R O O G O; B: P O R R O L O (R = ORG, G = GPE, L = LOC).
    # Agree on 5 of 7. A counts P1 O4 R1 G1; B counts P1 O3 R2 L1.
    # pe = (1*1 + 4*3 + 1*2 + 1*0) / 49 = 15/49; kappa = (7*5 - 15) / (49 - 15) = 20/34.
    a = GoldAnnotations((KALIN, HAMAS, DOHA))
    b = GoldAnnotations((KALIN, ent("Hamas officials", "ORG"), ent("Doha", "LOC")))
    c = compare_article(a, b, TEXT)
    assert (c.entities.tp, c.entities.fp, c.entities.fn) == (1, 2, 2)
    assert c.entity_f1 == pytest.approx(1 / 3)
    assert c.kappa == pytest.approx(10 / 17)
    # F1 and kappa are symmetric.
    swapped = compare_article(b, a, TEXT)
    assert swapped.entity_f1 == c.entity_f1
    assert swapped.kappa == pytest.approx(c.kappa)


def test_kappa_of_counts_by_hand() -> None:
    # The classic 2x2 example: 50 items, both yes 20, both no 15, A yes B no 5, A no B yes 10.
    # po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4.
    t = TokenAgreement(agree=35, total=50, first={"Y": 25, "N": 25}, second={"Y": 30, "N": 20})
    assert t.observed == pytest.approx(0.7)
    assert t.expected == pytest.approx(0.5)
    assert t.kappa == pytest.approx(0.4)


def test_kappa_is_undefined_when_chance_explains_everything() -> None:
    # Neither annotator marks anything: every token is O on both sides, pe == 1.
    c = compare_article(GoldAnnotations(), GoldAnnotations(), TEXT)
    assert c.tokens.observed == 1.0 and c.tokens.expected == 1.0
    assert c.kappa is None
    assert c.entity_f1 is None  # nothing to find and nothing found
    assert TokenAgreement().kappa is None  # no tokens at all


def test_tokens_given_replace_simple_tokens() -> None:
    # One token for the whole "Hamas officials": A's Hamas labels it ORG.
    tokens = [(0, 5), (6, 9), (10, 25), (26, 28), (29, 33), (33, 34)]
    c = compare_article(GoldAnnotations((HAMAS,)), GoldAnnotations((HAMAS,)), TEXT, tokens)
    assert c.tokens.total == 6
    assert token_labels([HAMAS], tokens) == ["O", "O", "ORG", "O", "O", "O"]
    assert token_labels([HAMAS], simple_tokens(TEXT)) == ["O", "O", "ORG", "O", "O", "O", "O"]


def test_overlapping_entities_of_one_annotator_the_longest_wins() -> None:
    labels = token_labels([ent("Hamas", "NORP"), ent("Hamas officials", "ORG")],
                          simple_tokens(TEXT))
    assert labels == ["O", "O", "ORG", "ORG", "O", "O", "O"]


QTEXT = "“We agreed on everything today,” Kalin said. He told AFP the deal holds."


def test_quotes_match_with_the_80_percent_rule_and_speakers_disagree() -> None:
    content = sp("We agreed on everything today", QTEXT)  # 29 code points
    # B's content covers 24 of 29 (83%): a match. B's second quote has no counterpart.
    shorter = Span(content.start, content.start + 24)
    kalin, he = sp("Kalin", QTEXT), sp("He", QTEXT)
    deal = sp("the deal holds", QTEXT)
    a = GoldAnnotations(quotes=(quote(content, kalin), quote(deal, he, kalin)))
    b = GoldAnnotations(quotes=(quote(shorter, sp("AFP", QTEXT)), quote(deal, None, kalin)))
    c = compare_article(a, b, QTEXT)
    assert (c.quotes.tp, c.quotes.fp, c.quotes.fn) == (2, 0, 0)
    assert c.quote_f1 == 1.0
    # First pair: Kalin against AFP, wrong; second: speaker_ref Kalin on both, right.
    assert (c.speakers.correct, c.speakers.total) == (1, 2)
    assert c.speaker_agreement == 0.5


def test_a_quote_below_80_percent_does_not_match() -> None:
    content = sp("We agreed on everything today", QTEXT)
    short = Span(content.start, content.start + 20)  # 20/29 = 69%
    c = compare_article(GoldAnnotations(quotes=(quote(content),)),
                        GoldAnnotations(quotes=(quote(short),)), QTEXT)
    assert (c.quotes.tp, c.quotes.fp, c.quotes.fn) == (0, 1, 1)
    assert c.quote_f1 == 0.0
    assert c.speaker_agreement is None  # no matched quote


def test_an_unattributed_quote_agrees_only_with_an_unattributed_one() -> None:
    content = sp("We agreed on everything today", QTEXT)
    c = compare_article(GoldAnnotations(quotes=(quote(content),)),
                        GoldAnnotations(quotes=(quote(content, sp("Kalin", QTEXT)),)), QTEXT)
    assert c.speaker_agreement == 0.0


MTEXT = "Erdogan met the emir in Doha. Fidan held talks with Hamas and Qatar."


def test_meetings_triggers_and_participants() -> None:
    # A: met (Erdogan, the emir); talks (Fidan, Hamas, Qatar).
    # B: met (Erdogan); "held talks" (Fidan, Hamas, Doha); and a third, "in Doha" as trigger.
    a = GoldAnnotations(meetings=(
        meeting(sp("met", MTEXT), sp("Erdogan", MTEXT), sp("the emir", MTEXT)),
        meeting(sp("talks", MTEXT), sp("Fidan", MTEXT), sp("Hamas", MTEXT), sp("Qatar", MTEXT)),
    ))
    b = GoldAnnotations(meetings=(
        meeting(sp("met", MTEXT), sp("Erdogan", MTEXT)),
        meeting(sp("held talks", MTEXT), sp("Fidan", MTEXT), sp("Hamas", MTEXT),
                sp("Doha", MTEXT)),
        meeting(sp("Doha", MTEXT)),
    ))
    c = compare_article(a, b, MTEXT)
    # Triggers: met-met and talks-"held talks" match; B's third is extra: tp 2 fp 1 fn 0.
    assert (c.triggers.tp, c.triggers.fp, c.triggers.fn) == (2, 1, 0)
    assert c.meeting_f1 == pytest.approx(4 / 5)
    # Participants: meeting 1 tp 1 fn 1; meeting 2 tp 2 fp 1 fn 1 -> tp 3 fp 1 fn 2.
    assert (c.participants.tp, c.participants.fp, c.participants.fn) == (3, 1, 2)
    assert c.participant_f1 == pytest.approx(6 / 9)


def test_participants_match_by_exact_span_so_qatar_is_not_qatars_emir(
        seed_articles: list[Article]) -> None:
    """The seed's "During their talks, Erdogan told Qatar's emir...": one annotator has
    Erdogan and Qatar as the participants, the other Erdogan and Qatar's emir. Overlap
    is not agreement: Erdogan matches, Qatar and Qatar's emir do not."""
    text = next(a for a in seed_articles if a.id == SEED_ID).text
    talks = text.index("talks, Erdogan told")
    erdogan = text.index("Erdogan told")
    qatar = text.index("Qatar’s emir")

    def talks_with(*spans: tuple[int, int]) -> GoldAnnotations:
        return GoldAnnotations(meetings=(meeting(Span(talks, talks + 5),
                                                 *(Span(*s) for s in spans)),))

    c = compare_article(talks_with((erdogan, erdogan + 7), (qatar, qatar + 5)),
                        talks_with((erdogan, erdogan + 7), (qatar, qatar + 12)), text)
    assert c.meeting_f1 == 1.0
    assert (c.participants.tp, c.participants.fp, c.participants.fn) == (1, 1, 1)
    assert c.participant_f1 == pytest.approx(0.5)


def record(article_id: str, annotator: str, text: str, *entities: tuple[Entity, Status],
           quotes: tuple[QuoteSuggestion, ...] = ()) -> AnnotationRecord:
    from tui.core.text import text_hash

    rec = AnnotationRecord(article_id, annotator, text_hash(text))
    for n, (e, status) in enumerate(entities):
        rec.items[f"e{n}"] = EntityItem(f"e{n}", e.start, e.end, e.label, status)
    for n, q in enumerate(quotes):
        rec.quotes[f"q{n}"] = LayerItem(f"q{n}", q, Status.ADDED)
    return rec


def test_only_gold_items_count() -> None:
    rec = record("a", "ann", TEXT, (KALIN, Status.ACCEPTED), (HAMAS, Status.REJECTED),
                 (DOHA, Status.SUGGESTED), (ent("Hamas officials", "ORG"), Status.CORRECTED),
                 (ent("met", "EVENT"), Status.ADDED))
    assert gold_of(rec).entities == (KALIN, ent("met", "EVENT"), ent("Hamas officials", "ORG"))


def test_pairs_pool_their_articles_and_skip_what_is_not_shared() -> None:
    from tui.core.text import text_hash

    texts = {("one", text_hash(TEXT)): TEXT, ("two", text_hash(MTEXT)): MTEXT}

    def text_of(article_id: str, hash_: str) -> tuple[str, None] | None:
        text = texts.get((article_id, hash_))
        return None if text is None else (text, None)

    erdogan = ent("Erdogan", "PERSON", MTEXT)
    alice = [record("one", "alice", TEXT, (KALIN, Status.ACCEPTED)),
             record("two", "alice", MTEXT, (erdogan, Status.ADDED)),
             record("three", "alice", "Only Alice read this.")]
    bob = [record("one", "bob", TEXT, (KALIN, Status.ACCEPTED), (DOHA, Status.ADDED)),
           record("two", "bob", MTEXT, (erdogan, Status.ACCEPTED)),
           record("three", "bob", "A different text of three."),
           record("four", "bob", "Only Bob read this.")]
    carol = [record("five", "carol", "Not in the text source.")]
    pair = compare_annotators("alice", "bob", alice, bob, text_of)
    assert pair.articles == 2
    assert (pair.only_first, pair.only_second, pair.text_differs, pair.no_text) == (0, 1, 1, 0)
    assert pair.skipped == 2
    # Micro: tp 2 (Kalin, Erdogan), fp 1 (Doha), fn 0 -> F1 = 4/5.
    assert pair.counts.entity_f1 == pytest.approx(4 / 5)
    # Kappa pooled over 7 + 15 tokens: A marks 2 tokens, B 3; they differ on 1 (Doha).
    assert len(simple_tokens(TEXT)) == 7 and len(simple_tokens(MTEXT)) == 15
    assert pair.counts.tokens.total == 22 and pair.counts.tokens.agree == 21
    # A: PERSON 2, O 20; B: PERSON 2, GPE 1, O 19. pe = (2*2 + 20*19) / 484 = 384/484;
    # kappa = (22*21 - 384) / (484 - 384) = 0.78.
    assert pair.counts.kappa == pytest.approx(0.78)

    report = agreement({"carol": carol, "bob": bob, "alice": alice}, text_of)
    assert report.annotators == ("alice", "bob", "carol")
    assert [(p.first, p.second, p.articles) for p in report.pairs] == [
        ("alice", "bob", 2), ("alice", "carol", 0), ("bob", "carol", 0)]
    nothing = report.pairs[1]
    assert nothing.counts == Counts() and nothing.counts.kappa is None
    data = report.to_json()
    assert data["pairs"][0]["entity_f1"] == pytest.approx(0.8)
    assert data["pairs"][0]["skipped"] == {"only_first": 0, "only_second": 1,
                                           "text_differs": 1, "no_text": 0}


def test_a_shared_article_without_its_text_is_skipped() -> None:
    a = [record("one", "a", TEXT, (KALIN, Status.ACCEPTED))]
    b = [record("one", "b", TEXT, (KALIN, Status.ACCEPTED))]
    pair = compare_annotators("a", "b", a, b, lambda _id, _hash: None)
    assert pair.articles == 0 and pair.no_text == 1
