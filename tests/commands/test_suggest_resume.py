"""`byline suggest` at corpus scale: resuming after an interruption, streaming, progress text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.commands.test_suggest_command import Echo, read_rows
from tui.commands import suggest as command
from tui.commands.suggest import (
    EXIT_INTERRUPTED,
    progress_text,
    rate_text,
    run_suggest,
    stream_file,
    time_left_text,
)
from tui.core.model import Article, Suggestions
from tui.formats.errors import InputError
from tui.formats.readers import read_file
from tui.nlp import suggest as suggest_module

ROOT = Path(__file__).resolve().parents[2]

SENTENCES = [
    "President Joe Biden met officials in Qatar on Tuesday.",
    "Foreign Minister Hakan Fidan flew to Cairo.",
    "Prices rose 12 percent in France.",
    "Angela Merkel spoke with Emmanuel Macron in Paris.",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "a_wire.jsonl").open("w", encoding="utf-8") as f:
        for i in range(23):
            text = f"Story {i}. " + " ".join(SENTENCES[(i + k) % 4] for k in range(3))
            f.write(json.dumps({"id": f"w{i:02d}", "text": text, "meta": {"n": i}}) + "\n")
    (folder / "b_summit.txt").write_text(
        "date 2025-10-23\nDOHA: President Joe Biden met officials in Qatar on Tuesday.\n",
        encoding="utf-8")
    return folder


@pytest.fixture
def reference(corpus: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """The rows of one uninterrupted run."""
    out = tmp_path / "reference.jsonl"
    assert run_suggest([corpus], out, "rules", progress=False, echo=Echo()) == 0
    rows = read_rows(out)
    assert len(rows) == 24
    return rows


def test_resume_after_a_torn_write_gives_the_rows_of_one_run(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    whole = (tmp_path / "reference.jsonl").read_bytes().splitlines(keepends=True)
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(whole[:9]) + whole[9][:40])  # 9 rows and a torn tenth
    echo = Echo()
    assert run_suggest([corpus], out, "rules", batch_size=4, progress=False, echo=echo,
                       resume=True) == 0
    assert echo.errors() == []
    assert echo.lines[-1].startswith(f"wrote 15 articles to {out} (")
    assert "; 9 already there;" in echo.lines[-1]
    rows = read_rows(out)
    assert Counter(row["id"] for row in rows) == Counter(row["id"] for row in reference)
    assert max(Counter(row["id"] for row in rows).values()) == 1
    assert rows == reference


def test_ctrl_c_keeps_the_complete_batches_and_resume_finishes(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = suggest_module.suggest

    def interrupted(loaded: Any, articles: Any, batch_size: int = 64,
                    n_process: int = 1) -> Iterator[tuple[Article, Suggestions]]:
        for n, pair in enumerate(real(loaded, articles, batch_size, n_process)):
            if n == 11:
                raise KeyboardInterrupt
            yield pair

    monkeypatch.setattr(suggest_module, "suggest", interrupted)
    out = tmp_path / "out.jsonl"
    echo = Echo()
    code = run_suggest([corpus], out, "rules", batch_size=5, progress=False, echo=echo)
    assert code == EXIT_INTERRUPTED
    assert echo.lines[-1] == (f"interrupted: 10 articles written to {out} (of 24); "
                              f"run again with --resume to finish")
    assert read_rows(out) == reference[:10]

    monkeypatch.setattr(suggest_module, "suggest", real)
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 0
    assert read_rows(out) == reference


_CHILD = """
import sys, time
from pathlib import Path
from tui.nlp import suggest as module
from tui.commands.suggest import run_suggest
real = module.suggest
def slow(loaded, articles, batch_size=64, n_process=1):
    for pair in real(loaded, articles, batch_size, n_process):
        time.sleep(0.02)
        yield pair
module.suggest = slow
sys.exit(run_suggest([Path(sys.argv[1])], Path(sys.argv[2]), "rules", batch_size=1,
                     progress=False, echo=lambda line: None))
