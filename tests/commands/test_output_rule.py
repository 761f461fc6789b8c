"""No command writes over any file of any gold store, or over one of its own inputs.

Every command that writes (export, suggest, review, import, annotate) is run
as the real CLI on every kind of store file: the index, the journal holding
acknowledged decisions, the lock, a shard, a backup, a copy `doctor --repair`
kept, a file not there yet in the shards folder; through a symlink and a
hard link; of the store given and of another one. Each must be refused with
one line naming the file, whatever `--force` says, and every byte of every
file (and every symlink) in the test's folder must be as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore, backups_dir, journal_path, lock_path, shards_dir

TEXT = "DOHA: Anna Berg met Hakan Fidan in Doha on Tuesday, officials said."


def byline(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byline: error: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under `folder`: a file's bytes, a symlink's target, a folder."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_dir():
            found[key] = ("dir", "")
        else:
            found[key] = ("file", path.read_bytes())
    return found


def make_store(db: Path, article_id: str) -> None:
    """A real store left as a crash leaves it: index, shards and backups, a journal whose
    lines are acknowledged decisions, a lock file, and a copy `doctor --repair` kept."""
    article = Article(id=article_id, text=TEXT, meta={})
    start = TEXT.index("Anna Berg")
    with GoldStore.open(db) as store:
        store.put_article(article)
        store.save_items(article_id, "maria", article.text_hash, {"a:1": EntityItem(
            id="a:1", start=start, end=start + 9, label="PERSON", status=Status.ADDED,
            annotator="maria", time="2025-01-01T00:00:00Z")})
    with GoldStore.open(db) as store:
        store.set_done(article_id, "maria", article.text_hash, True)
        journal = journal_path(db).read_bytes()
    assert journal  # the decision is in the journal, acknowledged
    journal_path(db).write_bytes(journal)  # as if the writer died before compacting
    lock_path(db).write_bytes(b"4242\n")
    damaged = db.with_name(db.name + ".damaged-20250101T000000Z")
    damaged.mkdir()
    shutil.copy2(journal_path(db), damaged / journal_path(db).name)
    assert any(shards_dir(db).iterdir()) and any(backups_dir(db).rglob("*.json"))


@dataclass
class Stores:
    root: Path
    db: Path
    other: Path
    article: Path  # an article file (the input of suggest and annotate)
    native: Path  # a native JSONL file (the input of import)


@pytest.fixture
def stores(tmp_path: Path) -> Stores:
    root = tmp_path / "work"
    db = root / "annotations" / "gold.json"
    other = root / "elsewhere" / "team.json"
    make_store(db, "doha")
    make_store(other, "cairo")
    article = root / "in" / "doha.txt"
    article.parent.mkdir()
    article.write_text(TEXT + "\n", encoding="utf-8")
    native = root / "in" / "rows.jsonl"
    native.write_text(json.dumps({"id": "n1", "text": TEXT, "entities": []}) + "\n",
                      encoding="utf-8")
    (root / "links").mkdir()
    os.symlink(journal_path(db), root / "links" / "journal-link.jsonl")
    os.link(journal_path(db), root / "links" / "journal-hard.jsonl")
    os.link(lock_path(db), root / "links" / "lock-hard.jsonl")
    return Stores(root, db, other, article, native)


def _first(folder: Path) -> Path:
    return next(p for p in sorted(folder.rglob("*")) if p.is_file())


#: Every kind of store file, and how the refusal names what it is.
TARGETS: dict[str, Callable[[Stores], Path]] = {
    "index": lambda s: s.db,
    "journal": lambda s: journal_path(s.db),
    "lock": lambda s: lock_path(s.db),
    "shard": lambda s: _first(shards_dir(s.db)),
    "new file in the shards folder": lambda s: shards_dir(s.db) / "new.json",
    "backup": lambda s: _first(backups_dir(s.db)),
    "damaged copy": lambda s: _first(s.db.with_name(s.db.name + ".damaged-20250101T000000Z")),
    "symlink to the journal": lambda s: s.root / "links" / "journal-link.jsonl",
    "hard link to the journal": lambda s: s.root / "links" / "journal-hard.jsonl",
    "other store's index": lambda s: s.other,
    "other store's journal": lambda s: journal_path(s.other),
    "other store's lock": lambda s: lock_path(s.other),
    "other store's shard": lambda s: _first(shards_dir(s.other)),
    "other store's backup": lambda s: _first(backups_dir(s.other)),
}
NOT_INDEXES = [name for name in TARGETS if not name.endswith("index")]


def _refused(stores: Stores, args: list[str | Path], target: Path) -> str:
    before = snapshot(stores.root)
    message = one_error(byline(*args))
    assert str(target) in message
    assert snapshot(stores.root) == before
    return message


@pytest.mark.parametrize("kind", list(TARGETS))
def test_export_never_writes_a_store_file_even_with_force(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    message = _refused(stores, ["export", "--db", stores.db, "-o", target, "--force"], target)
    assert "gold store" in message and "whatever --force says" in message


@pytest.mark.parametrize("kind", ["journal", "symlink to the journal", "other store's journal"])
def test_export_without_force_is_told_no_force_helps(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    message = _refused(stores, ["export", "--db", stores.db, "-o", target], target)
    assert "use --force" not in message and "gold store" in message


def test_a_hard_link_to_the_lock_of_the_store_exported_is_refused(stores: Stores) -> None:
    target = stores.root / "links" / "lock-hard.jsonl"
    message = _refused(stores, ["export", "--db", stores.db, "-o", target, "--force"], target)
    assert "hard link" in message


@pytest.mark.parametrize("fmt", ["prodigy", "doccano", "conll", "labelstudio", "spacy"])
def test_every_export_format_is_refused_on_the_journal(stores: Stores, fmt: str) -> None:
    target = journal_path(stores.db)
    _refused(stores, ["export", "--db", stores.db, "-o", target, "--format", fmt, "--force"],
             target)


def test_a_label_studio_config_is_never_written_over_a_store_index(tmp_path: Path) -> None:
    """`tasks.json` puts its config in `tasks.config.xml`: here, the store's own index."""
    db = tmp_path / "tasks.config.xml"
    make_store(db, "doha")
    before = snapshot(tmp_path)
    message = one_error(byline("export", "--db", db, "-o", tmp_path / "tasks.json",
                               "--format", "labelstudio", "--force"))
    assert f"{db}: is part of the gold store" in message
    assert snapshot(tmp_path) == before  # not even the tasks file was written


