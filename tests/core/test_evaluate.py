"""tui.core.evaluate: the metrics on small hand-built rows, and the development set."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tui.core.evaluate import (
    QUOTE_OVERLAP,
    Annotations,
    Evaluation,
    Score,
    evaluate,
    format_rows,
    parse_row,
    quote_match,
)
from tui.core.text import normalise

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "tests" / "devset"


def span(start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": "x" * (end - start)}


def ent(start: int, end: int, label: str) -> dict[str, Any]:
    return {**span(start, end), "label": label, "status": "accepted"}


def quote(start: int, end: int, speaker: tuple[int, int] | None = None,
          ref: tuple[int, int] | None = None, kind: str = "direct") -> dict[str, Any]:
    return {"content": span(start, end), "speaker": span(*speaker) if speaker else None,
            "cue": None, "speaker_ref": span(*ref) if ref else None, "kind": kind}


def meeting(trigger: tuple[int, int], participants: Sequence[tuple[int, int]] = (),
            place: tuple[int, int] | None = None, time: tuple[int, int] | None = None,
            date: str | None = None, event: str = "e1") -> dict[str, Any]:
    return {"trigger": span(*trigger), "participants": [span(*p) for p in participants],
            "place": span(*place) if place else None, "time": span(*time) if time else None,
            "date": date, "event": event}


def row(id: str = "a", entities: Sequence[Any] = (), quotes: Sequence[Any] = (),
        meetings: Sequence[Any] = ()) -> Annotations:
    return parse_row({"id": id, "text": "", "entities": list(entities), "quotes": list(quotes),
                      "meetings": list(meetings)})


def run(gold: list[Annotations], pred: list[Annotations], **kwargs: Any) -> Evaluation:
    return evaluate(gold, pred, **kwargs)


def prf(score: Score) -> tuple[int, int, int]:
    return score.tp, score.fp, score.fn


# ------------------------------------------------------------------ scores


def test_score_figures_and_undefined_ones() -> None:
    score = Score(tp=1, fp=1, fn=2)
    assert score.precision == 0.5
    assert score.recall == pytest.approx(1 / 3)
    assert score.f1 == pytest.approx(0.4)
    assert score.support == 3
    empty = Score()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)


# ---------------------------------------------------------------- entities


def test_entities_exact_span_and_label_per_label_and_overall() -> None:
    gold = row(entities=[ent(0, 4, "GPE"), ent(6, 11, "PERSON"), ent(16, 21, "ORG")])
    pred = row(entities=[ent(0, 4, "GPE"), ent(6, 11, "ORG"), ent(16, 20, "ORG"),
                         ent(30, 35, "DATE")])
    result = run([gold], [pred])
    assert set(result.entities) == {"GPE", "ORG", "PERSON"}  # DATE: not a gold label
    assert prf(result.entities["GPE"]) == (1, 0, 0)
    assert prf(result.entities["PERSON"]) == (0, 0, 1)
    assert prf(result.entities["ORG"]) == (0, 2, 1)
    overall = result.entities_overall
    assert prf(overall) == (1, 2, 2)
    assert overall.f1 == pytest.approx(2 / 6)


def test_entity_labels_can_be_chosen() -> None:
    gold = row(entities=[ent(0, 4, "GPE")])
    pred = row(entities=[ent(0, 4, "GPE"), ent(30, 35, "DATE")])
    result = run([gold], [pred], labels=["GPE", "DATE"])
    assert prf(result.entities["DATE"]) == (0, 1, 0)
    assert prf(result.entities_overall) == (1, 1, 0)


# ------------------------------------------------------------------ quotes


def test_quote_overlap_rule_at_its_boundary() -> None:
    assert QUOTE_OVERLAP == 0.8
    gold = row(quotes=[quote(0, 10)])
    exactly = run([gold], [row(quotes=[quote(2, 10)])])      # covers 8 of 10
    assert prf(exactly.quotes) == (1, 0, 0)
    short = run([gold], [row(quotes=[quote(3, 10)])])        # covers 7 of 10
    assert prf(short.quotes) == (0, 1, 1)
    longer = run([gold], [row(quotes=[quote(0, 40)])])       # covers all, and more
    assert prf(longer.quotes) == (1, 0, 0)
    assert quote_match(span_obj(0, 10), span_obj(2, 10)) == 0.8
    assert quote_match(span_obj(0, 10), span_obj(20, 30)) == 0.0


def span_obj(start: int, end: int) -> Any:
    from tui.core.model import Span

    return Span(start, end)


def test_quote_matching_is_one_to_one_and_greedy() -> None:
    gold = row(quotes=[quote(0, 10), quote(10, 20)])
    # P covers A wholly and B at 80%: it goes to A, its best; Q (90% of B) takes B.
    pred = row(quotes=[quote(0, 18), quote(11, 20)])
    assert prf(run([gold], [pred]).quotes) == (2, 0, 0)
    # Two predictions for one gold quote: one of them is a false positive.
    twice = row(quotes=[quote(0, 10), quote(1, 10)])
    assert prf(run([row(quotes=[quote(0, 10)])], [twice]).quotes) == (1, 1, 0)


def test_direct_and_indirect_quotes_are_scored_apart() -> None:
    gold = row(quotes=[quote(0, 10, kind="direct"), quote(20, 30, kind="indirect")])
    pred = row(quotes=[quote(0, 10, kind="direct"), quote(20, 30, kind="direct")])
    result = run([gold], [pred])
    assert prf(result.quotes) == (2, 0, 0)
    assert prf(result.direct_quotes) == (1, 1, 0)
    assert prf(result.indirect_quotes) == (0, 0, 1)


# ---------------------------------------------------------------- speakers


@pytest.mark.parametrize(("speaker", "ref", "correct"), [
    ((50, 52), None, True),          # the same pronoun
    (None, (6, 11), True),           # the named mention only
    ((6, 11), None, True),           # the named mention given as the speaker
    ((7, 9), (80, 85), True),        # overlapping the named mention is enough
    ((80, 85), (90, 95), False),     # someone else
    (None, None, False),             # unattributed, but the gold has a speaker
])
def test_speaker_attribution(speaker: tuple[int, int] | None, ref: tuple[int, int] | None,
                             correct: bool) -> None:
    gold = row(quotes=[quote(20, 40, speaker=(50, 52), ref=(6, 11))])
    pred = row(quotes=[quote(20, 40, speaker=speaker, ref=ref)])
    speakers = run([gold], [pred]).speakers
    assert (speakers.correct, speakers.total) == (int(correct), 1)


def test_unattributed_gold_quote_is_right_only_when_left_unattributed() -> None:
    gold = row(quotes=[quote(20, 40)])
    assert run([gold], [row(quotes=[quote(20, 40)])]).speakers.accuracy == 1.0
    guessed = row(quotes=[quote(20, 40, speaker=(50, 52), ref=(6, 11))])
    assert run([gold], [guessed]).speakers.accuracy == 0.0
    only_ref = row(quotes=[quote(20, 40, ref=(6, 11))])
    assert run([gold], [only_ref]).speakers.accuracy == 0.0


def test_speaker_accuracy_counts_matched_quotes_only() -> None:
    gold = row(quotes=[quote(0, 10, speaker=(50, 52), ref=(6, 11)),
                       quote(20, 30, speaker=(60, 62), ref=(6, 11))])
    pred = row(quotes=[quote(0, 10, speaker=(50, 52)), quote(25, 30, speaker=(60, 62))])
    speakers = run([gold], [pred]).speakers
    assert (speakers.correct, speakers.total) == (1, 1)


# ---------------------------------------------------------------- meetings


def test_meeting_triggers_and_their_roles() -> None:
    gold = row(meetings=[
        meeting((10, 13), [(0, 5), (20, 30), (35, 40)], place=(45, 50), time=(51, 63),
                date="2025-10-21"),
        meeting((100, 107), [(90, 95)], event="e2"),
        meeting((200, 205), event="e3"),
    ])
    pred = row(meetings=[
        # trigger overlaps; two of three participants (one of them overlapping, one a
        # false positive); the place misses; no time; a wrong date
        meeting((10, 16), [(0, 5), (22, 25), (60, 70)], place=(80, 85), date="2025-10-22"),
        # trigger overlaps; participant right; a time the gold lacks
        meeting((104, 110), [(90, 95)], time=(120, 125), date="2025-10-20"),
        # no gold meeting here
        meeting((300, 305)),
    ])
    result = run([gold], [pred])
    assert prf(result.triggers) == (2, 1, 1)
    assert prf(result.participants) == (3, 1, 1)
    assert prf(result.place) == (0, 1, 1)
    assert prf(result.time) == (0, 1, 1)
    assert prf(result.date) == (0, 2, 1)


def test_meeting_roles_count_over_matched_triggers_only() -> None:
    gold = row(meetings=[meeting((10, 13), [(0, 5)], place=(20, 25))])
    pred = row(meetings=[meeting((40, 43), [(0, 5)], place=(20, 25))])
    result = run([gold], [pred])
    assert prf(result.triggers) == (0, 1, 1)
    assert prf(result.participants) == (0, 0, 0)
    assert prf(result.place) == (0, 0, 0)


# ---------------------------------------------------------- missing rows


def test_missing_prediction_counts_all_gold_as_missed() -> None:
    gold = [row("a", entities=[ent(0, 4, "GPE")], quotes=[quote(0, 10, (50, 52), (6, 11))],
                meetings=[meeting((10, 13), [(0, 5)])]),
            row("b", entities=[ent(0, 4, "GPE")])]
    pred = [row("b", entities=[ent(0, 4, "GPE")]), row("z", entities=[ent(0, 4, "GPE")])]
    result = run(gold, pred)
    assert result.missing == ("a",)
    assert result.extra == ("z",)
    assert prf(result.entities_overall) == (1, 0, 1)
    assert prf(result.quotes) == (0, 0, 1)
    assert prf(result.triggers) == (0, 0, 1)
    assert result.speakers.total == 0
    assert result.speakers.accuracy is None


# -------------------------------------------------------------- rows, input


def test_rows_and_their_text_form() -> None:
    gold = row(entities=[ent(0, 4, "GPE")], quotes=[quote(0, 10)])
    result = run([gold], [row()])
    rows = result.rows()
    assert [(r.layer, r.label) for r in rows] == [
        ("entities", "GPE"), ("entities", "overall"), ("quotes", "all"), ("quotes", "direct"),
        ("quotes", "indirect"), ("speakers", "accuracy"), ("meetings", "trigger"),
        ("meetings", "participants"), ("meetings", "place"), ("meetings", "time"),
        ("meetings", "date")]
    gpe = rows[0]
    assert (gpe.precision, gpe.recall, gpe.f1, gpe.support) == (None, 0.0, 0.0, 1)
    lines = format_rows(rows)
    assert lines[0].split() == ["layer", "label", "precision", "recall", "f1", "accuracy",
                                "support", "tp", "fp", "fn"]
    assert lines[1].split() == ["entities", "GPE", "-", "0.000", "0.000", "-", "1", "0", "0",
                                "1"]
    assert json.loads(json.dumps(result.to_json()))["rows"][0]["label"] == "GPE"


@pytest.mark.parametrize(("data", "message"), [
    ([], "not a JSON object"),
    ({"text": ""}, '"id"'),
    ({"id": "a", "quotes": {}}, '"quotes" must be an array'),
    ({"id": "a", "entities": [{"start": 0, "label": "GPE"}]}, "entities[0]: missing 'end'"),
    ({"id": "a", "entities": [{"start": "0", "end": 4, "label": "GPE"}]}, "not an integer"),
    ({"id": "a", "quotes": [{"content": None}]}, "quotes[0]: a quote needs a content span"),
    ({"id": "a", "meetings": [{"participants": []}]}, "meetings[0]: missing 'trigger'"),
])
def test_parse_row_errors(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_row(data)


def test_core_evaluate_imports_no_ui_or_nlp() -> None:
    code = ("import sys, tui.core.evaluate; "
            "print([m for m in ('textual', 'rich', 'spacy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------- the dev set


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devset_build", DEVSET / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gold_rows() -> list[dict[str, Any]]:
    lines = (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_devset_is_what_build_py_writes(gold_rows: list[dict[str, Any]]) -> None:
    assert load_build().build() == gold_rows


def test_devset_is_well_formed(gold_rows: list[dict[str, Any]]) -> None:
    assert len(gold_rows) >= 30
    assert len({r["id"] for r in gold_rows}) == len(gold_rows)

    def check(span: dict[str, Any] | None, text: str) -> None:
        if span is not None:
            assert text[span["start"]:span["end"]] == span["text"]
            assert span["start"] < span["end"]

    for r in gold_rows:
        text = r["text"]
        assert 60 <= len(text.split()) <= 180, r["id"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["meta"]["date"])
        assert not set("{}<>") & set(text), r["id"]  # no markup left behind
        assert normalise(text) == text, r["id"]  # offsets hold once byline reads it
        for e in r["entities"]:
            check(e, text)
            assert e["label"] in ("PERSON", "ORG", "GPE") and e["status"] == "accepted"
        for q in r["quotes"]:
            for key in ("content", "speaker", "cue", "speaker_ref"):
                check(q[key], text)
            assert q["kind"] in ("direct", "indirect")
            assert (q["speaker"] is None) == (q["speaker_ref"] is None)
        for m in r["meetings"]:
            for key in ("trigger", "place", "time"):
                check(m[key], text)
            for p in m["participants"]:
                check(p, text)
            assert m["event"]
            assert m["date"] is None or m["time"] is not None
        parse_row(r)


def test_devset_covers_every_construction_the_readme_counts(
        gold_rows: list[dict[str, Any]]) -> None:
    build = load_build()
    counts = build.count_constructions(gold_rows)
    readme = (DEVSET / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (.+?) \| (\d+) \|$", readme, re.MULTILINE))
    assert list(table) == list(build.CONSTRUCTIONS)
    for name in build.CONSTRUCTIONS:
        assert counts[name] >= 1, name
        assert int(table[name]) == counts[name], name
    assert int(table["articles"]) == len(gold_rows)


def test_devset_against_itself_scores_one_everywhere(gold_rows: list[dict[str, Any]]) -> None:
    rows = [parse_row(r) for r in gold_rows]
    result = evaluate(rows, rows)
    for r in result.rows():
        figures = [r.accuracy] if r.layer == "speakers" else [r.precision, r.recall, r.f1]
        assert figures and all(f == 1.0 for f in figures), r
        assert r.support > 0, r
