"""Gold rows to spaCy DocBin files (tui.formats.docbin): loading back, splits, snapping,
safe writing, and a real (tiny) `python -m spacy train` on the export."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tui.atomic import temp_files
from tui.core.tokens import simple_tokens
from tui.formats.docbin import DEV_NAME, TRAIN_NAME, DocBinResult, write_docbin
from tui.formats.errors import OutputError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _entity(text: str, phrase: str, label: str, nth: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    end = start + len(phrase)
    return {"start": start, "end": end, "text": text[start:end], "label": label,
            "status": "accepted"}


def _row(row_id: str, text: str, *entities: tuple[str, str]) -> dict[str, Any]:
    return {"id": row_id, "text": text, "meta": {"annotator": "ann"},
            "entities": [_entity(text, phrase, label) for phrase, label in entities],
            "quotes": [], "meetings": []}


ROWS = [
    _row("a1", "Joe Biden met Emmanuel Macron in Paris on Monday.",
         ("Joe Biden", "PERSON"), ("Emmanuel Macron", "PERSON"), ("Paris", "GPE"),
         ("Monday", "DATE")),
    _row("a2", "DOHA:  Qatar's emir spoke to the United Nations.\n\nHe said  little.",
         ("DOHA", "GPE"), ("Qatar", "GPE"), ("the United Nations", "ORG")),
    _row("a3", "Acme Corp raised $5 million from investors in Berlin.",
         ("Acme Corp", "ORG"), ("$5 million", "MONEY"), ("Berlin", "GPE")),
    _row("a4", "Angela Merkel visited Tokyo in March 2020.",
         ("Angela Merkel", "PERSON"), ("Tokyo", "GPE"), ("March 2020", "DATE")),
    _row("a5", "The World Bank said Egypt grew 4 percent.",
         ("The World Bank", "ORG"), ("Egypt", "GPE"), ("4 percent", "PERCENT")),
    _row("a6", "Rishi Sunak flew from London to Washington.",
         ("Rishi Sunak", "PERSON"), ("London", "GPE"), ("Washington", "GPE")),
]


def _load(path: Path) -> list[Any]:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def _ents(doc: Any) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def _gold(row: dict[str, Any]) -> list[tuple[int, int, str]]:
    return sorted((e["start"], e["end"], e["label"]) for e in row["entities"])


def _no_temp(folder: Path) -> None:
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def test_a_single_file_loads_back_with_the_same_texts_and_entities(tmp_path: Path) -> None:
    out = tmp_path / "gold.spacy"
    result = write_docbin(ROWS, out)
    assert result == DocBinResult(out=out, train_path=out, dev_path=None, docs=6, train=6, dev=0,
                                  entities=19, snapped=0, dropped=0)
    assert result.paths == (out,)
    docs = _load(out)
    assert [d.text for d in docs] == [r["text"] for r in ROWS]
    assert [_ents(d) for d in docs] == [_gold(r) for r in ROWS]
    assert [d.user_data["id"] for d in docs] == [r["id"] for r in ROWS]
    # every other token is gold "O", not missing: the article counts as fully annotated
    assert all(t.ent_iob_ in ("B", "I", "O") for d in docs for t in d)
    _no_temp(tmp_path)
    assert not temp_files(out)


def _spacy_tokens(row: dict[str, Any]) -> list[tuple[int, int]]:
    """What byline caches with suggestions: the pipeline's non-space tokens."""
    import spacy

    doc = spacy.blank("en")(row["text"])
    return [(t.idx, t.idx + len(t)) for t in doc if not t.is_space]


def test_given_tokens_are_used_and_the_text_is_kept_exactly(tmp_path: Path) -> None:
    text = "  Washington-based  Acme\tCorp hired\n\n Mr. Smith . "
    row = _row("t", text, ("Acme\tCorp", "ORG"), ("Smith", "PERSON"))
    tokens = simple_tokens(text)
    result = write_docbin([row], tmp_path / "t.spacy", tokens_of=lambda r: tokens)
    (doc,) = _load(tmp_path / "t.spacy")
    assert doc.text == text
    assert [(t.idx, t.idx + len(t)) for t in doc if not t.is_space] == tokens
    assert _ents(doc) == _gold(row)
    assert (result.snapped, result.dropped) == (0, 0)


