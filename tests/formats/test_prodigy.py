"""tui.formats.prodigy: ner_manual tasks, read back by Prodigy's (and spaCy's) rules."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.model import AnnotationRecord, Article, EntityItem, Status
from tui.core.tokens import simple_tokens
from tui.formats import prodigy
from tui.formats.prodigy import input_hash, prodigy_task, read_prodigy_spans, task_hash

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday.\n\n“We agreed,” he told AFP."
ARTICLE = Article("doha", TEXT, {"date": "2025-10-23", "dateline": "DOHA"})


def span_of(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def record(*entities: tuple[tuple[int, int], str, Status],
           text: str = TEXT) -> AnnotationRecord:
    items = {}
    for i, ((start, end), label, status) in enumerate(entities):
        items[f"a:{i}"] = EntityItem(f"a:{i}", start, end, label, status, annotator="ann")
    return AnnotationRecord("doha", "ann", "hash", items)


def spell(task: dict[str, Any]) -> str:
    return "".join(t["text"] + (" " if t["ws"] else "") for t in task["tokens"])


GOLD = record(
    (span_of(TEXT, "DOHA"), "GPE", Status.ACCEPTED),
    (span_of(TEXT, "Kalin"), "PERSON", Status.CORRECTED),
    (span_of(TEXT, "Hamas"), "ORG", Status.REJECTED),
    (span_of(TEXT, "late Tuesday"), "DATE", Status.ADDED),
    (span_of(TEXT, "AFP"), "ORG", Status.SUGGESTED),
)


def test_tokens_ids_and_ws() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    tokens = task["tokens"]
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    by_text = {t["text"]: t for t in tokens}
    assert by_text["DOHA"]["ws"] is False  # ":" follows
    assert by_text[":"]["ws"] is True
    assert by_text["Kalin"] == {"text": "Kalin", "start": 6, "end": 11, "id": 2, "ws": True}
    assert tokens[-1] == {"text": ".", "start": len(TEXT) - 1, "end": len(TEXT),
                          "id": len(tokens) - 1, "ws": False}
    for token in tokens:
        assert TEXT[token["start"]:token["end"]] == token["text"]


def test_newlines_are_tokens_so_the_tokens_spell_the_text() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    assert spell(task) == TEXT
    newline = [t for t in task["tokens"] if t["text"] == "\n\n"]
    assert len(newline) == 1
    before = task["tokens"][newline[0]["id"] - 1]
    assert before["text"] == "." and before["ws"] is False


def test_extra_spaces_and_leading_whitespace_are_tokens() -> None:
    text = "  Two  spaces \t tab "
    task = prodigy_task(Article("x", text), record(text=text), simple_tokens(text))
    assert [(t["text"], t["ws"]) for t in task["tokens"]] == [
        ("  ", False), ("Two", True), (" ", False), ("spaces", True), ("\t ", False),
        ("tab", True)]
    assert spell(task) == text


def test_spans_are_gold_only_with_inclusive_token_end() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    tokens = task["tokens"]
    assert [s["label"] for s in task["spans"]] == ["GPE", "PERSON", "DATE"]
    date = task["spans"][2]
    assert (date["start"], date["end"]) == span_of(TEXT, "late Tuesday")
    assert tokens[date["token_start"]]["text"] == "late"
    assert tokens[date["token_end"]]["text"] == "Tuesday"  # inclusive
    assert date["token_end"] == date["token_start"] + 1
    doha = task["spans"][0]
    assert doha == {"start": 0, "end": 4, "token_start": 0, "token_end": 0, "label": "GPE"}
    assert read_prodigy_spans(task) == [(0, 4, "GPE"), (6, 11, "PERSON"),
                                        (*span_of(TEXT, "late Tuesday"), "DATE")]


def test_task_fields() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    assert task["text"] == TEXT
    assert task["answer"] == "accept"
    assert task["_view_id"] == "ner_manual"
    assert task["meta"] == {"date": "2025-10-23", "dateline": "DOHA", "article_id": "doha",
                            "annotator": "ann"}
    json.dumps(task, allow_nan=False)  # JSON-ready


def test_hashes_are_signed_32_bit_and_behave() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    for key in ("_input_hash", "_task_hash"):
        assert isinstance(task[key], int)
        assert -(2**31) <= task[key] < 2**31
    again = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    assert (again["_input_hash"], again["_task_hash"]) == (task["_input_hash"],
                                                           task["_task_hash"])
    fewer = prodigy_task(ARTICLE, record((span_of(TEXT, "DOHA"), "GPE", Status.ACCEPTED)),
                         simple_tokens(TEXT))
    assert fewer["_input_hash"] == task["_input_hash"]
    assert fewer["_task_hash"] != task["_task_hash"]
    other = Article("x", TEXT + " More.")
    assert prodigy_task(other, GOLD, simple_tokens(other.text))["_input_hash"] != \
        task["_input_hash"]


def test_input_hash_is_murmurhash_of_the_text() -> None:
    mrmr = pytest.importorskip("murmurhash.mrmr")
    assert input_hash(TEXT) == mrmr.hash(TEXT)
    spans = [{"start": 0, "end": 4, "label": "GPE", "token_start": 0, "token_end": 0}]
    canonical = '[{"end":4,"label":"GPE","start":0,"token_end":0,"token_start":0}]'
    assert task_hash(TEXT, spans) == mrmr.hash(TEXT + canonical)


def test_hashlib_fallback_is_a_signed_32_bit_int() -> None:
    values = {prodigy._hashlib_hash(s) for s in ("a", "b", "c", TEXT)}
    assert len(values) == 4
    assert all(-(2**31) <= v < 2**31 for v in values)
    assert prodigy._hashlib_hash("a") == prodigy._hashlib_hash("a")
    assert any(v < 0 for v in (prodigy._hashlib_hash(str(i)) for i in range(50)))


def test_tokens_are_split_at_entity_boundaries() -> None:
    text = "Turkey’s president met Qatar’s emir."
    gold = record((span_of(text, "Turkey"), "GPE", Status.ACCEPTED),
                  (span_of(text, "Qatar"), "GPE", Status.ADDED), text=text)
    task = prodigy_task(Article("t", text), gold, simple_tokens(text))
    texts = [t["text"] for t in task["tokens"]]
    assert texts[:3] == ["Turkey", "’s", "president"]
    assert task["tokens"][0]["ws"] is False
    assert read_prodigy_spans(task) == [(0, 6, "GPE"), (*span_of(text, "Qatar"), "GPE")]
    assert spell(task) == text


def test_whitespace_at_entity_edges_is_left_out() -> None:
    text = "He met  Kalin \nin Doha."
    start, end = span_of(text, "Kalin")
    gold = record(((start - 2, end + 2), "PERSON", Status.ADDED),
                  (span_of(text, " \n"), "GPE", Status.ADDED), text=text)
    task = prodigy_task(Article("t", text), gold, simple_tokens(text))
    assert read_prodigy_spans(task) == [(start, end, "PERSON")]  # whitespace-only one dropped


def test_tokens_missing_characters_are_completed() -> None:
    text = "Kalin met Fidan."
    task = prodigy_task(Article("t", text), record(((10, 15), "PERSON", Status.ACCEPTED),
                                                   text=text), [(0, 5)])
    assert [t["text"] for t in task["tokens"]] == ["Kalin", "met", "Fidan", "."]
    assert read_prodigy_spans(task) == [(10, 15, "PERSON")]


def test_entity_outside_the_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside the text"):
        prodigy_task(Article("t", "short"), record(((2, 9), "ORG", Status.ACCEPTED),
                                                   text="short"), simple_tokens("short"))


def test_overlapping_tokens_are_an_error() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        prodigy_task(Article("t", "abcdef"), record(text="abcdef"), [(0, 4), (2, 6)])


def test_read_prodigy_spans_checks_offsets_against_tokens() -> None:
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    broken = json.loads(json.dumps(task))
    broken["spans"][2]["token_end"] -= 1  # an exclusive end, Prodigy would misread it
    with pytest.raises(ValueError, match="disagree"):
        read_prodigy_spans(broken)
    broken = json.loads(json.dumps(task))
    broken["spans"][0]["token_end"] = len(task["tokens"])
    with pytest.raises(ValueError, match="not in the tokens"):
        read_prodigy_spans(broken)
    broken = json.loads(json.dumps(task))
    broken["tokens"][1]["start"] += 1
    with pytest.raises(ValueError, match="does not match"):
        read_prodigy_spans(broken)


def test_spacy_reads_the_task_back() -> None:
    """The consumer's rules: Prodigy builds a Doc from words and spaces, spans from tokens."""
    spacy_tokens = pytest.importorskip("spacy.tokens")
    spacy_vocab = pytest.importorskip("spacy.vocab")
    task = prodigy_task(ARTICLE, GOLD, simple_tokens(TEXT))
    doc = spacy_tokens.Doc(spacy_vocab.Vocab(), words=[t["text"] for t in task["tokens"]],
                           spaces=[t["ws"] for t in task["tokens"]])
    assert doc.text == TEXT
    for span in task["spans"]:
        by_tokens = doc[span["token_start"]:span["token_end"] + 1]
        by_chars = doc.char_span(span["start"], span["end"], label=span["label"])
        assert by_chars is not None
        assert (by_tokens.start_char, by_tokens.end_char) == (span["start"], span["end"])


