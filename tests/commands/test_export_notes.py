"""`byline export` says what it left out: records with decisions not marked done (without
`--all`), and why an export wrote nothing. The real CLI on a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.store.gold import GoldStore

ROW = {"id": "a", "text": "Kalin met Hamas in Doha.",
       "entities": [{"start": 0, "end": 5, "label": "PERSON"}]}


def byline(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store where ana decided two articles (one marked done) and bob one (not done)."""
    rows = [ROW, {**ROW, "id": "b"}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows),
                                       encoding="utf-8")
    (tmp_path / "bob.jsonl").write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    db = tmp_path / "s" / "gold.json"
    for source, name in (("in.jsonl", "ana"), ("bob.jsonl", "bob")):
        done = byline("import", source, "--db", db, "--annotator", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    with GoldStore.open(db) as opened:
        record = opened.annotation("a", "ana")
        assert record is not None
        opened.set_done("a", "ana", record.text_hash, True)
    return db


@pytest.mark.parametrize("fmt", ["native", "prodigy", "brat", "conll"])
def test_an_export_names_what_it_left_out(store: Path, tmp_path: Path, fmt: str) -> None:
    result = byline("export", "--db", store, "-o", tmp_path / f"out-{fmt}", "--format", fmt,
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: 2 articles with decisions not marked done were left out (mark an article "
        "done with f in the app, or export with --all)",
        f"Wrote 1 article(s) to {tmp_path / f'out-{fmt}'}"]


def test_one_annotator_is_counted_alone_and_all_leaves_nothing_out(store: Path,
                                                                   tmp_path: Path) -> None:
    bob = byline("export", "--db", store, "-o", tmp_path / "bob.out", "--annotator", "bob",
                 cwd=tmp_path)
    assert bob.returncode == 0, bob.stderr
    assert bob.stderr.splitlines()[0].startswith(
        "note: 1 article with decisions not marked done was left out")
    every = byline("export", "--db", store, "-o", tmp_path / "all.out", "--all", cwd=tmp_path)
    assert every.returncode == 0, every.stderr
    assert every.stderr.splitlines() == [f"Wrote 3 article(s) to {tmp_path / 'all.out'}"]


def test_an_export_of_nothing_says_why(store: Path, tmp_path: Path) -> None:
    nobody = byline("export", "--db", store, "-o", tmp_path / "x.out", "--annotator", "cy",
                    cwd=tmp_path)
    assert nobody.returncode == 0, nobody.stderr
    assert nobody.stderr.splitlines() == [
        "note: the store holds no decisions by cy to export",
        f"Wrote 0 article(s) to {tmp_path / 'x.out'}"]