def test_a_brat_file_linked_to_a_store_file_is_refused(stores: Stores) -> None:
    out = stores.root / "brat"
    out.mkdir()
    os.symlink(journal_path(stores.db), out / "annotation.conf")
    message = _refused(stores, ["export", "--db", stores.db, "-o", out, "--format", "brat",
                                "--force"], out / "annotation.conf")
    assert "its journal" in message


@pytest.mark.parametrize("args", [["--format", "brat"], ["--format", "spacy", "--dev", "0.5"]])
def test_a_folder_export_into_a_store_folder_is_refused(stores: Stores, args: list[str]) -> None:
    for folder in (shards_dir(stores.db), backups_dir(stores.other),
                   backups_dir(stores.db) / "new"):
        _refused(stores, ["export", "--db", stores.db, "-o", folder, *args, "--force"], folder)


@pytest.mark.parametrize("kind", list(TARGETS))
def test_suggest_never_writes_a_store_file_even_with_force(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    _refused(stores, ["suggest", stores.article, "-o", target, "--model", "rules", "--force"],
             target)


@pytest.mark.parametrize("kind", ["journal", "lock", "shard", "damaged copy",
                                  "hard link to the journal", "other store's journal"])
def test_suggest_resume_never_writes_a_store_file(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    _refused(stores, ["suggest", stores.article, "-o", target, "--model", "rules", "--resume"],
             target)


def test_suggest_resume_never_appends_to_a_file_with_other_hard_links(stores: Stores) -> None:
    """A lock holds only a PID: a hard link to another store's lock cannot be recognised by
    what it is, so --resume refuses to append in place to any file with other names."""
    linked = stores.root / "links" / "other-lock.jsonl"
    os.link(lock_path(stores.other), linked)
    lock_path(stores.other).write_bytes(b"")
    message = _refused(stores, ["suggest", stores.article, "-o", linked, "--model", "rules",
                                "--resume"], linked)
    assert "hard link" in message


@pytest.mark.parametrize("kind", NOT_INDEXES)
def test_review_never_merges_into_a_store_file(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    _refused(stores, ["review", stores.db, "-o", target], target)


def test_review_never_merges_into_its_own_input_by_any_name(stores: Stores) -> None:
    link = stores.root / "links" / "gold-link.json"
    os.symlink(stores.db, link)
    hard = stores.root / "links" / "gold-hard.json"
    os.link(stores.db, hard)
    for target in (stores.db, link, hard):
        message = _refused(stores, ["review", stores.db, "-o", target], target)
        assert "stores to review" in message or "gold store" in message


@pytest.mark.parametrize("kind", NOT_INDEXES)
def test_import_never_writes_into_a_store_file(stores: Stores, kind: str) -> None:
    target = TARGETS[kind](stores)
    message = _refused(stores, ["import", stores.native, "--db", target], target)
    assert "not a gold store" in message


def test_import_never_writes_into_one_of_its_inputs(stores: Stores) -> None:
    message = _refused(stores, ["import", stores.native, "--db", stores.native],
                       stores.native)
    assert "one of the inputs" in message


@pytest.mark.parametrize("kind", NOT_INDEXES)
def test_doctor_never_repairs_a_store_file_into_a_store(stores: Stores, kind: str) -> None:
    """A repair writes a new index at --db: never over a journal, a lock or a shard."""
    target = TARGETS[kind](stores)
    message = _refused(stores, ["doctor", "--db", target, "--repair"], target)
    assert "not a gold store: give the store itself" in message


def test_a_label_studio_config_already_there_needs_force(stores: Stores) -> None:
    out = stores.root / "tasks.json"
    config = stores.root / "tasks.config.xml"
    config.write_bytes(b"<View>mine</View>\n")
    message = _refused(stores, ["export", "--db", stores.db, "-o", out, "--format",
                                "labelstudio"], config)
    assert message.endswith("already exists (use --force to replace it)")
    assert not out.exists()  # the tasks are not written either
    result = byline("export", "--db", stores.db, "-o", out, "--format", "labelstudio",
                    "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_bytes())[0]["data"]["text"] == TEXT
    assert b"<Label value=\"PERSON\"" in config.read_bytes()


def test_standard_output_appending_to_a_journal_is_refused(stores: Stores) -> None:
    """`byline export -o - >> gold.json.journal` would add rows to the journal."""
    journal = journal_path(stores.db)
    before = snapshot(stores.root)
    with journal.open("ab") as handle:
        result = subprocess.run([sys.executable, "-m", "tui", "export", "--db", str(stores.db),
                                 "-o", "-"], stdout=handle, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "BYLINE_CONFIG": os.devnull}, timeout=120,
                                cwd=stores.root, check=False)
    assert result.returncode == 2
    assert "standard output: is part of the gold store" in result.stderr
    assert snapshot(stores.root) == before


@pytest.mark.parametrize("kind", ["journal", "lock", "shard", "backup", "other store's journal",
                                  "symlink to the journal"])
def test_annotate_never_opens_a_store_file_as_a_store(stores: Stores, kind: str) -> None:
    """Not turned into a new store beside it: no `gold.json.journal.lock` appears."""
    target = TARGETS[kind](stores)
    message = _refused(stores, ["annotate", stores.article, "--db", target], target)
    assert "not a gold store" in message


def test_suggest_never_writes_over_its_input(stores: Stores) -> None:
    inputs = stores.article.parent
    link = stores.root / "links" / "article-link.txt"
    os.symlink(stores.article, link)
    hard = stores.root / "links" / "article-hard.txt"
    os.link(stores.article, hard)
    for target in (stores.article, link, hard):
        message = _refused(stores, ["suggest", stores.article, "-o", target, "--model", "rules",
                                    "--force"], target)
        assert "input" in message
    target = inputs / "new.jsonl"  # it would be read as articles next time
    message = _refused(stores, ["suggest", inputs, "-o", target, "--model", "rules"], target)
    assert "inside the input folder" in message


def test_suggest_force_replaces_the_name_never_the_file_behind_other_names(
        stores: Stores) -> None:
    """--force puts a new file in place: a hard link elsewhere keeps the old rows."""
    out = stores.root / "rows.jsonl"
    out.write_bytes(b"old rows\n")
    out.chmod(0o600)
    other_name = stores.root / "links" / "rows-too.jsonl"
    os.link(out, other_name)
    result = byline("suggest", stores.article, "-o", out, "--model", "rules", "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_bytes())["id"] == "doha"
    assert other_name.read_bytes() == b"old rows\n"
    assert out.stat().st_mode & 0o777 == 0o600
