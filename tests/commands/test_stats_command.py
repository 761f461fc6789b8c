"""`byline stats` (tui.commands.stats.run_stats) on real gold store files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tui.commands.stats import CHART_DAYS, bar, day_chart, run_stats
from tui.core.layers import LayerItem, QuoteSuggestion
from tui.core.model import Article, EntityItem, EntitySuggestion, Span, Status
from tui.core.stats import DayCount
from tui.store.gold import GoldStore, StoreError

ARTICLE = Article("art-1", "Ana Lima met officials of Acme Corp in Lisbon on Monday. " * 4)
OTHER = Article("art-2", "The minister said the talks in Geneva went well. " * 4)
HOSTILE_NAME = "[bold]x[/]"
HOSTILE_LABEL = "[@click=app.quit]"


def item(n: int, label: str, status: Status, time: str | None,
         suggested: str | None = None, annotator: str = "ana") -> EntityItem:
    suggestion = None if suggested is None else EntitySuggestion(n, n + 2, suggested)
    return EntityItem(f"s:{n}", n, n + 2, label, status, suggestion=suggestion,
                      annotator=annotator, time=time)


def run(db: Path, **options: object) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = run_stats(db, lines.append, **options)  # type: ignore[arg-type]
    return code, lines


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store: ana (PER 3 accepted, 1 corrected, 1 rejected; ORG added; a quote; done),
    bo (the hostile name: the hostile label added, a PER rejected, over midnight UTC)."""
    path = tmp_path / "gold.json"
    with GoldStore.open(path) as store:
        store.put_article(ARTICLE)
        store.put_article(OTHER)
        h, h2 = ARTICLE.text_hash, OTHER.text_hash
        store.save_items(ARTICLE.id, "ana", h, {
            "s:0": item(0, "PER", Status.ACCEPTED, "2026-03-01T09:00:00Z", "PER"),
            "s:3": item(3, "PER", Status.ACCEPTED, "2026-03-01T09:01:00Z", "PER"),
            "s:6": item(6, "PER", Status.ACCEPTED, "2026-03-01T23:59:59Z", "PER"),
            "s:9": item(9, "ORG", Status.CORRECTED, "2026-03-02T00:00:00Z", "PER"),
            "s:12": item(12, "PER", Status.REJECTED, "2026-03-02T08:00:00Z", "PER"),
            "s:15": item(15, "ORG", Status.ADDED, None),
        })
        content = QuoteSuggestion(Span(20, 30), None, None, None, "indirect")
        store.save_items(ARTICLE.id, "ana", h, {
            "q:1": LayerItem("q:1", content, Status.ACCEPTED, suggestion=content,
                             annotator="ana", time="2026-03-02T08:05:00Z")})
        store.set_done(ARTICLE.id, "ana", h, True)
        store.save_items(OTHER.id, HOSTILE_NAME, h2, {
            "s:1": item(1, HOSTILE_LABEL, Status.ADDED, "2026-03-01T23:30:00-01:00",
                        annotator=HOSTILE_NAME),
            "s:4": item(4, "PER", Status.REJECTED, "2026-03-02T00:10:00Z", "PER",
                        annotator=HOSTILE_NAME),
        })
    return path


def _row(lines: list[str], first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    for line in lines:
        cells = re.split(r"\s{2,}", line.strip())
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n" + "\n".join(lines))


def test_the_report_tables(db: Path) -> None:
    code, lines = run(db)
    assert code == 0
    text = "\n".join(lines)
    assert all(len(line) <= 100 for line in lines)
    assert "\x1b" not in text  # no colour codes
    assert "Progress per annotator" in text
    # Annotator  Articles  Done  Entities  Quotes  Meetings  Decisions
    assert _row(lines, "ana") == ["ana", "1", "1", "6", "1", "0", "7"]
    assert _row(lines, HOSTILE_NAME) == [HOSTILE_NAME, "1", "0", "2", "0", "0", "2"]
    assert _row(lines, "all annotators") == ["all annotators", "2", "1", "8", "1", "0", "9"]
    # Label  Gold  Accepted  Corrected  Added  Suggested  Accept  Correct  Reject
    # (a PER suggestion relabelled ORG is a corrected PER suggestion, gold ORG)
    assert _row(lines, "PER") == ["PER", "3", "3", "0", "0", "6", "50.0%", "16.7%", "33.3%"]
    assert _row(lines, "ORG") == ["ORG", "2", "0", "1", "1", "0", "–", "–", "–"]
    assert _row(lines, HOSTILE_LABEL) == [HOSTILE_LABEL, "1", "0", "0", "1", "0", "–", "–", "–"]
    assert _row(lines, "all labels") == ["all labels", "6", "3", "1", "2", "6", "50.0%",
                                         "16.7%", "33.3%"]
    # Layer  Decisions  Gold  Added  Suggested  Accept  Correct  Reject
    assert _row(lines, "quotes") == ["quotes", "1", "1", "0", "1", "100.0%", "0.0%", "0.0%"]
    assert _row(lines, "meetings") == ["meetings", "0", "0", "0", "0", "–", "–", "–"]


def test_the_day_chart(db: Path) -> None:
    _, lines = run(db)
    start = next(i for i, line in enumerate(lines) if line.startswith("Decisions per day"))
    chart = [line for line in lines[start + 1:] if line.startswith("2026-")]
    # 2026-03-01: ana 3 (09:00, 09:01, 23:59:59Z) + bo 1 (23:30-01:00 is 00:30 on the 2nd)
    days = {line.split()[0]: (line.split()[1] if len(line.split()) > 2 else "",
                              int(line.split()[-1])) for line in chart}
    assert days["2026-03-01"][1] == 3
    assert days["2026-03-02"][1] == 5
    assert len(days["2026-03-02"][0]) == 100 - 10 - 2 - 1 - 1  # the largest fills the width
    assert set(days["2026-03-01"][0]) <= set("█▏▎▍▌▋▊▉")
    assert "(1 decision has no time)" in lines


def test_hostile_names_and_labels_are_printed_literally(db: Path) -> None:
    _, lines = run(db)
    text = "\n".join(lines)
    assert HOSTILE_NAME in text and HOSTILE_LABEL in text
    _, lines = run(db, annotator=HOSTILE_NAME)
    assert _row(lines, HOSTILE_NAME)[0] == HOSTILE_NAME
    assert "ana" not in "\n".join(lines).split()


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "gold.json"
    name, label = "ev\x1b[2Jil\x9b", "L\x1b]8;;x\x07AB\u202e"
    with GoldStore.open(path) as store:
        store.put_article(ARTICLE)
        store.save_items(ARTICLE.id, name, ARTICLE.text_hash,
                         {"s:1": item(1, label, Status.ADDED, "2026-03-01T00:00:00Z")})
    _, lines = run(path)
    text = "\n".join(lines)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text)
    assert "ev\u241b[2Jil" in text
    _, lines = run(path, as_json=True)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e]", lines[0])
    assert json.loads(lines[0])["annotators"][0]["annotator"] == name


