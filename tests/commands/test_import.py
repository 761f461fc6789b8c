"""`byline import`: another model's suggestions or another tool's gold into the store,
all or nothing; imported suggestions reviewed in the app like byline's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app.helpers import article_screen, make_app
from tui.commands.import_ import run_import
from tui.core.model import Status
from tui.core.text import text_hash
from tui.formats.errors import InputError
from tui.store.gold import GoldStore, StoreError

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday, AFP said."


def row(n: int, **extra: object) -> dict[str, object]:
    return {"id": f"art{n}", "text": TEXT, "meta": {"date": "2025-10-23"},
            "entities": [{"start": 6, "end": 11, "text": "Kalin", "label": "PERSON"},
                         {"start": 35, "end": 39, "text": "Doha", "label": "GPE"}],
            "quotes": [], "meetings": [
                {"trigger": {"start": 12, "end": 15}, "participants": [
                    {"start": 6, "end": 11}, {"start": 16, "end": 31}],
                 "place": {"start": 35, "end": 39}, "time": {"start": 40, "end": 52},
                 "date": "2025-10-21", "event": "e1"}], **extra}


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_suggestions_are_stored_under_their_model_and_reviewed_in_the_app(
        tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    source = write(tmp_path / "gpt.jsonl", [row(1), row(2)])
    assert run_import([source], "native", "suggestions", db, "ana", "gpt") == (2, 6, 0)
    with GoldStore.open(db, read_only=True) as store:
        for article_id in ("art1", "art2"):
            cached = store.suggestions(article_id, text_hash(TEXT), "import:gpt")
            assert cached is not None
            assert [(e.start, e.end, e.label) for e in cached.entities] == [
                (6, 11, "PERSON"), (35, 39, "GPE")]
            assert cached.model.name == "gpt" and len(cached.meetings) == 1
            assert store.annotation(article_id, "ana") is None  # suggestions, not decisions


async def test_the_app_opens_imported_suggestions_with_model_import_name(
        tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    source = write(tmp_path / "gpt.jsonl", [row(1)])
    run_import([source], "native", "suggestions", db, "ana", "gpt")
    app = make_app(db, paths=[source], model="import:gpt")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = article_screen(app).session
        assert session is not None  # no model was run: the imported suggestions were used
        assert [(i.start, i.end, i.label) for i in session.ordered()] == [
            (6, 11, "PERSON"), (35, 39, "GPE")]
        first = next(iter(session.ordered()))
        await pilot.press("a")
        assert session.items[first.id].status is Status.ACCEPTED


def test_gold_is_stored_as_the_annotators_added_decisions(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    source = write(tmp_path / "gold.jsonl", [row(1, meta={"annotator": "bo"}), row(2)])
    run_import([source], "native", "gold", db, "ana", "imported")
    with GoldStore.open(db, read_only=True) as store:
        bo = store.annotation("art1", "bo")
        ana = store.annotation("art2", "ana")
        assert bo is not None and ana is not None
        assert {(i.start, i.end, i.label, i.status) for i in bo.items.values()} == {
            (6, 11, "PERSON", Status.ADDED), (35, 39, "GPE", Status.ADDED)}
        assert len(ana.meetings) == 1 and next(iter(ana.meetings.values())).annotator == "ana"
    with pytest.raises(StoreError, match="already has decisions"):
        run_import([source], "native", "gold", db, "ana", "imported")


@pytest.mark.parametrize(("bad", "reason"), [
    ("{not json", "invalid JSON"),
    (json.dumps({"id": "x", "text": TEXT, "entities": [{"start": 60, "end": 99,
                                                         "label": "ORG"}]}), "outside the text"),
    (json.dumps({"id": "x", "text": TEXT, "x": float("nan")}), "NaN"),
    (json.dumps(row(1)), "duplicate id 'art1'"),
])
def test_a_bad_line_stops_the_import_and_nothing_is_written(tmp_path: Path, bad: str,
                                                             reason: str) -> None:
    db = tmp_path / "gold.json"
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(row(1)) + "\n" + bad + "\n" + json.dumps(row(3)) + "\n",
                      encoding="utf-8")
    with pytest.raises(InputError, match=reason) as info:
        run_import([source], "native", "gold", db, "ana", "imported")
    assert str(info.value).startswith(f"{source}:2: ")
    assert not db.exists()


def test_prodigy_gold_counts_what_it_leaves_out(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    tasks = [{"text": TEXT, "meta": {"article_id": f"p{n}"}, "answer": answer,
              "spans": [{"start": 6, "end": 11, "label": "PERSON"}]}
             for n, answer in enumerate(["accept", "reject", "accept", "ignore"])]
    source = write(tmp_path / "prodigy.jsonl", tasks)  # type: ignore[arg-type]
    assert run_import([source], "prodigy", "gold", db, "ana", "imported") == (2, 2, 2)
    with GoldStore.open(db, read_only=True) as store:
        assert store.annotation("p0", "ana") is not None
        assert store.annotation("p1", "ana") is None


def test_label_studio_predictions_come_in_as_suggestions(tmp_path: Path) -> None:
    from tui.formats.labelstudio import labelstudio_task

    article = {"id": "ls1", "text": TEXT, "meta": {}}
    suggested = {**article, "entities": [{"start": 35, "end": 39, "text": "Doha",
                                          "label": "GPE", "status": "suggested"}],
                 "model": {"name": "m", "version": "1"}}
    gold = {**article, "meta": {"annotator": "bo"},
            "entities": [{"start": 6, "end": 11, "text": "Kalin", "label": "PERSON",
                          "status": "added", "annotator": "bo"}]}
    source = tmp_path / "ls.json"
    source.write_text(json.dumps([labelstudio_task(article, suggested, gold)]), "utf-8")
    db = tmp_path / "gold.json"
    run_import([source], "labelstudio", "suggestions", db, "ana", "lsmodel")
    run_import([source], "labelstudio", "gold", db, "ana", "imported")
    with GoldStore.open(db, read_only=True) as store:
        cached = store.suggestions("ls1", text_hash(TEXT), "import:lsmodel")
        assert cached is not None and [(e.start, e.label) for e in cached.entities] == [
            (35, "GPE")]
        record = store.annotation("ls1", "bo")
        assert record is not None
        assert [(i.start, i.label) for i in record.items.values()] == [(6, "PERSON")]
