"""Outputs that are not files: `-o -`, /dev/stdout, /dev/null, /dev/full, a FIFO, a closed
pipe, a terminal, and a disk that fills up half-way.

A stream is written to, never renamed over: /dev/stdout stays a symlink and
/dev/null a device (a guard restores them, as root, should a regression ever
replace one, and fails the test). A write that fails is one line naming the
output; a reader that goes away ends the command quietly (exit 141, as
`yes | head -1` does).
"""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.commands.test_output_rule import TEXT, byline, one_error, snapshot
from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore

if not sys.platform.startswith("linux"):  # pragma: no cover - /dev and /proc are Linux's
    pytest.skip("device and descriptor outputs are tested on Linux", allow_module_level=True)

JSON_FORMATS = ["native", "prodigy", "doccano", "doccano-rel", "conll", "labelstudio"]
ENV = {**os.environ, "BYLINE_CONFIG": os.devnull}
#: Right-to-left override, isolate, a C1 CSI and a terminal-title escape.
HOSTILE = "\u202e\u2066\x9b31m\x1b]0;pwned\x07"


def _node(path: str) -> tuple[int, int, str]:
    st = os.lstat(path)
    return st.st_mode, st.st_rdev, os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""


@pytest.fixture(autouse=True)
def dev_nodes_untouched() -> Iterator[None]:
    """Fail (and put back, where we may) any of /dev/stdout, /dev/null, /dev/full replaced."""
    names = ("/dev/stdout", "/dev/null", "/dev/full")
    before = {name: _node(name) for name in names}
    yield
    changed = [name for name in names if _node(name) != before[name]]
    for name in changed if os.geteuid() == 0 else ():
        os.unlink(name)
        mode, rdev, link = before[name]
        if link:
            os.symlink(link, name)
        else:
            os.mknod(name, mode, rdev)
            os.chmod(name, stat.S_IMODE(mode))
    assert not changed, f"replaced: {changed}"


def make_db(folder: Path, articles: int = 1, repeat: int = 1) -> Path:
    """A store of `articles` done articles (their text `repeat` times TEXT), one PERSON each."""
    db = folder / "annotations" / "gold.json"
    start = TEXT.index("Anna Berg")
    annotator = "maria"
    with GoldStore.open(db) as store:
        for n in range(articles):
            article = Article(id=f"a{n:04d}", text=f"{TEXT} ({n})" + f" {TEXT}" * (repeat - 1),
                              meta={})
            store.put_article(article)
            store.save_items(article.id, annotator, article.text_hash, {"a:1": EntityItem(
                id="a:1", start=start, end=start + 9, label="PERSON", status=Status.ADDED,
                annotator=annotator, time="2025-01-01T00:00:00Z")})
            store.set_done(article.id, annotator, article.text_hash, True)
    return db


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path)


def run_bytes(*args: str | Path, cwd: Path, stdout: int | None = None
              ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], cwd=cwd, env=ENV,
                          stdout=subprocess.PIPE if stdout is None else stdout,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120,
                          check=False)


def file_export(db: Path, tmp_path: Path, fmt: str) -> bytes:
    out = tmp_path / f"reference.{fmt}"
    result = byline("export", "--db", db, "-o", out, "--format", fmt)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    out.unlink()
    return data


@pytest.mark.parametrize("fmt", [*JSON_FORMATS, "spacy"])
def test_dash_is_standard_output(db: Path, tmp_path: Path, fmt: str) -> None:
    expected = file_export(db, tmp_path, fmt)
    work = tmp_path / "cwd"
    work.mkdir()
    result = run_bytes("export", "--db", db, "-o", "-", "--format", fmt, cwd=work)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert list(work.iterdir()) == []  # no file named "-"
    stderr = result.stderr.decode().splitlines()
    assert stderr[-1] == "Wrote 1 article(s) to standard output"
    if fmt == "labelstudio":  # no file to write the config beside: said, on one line
        assert len(stderr) == 2 and stderr[0].startswith("note: the Label Studio labeling "
                                                         "config was not written")
    else:
        assert len(stderr) == 1


@pytest.mark.parametrize("args", [["--format", "brat"], ["--format", "spacy", "--dev", "0.5"]])
@pytest.mark.parametrize("out", ["-", "/dev/stdout"])
def test_folder_formats_refuse_standard_output(db: Path, tmp_path: Path, args: list[str],
                                               out: str) -> None:
    before = snapshot(tmp_path)
    message = one_error(byline("export", "--db", db, "-o", out, *args, cwd=tmp_path))
    assert "cannot be written to standard output; give a folder" in message
    assert snapshot(tmp_path) == before


