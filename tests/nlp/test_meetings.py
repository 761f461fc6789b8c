"""Meeting suggestions by rules over the parse (tui.nlp.meetings), with the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.core.layers import MeetingSuggestion
from tui.core.model import Article, EntitySuggestion, Span
from tui.formats.readers import read_paths
from tui.nlp.meetings import suggest_meetings
from tui.nlp.models import LoadedModel, load_model

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4aeb03596a5cf5ac.txt"
#: A Thursday.
ARTICLE_DATE = "2025-10-23"


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    loaded = load_model(None)
    assert loaded.info.rule_based is False
    return loaded


def text_of(text: str, span: Span | None) -> str | None:
    return None if span is None else text[span.start:span.end]


def readable(text: str, found: list[MeetingSuggestion]) -> list[dict[str, Any]]:
    """The suggestions as their texts, for assertions and failure messages."""
    return [{"trigger": text_of(text, m.trigger),
             "participants": [text_of(text, p) for p in m.participants],
             "place": text_of(text, m.place), "time": text_of(text, m.time),
             "date": m.date, "event": m.event} for m in found]


def run(model: LoadedModel, text: str, article_date: str | None = ARTICLE_DATE
        ) -> list[dict[str, Any]]:
    return readable(text, suggest_meetings(model.nlp(text), article_date=article_date))


def only(found: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(found) == 1, found
    return found[0]


# -- the seed article ---------------------------------------------------------

@pytest.fixture(scope="module")
def seed(model: LoadedModel) -> tuple[Article, list[dict[str, Any]]]:
    from tui.nlp.suggest import suggest_one

    articles = read_paths([SEED]).articles
    assert len(articles) == 1
    article = articles[0]
    assert article.meta["date"] == ARTICLE_DATE
    entities = suggest_one(model, article).entities
    found = suggest_meetings(model.nlp(article.text), 0, entities, article.meta["date"])
    return article, readable(article.text, found)


def find(found: list[dict[str, Any]], trigger: str, participant: str | None = None
         ) -> dict[str, Any]:
    for m in found:
        if m["trigger"] == trigger and (participant is None or participant in m["participants"]):
            return m
    raise AssertionError(f"no {trigger!r} with {participant!r} in {found}")


def test_seed_kalin_and_fidan_met_hamas_in_doha_late_tuesday(seed: Any) -> None:
    _, found = seed
    met = find(found, "met")
    assert met["participants"] == ["Ibrahim Kalin", "Hakan Fidan", "Hamas officials"]
    assert (met["place"], met["time"], met["date"]) == ("Doha", "late Tuesday", "2025-10-21")


def test_seed_leaders_meeting_in_doha_wednesday(seed: Any) -> None:
    _, found = seed
    leaders = find(found, "meeting", "their leaders")
    assert (leaders["place"], leaders["time"], leaders["date"]) == (
        "Doha", "Wednesday", "2025-10-22")
    talks = find(found, "talks", "Recep Tayyip Erdogan")
    assert talks["participants"] == ["Recep Tayyip Erdogan", "Tamim bin Hamad Al Thani"]
    assert talks["event"] == leaders["event"]


def test_seed_two_meetings_and_their_later_mentions(seed: Any) -> None:
    _, found = seed
    leaders = find(found, "meeting", "their leaders")["event"]
    hamas = find(found, "met")["event"]
    assert leaders == "e1" and hamas == "e2"
    # Kalin and Fidan meeting the Hamas delegation: the Tuesday meeting again.
    again = find(found, "meeting", "the Hamas delegation")
    assert again["participants"] == ["Kalin", "Fidan", "the Hamas delegation"]
    assert again["event"] == hamas
    # During their talks, Erdogan told Qatar's emir ...: the Wednesday meeting.
    during = find(found, "talks", "Erdogan")
    assert during["event"] == leaders
    # All meetings ..., Asked whether the talks ... (the first "talks" naming no one):
    # grouped with one of the two, not new events.
    assert find(found, "meetings")["event"] in (leaders, hamas)
    the_talks = [m for m in found if m["trigger"] == "talks" and not m["participants"]]
    assert the_talks[0]["event"] in (leaders, hamas)
    events = [m["event"] for m in found]
    assert events.count(hamas) == 2 and events.count(leaders) == 5


def test_seed_spans_are_article_offsets_in_chunks(model: LoadedModel, seed: Any) -> None:
    article, whole = seed
    cut = article.text.index("All meetings")
    doc = model.nlp(article.text[cut:])
    found = readable(article.text, suggest_meetings(doc, cut, (), ARTICLE_DATE))
    assert found and all(m["trigger"] in ("meetings", "talks", "meeting") for m in found)
    assert find(found, "meeting", "the Hamas delegation")["participants"] == find(
        whole, "meeting", "the Hamas delegation")["participants"]


def test_given_entities_take_precedence_over_the_docs(model: LoadedModel) -> None:
    text = "Zorbak met Quellin in Vantor on Monday."
    entities = [EntitySuggestion(0, 6, "PERSON"), EntitySuggestion(11, 18, "PERSON"),
                EntitySuggestion(22, 28, "GPE"), EntitySuggestion(32, 38, "DATE")]
    found = readable(text, suggest_meetings(model.nlp(text), 0, entities, ARTICLE_DATE))
    m = only(found)
    assert m["participants"] == ["Zorbak", "Quellin"]
    assert (m["place"], m["time"], m["date"]) == ("Vantor", "Monday", "2025-10-20")


# -- constructions -----------------------------------------------------------

def test_coordinated_subjects_met_an_object(model: LoadedModel) -> None:
    m = only(run(model, "French President Emmanuel Macron and German Chancellor Olaf Scholz "
                        "met Ukrainian President Volodymyr Zelensky in Kyiv on Monday."))
    assert m["trigger"] == "met"
    assert m["participants"] == ["Emmanuel Macron", "Olaf Scholz", "Volodymyr Zelensky"]
    assert (m["place"], m["time"], m["date"]) == ("Kyiv", "Monday", "2025-10-20")


def test_talks_between(model: LoadedModel) -> None:
    m = only(run(model, "The talks between Russia and Ukraine resumed in Istanbul on Friday."))
    assert m["trigger"] == "talks"
    assert m["participants"] == ["Russia", "Ukraine"]
    assert (m["place"], m["date"]) == ("Istanbul", "2025-10-17")


def test_possessor_meeting_with(model: LoadedModel) -> None:
    m = only(run(model, "Biden's meeting with Xi lasted four hours."))
    assert m["trigger"] == "meeting"
    assert m["participants"] == ["Biden", "Xi"]
    assert m["time"] is None  # a duration is not a time


def test_met_with(model: LoadedModel) -> None:
    m = only(run(model, "Prime Minister Keir Starmer met with King Abdullah in London."))
    assert m["participants"] == ["Keir Starmer", "King Abdullah"]


def test_hosted(model: LoadedModel) -> None:
    m = only(run(model, "Japan hosted Australian Prime Minister Anthony Albanese in Tokyo "
                        "on Tuesday."))
    assert m["trigger"] == "hosted"
    assert m["participants"] == ["Japan", "Anthony Albanese"]
    assert (m["place"], m["date"]) == ("Tokyo", "2025-10-21")


def test_held_talks_with_takes_the_subject(model: LoadedModel) -> None:
    m = only(run(model, "Hamas officials held talks with Egyptian mediators in Cairo on Sunday."))
    assert m["trigger"] == "held talks"
    assert m["participants"] == ["Hamas officials", "Egyptian mediators"]
    assert (m["place"], m["date"]) == ("Cairo", "2025-10-19")


def test_hyphenated_summit(model: LoadedModel) -> None:
    m = only(run(model, "The Trump-Putin summit in Alaska ended without a deal."))
    assert m["participants"] == ["Trump", "Putin"]
    assert m["place"] == "Alaska"


def test_a_meeting_of(model: LoadedModel) -> None:
    m = only(run(model, "A meeting of NATO defence ministers took place in Brussels."))
    assert m["participants"] == ["NATO defence ministers"]


def test_received_a_delegation_and_sat_down_with(model: LoadedModel) -> None:
    m = only(run(model, "The Saudi crown prince received a Hamas delegation in Riyadh."))
    assert m["participants"] == ["The Saudi crown prince", "a Hamas delegation"]
    m = only(run(model, "The two leaders sat down with union representatives on Wednesday."))
    assert m["trigger"] == "sat down"
    assert m["participants"] == ["The two leaders", "union representatives"]
    assert m["date"] == "2025-10-22"


@pytest.mark.parametrize("text", [
    "The company failed to meet the deadline set by regulators.",
    "The government says it will meet the demands of the striking workers.",
    "He talks about the economy every week.",
    "Macron welcomed the decision.",
    "Israel will host the Eurovision contest.",
    "They agreed on a meeting point near the border.",
])
def test_not_meetings(model: LoadedModel, text: str) -> None:
    assert run(model, text) == []


def test_future_meeting_date(model: LoadedModel) -> None:
    m = only(run(model, "Putin will meet Trump in Budapest on Friday."))
    assert (m["participants"], m["place"]) == (["Putin", "Trump"], "Budapest")
    assert m["date"] == "2025-10-24"  # the coming Friday, not the last one
    m = only(run(model, "Lavrov is due to hold talks with Wang Yi in Beijing on Monday."))
    assert m["trigger"] == "hold talks"
    assert m["participants"] == ["Lavrov", "Wang Yi"]
    assert m["date"] == "2025-10-27"
    past = only(run(model, "Putin met Trump in Budapest on Friday."))
    assert past["date"] == "2025-10-17"


def test_no_article_date_no_date(model: LoadedModel) -> None:
    m = only(run(model, "Putin met Trump in Budapest on Friday.", article_date=None))
    assert m["time"] == "Friday" and m["date"] is None


def test_second_distinct_meeting_gets_a_new_event(model: LoadedModel) -> None:
    found = run(model, "Erdogan met Putin in Sochi on Monday. "
                       "Separately, Macron met Scholz in Paris on Tuesday.")
    assert [m["event"] for m in found] == ["e1", "e2"]


def test_definite_later_mention_joins_the_event(model: LoadedModel) -> None:
    found = run(model, "Erdogan met Putin in Sochi on Monday. The talks lasted three hours. "
                       "Macron met Scholz in Paris on Tuesday. "
                       "Erdogan's meeting with Putin was their third this year.")
    assert [(m["trigger"], m["event"]) for m in found] == [
        ("met", "e1"), ("talks", "e1"), ("met", "e2"), ("meeting", "e1")]


def test_anaphoric_definite_mention_without_names(model: LoadedModel) -> None:
    found = run(model, "Lindqvist met Okafor in Brussels on Monday evening, the first meeting "
                       "between the two since the summer.")
    assert [m["trigger"] for m in found] == ["met", "meeting"]
    assert found[0]["time"] == "Monday evening" and found[0]["date"] == "2025-10-20"
    assert found[1]["participants"] == ["the two"]
    assert found[1]["event"] == found[0]["event"]


def test_rounds_of_talks_take_the_clause_of_their_counter(model: LoadedModel) -> None:
    m = only(run(model, "Indian and Chinese negotiators ended two days of talks in Delhi "
                        "on Tuesday."))
    assert m["trigger"] == "talks"
    assert m["participants"] == ["Indian and Chinese negotiators"]
    assert (m["place"], m["date"]) == ("Delhi", "2025-10-21")


def test_dateline_and_apposition(model: LoadedModel) -> None:
    m = only(run(model, "LONDON — Britain’s foreign secretary, David Ashworth, held talks with "
                        "his Indian counterpart on Wednesday."))
    assert m["participants"] == ["David Ashworth", "his Indian counterpart"]


def test_coordination_hung_on_a_modifier_is_split(model: LoadedModel) -> None:
    m = only(run(model, "Owners and union representatives held talks at the ministry on "
                        "Thursday."))
    assert m["participants"] == ["Owners", "union representatives"]
    m = only(run(model, "Senegalese President Aminata Sow and Ivorian President Koffi Yao met "
                        "ECOWAS mediators late Wednesday."))
    assert m["participants"] == ["Aminata Sow", "Koffi Yao", "ECOWAS mediators"]


@pytest.mark.parametrize("text", [
    "The plan was met with criticism from expedition operators.",
    "The two players met in a semifinal in Paris in June.",
    "Climbers reached the summit of Everest on Monday.",
])
def test_other_senses(model: LoadedModel, text: str) -> None:
    assert run(model, text) == []