def test_json(db: Path) -> None:
    code, lines = run(db, as_json=True)
    assert code == 0 and len(lines) == 1
    data = json.loads(lines[0])
    assert data["store"] == str(db) and data["annotator"] is None
    assert (data["articles"], data["articles_done"], data["total_decisions"]) == (2, 1, 9)
    assert [a["annotator"] for a in data["annotators"]] == sorted(["ana", HOSTILE_NAME])
    ana = next(a for a in data["annotators"] if a["annotator"] == "ana")
    assert ana == {"annotator": "ana", "articles": 1, "done": 1,
                   "decisions": {"entities": 6, "quotes": 1, "meetings": 0},
                   "total_decisions": 7}
    assert [(d["day"], d["decisions"]) for d in data["days"]] == [
        ("2026-03-01", 3), ("2026-03-02", 5), ("unknown", 1)]
    assert data["days"][1]["by_annotator"] == {"ana": 3, HOSTILE_NAME: 2}
    per = next(label for label in data["labels"] if label["label"] == "PER")
    assert per["model"]["accepted"] == 3 and per["model"]["total"] == 6
    assert per["model"]["acceptance_rate"] == pytest.approx(0.5)
    assert data["entities_model"]["rejection_rate"] == pytest.approx(2 / 6)
    quotes = next(layer for layer in data["layers"] if layer["layer"] == "quotes")
    assert quotes["model"]["acceptance_rate"] == 1.0
    # Same store, same bytes.
    assert run(db, as_json=True)[1] == lines


def test_json_of_one_annotator(db: Path) -> None:
    data = json.loads(run(db, as_json=True, annotator="ana")[1][0])
    assert data["annotator"] == "ana"
    assert [a["annotator"] for a in data["annotators"]] == ["ana"]
    assert data["total_decisions"] == 7


def test_an_annotator_with_no_records(db: Path) -> None:
    code, lines = run(db, annotator="nobody")
    assert code == 0 and lines == [f"{db}: no annotations by nobody yet"]


def test_it_reads_while_a_writer_holds_the_store(db: Path) -> None:
    with GoldStore.open(db) as store:
        store.set_done(OTHER.id, HOSTILE_NAME, OTHER.text_hash, True)
        data = json.loads(run(db, as_json=True)[1][0])  # the journal's step is seen
    assert data["articles_done"] == 2


def test_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no gold store here"):
        run(tmp_path / "gold.json")


def test_an_unreadable_store(tmp_path: Path) -> None:
    path = tmp_path / "gold.json"
    path.write_bytes(b"")
    with pytest.raises(StoreError) as caught:
        run(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError):
        run(path, as_json=True)


def test_the_chart_keeps_the_last_fourteen_days() -> None:
    days = [DayCount(f"2026-02-{d:02d}", d, {"ana": d}) for d in range(1, 21)]
    lines = day_chart(days, width=60)
    rows = [line for line in lines if line.startswith("2026-")]
    assert len(rows) == CHART_DAYS
    assert rows[0].startswith("2026-02-07") and rows[-1].startswith("2026-02-20")
    assert all(len(line) <= 60 for line in lines)
    assert "the last 14 days" in lines[0]


def test_bar() -> None:
    assert bar(10, 10, 8) == "█" * 8
    assert bar(5, 10, 8) == "█" * 4
    assert bar(1, 16, 2) == "▏"
    assert bar(1, 1000, 10) == "▏"  # anything above zero shows
    assert bar(0, 10, 8) == ""
