"""`byline agreement` on real gold stores: the table, the JSON and the errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tui.commands.agreement import (
    EXIT_FAILED,
    EXIT_OK,
    FOOTNOTES,
    _store_labels,
    run_agreement,
)
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import Article, EntityItem, ModelInfo, Span, Status, Suggestions
from tui.core.tokens import simple_tokens
from tui.store.gold import GoldStore

TEXT = "Kalin met Hamas officials in Doha. “We agreed,” he said."
ARTICLE = Article("doha", TEXT)


def sp(part: str) -> Span:
    start = TEXT.index(part)
    return Span(start, start + len(part))


def ent(part: str, label: str, status: Status = Status.ACCEPTED) -> EntityItem:
    span = sp(part)
    return EntityItem(f"{part}:{label}", span.start, span.end, label, status)


def quote(speaker: str | None) -> LayerItem[QuoteSuggestion]:
    value = QuoteSuggestion(content=sp("We agreed"), speaker=sp(speaker) if speaker else None,
                            cue=sp("said"), speaker_ref=None, kind="direct")
    return LayerItem("q1", value, Status.ADDED)


def meeting(*participants: str) -> LayerItem[MeetingSuggestion]:
    value = MeetingSuggestion(trigger=sp("met"), participants=tuple(sp(p) for p in participants),
                              place=sp("Doha"), time=None, date=None, event="e1")
    return LayerItem("m1", value, Status.ACCEPTED)


def save(path: Path, annotator: str, *items: EntityItem | LayerItem[Any]) -> None:
    with GoldStore.open(path) as store:
        store.put_article(ARTICLE)
        store.save_items(ARTICLE.id, annotator, ARTICLE.text_hash, {i.id: i for i in items})


def cached_tokens() -> list[tuple[int, int]]:
    """simple_tokens, with "Hamas officials" one token (as a model might have it)."""
    hamas = sp("Hamas officials")
    return ([t for t in simple_tokens(TEXT) if t[1] <= hamas.start] + [(hamas.start, hamas.end)]
            + [t for t in simple_tokens(TEXT) if t[0] >= hamas.end])


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    save(one, "alice", ent("Kalin", "PERSON"), ent("Hamas", "ORG"), ent("Doha", "GPE"),
         ent("said", "EVENT", Status.REJECTED),
         quote("he"), meeting("Kalin", "Hamas officials"))
    save(one, "carol", ent("Kalin", "PERSON"))
    save(two, "bob", ent("Kalin", "PERSON"), ent("Hamas", "ORG"), ent("Doha", "LOC"),
         quote(None), meeting("Kalin"))
    save(two, "carol", ent("Kalin", "PERSON"))
    with GoldStore.open(two) as store:  # bob's store has the model's tokens cached
        store.put_suggestions(ARTICLE.id, Suggestions(ModelInfo("m", "1", "m"),
                                                      ARTICLE.text_hash, (),
                                                      tuple(cached_tokens())))
        store.save_items("only-bob", "bob", "0" * 64, {"Kalin:PERSON": ent("Kalin", "PERSON")})
    return one, two


def run(*paths: Path, as_json: bool = False) -> tuple[int, list[str], list[str]]:
    out: list[str] = []
    errors: list[str] = []
    code = run_agreement(list(paths), out.append, as_json=as_json, error=errors.append)
    return code, out, errors


def test_the_json_report(stores: tuple[Path, Path]) -> None:
    code, out, errors = run(*stores, as_json=True)
    assert (code, errors, len(out)) == (EXIT_OK, [], 1)
    data = json.loads(out[0])
    assert data["annotators"] == ["alice", "bob", "carol@one.json", "carol@two.json"]
    pairs = {(p["first"], p["second"]): p for p in data["pairs"]}
    assert len(pairs) == 6
    ab = pairs[("alice", "bob")]
    assert ab["articles"] == 1
    assert ab["skipped"] == {"only_first": 0, "only_second": 1, "text_differs": 0,
                             "no_text": 0}
    # Entities: Kalin and Hamas agree, Doha GPE against LOC: tp 2, fp 1, fn 1 (the
    # rejected entity does not count).
    assert ab["counts"]["entities"] == {"tp": 2, "fp": 1, "fn": 1}
    assert ab["entity_f1"] == pytest.approx(2 / 3)
    # 14 cached tokens (not 15 simple ones); they differ on Doha only.
    # pe = (1 + 1 + 11*11) / 196; kappa = (14*13 - 123) / (196 - 123) = 59/73.
    assert ab["counts"]["tokens"]["total"] == 14
    assert ab["token_kappa"] == pytest.approx(59 / 73)
    assert ab["quote_f1"] == 1.0
    assert ab["speaker_agreement"] == 0.0  # "he" against unattributed
    assert ab["meeting_f1"] == 1.0
    assert ab["participant_f1"] == pytest.approx(2 / 3)
    carols = pairs[("carol@one.json", "carol@two.json")]
    assert carols["entity_f1"] == 1.0 and carols["token_kappa"] == 1.0
    assert carols["quote_f1"] is None and carols["meeting_f1"] is None
    # alice against carol: Kalin only; alice's quote and meeting unmatched.
    ac = pairs[("alice", "carol@one.json")]
    assert ac["entity_f1"] == pytest.approx(0.5)
    assert ac["quote_f1"] == 0.0 and ac["speaker_agreement"] is None
    assert ac["counts"]["meetings"] == {"tp": 0, "fp": 0, "fn": 1}


def test_the_table(stores: tuple[Path, Path]) -> None:
    code, out, errors = run(*stores)
    assert (code, errors) == (EXIT_OK, [])
    assert out[0] == "4 annotator(s) in 2 store(s); 6 pair(s), 6 with shared articles"
    top = next(n for n, line in enumerate(out) if "participant" in line)
    assert out[top].split() == ["entity", "token", "quote", "speaker", "meeting", "participant"]
    assert out[top + 1].split() == ["annotator", "A", "annotator", "B", "articles", "skipped",
                                    "F1", "kappa", "F1", "agreement", "F1", "F1"]
    # two header lines, a rule, a row per pair, then what `skipped` means and the
    # participant rule
    assert len(out) == top + 3 + 6 + len(FOOTNOTES)
    assert out[-len(FOOTNOTES):] == list(FOOTNOTES)
    assert out[-4].startswith("skipped: articles not compared: annotated by only one")
    assert "Qatar's emir" in out[-1] and "same span" in out[-2]
    assert all(len(line) <= 120 for line in out)
    assert all("\x1b" not in line for line in out)
    row = next(line for line in out if line.split()[:2] == ["alice", "bob"])
    assert row.split()[2:] == ["1", "1", "0.667", "0.808", "1.000", "0.000", "1.000", "0.667"]
    row = next(line for line in out if line.split()[:2] == ["carol@one.json", "carol@two.json"])
    assert row.split()[2:] == ["1", "0", "1.000", "1.000", "-", "-", "-", "-"]


def test_names_are_never_markup_or_escapes(tmp_path: Path) -> None:
    store = tmp_path / "gold.json"
    save(store, "[bold]x[/bold]", ent("Kalin", "PERSON"))
    save(store, "evil\x1b[31m", ent("Kalin", "PERSON"))
    code, out, _ = run(store)
    assert code == EXIT_OK
    text = "\n".join(out)
    assert "[bold]x[/bold]" in text
    assert "\x1b" not in text and "evil␛[31m" in text
    code, out, _ = run(store, as_json=True)
    assert "\x1b" not in out[0]
    assert "evil\x1b[31m" in json.loads(out[0])["annotators"]


def test_one_store_with_two_annotators(stores: tuple[Path, Path]) -> None:
    code, out, _ = run(stores[0], as_json=True)
    assert code == EXIT_OK
    assert json.loads(out[0])["annotators"] == ["alice", "carol"]


def test_fewer_than_two_annotators(tmp_path: Path) -> None:
    store = tmp_path / "gold.json"
    save(store, "alice", ent("Kalin", "PERSON"))
    code, out, errors = run(store)
    assert (code, out) == (EXIT_FAILED, [])
    assert errors == ["agreement needs at least two annotators; the store(s) hold 1 (alice)"]


def test_a_store_that_cannot_be_read(tmp_path: Path, stores: tuple[Path, Path]) -> None:
    missing = tmp_path / "missing.json"
    code, out, errors = run(stores[0], missing)
    assert (code, out) == (EXIT_FAILED, [])
    assert len(errors) == 1 and str(missing) in errors[0] and "\n" not in errors[0]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, errors = run(stores[0], broken)
    assert code == EXIT_FAILED and len(errors) == 1 and str(broken) in errors[0]


def test_the_same_store_twice(stores: tuple[Path, Path]) -> None:
    code, _, errors = run(stores[0], stores[0])
    assert code == EXIT_FAILED and errors == [f"{stores[0]}: given twice (as {stores[0]})"]


def test_the_default_error_callback_prefixes_the_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_agreement([tmp_path / "none.json"], lambda _: None)
    assert code == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("byline: error: ") and err.count("\n") == 1


def test_stores_of_the_same_file_name_are_named_by_path() -> None:
    assert _store_labels([Path("a/gold.json"), Path("b/gold.json"), Path("c.json")]) == [
        "a/gold.json", "b/gold.json", "c.json"]


def test_the_command_line_defaults_to_the_default_store_and_to_db(
        stores: tuple[Path, Path], tmp_path: Path) -> None:
    """`byline agreement` with no STORE reads the --db store, else annotations/gold.json,
    as `stats` and `export` do."""
    import os
    import shutil
    import subprocess
    import sys

    default = tmp_path / "annotations" / "gold.json"
    default.parent.mkdir()
    for part in stores[0].parent.glob(stores[0].name + "*"):
        target = default.parent / part.name.replace(stores[0].name, "gold.json")
        (shutil.copytree if part.is_dir() else shutil.copy2)(part, target)
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}

    def agreement(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tui", *map(str, args)],
                              capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=120, check=False, stdin=subprocess.DEVNULL)

    plain = agreement("agreement", "--json")
    assert plain.returncode == EXIT_OK, plain.stderr
    assert json.loads(plain.stdout)["annotators"] == ["alice", "carol"]
    given = agreement("--db", stores[1], "agreement", "--json")
    assert given.returncode == EXIT_OK, given.stderr
    assert json.loads(given.stdout)["annotators"] == ["bob", "carol"]
    missing = agreement("--db", tmp_path / "none.json", "agreement")
    assert missing.returncode != EXIT_OK
    assert missing.stderr.startswith("byline: error: "), missing.stderr
    assert "none.json" in missing.stderr
