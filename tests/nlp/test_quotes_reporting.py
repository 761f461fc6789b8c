"""Quote constructions of real wire reporting (AP, Reuters, AFP style), one test each.

Short sentences written for these tests; the gold convention is the development set's
(tests/devset/README.md): a partial quote with its speaker nearby is a direct quote,
scare quotes and titles are not quotes, an unattributed sentence in quote marks is one.
"""

from __future__ import annotations

from typing import Any

import pytest

from tui.nlp.quotes import find_direct, suggest_quotes

pytestmark = pytest.mark.slow

Row = tuple[str, str | None, str | None]


@pytest.fixture(scope="module")
def nlp(loaded_model: Any) -> Any:
    assert not loaded_model.info.rule_based, "these tests need the statistical pipeline"
    return loaded_model.nlp


def direct(nlp: Any, text: str) -> list[Row]:
    """(content, speaker, cue) of the direct quotes of `text`, as text."""
    rows: list[Row] = []
    for q in suggest_quotes(nlp(text)):
        if q.kind != "direct":
            continue
        speaker = None if q.speaker is None else text[q.speaker.start:q.speaker.end]
        cue = None if q.cue is None else text[q.cue.start:q.cue.end]
        rows.append((text[q.content.start:q.content.end], speaker, cue))
    return rows


def marked(text: str) -> list[str]:
    return [text[r.start:r.end] for r in find_direct(text)]


# --- quotes over several paragraphs ----------------------------------------------------------


@pytest.mark.parametrize("open_, close", [("‘", "’"), ("“", "”"), ('"', '"')])
def test_interrupted_quote_running_over_paragraphs(nlp: Any, open_: str, close: str) -> None:
    text = (f"{open_}The storm hit us hard,{close} Mayor Jane Holt said. {open_}We lost power "
            f"for two days.\n\n{open_}Now we have to rebuild everything, street by street.{close}")
    assert direct(nlp, text) == [
        (f"The storm hit us hard,{close} Mayor Jane Holt said. {open_}We lost power for two "
         f"days.\n\n{open_}Now we have to rebuild everything, street by street.",
         "Mayor Jane Holt", "said")]


def test_single_quote_over_paragraphs_after_a_colon(nlp: Any) -> None:
    text = ("Mayor Jane Holt said: ‘We lost power for two days and the roads are closed.\n\n"
            "‘Now we have to rebuild everything, street by street.’")
    found = direct(nlp, text)
    assert len(found) == 1
    assert found[0][0].startswith("We lost power") and found[0][0].endswith("street by street.")
    assert found[0][1:] == ("Mayor Jane Holt", "said")


def test_guillemets_over_paragraphs() -> None:
    text = "« Nous restons ici.\n\n« Personne ne partira. »"
    assert marked(text) == ["Nous restons ici.", "Personne ne partira."]


def test_single_quote_left_open_is_not_joined_to_unquoted_paragraph() -> None:
    text = "‘We lost power for two days\n\nThe mayor later toured the town’s centre."
    assert marked(text) == []


# --- apostrophes and nested quotes ---------------------------------------------------------


def test_apostrophes_typed_as_opening_marks_are_not_quotes() -> None:
    text = "Ruiz, who grew up in the ‘90s, said rock ‘n’ roll saved her life in ‘08."
    assert marked(text) == []
    assert marked("She grew up in the ’90s, when rock ’n’ roll and the band’s songs ruled.") == []


def test_plural_possessive_inside_single_quotes(nlp: Any) -> None:
    text = "‘The players’ union is angry and wants answers now,’ he said."
    assert direct(nlp, text) == [
        ("The players’ union is angry and wants answers now", "he", "said")]


def test_possessive_closes_when_nothing_else_does() -> None:
    assert marked("Analysts called it ‘bad news’ for farmers.") == ["bad news"]
    text = "It was ‘bad news’ for farmers and ‘good news’ for banks."
    assert marked(text) == ["bad news", "good news"]


def test_single_quotes_nested_in_double(nlp: Any) -> None:
    text = ("“He looked at me and said, ‘You are fired,’ and then he walked out,” "
            "Ana Ruiz told the court.")
    assert direct(nlp, text) == [
        ("He looked at me and said, ‘You are fired,’ and then he walked out", "Ana Ruiz",
         "told")]