# ---------------------------------------------------------------- properties

WORDS = ["Doha", "Kalin", "met", "U.S.", "officials", "Turkey’s", "talks", "“", "”", ",",
         "late-night", "🇶🇦", "Erdoğan", "3.1", "in"]
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", ""]


@st.composite
def texts_and_token_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=25))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) + 1,
                         max_size=len(words) + 1))
    text = seps[0] + "".join(w + s for w, s in zip(words, seps[1:], strict=True))
    tokens = simple_tokens(text)
    # Non-overlapping runs of whole tokens.
    spans: list[tuple[int, int, str]] = []
    i = draw(st.integers(0, len(tokens)))
    while i < len(tokens):
        length = draw(st.integers(1, 3))
        j = min(i + length, len(tokens)) - 1
        spans.append((tokens[i][0], tokens[j][1], draw(st.sampled_from(["PERSON", "GPE"]))))
        i = j + 1 + draw(st.integers(0, 3))
    return text, spans


@given(texts_and_token_spans())
def test_token_aligned_spans_round_trip(case: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, spans = case
    gold = record(*(((s, e), label, Status.ACCEPTED) for s, e, label in spans), text=text)
    task = prodigy_task(Article("p", text), gold, simple_tokens(text))
    assert read_prodigy_spans(task) == sorted(spans)
    assert spell(task) == text
    assert [t["text"] for t in task["tokens"] if not t["text"].isspace()] == \
        [text[s:e] for s, e in simple_tokens(text)]  # aligned spans split no token
    for span in task["spans"]:
        assert span["token_start"] <= span["token_end"]


@st.composite
def texts_and_any_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(st.text(alphabet=st.sampled_from("ab’-. \n'é🇶"), min_size=1, max_size=40))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    spans = []
    for start, end in zip(cuts[0::2], cuts[1::2], strict=False):
        piece = text[start:end]
        if piece.strip() and piece == piece.strip():
            spans.append((start, end, "ORG"))
    return text, spans


@given(texts_and_any_spans())
def test_any_spans_without_edge_whitespace_round_trip(
        case: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, spans = case
    gold = record(*(((s, e), label, Status.CORRECTED) for s, e, label in spans), text=text)
    task = prodigy_task(Article("p", text), gold, simple_tokens(text))
    assert read_prodigy_spans(task) == sorted(spans)
    assert spell(task) == text


def test_without_murmurhash_the_hashlib_hash_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", missing)
    assert prodigy._load_hash() is prodigy._hashlib_hash
