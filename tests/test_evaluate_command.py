"""`byline evaluate` end to end: the command in a subprocess, on temporary files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tui.commands.evaluate import run_evaluate

ROOT = Path(__file__).resolve().parent.parent
DEVSET_GOLD = ROOT / "tests" / "devset" / "gold.jsonl"

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday. “We agreed,” he told AFP."


def sp(part: str, nth: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(part, start + 1)
    return {"start": start, "end": start + len(part), "text": part}


def ent(part: str, label: str, nth: int = 0) -> dict[str, Any]:
    return {**sp(part, nth), "label": label, "status": "accepted"}


GOLD = {
    "id": "doha", "text": TEXT, "meta": {"date": "2025-10-23"},
    "entities": [ent("DOHA", "GPE"), ent("Kalin", "PERSON"), ent("Hamas", "ORG"),
                 ent("Doha", "GPE"), ent("AFP", "ORG")],
    "quotes": [{"content": sp("We agreed"), "speaker": sp("he"), "cue": sp("told"),
                "speaker_ref": sp("Kalin"), "kind": "direct"}],
    "meetings": [{"trigger": sp("met"), "participants": [sp("Kalin"), sp("Hamas officials")],
                  "place": sp("Doha"), "time": sp("late Tuesday"), "date": "2025-10-21",
                  "event": "e1"}],
}
PRED = {
    **GOLD,
    "entities": [ent("DOHA", "GPE"), ent("Kalin", "ORG"), ent("Hamas", "ORG"),
                 ent("Doha", "GPE")],
    "quotes": [{"content": sp("We agreed"), "speaker": sp("he"), "cue": sp("told"),
                "speaker_ref": None, "kind": "direct"}],
    "meetings": [{"trigger": sp("met"), "participants": [sp("Hamas")], "place": None,
                  "time": sp("late Tuesday"), "date": "2025-10-21", "event": "e1"}],
}


def byline(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120, check=False)


def write(path: Path, *rows: Any) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byline: error: ")
    assert result.stdout == ""
    return lines[0]


def figures(stdout: str) -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads(stdout)
    return {(r["layer"], r["label"]): r for r in data["rows"]}


def test_table_of_figures(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD)
    pred = write(tmp_path / "pred.jsonl", PRED)
    result = byline("evaluate", gold, pred)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1 gold article(s); 0 without a prediction")
    table = {tuple(line.split()[:2]): line.split()[2:] for line in lines[2:]}
    assert lines[1].split()[:5] == ["layer", "label", "precision", "recall", "f1"]
    # ORG: Hamas found, Kalin wrongly ORG, AFP missed -> P 0.5, R 0.5
    assert table[("entities", "ORG")] == ["0.500", "0.500", "0.500", "-", "2", "1", "1", "1"]
    assert table[("entities", "overall")][:3] == ["0.750", "0.600", "0.667"]
    assert table[("quotes", "direct")][:3] == ["1.000", "1.000", "1.000"]
    assert table[("speakers", "accuracy")][3] == "1.000"
    assert table[("meetings", "participants")][:3] == ["1.000", "0.500", "0.667"]
    assert table[("meetings", "place")][:5] == ["-", "0.000", "0.000", "-", "1"]


def test_json_output(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD)
    pred = write(tmp_path / "pred.jsonl", PRED)
    result = byline("evaluate", gold, pred, "--json")
    assert result.returncode == 0, result.stderr
    rows = figures(result.stdout)
    assert rows[("entities", "PERSON")]["recall"] == 0.0
    assert rows[("meetings", "trigger")]["f1"] == 1.0
    assert rows[("meetings", "time")]["tp"] == 1


def test_missing_prediction_row(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD, {**GOLD, "id": "other"})
    pred = write(tmp_path / "pred.jsonl", PRED)
    result = byline("evaluate", gold, pred, "--json")
    data = json.loads(result.stdout)
    assert data["missing"] == ["other"]
    rows = figures(result.stdout)
    assert (rows[("quotes", "all")]["tp"], rows[("quotes", "all")]["fn"]) == (1, 1)


def test_bad_line_is_one_clear_error(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD)
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps(PRED) + "\n{not json\n", encoding="utf-8")
    error = one_line_error(byline("evaluate", gold, pred))
    assert f"{pred}:2: invalid JSON" in error


def test_bad_row_names_file_line_and_field(tmp_path: Path) -> None:
    broken = {**GOLD, "quotes": [{"speaker": None}]}
    gold = write(tmp_path / "gold.jsonl", GOLD, broken)
    error = one_line_error(byline("evaluate", gold, gold))
    assert f"{gold}:2: quotes[0]: missing 'content'" in error


def test_missing_file(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD)
    error = one_line_error(byline("evaluate", gold, tmp_path / "nope.jsonl"))
    assert "nope.jsonl: no such file" in error


def test_devset_gold_against_itself() -> None:
    result = byline("evaluate", DEVSET_GOLD, DEVSET_GOLD, "--json")
    assert result.returncode == 0, result.stderr
    for row in json.loads(result.stdout)["rows"]:
        key = "accuracy" if row["layer"] == "speakers" else "f1"
        assert row[key] == 1.0, row


def test_run_evaluate_as_a_function(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", GOLD)
    out: list[str] = []
    errors: list[str] = []
    assert run_evaluate(gold, gold, echo=out.append, error=errors.append) == 0
    assert errors == [] and any(line.startswith("meetings  trigger") for line in out)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert run_evaluate(empty, gold, echo=out.append, error=errors.append) == 2
    assert errors == [f"{empty}: no articles"]
