"""Quote suggestions from the parse: direct, indirect, speakers and their references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.core.layers import QuoteSuggestion
from tui.core.model import Article, EntitySuggestion, Span
from tui.formats.readers import read_paths
from tui.nlp.models import load_model
from tui.nlp.quotes import find_direct, suggest_quotes

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4aeb03596a5cf5ac.txt"

pytestmark = pytest.mark.slow

Row = tuple[str, str, str | None, str | None, str | None]


@pytest.fixture(scope="module")
def nlp() -> Any:
    loaded = load_model(None)
    assert not loaded.info.rule_based, "these tests need the statistical pipeline"
    return loaded.nlp


def _text(text: str, span: Span | None) -> str | None:
    return None if span is None else text[span.start:span.end]


def rows(text: str, quotes: list[QuoteSuggestion]) -> list[Row]:
    """(kind, content, speaker, cue, speaker_ref) as text, in order."""
    return [(q.kind, text[q.content.start:q.content.end], _text(text, q.speaker),
             _text(text, q.cue), _text(text, q.speaker_ref)) for q in quotes]


def run(nlp: Any, text: str) -> list[Row]:
    return rows(text, suggest_quotes(nlp(text)))


def direct(found: list[Row]) -> list[Row]:
    return [r for r in found if r[0] == "direct"]


def seed_article() -> Article:
    articles = read_paths([SEED]).articles
    assert len(articles) == 1
    return articles[0]


# --- the seed article --------------------------------------------------------------------------


def test_seed_direct_quotes(nlp: Any) -> None:
    text = seed_article().text
    found = direct(run(nlp, text))
    assert [(r[1][:30], r[2], r[3], r[4]) for r in found] == [
        ("These issues will depend on ho", "the official", "told", "a Turkish official"),
        ("to a complete ceasefire despit", "Mohammed Darwish", "affirmed", "Mohammed Darwish"),
        ("Efforts by Turkey and Qatar wi", "Palestinian analyst Ahmad al-Heela", "told",
         "Ahmad al-Heela"),
        ("However, Qatar and Turkey face", "he", "added", "Ahmad al-Heela"),
        ("has provided relief to Palesti", "Erdogan", "told", "Erdogan"),
    ]
    assert found[0][1] == ("These issues will depend on how Israel and the United States "
                           "position themselves during the process")
    assert found[1][1] == "to a complete ceasefire despite repeated enemy violations"
    assert found[4][1] == "has provided relief to Palestinians"
    assert found[3][1].endswith("a step toward a two-state solution")


def test_seed_speaker_refs_point_at_earlier_mentions(nlp: Any) -> None:
    text = seed_article().text
    quotes = [q for q in suggest_quotes(nlp(text)) if q.kind == "direct"]
    official, _, analyst, added, _ = quotes
    # "the official" resolves to the earlier "a Turkish official" (an unnamed description).
    assert official.speaker_ref is not None and official.speaker is not None
    assert official.speaker_ref.end <= official.content.start
    # "he added" resolves to the analyst's name in the quote before.
    assert added.speaker_ref == analyst.speaker_ref


def test_seed_indirect_quotes(nlp: Any) -> None:
    text = seed_article().text
    indirect = [(r[1], r[2], r[3]) for r in run(nlp, text) if r[0] == "indirect"]
    by_speaker = {speaker: (content, cue) for content, speaker, cue in indirect}
    assert by_speaker["officials and sources"][1] == "said"
    assert by_speaker["officials and sources"][0].startswith("Turkey and Qatar are intensifying")
    assert by_speaker["a Turkish official"] == ("no concrete decisions had been made", "said")
    assert by_speaker["diplomats"][1] == "say"
    assert "highly sensitive phase" in by_speaker["diplomats"][0]
    assert by_speaker["his office"][0].startswith("the two-state solution was the only way")
    # No indirect quote repeats a direct one.
    directs = [r for r in run(nlp, text) if r[0] == "direct"]
    for content, _, _ in indirect:
        assert all(content not in d[1] and d[1] not in content for d in directs)


def test_chunk_offsets_are_article_offsets(nlp: Any) -> None:
    article = seed_article()
    text = article.text
    cut = text.index("“These issues")
    whole = [q for q in suggest_quotes(nlp(text)) if q.kind == "direct"]
    entities = [EntitySuggestion(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]
    chunk = suggest_quotes(nlp(text[cut:]), offset=cut, entities=entities)
    chunk_direct = [q for q in chunk if q.kind == "direct"]
    assert [q.content for q in chunk_direct] == [q.content for q in whole]
    assert [(q.speaker, q.cue) for q in chunk_direct] == [(q.speaker, q.cue) for q in whole]
    for q in chunk:
        for span in (q.content, q.speaker, q.cue, q.speaker_ref):
            assert span is None or 0 <= span.start < span.end <= len(text)


# --- constructions -----------------------------------------------------------------------------


def test_interrupted_quote_is_one_quote(nlp: Any) -> None:
    text = "“We will not give up,” she said, “and we will win in the end.”"
    assert direct(run(nlp, text)) == [
        ("direct", "We will not give up,” she said, “and we will win in the end.", "she", "said",
         None),
    ]


def test_quote_continuing_after_its_attribution_is_one_quote(nlp: Any) -> None:
    text = ("Critics slammed the plan. “This is a disaster for the city and its people,” "
            "Jane Smith said. “Nobody asked us.”")
    found = direct(run(nlp, text))
    assert [(r[1], r[2], r[4]) for r in found] == [
        ("This is a disaster for the city and its people,” Jane Smith said. “Nobody asked us.",
         "Jane Smith", "Jane Smith"),
    ]


def test_multi_paragraph_quote(nlp: Any) -> None:
    text = ("The mayor spoke for an hour.\n\n"
            "“The first part of the speech goes on and on.\n\n"
            "“And the second paragraph ends it here,” the mayor told reporters.")
    found = direct(run(nlp, text))
    assert len(found) == 1
    content = found[0][1]
    assert content.startswith("The first part")
    assert content.endswith("ends it here")
    assert found[0][2:4] == ("the mayor", "told")


def test_closed_paragraph_quote_is_not_joined_to_the_next(nlp: Any) -> None:
    text = "He said: “We will fight.”\n\n“Nothing will change for the workers here,” she added."
    found = direct(run(nlp, text))
    assert [r[1] for r in found] == ["We will fight.", "Nothing will change for the workers here"]


def test_partial_quote_takes_the_governing_verb(nlp: Any) -> None:
    text = ("The group’s leader, Omar Haddad, affirmed in a statement the movement’s "
            "commitment “to a lasting peace in the region”.")
    found = direct(run(nlp, text))
    # The name in apposition to the subject is what the speaker resolves to.
    assert found == [("direct", "to a lasting peace in the region", "The group’s leader",
                      "affirmed", "Omar Haddad")]


def test_said_colon_quote(nlp: Any) -> None:
    text = "The minister said: “The plan is dead. We need a new one.”"
    assert direct(run(nlp, text)) == [
        ("direct", "The plan is dead. We need a new one.", "The minister", "said", None)]


def test_according_to(nlp: Any) -> None:
    found = run(nlp, "The talks collapsed late on Monday, according to two diplomats.")
    assert found == [("indirect", "The talks collapsed late on Monday", "two diplomats",
                      "according to", None)]
    found = run(nlp, "According to the ministry, at least 20 people were killed in the attack.")
    assert found == [("indirect", "at least 20 people were killed in the attack", "the ministry",
                      "According to", None)]


def test_indirect_speech(nlp: Any) -> None:
    found = run(nlp, "A senior diplomat said the negotiations would resume next week.")
    assert found == [("indirect", "the negotiations would resume next week", "A senior diplomat",
                      "said", None)]
    found = run(nlp, "The company warned that prices would rise sharply.")
    assert found == [("indirect", "prices would rise sharply", "The company", "warned", None)]


def test_unattributed_quote_is_flagged_not_guessed(nlp: Any) -> None:
    text = ("Maria Lopez visited the plant on Monday.\n\n"
            "“Nothing will change for the workers of this factory.”")
    assert direct(run(nlp, text)) == [
        ("direct", "Nothing will change for the workers of this factory.", None, None, None)]


def test_scare_quotes_are_not_quotes(nlp: Any) -> None:
    assert run(nlp, "Officials unveiled the “peace dividend” plan on Tuesday.") == []


def test_pronoun_resolves_to_the_person_before(nlp: Any) -> None:
    text = "Maria Lopez met the team on Monday. “We agreed on the next steps,” she told AFP."
    assert direct(run(nlp, text)) == [
        ("direct", "We agreed on the next steps", "she", "told", "Maria Lopez")]


def test_pronoun_prefers_the_last_speaker(nlp: Any) -> None:
    text = ("“The deal is done,” said Anna Berg, who met Peter Holm on Friday.\n\n"
            "“We now move to the next stage of the work,” she added.")
    found = direct(run(nlp, text))
    assert [(r[2], r[4]) for r in found] == [("Anna Berg", "Anna Berg"), ("she", "Anna Berg")]


def test_description_resolves_to_titled_name(nlp: Any) -> None:
    text = ("Foreign Minister Hakan Fidan arrived late. “We will continue our efforts for peace,” "
            "the minister said.")
    assert direct(run(nlp, text)) == [
        ("direct", "We will continue our efforts for peace", "the minister", "said",
         "Hakan Fidan")]


def test_given_entities_resolve_speakers(nlp: Any) -> None:
    text = "“We are ready,” Zorblax Quint told reporters."
    start = text.index("Zorblax")
    person = EntitySuggestion(start, start + len("Zorblax Quint"), "PERSON")
    found = rows(text, suggest_quotes(nlp(text), entities=[person]))
    assert found == [("direct", "We are ready", "Zorblax Quint", "told", "Zorblax Quint")]


def test_straight_quotes(nlp: Any) -> None:
    text = '"We are ready to talk to anyone," said John Brown, the company\'s chief executive.'
    assert direct(run(nlp, text)) == [
        ("direct", "We are ready to talk to anyone", "John Brown", "said", "John Brown")]


def test_guillemets(nlp: Any) -> None:
    text = "The rebels called the attack « a clear violation of the truce », the UN said."
    found = direct(run(nlp, text))
    assert [r[1] for r in found] == ["a clear violation of the truce"]
    assert found[0][3] == "called"


def test_single_quotes_pair_but_apostrophes_do_not(nlp: Any) -> None:
    text = "‘We will fight on,’ he said in London, where Britain’s allies met on Turkey’s terms."
    found = direct(run(nlp, text))
    assert [(r[1], r[2], r[3]) for r in found] == [("We will fight on", "he", "said")]


def test_find_direct_marks() -> None:
    text = "Turkey’s ‘plan’ and the leaders’ “first step.” Also « là »."
    found = [text[r.start:r.end] for r in find_direct(text)]
    assert found == ["plan", "first step.", "là"]
    assert find_direct("Don’t stop, it’s the people’s choice.") == []
    straight = 'He said "yes" and "no."'
    assert [straight[r.start:r.end] for r in find_direct(straight)] == ["yes", "no."]


def test_that_clause_after_in_a_statement(nlp: Any) -> None:
    text = ("The spokesman for the army, Colonel David Levy, said in a statement that two "
            "soldiers had been wounded.")
    assert run(nlp, text) == [
        ("indirect", "two soldiers had been wounded", "The spokesman for the army", "said",
         "David Levy")]


def test_reporters_aside_is_not_content(nlp: Any) -> None:
    text = "The central bank said on Thursday it would keep rates unchanged, citing inflation."
    assert run(nlp, text) == [
        ("indirect", "it would keep rates unchanged", "The central bank", "said", None)]


def test_organisation_qualifying_a_speaker_is_not_its_ref(nlp: Any) -> None:
    text = "A senior EU official added that the Commission hoped to present a text by November."
    found = run(nlp, text)
    assert [(r[2], r[3], r[4]) for r in found] == [("A senior EU official", "added", None)]


def test_any_text_gives_valid_spans(nlp: Any) -> None:
    """Scrambled marks, attributions and breaks: no crash, spans inside the text, trimmed."""
    import random

    pieces = ["“", "”", '"', "‘", "’", "«", "»", " he said", " said Smith", ",", ".", "\n",
              "\n\n", " We will win", " according to", " the official told AFP", ":", " ",
              "Turkey’s", " that", " Maria Lopez", " the minister said"]
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        offset = rng.randint(0, 50)
        for q in suggest_quotes(nlp(text), offset=offset):
            for span in (q.content, q.speaker, q.cue, q.speaker_ref):
                if span is None:
                    continue
                assert offset <= span.start < span.end <= offset + len(text), (text, q)
                piece = text[span.start - offset:span.end - offset]
                assert piece.strip(), (text, q)
                if span is not q.speaker_ref:  # a ref is an entity span as given
                    assert piece.strip() == piece, (text, q, piece)


def test_quote_after_adding_colon_is_its_own_quote(nlp: Any) -> None:
    text = ('"We are concerned," said a spokesperson for the commission, adding: '
            '"The situation must be resolved quickly."')
    found = direct(run(nlp, text))
    assert [(r[1], r[2], r[3]) for r in found] == [
        ("We are concerned", "a spokesperson for the commission", "said"),
        ("The situation must be resolved quickly.", "a spokesperson for the commission",
         "adding")]


def test_reported_clause_with_a_reporting_verb_inside(nlp: Any) -> None:
    text = "Sources close to the matter said the deal could be announced as early as Monday."
    assert run(nlp, text) == [
        ("indirect", "the deal could be announced as early as Monday",
         "Sources close to the matter", "said", None)]


def test_pronoun_prefers_the_subject_of_the_sentence_before(nlp: Any) -> None:
    text = "Maria Lopez met John Ortiz. “We agreed on the next steps,” she said."
    assert [r[4] for r in direct(run(nlp, text))] == ["Maria Lopez"]


def test_pronoun_does_not_take_another_gender_pronoun(nlp: Any) -> None:
    text = ("“The plan has worked well for the town,” he said.\n\n"
            "She said: “Not at all, and everyone here knows it.”")
    found = direct(run(nlp, text))
    assert [(r[2], r[4]) for r in found] == [("he", None), ("She", None)]


def test_quoted_name_inside_a_reported_clause_is_not_a_quote(nlp: Any) -> None:
    assert direct(run(nlp, "Officials unveiled the “peace dividend” plan, he said.")) == []


def test_hard_wrapped_quote_runs_over_the_line_break(nlp: Any) -> None:
    text = '"The first line of a long quote\nthat wraps onto the next line," he said.'
    assert direct(run(nlp, text)) == [
        ("direct", "The first line of a long quote\nthat wraps onto the next line", "he", "said",
         None)]


def test_scare_quotes_inside_reported_speech(nlp: Any) -> None:
    text = "Police said the suspect, a so-called “lone wolf”, was arrested at the scene."
    found = run(nlp, text)
    assert [(r[0], r[2], r[3]) for r in found] == [("indirect", "Police", "said")]
    assert found[0][1].startswith("the suspect") and found[0][1].endswith("at the scene")


def test_scare_quotes_after_a_quote_do_not_inherit_its_speaker(nlp: Any) -> None:
    text = "“We will not give up now,” he said of the so-called “peace dividend” plan."
    assert [r[1] for r in direct(run(nlp, text))] == ["We will not give up now"]


def test_new_subject_takes_over_from_the_last_speaker(nlp: Any) -> None:
    text = ("“It was a fair result for both of the teams,” Karen Whitlock said.\n\n"
            "Phil Dunmore was gracious in defeat. “We gave everything and it was not enough,” "
            "he said.")
    assert [r[4] for r in direct(run(nlp, text))] == ["Karen Whitlock", "Phil Dunmore"]


def test_attribution_never_comes_from_the_next_paragraph(nlp: Any) -> None:
    text = ('"I closed my eyes and just went for it," Ferreira told the BBC. "My mum flew in '
            'this morning. This is for her."\n\n'
            "Rovers manager Karen Whitlock said her players had played well.")
    found = direct(run(nlp, text))
    # One quote (interrupted by its own attribution), and Ferreira's, not Whitlock's.
    assert [(r[2], r[4]) for r in found] == [("Ferreira", "Ferreira")]
    assert found[0][1].endswith("This is for her.")
