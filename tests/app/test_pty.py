"""The real app, run under a pseudo-terminal, never writes an article's escape sequences.

`test_hostile.py` checks what the widgets render; this test checks the bytes
that actually reach the terminal. It starts `python -m tui annotate` on a
hostile article under a pty sized 120x40, drives it with a few keys, and reads
every byte the app writes until it exits. None of the article's terminal
sequences (OSC 52 clipboard write, window title, DCS, C1 CSI, cursor report,
screen clear) may be among them, the placeholders that replace them must be, no
`[@click=...]` payload may run, and the app must exit cleanly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

if not sys.platform.startswith("linux"):  # pragma: no cover - the pty dance is Linux-tested
    pytest.skip("pty test runs on Linux only", allow_module_level=True)

from tests.ptyterm import PtyProcess, decoded, pty_env  # noqa: E402 (after the skips)

DEADLINE = 20.0  # seconds, for the whole run

ESC = "\x1b"
BEL = "\x07"

#: Sequences carried by the article, each with a unique marker, none of which may
#: ever reach the terminal in any form an emulator would act on.
OSC52 = f"{ESC}]52;c;SEVJTExP{BEL}"          # clipboard write ("HELLO")
TITLE = f"{ESC}]0;PWNED-TITLE{BEL}"          # window title
TITLE_ST = f"{ESC}]2;PWNED-ST-TITLE{ESC}\\"  # window title, ST-terminated
DCS = f"{ESC}P1$qPWNED-DCS{ESC}\\"            # device control string
C1_CSI = "\x9b31mPWNED-C1"                   # 8-bit CSI: red text
CLEAR = f"{ESC}[2J{ESC}[H"                   # clear screen, home
REPORT = f"{ESC}[6n"                          # cursor position report request
HYPERLINK = f"{ESC}]8;;file:///etc/passwd{ESC}\\PWNED-LINK{ESC}]8;;{ESC}\\"


def _hostile_text(shot_dir: Path) -> str:
    click_shot = f"[@click=app.screenshot('pwned.svg','{shot_dir}')]SHOT-ME[/]"
    return (
        f"date 2025-07-14\n\n"
        f"BERLIN (dpa) - Hostile headline {TITLE} with a clipboard write {OSC52} here.\n\n"
        f"Researchers said the screen clear {CLEAR} and the report {REPORT} are old tricks. "
        f"A device string {DCS} and the C1 byte {C1_CSI} go next to a lone escape {ESC} "
        f"and bells {BEL}{BEL}. A titled {TITLE_ST} line and a link {HYPERLINK}.\n\n"
        f"Markup must stay text: [@click=app.quit]QUIT-ME[/] and "
        f"[link=file:///etc/passwd]PASSWD-LINK[/link] and {click_shot} and "
        f"[bold red]NOT-BOLD[/] said Jonas Weber on Monday in Bonn.\n"
    )


def _hostile_jsonl(shot_dir: Path) -> str:
    record = {
        "id": "[bold red]wire[/]",
        "text": (f"ISTANBUL: The wire text {ESC}]52;c;V0lSRQ=={BEL} and "
                 f"[@click=app.screenshot('wire.svg','{shot_dir}')]WIRE-SHOT[/] "
                 f"was sent by Mehmet Kaya on Tuesday."),
        "meta": {"title": f"Wire {ESC}]0;PWNED-META-TITLE{BEL} [@click=app.quit]Q[/]",
                 "date": "2025-10-01"},
    }
    return json.dumps(record) + "\n"


def test_article_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    # A hostile file name too: its ESC must not reach the terminal either.
    article = work / f"hostile{ESC}]0;PWNED-FILE{BEL}.txt"
    article.write_text(_hostile_text(work), encoding="utf-8")
    wire = work / "wire.jsonl"
    wire.write_text(_hostile_jsonl(work), encoding="utf-8")
    store = work / "gold.json"
    before = set(work.iterdir())

    argv = [sys.executable, "-m", "tui", "annotate", str(article), str(wire),
            "--db", str(store), "--model", "rules", "--annotator", "tester"]
    term = PtyProcess(argv, cwd=work, env=pty_env(tmp_path))
    start = time.monotonic()
    try:
        # The article is on screen once its last paragraph is drawn.
        assert term.wait_for(b"NOT-BOLD", 15.0), decoded(bytes(term.output))[-2000:]
        term.settle(3.0)
        # Each key waits for its effect on screen, so that keys never run together
        # (an ESC followed too soon by another key would be read as Alt+key).
        help_text = b"remap them in the config"
        library = b"[bold red]wire["
        for key, effect in ((b"n", None), (b"n", None), (b"a", None),
                            (b"?", help_text), (b"\x1b", None),
                            (b"t", None), (b"t", None), (b"t", None),
                            (b"b", library), (b"\r", b"NOT-BOLD"), (b"n", None),
                            (b"b", library), (b"\x1b[B", None), (b"\r", b"WIRE-SHOT"),
                            (b"?", help_text), (b"\x1b", None)):
            term.send(key)
            if effect is not None:
                seen = term.wait_for(effect, 8.0)
                assert seen, (key, effect, decoded(bytes(term.output))[-1500:])
            term.settle(5.0)
        term.send(b"q")
        term.read(max(DEADLINE - (time.monotonic() - start), 5.0))
        try:
            code: int | None = term.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None  # still running after "q": killed by close()
    finally:
        term.close()

    text = decoded(bytes(term.output))
    tail = text[-1500:]

    # No article sequence in any form a terminal would act on (Rich drops a BEL,
    # so the prefixes up to the marker are checked as well as the whole sequences).
    for sequence in (OSC52, TITLE, TITLE_ST, DCS, HYPERLINK, C1_CSI,
                     f"{ESC}]52;c;SEVJTExP", f"{ESC}]0;PWNED-TITLE", f"{ESC}]2;PWNED-ST",
                     f"{ESC}P1$qPWNED", f"{ESC}]0;PWNED-FILE",
                     f"{ESC}]0;PWNED-META", f"{ESC}]52;c;V0lSRQ==",
                     f"{ESC}]8;;file:///etc/passwd"):
        assert sequence not in text, f"article sequence reached the terminal: {sequence!r}"
    for found in re.finditer("PWNED", text):
        # Whatever precedes a marker is a placeholder, never a live OSC/DCS opener.
        before_marker = text[max(found.start() - 12, 0):found.start()]
        assert f"{ESC}]" not in before_marker and f"{ESC}P" not in before_marker, \
            repr(text[max(found.start() - 40, 0):found.start() + 20])
    # No raw C1 control anywhere: as characters, or as bytes that are not UTF-8.
    assert not [char for char in text if "\x80" <= char <= "\x9f"], "C1 control written"
    assert not [char for char in text if "\udc80" <= char <= "\udcff"], "output is not UTF-8"
    # No live hyperlink (OSC 8) to the article's target, from the text or the markup.
    assert not re.search(r"\x1b\]8;[^\x07\x1b]*etc/passwd", text)

    assert code == 0, f"exit code {code}; output ends with {tail!r}"

    # The text was drawn: its placeholders and markers are in the output.
    assert "\u241b" in text, "ESC placeholder never drawn"          # ␛
    assert "\u2407" in text, "BEL placeholder never drawn"          # ␇
    assert "\ufffd31mPWNED-C1" in text, "C1 CSI placeholder never drawn"
    for marker in ("PWNED-TITLE", "SEVJTExP", "PWNED-DCS", "QUIT-ME", "PASSWD-LINK",
                   "SHOT-ME", "[@click=app.quit]", "hostile\u241b]0;PWNE",  # its file name
                   "[bold red]wire[", "WIRE-SHOT", "V0lSRQ==",  # the second article
                   "Wire \u241b]0;PWNED-META-TITLE\u2407 [@click=app.quit]"):
        assert marker in text, f"never drawn: {marker!r}"

    # The app wrote nothing but its store beside the articles: no screenshot ran.
    assert not (work / "pwned.svg").exists()
    assert not (work / "wire.svg").exists()
    created = {path.name for path in set(work.iterdir()) - before}
    assert created, "the store was never written"
    assert all(name.startswith("gold") for name in created), sorted(created)


def test_labels_and_config_keys_never_reach_the_terminal(tmp_path: Path) -> None:
    """Labels a store holds (in the legend, the side panel and the label picker) and the
    keys and values of a hostile config (echoed in its warnings) reach the terminal as
    placeholders: no C1, bidi or invisible character in any byte written, and none of
    their escape sequences."""
    from tests.ptyterm import UNSAFE
    from tui.core.model import Article, EntityItem, Status
    from tui.store.gold import GoldStore

    work = tmp_path / "work"
    work.mkdir()
    hostile = f"\u202eRLO{ESC}[2JCLR{TITLE}{OSC52}{C1_CSI}\u2066\u200e"
    text = "Angela Merkel met Joe Biden in Berlin on Monday, officials said.\n"
    (work / "a.txt").write_text(text, encoding="utf-8")
    article = Article("a", text)
    store = work / "gold.json"
    with GoldStore.open(store) as gold:
        gold.put_article(article)
        gold.save_items("a", "tester", article.text_hash, {
            "a:1": EntityItem(id="a:1", start=0, end=13, label=f"P{hostile}",
                              status=Status.ADDED, annotator=f"who{hostile}")})
    config = work / "config.toml"
    config.write_text(
        '"top\\u001b[2JCFG-CLEAR\\u009b31m" = 1\n'
        '[keys]\n"fly\\u001b]0;CFG-TITLE\\u0007\\u202e" = "a"\naccept = "\\u009b"\n',
        encoding="utf-8")

    argv = [sys.executable, "-m", "tui", "annotate", str(work / "a.txt"), "--db", str(store),
            "--model", "rules", "--annotator", "tester", "--config", str(config)]
    term = PtyProcess(argv, cwd=work, env=pty_env(tmp_path))
    try:
        assert term.wait_for(b"officials said", 15.0), decoded(bytes(term.output))[-2000:]
        term.settle(3.0)
        for key, effect in ((b"n", None), (b"l", b"RLO"), (b"\x1b", None),
                            (b"?", b"remap them"), (b"\x1b", None)):
            term.send(key)
            if effect is not None:
                assert term.wait_for(effect, 8.0), (key, decoded(bytes(term.output))[-1500:])
            term.settle(5.0)
        term.send(b"q")
        term.read(10.0)
    finally:
        term.close()

    output = decoded(bytes(term.output))
    for sequence in (f"{ESC}[2JCLR", TITLE, f"{ESC}]0;PWNED-TITLE", OSC52,
                     f"{ESC}]52;c;SEVJ", f"{ESC}[2JCFG-CLEAR", f"{ESC}]0;CFG-TITLE"):
        assert sequence not in output, f"reached the terminal: {sequence!r}"
    # byline's app writes its own ESC sequences, but never a C1, bidi or invisible one.
    bad = sorted({char for char in output if char in UNSAFE and char >= "\x7f"})
    assert not bad, bad
    for shown in ("P\u2426RLO\u241b[2JCLR",             # the label, in the picker
                  "CFG-CLEAR", "CFG-TITLE"):           # the config's keys, warned
        assert shown in output, f"never drawn: {shown!r}"
