"""tui.formats.conll: CoNLL-2003-style columns whose IOB2 tags give back the gold entities."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.tokens import simple_tokens
from tui.formats.conll import DOCSTART, conll_document, iob_spans, read_conll, read_conll_spans

TEXT = "Mr. Kalin met Hamas in Doha.\n\n“We agreed,” he told AFP! Talks end?Yes"


def entity(text: str, needle: str, label: str) -> dict[str, Any]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "text": needle, "label": label,
            "status": "accepted"}


def row(text: str, *entities: dict[str, Any]) -> dict[str, Any]:
    return {"id": "a", "text": text, "meta": {}, "entities": list(entities)}


def test_layout_docstart_sentences_and_tags() -> None:
    doc = conll_document(row(TEXT, entity(TEXT, "Mr. Kalin", "PERSON"),
                             entity(TEXT, "Hamas", "ORG"), entity(TEXT, "AFP", "ORG")))
    assert doc.startswith(DOCSTART + "\n\n")
    assert doc.endswith(" _ _ O\n\n")
    sentences = doc.split("\n\n")[1:-1]
    assert [[line.split(" ")[0] for line in s.split("\n")] for s in sentences] == [
        ["Mr", ".", "Kalin", "met", "Hamas", "in", "Doha", "."],  # no break inside "Mr. Kalin"
        ["“", "We", "agreed", ",", "”", "he", "told", "AFP", "!"],
        ["Talks", "end", "?"],
        ["Yes"]]
    assert "Mr _ _ B-PERSON\n. _ _ I-PERSON\nKalin _ _ I-PERSON\n" in doc
    assert "AFP _ _ B-ORG\n" in doc
    assert all(len(line.split(" ")) == 4 for line in doc.splitlines() if line)
    assert read_conll_spans(doc) == [("PERSON", "Mr . Kalin"), ("ORG", "Hamas"), ("ORG", "AFP")]


def test_documents_concatenate() -> None:
    one = conll_document(row("Kalin spoke.", entity("Kalin spoke.", "Kalin", "PERSON")))
    two = conll_document(row("Doha.", entity("Doha.", "Doha", "GPE")))
    docs = read_conll(one + two)
    assert [[[t for t, _ in s] for s in d] for d in docs] == [[["Kalin", "spoke", "."]],
                                                             [["Doha", "."]]]
    assert (one + two).count(DOCSTART) == 2 and "\n\n" + DOCSTART in one + two


def test_misaligned_entity_extends_to_tokens_and_overlap_is_dropped() -> None:
    text = "Kalin met Hamas officials"
    doc = conll_document(row(text, {"start": 1, "end": 12, "label": "PERSON"},
                             {"start": 13, "end": 20, "label": "ORG"}))
    assert read_conll_spans(doc) == [("PERSON", "Kalin met Hamas")]


def test_given_tokens_whitespace_tokens_skipped_and_gaps_covered() -> None:
    text = "Kalin met\n\nHamas  now."
    # spaCy-like: a "\n\n" token and a " " token; "now." left uncovered
    tokens = [(0, 5), (6, 9), (9, 11), (11, 16), (16, 17)]
    doc = conll_document(row(text, entity(text, "met\n\nHamas", "EVENT")), tokens)
    docs = read_conll(doc)
    assert [[t for t, _ in s] for s in docs[0]] == [["Kalin", "met", "Hamas", "now."]]
    assert read_conll_spans(doc) == [("EVENT", "met Hamas")]


def test_token_with_whitespace_is_split() -> None:
    text = "New York"
    doc = conll_document(row(text, entity(text, "New York", "GPE")), [(0, 8)])
    assert read_conll_spans(doc) == [("GPE", "New York")]
    assert [t for t, _ in read_conll(doc)[0][0]] == ["New", "York"]


@pytest.mark.parametrize("tokens", [[(0, 3), (2, 5)], [(0, 0)], [(0, 99)]])
def test_bad_tokens_refused(tokens: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError, match="token"):
        conll_document(row("Kalin met"), tokens)


def test_entity_outside_text_refused() -> None:
    with pytest.raises(ValueError, match="outside the text"):
        conll_document(row("Kalin", {"start": 0, "end": 9, "label": "PERSON"}))


def test_iob_spans_strict() -> None:
    assert iob_spans(["B-A", "I-A", "B-A", "O", "B-B"]) == [(0, 2, "A"), (2, 3, "A"),
                                                            (4, 5, "B")]
    with pytest.raises(ValueError):
        iob_spans(["O", "I-A"])
    with pytest.raises(ValueError):
        iob_spans(["B-A", "I-B"])


def test_empty_text_is_just_docstart() -> None:
    assert conll_document(row("   \n")) == DOCSTART + "\n\n"


WORDS = ["Kalin", "Doha", "met", "U.S", "al-Thani", "Turkey’s", "北京", "会谈", "é", "3.5",
         ".", "!", "?", ",", "“", "”", "👍", "-"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "  ", "\t", ""]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and entities as token ranges (end exclusive) of `simple_tokens(text)`."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30))
    text = ""
    for word in words:
        text += draw(st.sampled_from(SEPARATORS)) + word
    n = len(simple_tokens(text))
    cuts = sorted(draw(st.sets(st.integers(0, n), max_size=12)))
    labels = st.sampled_from(["PERSON", "ORG", "GPE", "WORK_OF_ART"])
    ranges = [(s, e, draw(labels)) for s, e in zip(cuts[::2], cuts[1::2], strict=False)
              if s < e and draw(st.booleans())]
    return text, ranges


@settings(max_examples=300, deadline=None)
@given(documents())
def test_tags_give_back_the_entities(doc: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, ranges = doc
    tokens = simple_tokens(text)
    entities = [{"start": tokens[s][0], "end": tokens[e - 1][1], "label": label}
                for s, e, label in ranges]
    written = conll_document(row(text, *entities))
    [sentences] = read_conll(written)
    flat = [token for sentence in sentences for token in sentence]
    assert [t for t, _ in flat] == [text[s:e] for s, e in tokens]
    found: list[tuple[int, int, str]] = []
    offset = 0
    for sentence in sentences:
        found.extend((s + offset, e + offset, label)
                     for s, e, label in iob_spans([tag for _, tag in sentence]))
        offset += len(sentence)
    assert found == ranges
    # a sentence breaks exactly after . ! ? or at a newline, outside entities
    inside = {i for s, e, _ in ranges for i in range(s + 1, e)}
    breaks = {i for i in range(1, len(tokens)) if i not in inside and (
        "\n" in text[tokens[i - 1][1]:tokens[i][0]]
        or text[tokens[i - 1][0]:tokens[i - 1][1]] in {".", "!", "?"})}
    starts = set()
    offset = 0
    for sentence in sentences:
        starts.add(offset)
        offset += len(sentence)
    assert starts - {0} == breaks