def test_spacy_tokens_round_trip_for_every_row(tmp_path: Path) -> None:
    out = tmp_path / "s.spacy"
    write_docbin(ROWS, out, tokens_of=_spacy_tokens)
    docs = _load(out)
    assert [d.text for d in docs] == [r["text"] for r in ROWS]
    assert [_ents(d) for d in docs] == [_gold(r) for r in ROWS]


def test_tokens_that_do_not_fit_fall_back_to_spacys_tokenizer(tmp_path: Path) -> None:
    calls: list[str] = []

    def tokens_of(row: dict[str, Any]) -> Sequence[tuple[int, int]] | None:
        calls.append(row["id"])
        return {"a1": [(0, 3), (2, 9)], "a2": [(0, 10_000)], "a3": None}.get(row["id"])

    out = tmp_path / "f.spacy"
    write_docbin(ROWS[:3], out, tokens_of=tokens_of)
    assert calls == ["a1", "a2", "a3"]
    docs = _load(out)
    assert [d.text for d in docs] == [r["text"] for r in ROWS[:3]]
    assert [_ents(d) for d in docs] == [_gold(r) for r in ROWS[:3]]


def test_entities_inside_tokens_are_snapped_and_overlaps_dropped(tmp_path: Path) -> None:
    text = "Washington-based Acme Corp hired Jane Smith on Monday."
    tokens = [(0, 16), *[(m, n) for m, n in simple_tokens(text) if m >= 17]]
    entities = [
        {"start": 0, "end": 10, "label": "GPE"},        # inside "Washington-based": snapped
        {"start": 17, "end": 26, "label": "ORG"},       # aligned
        {"start": 19, "end": 21, "label": "ORG"},       # snaps to "Acme", inside the ORG: dropped
        {"start": 33, "end": 36, "label": "PERSON"},    # "Jan" of "Jane": snapped to "Jane"
        {"start": 35, "end": 43, "label": "PERSON"},    # "ne Smith": snaps onto "Jane Smith",
                                                        # longer, so kept; "Jane" is dropped
        {"start": 43, "end": 44, "label": "DATE"},      # a space only: no token, dropped
        {"start": 47, "end": 99, "label": "DATE"},      # outside the text: dropped
    ]
    row = {"id": "s", "text": text, "entities": entities}
    result = write_docbin([row], tmp_path / "s.spacy", tokens_of=lambda r: tokens)
    (doc,) = _load(tmp_path / "s.spacy")
    assert _ents(doc) == [(0, 16, "GPE"), (17, 26, "ORG"), (33, 43, "PERSON")]
    assert (result.entities, result.snapped, result.dropped) == (3, 2, 4)


def test_labels_are_kept_as_they_are(tmp_path: Path) -> None:
    row = _row("l", "Anna met Bob.", ("Anna", "speaker_X"), ("Bob", "PER"))
    write_docbin([row], tmp_path / "l.spacy")
    (doc,) = _load(tmp_path / "l.spacy")
    assert [e.label_ for e in doc.ents] == ["speaker_X", "PER"]


