"""`byline export --format F` for every format, from a store the real app wrote, each read
back with the consumer's rules: same text, same gold spans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.helpers import article_screen, make_app
from tests.conftest import SEED_ID
from tui.commands.export_store import run_export
from tui.formats.conll import read_conll, read_conll_spans
from tui.formats.doccano import read_doccano
from tui.formats.errors import OutputError
from tui.formats.labelstudio import read_labelstudio

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def annotated(cached_store: Path) -> tuple[Path, set[tuple[int, int, str]], str]:
    """The seed article with its first four entities accepted, one quote and one meeting
    accepted, marked done: the store, the gold entity spans and the text."""
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "x", "a", "a", "t", "a", "t", "a")
        screen = article_screen(app)
        assert screen.session is not None
        gold = {(i.start, i.end, i.label) for i in screen.session.items.values()
                if i.status.is_gold}
        text = screen.article.text
        await pilot.press("f")
        await pilot.pause()
    assert len(gold) == 4
    return cached_store, gold, text


async def test_doccano_both_schemas(annotated: tuple[Path, set[tuple[int, int, str]], str],
                                   tmp_path: Path) -> None:
    store, gold, text = annotated
    out = tmp_path / "doccano.jsonl"
    assert run_export(store, out, "doccano", False, None, False) == 1
    back = read_doccano(out)
    assert back[0].article.text == text and set(back[0].entities) == gold
    rel = tmp_path / "rel.jsonl"
    run_export(store, rel, "doccano-rel", False, None, False)
    row = json.loads(rel.read_text(encoding="utf-8"))
    assert {"entities", "relations"} <= set(row)
    back = read_doccano(rel)
    assert set(back[0].entities) == gold
    assert len(back[0].quotes) == 1 and len(back[0].meetings) == 1


async def test_conll(annotated: tuple[Path, set[tuple[int, int, str]], str],
                     tmp_path: Path) -> None:
    store, gold, text = annotated
    out = tmp_path / "gold.conll"
    assert run_export(store, out, "conll", False, None, False) == 1
    content = out.read_text(encoding="utf-8")
    assert content.startswith("-DOCSTART- -X- -X- O\n")
    assert len(read_conll(content)) == 1
    spans = read_conll_spans(content)
    assert sorted(label for label, _ in spans) == sorted(label for _, _, label in gold)
    for label, words in spans:
        assert any(text[s:e].split() == words.split() and label == lab
                   for s, e, lab in gold), (label, words)


async def test_label_studio(annotated: tuple[Path, set[tuple[int, int, str]], str],
                            tmp_path: Path) -> None:
    store, gold, text = annotated
    out = tmp_path / "tasks.json"
    assert run_export(store, out, "labelstudio", False, None, False) == 1
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert tasks[0]["data"]["text"] == text and tasks[0]["data"]["article_id"] == SEED_ID
    assert set(read_labelstudio(out)[0].entities) == gold
    predicted = read_labelstudio(out, predictions=True)[0].entities
    assert len(predicted) > len(gold)  # every suggestion, for review in Label Studio
    config = (tmp_path / "tasks.config.xml").read_text(encoding="utf-8")
    assert config.startswith("<View>") and 'value="PERSON"' in config


async def test_spacy_docbin_and_its_split(
        annotated: tuple[Path, set[tuple[int, int, str]], str], tmp_path: Path) -> None:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    store, gold, text = annotated
    out = tmp_path / "gold.spacy"
    assert run_export(store, out, "spacy", False, None, False) == 1
    docs = list(DocBin().from_disk(out).get_docs(Vocab()))
    assert docs[0].text == text
    assert {(e.start_char, e.end_char, e.label_) for e in docs[0].ents} == gold
    with pytest.raises(OutputError, match="article"):  # one article cannot be split
        run_export(store, tmp_path / "split", "spacy", False, None, False, dev_fraction=0.5)
    assert not (tmp_path / "split").exists()
    with pytest.raises(ValueError, match="--dev splits a spaCy export only"):
        run_export(store, tmp_path / "x.jsonl", "native", False, None, False, dev_fraction=0.5)


def test_the_command_line_knows_every_format(tmp_path: Path) -> None:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "tui", "export", "--help"],
                            capture_output=True, text=True, env=env, check=False)
    for fmt in ("doccano-rel", "conll", "labelstudio", "spacy", "--dev", "--seed"):
        assert fmt in result.stdout