def test_dev_stdout_is_written_to_not_replaced(db: Path, tmp_path: Path) -> None:
    expected = file_export(db, tmp_path, "native")
    for force in ([], ["--force"]):
        result = run_bytes("export", "--db", db, "-o", "/dev/stdout", *force, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected
    # stdout redirected to a file: the rows land in that file, through the descriptor
    redirected = tmp_path / "redirected.jsonl"
    with redirected.open("wb") as handle:
        result = run_bytes("export", "--db", db, "-o", "/dev/stdout", cwd=tmp_path,
                           stdout=handle.fileno())
    assert result.returncode == 0, result.stderr
    assert redirected.read_bytes() == expected


def test_dev_null_takes_the_rows_without_force(db: Path, tmp_path: Path) -> None:
    for fmt in ("native", "labelstudio", "spacy"):
        result = byline("export", "--db", db, "-o", "/dev/null", "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "Wrote 1 article(s) to /dev/null" in result.stderr
    assert not Path("/dev/null.config.xml").exists()
    article = tmp_path / "in.txt"
    article.write_text(TEXT + "\n", encoding="utf-8")
    result = byline("suggest", article, "-o", "/dev/null", "--model", "rules")
    assert result.returncode == 0, result.stderr
    assert "wrote 1 article to /dev/null" in result.stderr


@pytest.mark.parametrize("fmt", ["native", "conll", "spacy"])
def test_dev_full_is_one_line_naming_it(db: Path, fmt: str) -> None:
    message = one_error(byline("export", "--db", db, "-o", "/dev/full", "--format", fmt,
                               "--force"))
    assert message == "byline: error: /dev/full: cannot write (No space left on device)"


def test_suggest_to_dev_full_is_one_line(tmp_path: Path) -> None:
    article = tmp_path / "in.txt"
    article.write_text(TEXT + "\n", encoding="utf-8")
    message = one_error(byline("suggest", article, "-o", "/dev/full", "--model", "rules"))
    assert message == "byline: error: /dev/full: cannot write (No space left on device)"


class FifoReader(threading.Thread):
    """The other end of a FIFO: reads until the writer closes it."""

    def __init__(self, fifo: Path) -> None:
        super().__init__(daemon=True)
        self.fifo = fifo
        self.data = b""

    def run(self) -> None:
        with self.fifo.open("rb") as handle:
            self.data = handle.read()


def test_a_fifo_gets_the_rows_without_force(db: Path, tmp_path: Path) -> None:
    expected = file_export(db, tmp_path, "native")
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    result = byline("export", "--db", db, "-o", fifo)
    reader.join(60)
    assert result.returncode == 0, result.stderr
    assert reader.data == expected
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotations", "rows.fifo"]


def test_suggest_writes_its_rows_into_a_fifo(tmp_path: Path) -> None:
    article = tmp_path / "in.txt"
    article.write_text(TEXT + "\n", encoding="utf-8")
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    result = byline("suggest", article, "-o", fifo, "--model", "rules")
    reader.join(60)
    assert result.returncode == 0, result.stderr
    [row] = [json.loads(line) for line in reader.data.splitlines()]
    assert row["id"] == "in" and row["text"].startswith("DOHA")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    resumed = one_error(byline("suggest", article, "-o", fifo, "--model", "rules", "--resume"))
    assert "--resume finishes a file" in resumed


@pytest.mark.parametrize("command", ["export", "suggest"])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, command: str) -> None:
    """`byline export -o - | head -1`: the reader is gone before the rows are written."""
    db = make_db(tmp_path, articles=40)
    article = tmp_path / "in.txt"
    article.write_text(TEXT + "\n", encoding="utf-8")
    args = (["export", "--db", db, "-o", "-"] if command == "export"
            else ["suggest", article, "-o", "-", "--model", "rules"])
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_bytes(*args, cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert result.stderr == b""


def test_head_of_a_large_export_ends_quietly(tmp_path: Path) -> None:
    """Far more than a pipe holds: `head` goes away while rows are still being written."""
    db = make_db(tmp_path, articles=100, repeat=20)
    shell = (f"{sys.executable} -m tui export --db {db} -o - | head -c 100 >/dev/null; "
             f"echo ${{PIPESTATUS[0]}}")
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=ENV,
                            cwd=tmp_path, timeout=120, check=False)
    assert result.stdout.strip() == "141", result.stderr
    assert result.stderr == ""


def _pty_run(args: list[str | Path], cwd: Path) -> tuple[int, bytes]:
    """Run the CLI with stdout on a pseudo-terminal; every byte it wrote there."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tui", *map(str, args)], cwd=cwd,
                               env=ENV, stdout=slave, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    os.close(slave)
    output = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert process.stderr is not None
    process.stderr.read()
    return process.wait(60), output


def test_a_terminal_gets_no_control_or_bidi_character(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    text = f"DOHA{HOSTILE}: Anna Berg met officials."
    article = Article(id=f"id{HOSTILE}", text=text, meta={"title": HOSTILE})
    with GoldStore.open(db) as store:
        store.put_article(article)
        store.save_items(article.id, f"maria{HOSTILE}", article.text_hash, {"a:1": EntityItem(
            id="a:1", start=0, end=4, label=f"GPE{HOSTILE}", status=Status.ADDED,
            annotator=f"maria{HOSTILE}", time="2025-01-01T00:00:00Z")})
        store.set_done(article.id, f"maria{HOSTILE}", article.text_hash, True)
    for fmt in JSON_FORMATS:
        code, output = _pty_run(["export", "--db", db, "-o", "-", "--format", fmt], tmp_path)
        assert code == 0
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\u2066"):
            assert bad.encode("utf-8") not in output, (fmt, bad)
        if fmt == "native":  # the same data to a JSON reader
            [row] = [json.loads(line) for line in output.decode().splitlines() if line.strip()]
            assert row["text"] == text and row["id"] == article.id
            assert row["entities"][0]["label"] == f"GPE{HOSTILE}"


def test_suggest_to_a_terminal_gets_no_bidi_character(tmp_path: Path) -> None:
    text = "DOHA: Anna Berg \u202emet\u202c officials\u2028in Doha."
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(json.dumps({"id": "x\u2066", "text": text}) + "\n", encoding="utf-8")
    code, output = _pty_run(["suggest", corpus, "-o", "-", "--model", "rules"], tmp_path)
    assert code == 0
    for bad in ("\u202e", "\u202c", "\u2028", "\u2066"):
        assert bad.encode("utf-8") not in output
    [row] = [json.loads(line) for line in output.decode().splitlines() if line.strip()]
    assert row["text"] == text and row["id"] == "x\u2066"


def test_a_spacy_docbin_is_never_written_to_a_terminal(db: Path, tmp_path: Path) -> None:
    code, output = _pty_run(["export", "--db", db, "-o", "-", "--format", "spacy"], tmp_path)
    assert code == 2 and output == b""


@pytest.fixture
def full_disk(small_disk: Callable[[str], Path]) -> Path:
    """A real file system of 64 KiB (tmpfs; root only)."""
    return small_disk("64k")


@pytest.mark.parametrize("fmt", ["native", "prodigy", "labelstudio", "conll"])
def test_a_disk_that_fills_up_keeps_the_old_file(tmp_path: Path, full_disk: Path,
                                                 fmt: str) -> None:
    db = make_db(tmp_path, articles=50, repeat=20)
    out = full_disk / "out.jsonl"
    out.write_bytes(b"precious\n")
    message = one_error(byline("export", "--db", db, "-o", out, "--format", fmt, "--force"))
    assert message == f"byline: error: {out}: cannot write (No space left on device)"
    assert out.read_bytes() == b"precious\n"
    assert sorted(p.name for p in full_disk.iterdir()) == ["out.jsonl"]  # no temp file left


def test_suggest_on_a_full_disk_keeps_only_complete_rows(tmp_path: Path,
                                                         full_disk: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for n in range(300):
            handle.write(json.dumps({"id": f"w{n}", "text": f"{TEXT} {n} " * 4}) + "\n")
    out = full_disk / "rows.jsonl"
    result = byline("suggest", corpus, "-o", out, "--model", "rules", "--batch-size", "8")
    message = one_error(result)
    assert message.startswith(f"byline: error: {out}: cannot write (No space left on device)")
    assert "--resume finishes it" in message
    data = out.read_bytes()
    assert data.endswith(b"\n")
    rows = [json.loads(line) for line in data.splitlines()]
    assert rows and len(rows) < 300
    assert f"{len(rows)} complete articles kept" in message
