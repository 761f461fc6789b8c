"""The keystroke-count bench (bench/bench_keys.py) still reaches its gold in its keys.

The bench's scripted keys annotate the seed article fully with the real model's
suggestions; the store read back must hold exactly the bench's hand-made gold, in
no more keys than its target. A key that changes what it does breaks this test
before it breaks the figure in the README.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tui.formats.readers import read_file

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_keys.py"


@pytest.mark.slow
@pytest.mark.parametrize("size", ["80x24", "120x40"])
def test_the_scripted_keys_reach_the_gold(size: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_keys", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    code = bench.main(["--size", size])
    result = json.loads(capsys.readouterr().out)
    assert result["problems"] == []
    assert result["gold_ok"] is True
    assert result["keys"] <= result["target_keys"]
    assert code == 0


def test_the_gold_check_finds_a_wrong_decision() -> None:
    """The check is not a rubber stamp: one label changed in a correct row fails it."""
    spec = importlib.util.spec_from_file_location("bench_keys", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    text = read_file(bench.SEED)[0].text
    kalin = bench.occurrence(text, "Kalin", 1)
    assert text[kalin:kalin + 5] == "Kalin"
    suggested = [{"start": kalin, "end": kalin + 5, "label": "GPE"}]
    row = {"text": text, "meta": {"done": True},
           "entities": [{"start": kalin, "end": kalin + 5, "label": "GPE"}],
           "rejected": [], "quotes": [], "meetings": [], "rejected_meetings": []}
    problems = bench.check_gold(row, suggested)
    assert any("'Kalin' GPE" in p for p in problems)
