"""Attack, class 4: outputs.

Every command that writes must refuse every file of every gold store and its
own inputs, whatever `--force` says; devices and pipes are written to, never
renamed over (docs/outputs.md). The attacks: an input reached under a second
path (a bind mount, as containers and NFS exports make), every extra file an
export writes pointed at another store's journal, a descriptor opened on
another store's journal, block devices and sockets, a folder export over a
folder holding the user's own files.

Each test began as a finding of issue 10 (byline broke the promise); all pass
now, and each keeps the class of attack from coming back.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.attack.helpers import bind, byline, crashed_writer, env, one_line_error, tree
from tui.store.gold import GoldStore, journal_path

ARTICLE = "Angela Merkel met Joe Biden in Berlin on Monday.\n"


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    """A compacted store `s` to export from, and another store `t` whose journal holds
    acknowledged decisions."""
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()
    other = tmp_path / "t" / "gold.json"
    crashed_writer(other, 3)
    assert journal_path(other).stat().st_size > 0
    return db, other


@pytest.mark.parametrize("given", ["file", "folder"])
def test_suggest_never_replaces_an_input_mounted_twice(tmp_path: Path, given: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "in.txt").write_text(ARTICLE, encoding="utf-8")
    with bind(data, tmp_path / "mnt") as mnt:
        source = data / "in.txt" if given == "file" else data
        result = byline(tmp_path, "suggest", source, "-o", mnt / "in.txt", "--force",
                        "--model", "rules")
        text = (data / "in.txt").read_text(encoding="utf-8")
    assert text == ARTICLE, "the article was replaced"
    one_line_error(result, "in.txt")


def test_every_extra_file_an_export_writes_refuses_another_stores_journal(
        tmp_path: Path, stores: tuple[Path, Path]) -> None:
    """Held: spaCy's train.spacy and dev.spacy, Label Studio's config and brat's
    annotation.conf, each a symlink to the journal of a store the command was not given:
    refused with --force, the journal intact."""
    db, other = stores
    journal = journal_path(other).read_bytes()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    brat = tmp_path / "brat"
    brat.mkdir()
    cases = [(corpus / "train.spacy", ["--format", "spacy", "--dev", "0.5", "-o", corpus]),
             (corpus / "dev.spacy", ["--format", "spacy", "--dev", "0.5", "-o", corpus]),
             (tmp_path / "tasks.config.xml",
              ["--format", "labelstudio", "-o", tmp_path / "tasks.json"]),
             (brat / "annotation.conf", ["--format", "brat", "-o", brat])]
    for link, args in cases:
        for stale in [*corpus.iterdir(), *brat.iterdir()]:
            stale.unlink()
        link.symlink_to(journal_path(other))
        one_line_error(byline(tmp_path, "export", "--db", db, "--force", *args), "journal")
        assert journal_path(other).read_bytes() == journal, link
        link.unlink()


def test_a_descriptor_open_on_another_stores_journal_is_refused(
        tmp_path: Path, stores: tuple[Path, Path]) -> None:
    """Held: `-o /dev/fd/3` and `-o -` where that descriptor is another store's journal
    opened for appending (`3>>t/gold.json.journal`)."""
    db, other = stores
    journal = journal_path(other).read_bytes()
    for target, fd in (("/dev/fd/3", 3), ("-", 1)):
        script = (f'exec {fd}>>"{journal_path(other)}"; exec "{sys.executable}" -m tui '
                  f'export --db "{db}" --all -o {target}')
        result = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                                env=env(tmp_path), cwd=tmp_path, timeout=60, check=False)
        one_line_error(result, "journal")
        assert journal_path(other).read_bytes() == journal


def test_block_devices_and_sockets_are_refused_character_devices_written(
        tmp_path: Path, stores: tuple[Path, Path]) -> None:
    """Held: a block device node and a socket as OUTPUT, for export and suggest (also
    --force, --resume): refused with one line, never replaced; /dev/zero is written to."""
    db, _ = stores
    block = tmp_path / "blk"
    done = subprocess.run(["mknod", str(block), "b", "7", "200"], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip("cannot make a device node here")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    (tmp_path / "in.txt").write_text(ARTICLE, encoding="utf-8")
    try:
        for out in (block, tmp_path / "sock"):
            for args in (["export", "--db", db, "-o", out, "--force"],
                         ["export", "--db", db, "--format", "labelstudio", "-o", out],
                         ["suggest", "in.txt", "-o", out, "--model", "rules", "--force"],
                         ["suggest", "in.txt", "-o", out, "--model", "rules", "--resume"]):
                one_line_error(byline(tmp_path, *args), out.name)
        assert block.is_block_device()
        result = byline(tmp_path, "export", "--db", db, "-o", "/dev/zero")
        assert result.returncode == 0, result.stderr
        assert Path("/dev/zero").is_char_device()
    finally:
        sock.close()


def test_a_brat_export_with_force_keeps_the_users_own_files(
        tmp_path: Path, stores: tuple[Path, Path]) -> None:
    """Held: `--format brat -o DIR --force` over a folder holding the user's notes, a
    subfolder and a file named like an article's: the notes and subfolder stay as they
    were; and a spaCy split refuses a folder of other files."""
    db, _ = stores
    brat = tmp_path / "brat"
    (brat / "sub").mkdir(parents=True)
    (brat / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (brat / "sub" / "keep.txt").write_text("keep\n", encoding="utf-8")
    mine = {k: v for k, v in tree(brat).items()}
    result = byline(tmp_path, "export", "--db", db, "--format", "brat", "-o", brat, "--force")
    assert result.returncode == 0, result.stderr
    after = tree(brat)
    assert all(after.get(k) == v for k, v in mine.items())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("mine\n", encoding="utf-8")
    one_line_error(byline(tmp_path, "export", "--db", db, "--format", "spacy", "--dev", "0.5",
                          "-o", corpus, "--force"), "corpus")
    assert os.listdir(corpus) == ["notes.txt"]
