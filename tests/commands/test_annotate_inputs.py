"""`byline annotate` on a folder: what it leaves out is said; bad JSONL lines refuse the
file unless --skip-bad-lines, which skips them with a count. Through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import byline
from tui.formats.readers import read_paths

GOOD = [{"id": f"a{n}", "text": f"Kalin met Fidan in Doha on day {n}."} for n in range(3)]


def corpus(root: Path) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    (folder / "one.txt").write_text("DOHA: Kalin met Fidan.\n", encoding="utf-8")
    (folder / "notes.md").write_text("not an article\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_text("Never read.\n", encoding="utf-8")
    (folder / "evil\x1b[31m.csv").write_text("x\n", encoding="utf-8")
    lines = [json.dumps(GOOD[0]), "{not json", json.dumps(GOOD[1]), '{"id": "x"}',
             json.dumps(GOOD[2])]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_the_reader_lists_what_it_left_out_and_can_skip_bad_lines(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    strict = read_paths([folder])
    assert [a.id for a in strict.articles] == ["one"]
    assert len(strict.errors) == 1 and strict.errors[0].line == 2
    names = strict.skipped[str(folder)]
    assert names == ["evil\u241b[31m.csv", "notes.md", "sub/"]
    assert strict.notices() == [f"skipped 3 files in {folder}/ (evil\u241b[31m.csv, notes.md, "
                                "sub/): only .txt, .jsonl are read"]
    lenient = read_paths([folder], skip_bad_lines=True)
    assert [a.id for a in lenient.articles] == ["one", "a0", "a1", "a2"]
    assert lenient.errors == []
    assert lenient.notices()[1].startswith(
        f"warning: {folder / 'wire.jsonl'}: skipped 2 bad lines (first: line 2: invalid JSON")


def test_every_line_bad_still_refuses_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n[]\n', encoding="utf-8")
    result = read_paths([bad], skip_bad_lines=True)
    assert result.articles == [] and len(result.errors) == 1
    assert result.errors[0].line == 1


def test_annotate_says_what_it_skipped_before_the_app(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    result = byline("annotate", str(folder), "--db", str(tmp_path / "gold.json"))
    lines = result.stderr.splitlines()
    # No terminal here: the app refuses to start, after the summary was said.
    assert result.returncode != 0 and lines[-1].startswith("byline: error: ")
    assert lines[0] == (f"byline: skipped 3 files in {folder}/ (evil\u241b[31m.csv, notes.md, "
                        "sub/): only .txt, .jsonl are read")
    assert "\x1b" not in result.stderr
    assert not any("bad line" in line for line in lines)


def test_a_bad_jsonl_line_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    wire = folder / "wire.jsonl"
    result = byline("annotate", str(wire), "--db", str(tmp_path / "gold.json"))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert lines == [f"byline: error: no article could be read from {wire} "
                     f"({wire}:2: invalid JSON: Expecting property name enclosed in double "
                     "quotes (column 2))"]


def test_skip_bad_lines_skips_them_with_a_count(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    wire = folder / "wire.jsonl"
    result = byline("annotate", str(wire), "--skip-bad-lines", "--db",
                    str(tmp_path / "gold.json"))
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"byline: warning: {wire}: skipped 2 bad lines (first: line 2: "
                               "invalid JSON")
    assert len(lines) == 2 and lines[1].startswith("byline: error: annotate: this opens an app")
    assert "--skip-bad-lines" in byline("annotate", "--help").stdout


def test_suggest_skips_bad_lines_too(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    wire = folder / "wire.jsonl"
    out = tmp_path / "out.jsonl"
    strict = byline("suggest", str(wire), "-o", str(out), "--model", "rules")
    assert strict.returncode != 0
    assert f"byline: error: {wire}:2: invalid JSON" in strict.stderr
    assert not out.exists()
    result = byline("suggest", str(wire), "-o", str(out), "--model", "rules",
                    "--skip-bad-lines")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"warning: {wire}: skipped 2 bad lines (first: line 2: "
                               "invalid JSON")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["a0", "a1", "a2"]