def test_double_quotes_nested_in_single(nlp: Any) -> None:
    text = "‘He told me the decision was “final” and there was nothing I could do,’ she said."
    assert direct(nlp, text) == [
        ("He told me the decision was “final” and there was nothing I could do", "she",
         "said")]


# --- partial quotes ------------------------------------------------------------------------


def test_partial_quote_after_called(nlp: Any) -> None:
    assert direct(nlp, "Finance Minister Karl Weber called the plan “reckless”.") == [
        ("reckless", "Finance Minister Karl Weber", "called")]
    assert direct(nlp, "Trump has repeatedly called the investigation a “witch hunt.”") == [
        ("witch hunt.", "Trump", "called")]


def test_partial_quote_after_described_as(nlp: Any) -> None:
    assert direct(nlp, "She described the talks as “very constructive”.") == [
        ("very constructive", "She", "described")]


def test_partial_quote_after_affirmed(nlp: Any) -> None:
    assert direct(nlp, "The prime minister affirmed his “full support” for the army.") == [
        ("full support", "The prime minister", "affirmed")]


def test_short_partial_quote_in_a_reported_clause(nlp: Any) -> None:
    text = ("Lindqvist told reporters after the meeting that Brussels would match any "
            "Canadian investment “dollar for dollar”.")
    found = suggest_quotes(nlp(text))
    # The partial quote stands for the reported clause: no indirect quote repeats it.
    assert [(q.kind, text[q.content.start:q.content.end]) for q in found] == [
        ("direct", "dollar for dollar")]
    assert found[0].speaker is not None and found[0].cue is not None
    assert text[found[0].speaker.start:found[0].speaker.end] == "Lindqvist"
    assert text[found[0].cue.start:found[0].cue.end] == "told"


def test_parenthetical_attribution(nlp: Any) -> None:
    assert direct(nlp, "The plan, the spokesman said, was “not on the table.”") == [
        ("not on the table.", "the spokesman", "said")]


# --- what is not a quote, and the short quote that is ----------------------------------------


def test_naming_participles_give_names_not_quotes(nlp: Any) -> None:
    assert direct(nlp, "A group called “Friends of the River” organised the march.") == []
    assert direct(nlp, "The group, dubbed “the Magnificent Seven” by local media, met "
                       "on Tuesday.") == []
    assert direct(nlp, "The policy, known as “zero tolerance for delays”, ended in May.") == []


def test_titles_of_works_are_not_quotes(nlp: Any) -> None:
    assert direct(nlp, "The film “All Quiet on the Western Front” won four awards.") == []
    assert direct(nlp, "Her new album, “Blue Skies Over Paris”, was released on Friday.") == []
    found = suggest_quotes(nlp("He said he had watched “The Godfather” twice last week."))
    assert [q.kind for q in found] == ["indirect"]


def test_title_case_slogan_voiced_by_a_crowd_is_a_quote(nlp: Any) -> None:
    assert direct(nlp, "The crowd chanted “Free Palestine” as the minister arrived.") == [
        ("Free Palestine", "The crowd", "chanted")]


def test_scare_quotes_around_a_word_or_two_are_not_quotes(nlp: Any) -> None:
    assert direct(nlp, "Police found the “evidence” in a car parked outside.") == []
    assert direct(nlp, "The company’s “green” bonds have drawn scrutiny from regulators.") == []
    # The attributed word is a partial quote, the modifier beside it scare quotes.
    assert direct(nlp, "The company said it was “confident” in its “robust” safety record.") == [
        ("confident", "The company", "said")]


def test_short_unattributed_sentence_in_quotes_is_a_quote(nlp: Any) -> None:
    text = '"No more cuts." The slogan was painted on the walls of the ministry overnight.'
    assert direct(nlp, text) == [("No more cuts.", None, None)]
    text = "Asked whether he would resign, he replied: “No.”"
    assert direct(nlp, text) == [("No.", "he", "replied")]


# --- datelines -----------------------------------------------------------------------------


def test_dateline_is_not_the_speaker(nlp: Any) -> None:
    text = ("MEXICO CITY — Mexico’s economy minister, Luis Herrera, said on Wednesday he was "
            'ready to meet U.S. officials "any day, anywhere" to avert new tariffs.')
    assert direct(nlp, text) == [("any day, anywhere", "Mexico’s economy minister", "said")]
    found = suggest_quotes(nlp(text))
    assert found[0].speaker_ref is not None
    assert text[found[0].speaker_ref.start:found[0].speaker_ref.end] == "Luis Herrera"
