"""Attack, class 2: untrusted bytes reaching the terminal.

New paths the existing pty tests do not take: a spaCy pipeline whose own name,
version and labels hold escape sequences (the model is untrusted too), seen
through `suggest` with its progress bar and through the app's title bar,
legend and label picker; every export format written to the terminal named by
its path (`-o /dev/pts/N`, not `-o -`) from a store whose text, title and meta
hold raw escape sequences; the adjudication app on annotators, labels, ids and
titles holding them. Every byte written to the pty is read; none of the
hostile sequences may be among them, and their placeholders must be.

All of these held when written; each fails if a path starts letting them through.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

if not sys.platform.startswith("linux"):  # pragma: no cover
    pytest.skip("pty tests run on Linux only", allow_module_level=True)

from tests.ptyterm import PtyProcess, decoded, pty_env, run, unsafe_in
from tui.core.model import (
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Status,
    Suggestions,
)
from tui.store.gold import GoldStore

ESC, BEL = "\x1b", "\x07"
H = f"{ESC}[2J{ESC}]0;PWN-TITLE{BEL}{ESC}]52;c;SEVJTExP{BEL}\x9b31m\u202e\r\x08"
#: The hostile sequences in the forms a terminal would act on.
LIVE = [f"{ESC}]0;PWN-TITLE", f"{ESC}]52;c;SEVJTExP", "\x9b31m", "\u202e"]
#: byline's own progress bar (suggest on a terminal).
PROGRESS = re.compile(r"\x1b\[\?25[lh]|\r?\x1b\[2K|\x1b\[1A|\x1b\[[0-9;]*m")
TEXT = "Angela Merkel met Joe Biden in Berlin on Monday. Olaf Scholz said so.\n"


def _env(tmp: Path) -> dict[str, str]:
    environ = pty_env(tmp)
    environ["BYLINE_CONFIG"] = os.devnull
    environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    return environ


def _no_live_sequence(text: str) -> None:
    for sequence in LIVE:
        assert sequence not in text, f"reached the terminal: {sequence!r}"
    assert "PWN-TITLE" in text, "the hostile value was never shown"


@pytest.fixture(scope="module")
def evil_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real spaCy pipeline (blank English and an entity ruler) whose meta name and
    version and one of whose labels hold escape sequences."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": f"PERSON{ESC}]0;PWN-TITLE{BEL}", "pattern": "Angela Merkel"},
                        {"label": "GPE", "pattern": "Berlin"}])
    nlp.meta["name"] = f"evil{ESC}]0;PWN-TITLE{BEL}{ESC}[2J\u202e"
    nlp.meta["version"] = f"6.6{ESC}]52;c;SEVJTExP{BEL}"
    folder = tmp_path_factory.mktemp("model") / "evil"
    nlp.to_disk(folder)
    return folder


def test_a_hostile_model_through_suggest_on_a_terminal(tmp_path: Path, evil_model: Path) -> None:
    (tmp_path / "ev.txt").write_text(TEXT, encoding="utf-8")
    environ = _env(tmp_path)
    for out in ("-", "out.jsonl"):
        code, raw = run([sys.executable, "-m", "tui", "suggest", "ev.txt", "-o", out,
                         "--model", str(evil_model), "--force"], cwd=tmp_path,
                        env=environ, seconds=90)
        text = PROGRESS.sub("", decoded(raw))
        assert code == 0, text[-500:]
        assert not unsafe_in(text.encode("utf-8", "surrogateescape")), unsafe_in(
            text.encode("utf-8", "surrogateescape"))[:3]
        _no_live_sequence(text)


def test_a_hostile_model_in_the_app(tmp_path: Path, evil_model: Path) -> None:
    """The title bar names the model, the legend and label picker show its labels."""
    (tmp_path / "ev.txt").write_text(TEXT, encoding="utf-8")
    term = PtyProcess([sys.executable, "-m", "tui", "annotate", "ev.txt", "--db", "g.json",
                       "--model", str(evil_model), "--annotator", "ana"],
                      cwd=tmp_path, env=_env(tmp_path))
    try:
        assert term.wait_for(b"Scholz", 30.0), decoded(bytes(term.output))[-1000:]
        term.settle(5.0)
        for key in (b"n", b"l", b"\x1b", b"R", b"\x1b", b"?", b"\x1b", b"q"):
            term.send(key)
            term.settle(3.0)
        term.read(5.0)
    finally:
        term.close()
    _no_live_sequence(decoded(bytes(term.output)))


@pytest.fixture
def raw_store(tmp_path: Path) -> Path:
    """A store whose article text, title and meta hold raw escape sequences (what a
    store may hold, whatever its readers let in), with clean labels."""
    db = tmp_path / "raw.json"
    art = Article("c2", f"Angela Merkel met Joe Biden in Berlin. {H} Olaf Scholz said so.",
                  {"title": f"T{H}", "source": f"src{H}", "dateline": f"D{H}"})
    with GoldStore.open(db) as store:
        store.put_article(art)
        store.save_items(art.id, "ana", art.text_hash, {"a:1": EntityItem(
            "a:1", 0, 13, "PERSON", Status.ADDED, annotator="ana",
            time="2025-07-14T10:00:00Z")})
        store.set_done(art.id, "ana", art.text_hash, True)
    return db


@pytest.mark.parametrize("fmt", ["native", "prodigy", "conll", "doccano", "doccano-rel",
                                 "labelstudio"])
def test_every_export_format_to_a_terminal_named_by_its_path(
        tmp_path: Path, raw_store: Path, fmt: str) -> None:
    master, slave = pty.openpty()
    name = os.ttyname(slave)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tui", "export", "--db", str(raw_store),
                                 "--format", fmt, "-o", name], cwd=tmp_path,
                                env=_env(tmp_path), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        got = bytearray()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                got += os.read(master, 65536)
            elif proc.poll() is not None:
                break
        _, err = proc.communicate(timeout=30)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0, err
    assert b"Merkel" in got, "nothing reached the terminal"
    assert not unsafe_in(bytes(got)), unsafe_in(bytes(got))[:3]


def test_the_adjudication_app_with_hostile_names(tmp_path: Path) -> None:
    """Two annotators whose names, labels, the article id and title hold escape
    sequences disagree; the adjudication app lists and opens the article."""
    art = Article(f"art{H}", TEXT, {"title": f"T{H}"})
    for name, who, label in (("a.json", f"ann{H}", f"LBL{H}"), ("b.json", f"bob{H}", "ORG")):
        with GoldStore.open(tmp_path / name) as store:
            store.put_article(art)
            store.save_items(art.id, who, art.text_hash, {"a:1": EntityItem(
                "a:1", 0, 13, label, Status.ADDED, annotator=who,
                time="2025-07-14T10:00:00Z")})
            store.put_suggestions(art.id, Suggestions(
                ModelInfo(f"mod{H}", f"v{H}", "spec"), art.text_hash,
                (EntitySuggestion(0, 13, f"SUG{H}"),), ((0, 6), (7, 13))))
    term = PtyProcess([sys.executable, "-m", "tui", "review", "a.json", "b.json", "-o",
                       "m.json", "--annotator", "judge"], cwd=tmp_path, env=_env(tmp_path))
    try:
        assert term.wait_for(b"adjudication", 30.0), decoded(bytes(term.output))[-1000:]
        term.settle(4.0)
        for key in (b"\r", b"n", b"1", b"u", b"b", b"q", b"q"):
            term.send(key)
            term.settle(3.0)
        term.read(5.0)
    finally:
        term.close()
    _no_live_sequence(decoded(bytes(term.output)))