def test_a_split_is_a_folder_split_by_article_and_seeded(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    result = write_docbin(ROWS, out, dev_fraction=0.3, seed=7)
    assert result.paths == (out / TRAIN_NAME, out / DEV_NAME)
    assert (result.docs, result.train, result.dev) == (6, 4, 2)
    assert sorted(p.name for p in out.iterdir()) == [DEV_NAME, TRAIN_NAME]
    train = [d.user_data["id"] for d in _load(out / TRAIN_NAME)]
    dev = [d.user_data["id"] for d in _load(out / DEV_NAME)]
    assert sorted(train + dev) == [r["id"] for r in ROWS]
    _no_temp(tmp_path)

    # the same seed, whatever the order of the rows, gives the same split
    again = write_docbin(list(reversed(ROWS)), tmp_path / "again", dev_fraction=0.3, seed=7)
    assert sorted(d.user_data["id"] for d in _load(again.train_path)) == sorted(train)
    # other seeds give other splits
    splits = {frozenset(d.user_data["id"] for d in _load(
        write_docbin(ROWS, tmp_path / f"seed{seed}", dev_fraction=0.3, seed=seed).train_path))
        for seed in range(8)}
    assert len(splits) > 1


def test_rows_of_one_article_stay_together(tmp_path: Path) -> None:
    rows = [*ROWS, {**ROWS[0], "meta": {"annotator": "other"}}]
    result = write_docbin(rows, tmp_path / "c", dev_fraction=0.5, seed=3)
    train = [d.user_data["id"] for d in _load(result.train_path)]
    dev = [d.user_data["id"] for d in _load(result.dev_path or Path())]
    assert not set(train) & set(dev)
    assert (train + dev).count("a1") == 2
    assert result.docs == 7


def test_every_part_gets_an_article(tmp_path: Path) -> None:
    small = write_docbin(ROWS[:2], tmp_path / "small", dev_fraction=0.01)
    assert (small.train, small.dev) == (1, 1)
    large = write_docbin(ROWS[:2], tmp_path / "large", dev_fraction=0.99)
    assert (large.train, large.dev) == (1, 1)


def test_fewer_than_two_articles_cannot_be_split(tmp_path: Path) -> None:
    out = tmp_path / "one"
    with pytest.raises(OutputError, match="at least 2"):
        write_docbin(ROWS[:1], out, dev_fraction=0.2)
    assert not out.exists()
    _no_temp(tmp_path)
    with pytest.raises(ValueError):
        write_docbin(ROWS, out, dev_fraction=1.0)


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "gold.spacy"
    out.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists") as error:
        write_docbin(ROWS, out)
    assert error.value.path == out
    assert str(out) in str(error.value)
    assert out.read_bytes() == b"old"
    write_docbin(ROWS[:2], out, force=True)
    assert len(_load(out)) == 2
    _no_temp(tmp_path)


def test_an_existing_split_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    write_docbin(ROWS, out, dev_fraction=0.5)
    with pytest.raises(OutputError, match="already exists"):
        write_docbin(ROWS[:2], out, dev_fraction=0.5)
    result = write_docbin(ROWS[:2], out, dev_fraction=0.5, force=True)
    assert (result.train, result.dev) == (1, 1)
    assert len(_load(out / TRAIN_NAME)) + len(_load(out / DEV_NAME)) == 2
    _no_temp(tmp_path)
    # a folder holding anything else is never replaced, and a file is no folder
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="other files"):
        write_docbin(ROWS, out, dev_fraction=0.5, force=True)
    with pytest.raises(OutputError, match="not a file"):
        write_docbin(ROWS, out, force=True)
    with pytest.raises(OutputError, match="not a folder"):
        write_docbin(ROWS, out / TRAIN_NAME, dev_fraction=0.5, force=True)
    with pytest.raises(OutputError, match="does not exist"):
        write_docbin(ROWS, tmp_path / "missing" / "x.spacy")


def test_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "gold.spacy"

    def rows() -> Any:
        yield ROWS[0]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_docbin(rows(), out)
    with pytest.raises(RuntimeError):
        write_docbin(rows(), tmp_path / "corpus", dev_fraction=0.5)
    assert list(tmp_path.iterdir()) == []


def test_the_export_trains_with_spacy_train(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_docbin(ROWS, corpus, dev_fraction=0.34, seed=1, tokens_of=_spacy_tokens)
    model = tmp_path / "model"
    run = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(FIXTURES / "tiny_ner.cfg"),
         "--output", str(model), "--paths.train", str(corpus / TRAIN_NAME),
         "--paths.dev", str(corpus / DEV_NAME)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (model / "model-last" / "config.cfg").is_file()

    import spacy

    nlp = spacy.load(model / "model-last")
    assert nlp.pipe_names == ["tok2vec", "ner"]
    ner: Any = nlp.get_pipe("ner")
    assert {"PERSON", "GPE", "ORG"} <= set(ner.labels)