"""


def test_sigkill_at_any_moment_leaves_valid_rows_and_resume_finishes(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    for delay in (0.35, 0.5):
        out = tmp_path / f"killed-{delay}.jsonl"
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(corpus), str(out)],
                                 cwd=ROOT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
            time.sleep(0.005)
        time.sleep(delay / 10)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        data = out.read_bytes()
        complete = data[:data.rfind(b"\n") + 1]
        written = [json.loads(line) for line in complete.splitlines()]
        assert 0 < len(written) < len(reference)
        assert written == reference[:len(written)]
        assert run_suggest([corpus], out, "rules", progress=False, echo=Echo(),
                           resume=True) == 0
        assert read_rows(out) == reference


def test_resume_without_an_output_is_a_fresh_run(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    out = tmp_path / "out.jsonl"
    assert run_suggest([corpus], out, "rules", progress=False, echo=Echo(), resume=True) == 0
    assert read_rows(out) == reference


def test_resume_with_nothing_left_drops_the_torn_line(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    out = tmp_path / "out.jsonl"
    whole = (tmp_path / "reference.jsonl").read_bytes()
    out.write_bytes(whole + b'{"id": "w9')
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 0
    assert echo.lines[-1].startswith(f"wrote 0 articles to {out} (")
    assert out.read_bytes() == whole


def test_resume_refuses_rows_of_another_model(corpus: Path, tmp_path: Path,
                                              reference: list[dict[str, Any]]) -> None:
    out = tmp_path / "out.jsonl"
    rows = [dict(row, model={"name": "byline_rules", "version": "0.0.1"})
            for row in reference[:5]]
    content = "".join(json.dumps(row) + "\n" for row in rows)
    out.write_text(content, encoding="utf-8")
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 2
    (error,) = echo.errors()
    assert error.startswith(f"byline: error: {out}: its rows are from byline_rules 0.0.1, not "
                            f"byline_rules ")
    assert out.read_text(encoding="utf-8") == content


def test_resume_refuses_a_file_that_is_not_byline_suggestions(corpus: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    content = '{"id": "w00", "text": "Story 0.", "entities": []}\n'
    out.write_text(content, encoding="utf-8")
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 2
    (error,) = echo.errors()
    assert error.startswith(f"byline: error: {out}:1: not a byline suggestions file")
    assert out.read_text(encoding="utf-8") == content

    content = '{"id": "w00", "text": "x", "model": {"name": "m", "version": "1"}}\nprecious\n'
    out.write_text(content, encoding="utf-8")
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 2
    assert echo.errors()[0].startswith(f"byline: error: {out}:2: not a byline suggestions file")
    assert out.read_text(encoding="utf-8") == content


def test_resume_refuses_an_article_whose_text_changed(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    out = tmp_path / "out.jsonl"
    changed = dict(reference[0], text=reference[0]["text"] + " More.")
    out.write_text(json.dumps(changed) + "\n", encoding="utf-8")
    echo = Echo()
    assert run_suggest([corpus], out, "rules", progress=False, echo=echo, resume=True) == 2
    (error,) = echo.errors()
    assert "article 'w00' has a different text than its row in the output" in error


def test_resume_and_force_together_are_refused(corpus: Path, tmp_path: Path) -> None:
    echo = Echo()
    assert run_suggest([corpus], tmp_path / "out.jsonl", "rules", force=True, resume=True,
                       progress=False, echo=echo) == 2
    assert echo.errors() == ["byline: error: --resume and --force cannot be used together"]


def test_not_a_terminal_gives_no_bar_and_one_summary_line(
        corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    echo = Echo()
    assert run_suggest([corpus], out, "rules", echo=echo) == 0  # stderr is not a terminal
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    (line,) = echo.lines
    assert line.startswith(f"wrote 24 articles to {out} (")
    assert line.endswith(" articles/s)")


def test_progress_text() -> None:
    assert rate_text(0, None) == "-- articles/s"
    assert rate_text(50, 2.0) == "25.0 articles/s"
    assert time_left_text(0, 100, 1.0) == "-:--:--"
    assert time_left_text(100, 10_000, 4.0) == "0:06:36 left"
    assert time_left_text(1, 10_000, 3.0) == "8:19:57 left"
    assert time_left_text(10, 10, 1.0, finished=True) == "done"
    assert progress_text(2500, 10_000, 100.0) == (
        "2500/10000 articles, 25.0 articles/s, 0:05:00 left")
    assert progress_text(10, 10, 1.0) == "10/10 articles, 10.0 articles/s, done"


@pytest.mark.parametrize("content", [
    b'{"id": "a", "text": "One."}\n\n{"id": 2, "text": "Two.", "meta": {"k": "v"}}\n',
    b'\xef\xbb\xbf{"text": "BOM first."}\r\n{"text": "CRLF"}\r\n',
    b'{"id": "a", "text": "no newline at the end"}',
    b'{"id": "a", "text": "One."}\n{"id": "a", "text": "Again."}\n',
    b'{"id": "a", "text": "One."}\n{"id": \n',
    b'{"id": "a", "text": "One."}\n{"id": "b", "text": "tor',
    b'{"id": "a", "text": "caf\xe9"}\n',
    b'{"id": "a", "text": "One."}\n\x00\n',
    b'\n  \n',
    b'{"id": "a", "text": NaN}\n',
    b'["not an object"]\n',
])
def test_streaming_reads_what_read_file_reads(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    try:
        expected: list[Article] | str = read_file(path)
    except InputError as error:
        expected = str(error)
    try:
        got: list[Article] | str = list(stream_file(path))
    except InputError as error:
        got = str(error)
    assert got == expected


def test_articles_are_read_lazily(corpus: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline takes articles from a generator, not a list of the whole corpus."""
    seen: list[str] = []
    real = suggest_module.suggest

    def spy(loaded: Any, articles: Any, batch_size: int = 64,
            n_process: int = 1) -> Iterator[tuple[Article, Suggestions]]:
        seen.append(type(articles).__name__)
        return real(loaded, articles, batch_size, n_process)

    monkeypatch.setattr(suggest_module, "suggest", spy)
    assert command.run_suggest([corpus], tmp_path / "out.jsonl", "rules", progress=False,
                               echo=Echo()) == 0
    assert seen == ["generator"]


def test_worker_processes_write_the_rows_of_one_process(
        corpus: Path, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    out = tmp_path / "out.jsonl"
    assert run_suggest([corpus], out, "rules", batch_size=5, n_process=2, progress=False,
                       echo=Echo()) == 0
    assert read_rows(out) == reference


def test_the_first_pass_refuses_what_read_paths_refuses(corpus: Path, tmp_path: Path) -> None:
    from tui.formats.readers import read_paths

    (corpus / "c_again.jsonl").write_text(
        json.dumps({"id": "x1", "text": "New."}) + "\n"
        + json.dumps({"id": "w03", "text": "Taken already."}) + "\n", encoding="utf-8")
    (corpus / "d_bad.jsonl").write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    expected = [f"byline: error: {error}" for error in read_paths([corpus]).errors]
    assert len(expected) == 2
    echo = Echo()
    assert run_suggest([corpus], tmp_path / "out.jsonl", "rules", progress=False,
                       echo=echo) == 1
    assert echo.errors() == expected
    assert len(read_rows(tmp_path / "out.jsonl")) == 24
