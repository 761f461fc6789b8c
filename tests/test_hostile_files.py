"""Hostile files, config and paths (issue 6): every problem is one clear message naming the
file (and line), nothing is half-imported, the store is untouched and the app stays up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from tests.app.helpers import make_app
from tui.app.bindings import ALL_BINDING_IDS
from tui.app.screens.library import LibraryScreen
from tui.atomic import temp_files
from tui.commands.import_ import run_import
from tui.core.config import Config, load_config
from tui.core.labels import DEFAULT_ENTITY_LABELS
from tui.core.model import Article, EntityItem, Status
from tui.formats.errors import InputError, OutputError
from tui.formats.readers import read_file, read_paths
from tui.store.gold import GoldStore

GOOD = "Minister Anna Berg spoke to reporters about the harbour plan.\n"
NAME = "Anna Berg"


def byline(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byline: error: ")
    return lines[0]


def only_error(path: Path) -> InputError:
    result = read_paths([path])
    assert result.articles == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# ------------------------------------------------------------------ .txt files


def test_latin1_txt_is_refused_naming_file_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 owners met in G\u00f6teborg.\n".encode("latin-1"))
    error = only_error(path)
    assert str(error).startswith(f"{path}:1: not UTF-8 (byte 0xE9 at offset 3)")


def test_binary_txt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    error = only_error(path)
    assert str(error) == f"{path}: binary file, not text"


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \n", b"\xef\xbb\xbf"])
def test_empty_txt_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert str(only_error(path)) == f"{path}: empty file"


def test_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    [article] = read_file(path)
    assert article.text == GOOD
    assert not article.text.startswith("\ufeff")


def test_crlf_is_normalised(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"First line.\r\nSecond line.\r\n\r\nThird.\rFourth.\r\n")
    [article] = read_file(path)
    assert "\r" not in article.text
    assert article.text == "First line.\nSecond line.\n\nThird.\nFourth.\n"


def test_a_single_5mb_line_is_read_quickly(tmp_path: Path) -> None:
    path = tmp_path / "oneline.txt"
    line = ("word " * 1_048_576)[:5 * 1024 * 1024 - 1] + "\n"
    path.write_text(line, encoding="utf-8")
    started = time.perf_counter()
    result = read_paths([path])
    elapsed = time.perf_counter() - started
    assert result.errors == []
    [article] = result.articles
    assert len(article.text) == len(line)
    assert elapsed < 5, elapsed


def test_a_2m_character_article_is_suggested_in_pieces_with_offsets_intact(
        tmp_path: Path) -> None:
    from tui.nlp.models import load_model
    from tui.nlp.suggest import MAX_CHUNK_CHARS, _chunk_limit, split_text, suggest_one

    repeats = 2_000_000 // len(GOOD) + 1
    path = tmp_path / "huge.txt"
    path.write_text(GOOD * repeats, encoding="utf-8")
    [article] = read_file(path)
    text = article.text
    assert len(text) >= 2_000_000 and text == GOOD * repeats

    loaded = load_model("rules")
    limit = _chunk_limit(loaded.nlp)
    assert limit <= min(MAX_CHUNK_CHARS, loaded.nlp.max_length)
    assert len(text) > loaded.nlp.max_length  # one nlp() call would refuse it
    pieces = split_text(text, limit)
    assert len(pieces) >= len(text) // limit
    assert "".join(chunk for _, chunk in pieces) == text
    assert all(len(chunk) <= limit for _, chunk in pieces)

    suggestions = suggest_one(loaded, article)
    entities = sorted(suggestions.entities, key=lambda e: e.start)
    expected = [i * len(GOOD) + GOOD.index(NAME) for i in range(repeats)]
    assert [e.start for e in entities] == expected
    assert all(text[e.start:e.end] == NAME and e.label == "PERSON" for e in entities)
    assert sum(e.start > 1_000_000 for e in entities) > repeats // 3
    assert suggestions.text_hash == article.text_hash
    # Tokens are in article offsets too, and cover the last characters.
    assert text[suggestions.tokens[-1][0]:suggestions.tokens[-1][1]] == "."


# ------------------------------------------------------------------ .jsonl files


def _jsonl(tmp_path: Path, name: str, lines: list[str], end: str = "\n") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return path


_ROW = '{"id": "a%d", "text": "Minister Anna Berg spoke.", "entities": []}'

HOSTILE_JSONL: dict[str, tuple[list[str], str, int, str]] = {
    # name: (lines, file ending, line named, words in the reason)
    "bad_middle": ([_ROW % 1, '{"id": "a2", "text": "Oops", ', _ROW % 3], "\n", 2,
                   "invalid JSON"),
    "truncated": ([_ROW % 1, _ROW % 2, '{"id": "a3", "text": "Minister Ann'], "", 3,
                  "truncated"),
    "nan": ([_ROW % 1, '{"id": "a2", "text": "x y", "meta": {"score": NaN}}', _ROW % 3],
            "\n", 2, "NaN is not allowed"),
    "infinity": ([_ROW % 1, '{"id": "a2", "text": "x y", "meta": {"score": 1e999}}'], "\n",
                 2, "not a finite number"),
    "duplicate": ([_ROW % 1, _ROW % 2, _ROW % 1], "\n", 3, "duplicate id 'a1'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_JSONL))
def test_hostile_jsonl_is_refused_with_file_and_line(tmp_path: Path, case: str) -> None:
    lines, end, line, reason = HOSTILE_JSONL[case]
    path = _jsonl(tmp_path, f"{case}.jsonl", lines, end)
    error = only_error(path)
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: ")
    assert reason in str(error)


@pytest.mark.parametrize("case", sorted(HOSTILE_JSONL))
def test_import_of_hostile_jsonl_writes_nothing(tmp_path: Path, case: str) -> None:
    lines, end, line, reason = HOSTILE_JSONL[case]
    path = _jsonl(tmp_path, f"{case}.jsonl", lines, end)
    good = _jsonl(tmp_path, "good.jsonl", ['{"id": "g1", "text": "Minister Anna Berg spoke."}'])
    db = tmp_path / "store" / "gold.json"
    db.parent.mkdir()
    with pytest.raises(InputError) as caught:  # the good file first: still nothing written
        run_import([good, path], "native", "gold", db, "tester", "imported")
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert reason in str(caught.value)
    assert list(db.parent.iterdir()) == []


def test_import_cli_of_a_bad_file_is_one_line_and_creates_no_store(tmp_path: Path) -> None:
    lines, end, _, _ = HOSTILE_JSONL["bad_middle"]
    path = _jsonl(tmp_path, "bad.jsonl", lines, end)
    db = tmp_path / "gold.json"
    message = one_error(byline("import", str(path), "--db", str(db), "--annotator", "t"))
    assert f"{path}:2: invalid JSON" in message
    assert not db.exists()
    assert not any(p.name.startswith("gold.json") for p in tmp_path.iterdir())


def test_import_does_not_touch_an_existing_store(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    with GoldStore.open(db) as store:
        store.put_article(Article(id="kept", text=GOOD, meta={}))
    before = {p.name: p.read_bytes() for p in tmp_path.glob("gold.json*") if p.is_file()}
    lines, end, _, _ = HOSTILE_JSONL["duplicate"]
    path = _jsonl(tmp_path, "dup.jsonl", lines, end)
    with pytest.raises(InputError):
        run_import([path], "native", "gold", db, "tester", "imported")
    after = {p.name: p.read_bytes() for p in tmp_path.glob("gold.json*") if p.is_file()}
    assert after == before


# ------------------------------------------------------------------ many files


def test_a_folder_of_10000_files_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(10_000):
        (folder / f"a{n:05d}.txt").write_text(f"Article {n}. {GOOD}", encoding="utf-8")
    started = time.perf_counter()
    result = read_paths([folder])
    elapsed = time.perf_counter() - started
    assert result.errors == []
    assert len(result.articles) == 10_000
    assert len({article.id for article in result.articles}) == 10_000
    assert elapsed < 20, elapsed


# ------------------------------------------------------------------ the app


def _rendered(content: Any) -> str:
    if isinstance(content, str | Text):
        return str(content)
    console = Console(width=300, record=True, file=io.StringIO(), color_system=None)
    console.print(content)
    return console.export_text()


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\u00e9 society.".encode("latin-1"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "empty.txt").write_bytes(b"")
    lines, end, _, _ = HOSTILE_JSONL["bad_middle"]
    _jsonl(folder, "broken.jsonl", lines, end)
    lines, end, _, _ = HOSTILE_JSONL["nan"]
    _jsonl(folder, "nan.jsonl", lines, end)
    return folder


BAD_NAMES = ("latin1.txt", "binary.txt", "empty.txt", "broken.jsonl:2", "nan.jsonl:2")


async def test_app_opens_on_a_folder_of_bad_files_and_lists_them(
        tmp_path: Path, bad_folder: Path) -> None:
    db = tmp_path / "gold.json"
    app = make_app(db, paths=[bad_folder], model="rules")
    assert [a.id for a in app.ctx.articles] == ["good"]
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert app.is_running
        library = next(s for s in app.screen_stack if isinstance(s, LibraryScreen))
        shown = _rendered(library.query_one("#errors", Static).content)
        assert "5 file(s) could not be read" in shown
        for name in BAD_NAMES:
            assert f"{bad_folder / name}" in shown, (name, shown)
        await pilot.press("n", "n", "escape")
        await pilot.pause()
        assert app.is_running


# ------------------------------------------------------------------ config


def _config(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_config_unknown_key_is_named_and_the_rest_applies(tmp_path: Path) -> None:
    path = _config(tmp_path, 'annotator = "alice"\ncolour = "red"\n[keys]\naccept = "y"\n')
    config, warnings = load_config(path, ALL_BINDING_IDS)
    assert warnings == [f"{path}: unknown setting 'colour' (ignored)"]
    assert config.annotator == "alice"
    assert config.keymap == {"accept": "y"}


@pytest.mark.parametrize(("content", "expected"), [
    ("annotator = 5\n", "annotator must be a string, not a number (ignored)"),
    ('keys = "a"\n', '[keys] must be a table of action = "keys" (ignored)'),
    ("[keys]\naccept = 5\n", "[keys] accept: expected keys like"),
    ('[keys]\naccept = "a,,b"\n', "[keys] accept: expected keys like"),
    ('[labels]\nentities = "PERSON"\n', "[labels] entities: expected a list"),
    ('[labels]\nentities = ["PERSON", "PERSON"]\n', "[labels] entities: expected a list"),
    ('labels = 3\n', "[labels] must be a table (ignored)"),
])
def test_config_wrong_type_is_named_and_defaults_stand(tmp_path: Path, content: str,
                                                       expected: str) -> None:
    path = _config(tmp_path, content)
    config, warnings = load_config(path, ALL_BINDING_IDS)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"{path}: {expected}")
    assert config.keymap == {}
    assert config.entity_labels == DEFAULT_ENTITY_LABELS
    assert config.annotator is None


def test_config_unknown_binding_is_named_and_known_ones_apply(tmp_path: Path) -> None:
    path = _config(tmp_path, '[keys]\nfly-away = "f"\nreject = "x"\n')
    config, warnings = load_config(path, ALL_BINDING_IDS)
    assert warnings == [f"{path}: [keys] unknown action 'fly-away' (ignored)"]
    assert config.keymap == {"reject": "x"}


@pytest.mark.parametrize(("content", "expected"), [
    ('annotator = "alice"\n[keys\naccept = "y"\n', "line 2"),
    ('annotator = "alice\n', "line 1"),
    (b'annotator = "caf\xe9"\n', "config file is not UTF-8"),
])
def test_bad_config_file_gives_one_warning_and_all_defaults(tmp_path: Path,
                                                            content: str | bytes,
                                                            expected: str) -> None:
    path = _config(tmp_path, content)
    config, warnings = load_config(path, ALL_BINDING_IDS)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}: ")
    assert expected in warnings[0]
    assert warnings[0].endswith("(defaults used)")
    assert config == Config()


def test_missing_explicit_config_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    config, warnings = load_config(path, ALL_BINDING_IDS, explicit=True)
    assert warnings == [f"{path}: config file not found (defaults used)"]
    assert config == Config()


async def test_app_with_a_bad_config_stays_up_and_shows_the_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    path = _config(tmp_path, 'colour = 1\n[keys]\nfly-away = "f"\naccept = 7\nreject = "x"\n')
    app = make_app(tmp_path / "gold.json", paths=[folder], config=path, model="rules")
    assert app.ctx.keymap == {"reject": "x"}
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert app.is_running
        shown = [notification.message for notification in app._notifications]
        assert any("'colour'" in m and str(path) in m for m in shown), shown
        assert any("'fly-away'" in m for m in shown), shown
        assert any("accept:" in m for m in shown), shown
        await pilot.press("x", "escape")
        await pilot.pause()
        assert app.is_running


# ------------------------------------------------------------------ export paths


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "annotations" / "gold.json"
    article = Article(id="a1", text=GOOD, meta={})
    start = GOOD.index(NAME)
    with GoldStore.open(db) as store:
        store.put_article(article)
        item = EntityItem(id="a:1", start=start, end=start + len(NAME), label="PERSON",
                          status=Status.ADDED, annotator="tester", time="2024-01-01T00:00:00Z")
        store.save_items("a1", "tester", article.text_hash, {item.id: item})
        store.set_done("a1", "tester", article.text_hash, True)
    yield db


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("force", [False, True])
def test_export_onto_the_store_itself_is_refused(small_store: Path, force: bool) -> None:
    before = _snapshot(small_store.parent)
    args = ["export", "--db", str(small_store), "-o", str(small_store)]
    message = one_error(byline(*args, *(["--force"] if force else [])))
    assert "is part of the gold store" in message
    assert str(small_store) in message
    assert _snapshot(small_store.parent) == before


def test_export_onto_any_file_of_the_store_is_refused(small_store: Path) -> None:
    from tui.commands.export_store import run_export

    journal = small_store.with_name(small_store.name + ".journal")
    if not journal.exists():
        journal.write_bytes(b"")
    shard = next(small_store.with_name(small_store.name + ".shards").glob("*.json"))
    before = _snapshot(small_store.parent)
    for target in (journal, shard, small_store.with_name(small_store.name + ".lock")):
        with pytest.raises(OutputError, match="is part of the gold store"):
            run_export(small_store, target, "native", False, None, force=True)
    assert _snapshot(small_store.parent) == before


def test_export_onto_an_existing_file_needs_force(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    message = one_error(byline("export", "--db", str(small_store), "-o", str(out)))
    assert f"{out}: already exists (use --force to replace it)" in message
    assert out.read_text(encoding="utf-8") == "precious\n"
    result = byline("export", "--db", str(small_store), "-o", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert '"Anna Berg"' in out.read_text(encoding="utf-8")


def test_export_onto_a_seed_article_is_refused_without_force(small_store: Path,
                                                              tmp_path: Path) -> None:
    from tui.commands.export_store import run_export

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    seed = seeds / "000_seed.txt"
    seed.write_text(GOOD, encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        run_export(small_store, seed, "native", False, None, force=False)
    assert seed.read_text(encoding="utf-8") == GOOD
    # The plain .txt text of a seed is not protected beyond that: --force replaces it.


class _DiskFull(OSError):
    pass


@pytest.mark.parametrize("fmt", ["native", "prodigy", "conll"])
def test_a_failed_export_leaves_the_old_file_and_no_temp_file(
        small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    import tui.commands.export_store as export_store

    out = tmp_path / "out.jsonl"
    out.write_text("old contents\n", encoding="utf-8")

    if fmt == "native":
        def chunks(*args: Any, **kwargs: Any) -> Iterator[tuple[bytes, int]]:
            yield b'{"partial": true}\n' * 1000, 1000
            raise _DiskFull(28, "No space left on device")
        monkeypatch.setattr(export_store, "_native_chunks", chunks)
    elif fmt == "prodigy":
        def rows(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
            for n in range(1000):
                yield {"text": "partial", "n": n}
            raise _DiskFull(28, "No space left on device")
        monkeypatch.setattr(export_store, "export_rows", rows)
    else:
        monkeypatch.setattr(export_store, "conll_document", lambda *a, **k: "partial\n" * 1000)
        real = export_store.gold_entries

        def entries(*args: Any, **kwargs: Any) -> Iterator[Any]:
            yield from real(*args, **kwargs)
            raise _DiskFull(28, "No space left on device")
        monkeypatch.setattr(export_store, "gold_entries", entries)

    with pytest.raises(_DiskFull):
        # (native with --all takes the row path with pending suggestions: test the fast path)
        export_store.run_export(small_store, out, fmt, fmt != "native", None, force=True)
    assert out.read_text(encoding="utf-8") == "old contents\n"
    assert temp_files(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotations", "out.jsonl"]


def test_a_failed_export_to_a_new_file_leaves_nothing(
        small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.commands.export_store as export_store

    def chunks(*args: Any, **kwargs: Any) -> Iterator[tuple[bytes, int]]:
        yield b'{"partial": true}\n', 1
        raise KeyboardInterrupt
    monkeypatch.setattr(export_store, "_native_chunks", chunks)
    out = tmp_path / "new.jsonl"
    with pytest.raises(KeyboardInterrupt):
        export_store.run_export(small_store, out, "native", False, None, force=False)
    assert not out.exists()
    assert temp_files(out) == []

