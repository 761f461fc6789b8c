"""Every command, under a pseudo-terminal, on hostile input: no byte of it acts on the terminal.

Each command runs as `python -m tui ...` with its stdout and stderr on a pty,
on labels, ids, annotator names, titles, file names and folder names that hold
a screen clear (ESC [2J), a window title write (ESC ]0; ... BEL), an OSC 52
clipboard write, the 8-bit CSI U+009B, a right-to-left override U+202E, bidi
isolates and marks, a lone CR, a backspace and a newline. The raw bytes each
command writes must hold none of them (`tests.ptyterm.UNSAFE`: no ESC, BEL, BS,
TAB, lone CR, DEL, C1, bidi or invisible format character, nothing that is not
UTF-8), except the escape sequences byline's own progress bar draws; the
placeholders of the hostile text must be there (so the path was taken), every
message must be one line, `--json` must be valid JSON holding the hostile
values intact, and no command may print a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pty")
if not sys.platform.startswith("linux"):  # pragma: no cover - the pty dance is Linux-tested
    pytest.skip("pty test runs on Linux only", allow_module_level=True)

from tests.ptyterm import decoded, pty_env, run, unsafe_in
from tui.core.model import Article, EntityItem, Status
from tui.core.names import clean_name
from tui.core.text import display_line
from tui.store.gold import GoldStore, shards_dir

ESC, BEL = "\x1b", "\x07"
CLEAR = f"{ESC}[2J"
TITLE = f"{ESC}]0;PWN-TITLE{BEL}"
OSC52 = f"{ESC}]52;c;SEVJTExP{BEL}"
CSI8 = "\x9b31m"
RLO = "\u202e"
#: Every hostile piece at once, and a newline (a one-line message must stay one line).
H = f"{CLEAR}{TITLE}{OSC52}{CSI8}{RLO}\r\x08\u2066\u200e\u061c\n|"
#: What H looks like on the terminal: its placeholders.
SHOWN = display_line(H)
#: A marker inside H, for messages that quote a value as a literal ('x\\x1b[2J...').
MARKER = "PWN-TITLE"

#: The escape sequences of byline's own progress bar (suggest, on a terminal):
#: hide/show the cursor, go to the line's start and erase it, colours.
PROGRESS = re.compile(r"\x1b\[\?25[lh]|\r?\x1b\[2K|\x1b\[1A|\x1b\[[0-9;]*m")

LABEL = f"LBL{H}"
#: The label as every reader takes it in: its controls made visible (tui.core.names).
READ_LABEL = clean_name(LABEL, "label")
ANNOTATOR = f"ann{H}"
ARTICLE_ID = f"art{H}"
#: Article ids may not hold controls (the readers refuse them): bidi and invisible ones.
READ_ID = f"art{RLO}\u2066\u200e"
TEXT = f"Angela Merkel met Joe Biden in Berlin on Monday. {H} Olaf Scholz said so."
DIR = f"d{H}"


def _entity(label: str, who: str) -> EntityItem:
    return EntityItem(id="a:1", start=0, end=13, label=label, status=Status.ADDED,
                      annotator=who, time="2025-07-14T10:00:00Z")


def _store(path: Path, annotators: dict[str, str]) -> Path:
    """A store holding the hostile article, decided (and done) by each annotator with
    the given label: what a store may hold, whatever its readers let in."""
    article = Article(ARTICLE_ID, TEXT, {"title": f"T{H}", "date": "2025-07-14"})
    with GoldStore.open(path) as store:
        store.put_article(article)
        for who, label in annotators.items():
            store.save_items(article.id, who, article.text_hash, {"a:1": _entity(label, who)})
            store.set_done(article.id, who, article.text_hash, True)
    return path


def _row(article_id: str, label: str) -> str:
    return json.dumps({"id": article_id, "text": TEXT, "meta": {"title": f"T{H}"},
                       "entities": [{"start": 0, "end": 13, "label": label}]},
                      ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The working folder (cwd of every command) and the pty environment; every input
    sits in a folder whose name is hostile too."""
    root = tmp_path_factory.mktemp("pty-commands")
    env = pty_env(root)
    env["BYLINE_CONFIG"] = "/dev/null"
    work = root / "work"
    folder = work / DIR
    folder.mkdir(parents=True)
    _store(folder / f"gold{H}.json", {ANNOTATOR: LABEL, f"bob{RLO}": "PERSON"})
    _store(folder / f"single{H}.json", {ANNOTATOR: LABEL})
    doc = _store(folder / f"doc{H}.json", {ANNOTATOR: LABEL})
    shard = next(p for p in sorted(shards_dir(doc).iterdir()) if p.suffix == ".json")
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01  # a flipped bit: the checksum no longer holds
    shard.write_bytes(bytes(data))
    (folder / f"gold{H}.jsonl").write_text(_row(READ_ID, LABEL), encoding="utf-8")
    (folder / f"pred{H}.jsonl").write_text(_row(READ_ID, f"P{H}"), encoding="utf-8")
    (folder / f"bad{H}.jsonl").write_text('{"id": "x"}\n{nope\n', encoding="utf-8")
    (folder / f"twice{H}.jsonl").write_text(_row(READ_ID, LABEL) * 2, encoding="utf-8")
    # Article ids may not hold controls (the readers refuse them): a bidi override instead.
    (folder / f"in{H}.jsonl").write_text(_row(f"imp{RLO}\u2066", LABEL), encoding="utf-8")
    (folder / f"empty{H}").mkdir()
    (folder / f"text{H}.txt").write_text(TEXT + "\n", encoding="utf-8")
    yield work, env


def byline(world: tuple[Path, dict[str, str]], *args: str) -> tuple[int | None, bytes]:
    work, env = world
    return run([sys.executable, "-m", "tui", *args], cwd=work, env=env, seconds=90.0)


def p(name: str) -> str:
    """A file in the hostile folder, as given on the command line."""
    return f"{DIR}/{name}"


def assert_safe(code: int | None, output: bytes, expected: tuple[int, ...],
                shows: tuple[str, ...] = (SHOWN,), own: re.Pattern[str] | None = None) -> str:
    """The checks every command must pass; returns the output as text (CRLF as LF)."""
    text = decoded(output)
    if own is not None:
        text = own.sub("", text)
    assert "Traceback" not in text, text
    assert code in expected, (code, text)
    bad = unsafe_in(text.encode("utf-8", "surrogateescape"))
    assert not bad, bad[:5]
    text = text.replace("\r\n", "\n")
    for shown in shows:
        assert shown in text, f"never shown: {shown!r} in {text[-1500:]!r}"
    return text


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("byline: error:")]


def strings(value: Any) -> Iterator[str]:
    """Every string (keys and values) in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def json_output(text: str) -> Any:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].isascii() and lines[0].isprintable(), lines[0]
    return json.loads(lines[0])


# ---------------------------------------------------------------------- usage


@pytest.mark.parametrize("args", [
    ["--help"], ["annotate", "--help"], ["export", "--help"], ["suggest", "--help"],
    ["evaluate", "--help"], ["import", "--help"], ["review", "--help"],
    ["agreement", "--help"], ["stats", "--help"], ["doctor", "--help"],
])
def test_help(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    assert_safe(code, out, (0,), shows=("Usage: byline",))


@pytest.mark.parametrize("args", [
    [f"cmd{H}"],                                   # no such command
    ["stats", f"--opt{H}"],                        # no such option
    ["evaluate", DIR, "x"],                        # click: a directory, named
    ["suggest", "x", "-o", "y", "--batch-size", f"1{H}"],
])
def test_usage_errors_quote_arguments_safely(world: tuple[Path, dict[str, str]],
                                             args: list[str]) -> None:
    code, out = byline(world, *args)
    assert_safe(code, out, (2,), shows=("Error:",))


# ------------------------------------------------------------------- annotate


@pytest.mark.parametrize("args", [
    ["annotate", p(f"missing{H}.txt"), "--db", p("new.json")],
    ["annotate", p(f"empty{H}"), "--db", p("new.json")],
    ["annotate", p(f"text{H}.txt"), "--db", p(f"bad{H}.jsonl")],  # not a store
])
def test_annotate_early_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(display_line(DIR),))
    assert len(error_lines(text)) == 1, text


# ---------------------------------------------------------------------- export


def test_export_names_its_output_safely(world: tuple[Path, dict[str, str]]) -> None:
    out_name = p(f"out{H}.jsonl")
    code, out = byline(world, "export", "--db", p(f"gold{H}.json"), "-o", out_name)
    text = assert_safe(code, out, (0,), shows=(f"Wrote 2 article(s) to {display_line(out_name)}",))
    assert len(text.strip().splitlines()) == 1, text
    rows = [json.loads(line) for line in (world[0] / out_name).read_text("utf-8").splitlines()]
    assert any(LABEL in strings(row) for row in rows), "the file holds the data as it is"


@pytest.mark.parametrize("args", [
    ["export", "--db", p(f"gold{H}.json"), "--format", f"x{H}", "-o", p("x.jsonl")],
    ["export", "--db", p(f"none{H}.json"), "-o", p("x.jsonl")],
    ["export", "--db", p(f"gold{H}.json"), "--annotator", f"nobody{H}", "-o",
     p(f"gold{H}.json")],
])
def test_export_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(MARKER,))
    assert len(error_lines(text)) == 1, text


def test_export_to_standard_output_on_a_terminal(world: tuple[Path, dict[str, str]]) -> None:
    """`-o -` (standard output) on a terminal: the rows' hostile characters are JSON
    escapes. (Where `-o -` is not yet standard output, the rows go to a file `-`.)"""
    work, _ = world
    code, out = byline(world, "export", "--db", p(f"gold{H}.json"), "-o", "-", "--force")
    text = assert_safe(code, out, (0,), shows=())
    if not (work / "-").exists():
        assert "\\u001b[2J" in text and "\\u202e" in text, text


# --------------------------------------------------------------------- suggest


def test_suggest_with_its_progress_bar(world: tuple[Path, dict[str, str]]) -> None:
    out_name = p(f"sugg{H}.jsonl")
    code, out = byline(world, "suggest", p(f"in{H}.jsonl"), p(f"bad{H}.jsonl"),
                       p(f"missing{H}.txt"), "-o", out_name, "--model", "rules")
    raw = decoded(out)
    assert "\x1b[?25l" in raw, "the progress bar was drawn (so its own sequences are allowed)"
    text = assert_safe(code, out, (1,), own=PROGRESS,
                       shows=(f"{display_line(p(f'bad{H}.jsonl'))}:1:",
                              display_line(p(f"missing{H}.txt")),
                              f"wrote 1 article to {display_line(out_name)}"))
    assert len(error_lines(text)) == 2, text


@pytest.mark.parametrize("args", [
    ["suggest", p(f"in{H}.jsonl"), "-o", p(f"gold{H}.jsonl"), "--model", "rules"],  # exists
    ["suggest", p(f"missing{H}.txt"), "-o", p("s.jsonl"), "--model", "rules"],
    ["suggest", p(f"in{H}.jsonl"), "-o", p("s2.jsonl"), "--model", p(f"nomodel{H}")],
])
def test_suggest_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(MARKER,))
    assert error_lines(text), text


# -------------------------------------------------------------------- evaluate


def test_evaluate_table(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "evaluate", p(f"gold{H}.jsonl"), p(f"pred{H}.jsonl"))
    assert_safe(code, out, (0,), shows=(f"entities  {display_line(READ_LABEL)}",))


def test_evaluate_json(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "evaluate", p(f"gold{H}.jsonl"), p(f"pred{H}.jsonl"), "--json")
    found = set(strings(json_output(assert_safe(code, out, (0,), shows=()))))
    assert READ_LABEL in found, "the label comes back from the JSON as it was read"


@pytest.mark.parametrize("args", [
    ["evaluate", p(f"missing{H}.jsonl"), p(f"pred{H}.jsonl")],
    ["evaluate", p(f"bad{H}.jsonl"), p(f"pred{H}.jsonl")],
    ["evaluate", p(f"twice{H}.jsonl"), p(f"pred{H}.jsonl")],
    ["evaluate", p(f"gold{H}.jsonl"), p(f"missing{H}.jsonl"), "--json"],
])
def test_evaluate_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(display_line(DIR),))
    assert len(error_lines(text)) == 1, text


# ---------------------------------------------------------------------- import


def test_import_names_the_store_safely(world: tuple[Path, dict[str, str]]) -> None:
    db = p(f"imported{H}.json")
    code, out = byline(world, "import", p(f"in{H}.jsonl"), "--db", db,
                       "--annotator", f"who{H}")
    assert_safe(code, out, (0,), shows=(f"into {display_line(db)} as gold",))
    code, out = byline(world, "import", p(f"in{H}.jsonl"), "--db", db,  # again: refused
                       "--annotator", f"who{H}")
    who = clean_name(f"who{H}", "annotator")  # as the option takes it in
    text = assert_safe(code, out, (2,), shows=(display_line(f"{db}: {who} already has"),))
    assert len(error_lines(text)) == 1, text


@pytest.mark.parametrize("args", [
    ["import", p(f"missing{H}.jsonl"), "--db", p("i.json")],
    ["import", p(f"bad{H}.jsonl"), "--db", p("i.json")],
    ["import", p(f"in{H}.jsonl"), "--db", p("i.json"), "--format", f"x{H}"],
    ["import", p(f"in{H}.jsonl"), "--db", p("i.json"), "--as", f"x{H}"],
    ["import", p(f"in{H}.jsonl"), "--db", p(f"bad{H}.jsonl")],
])
def test_import_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(MARKER,))
    assert len(error_lines(text)) == 1, text


# ----------------------------------------------------------- stats, agreement


def test_stats_table(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "stats", "--db", p(f"gold{H}.json"))
    assert_safe(code, out, (0,), shows=("␛[2J", "bob␦"))


def test_stats_json(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "stats", "--db", p(f"gold{H}.json"), "--json")
    found = set(strings(json_output(assert_safe(code, out, (0,), shows=()))))
    assert {LABEL, ANNOTATOR, p(f"gold{H}.json")} <= found


@pytest.mark.parametrize(("args", "code"), [
    (["stats", "--db", p(f"gold{H}.json"), "--annotator", f"nobody{H}"], 0),
    (["stats", "--db", p(f"none{H}.json")], 2),
])
def test_stats_messages(world: tuple[Path, dict[str, str]], args: list[str], code: int) -> None:
    got, out = byline(world, *args)
    text = assert_safe(got, out, (code,), shows=(display_line(DIR),))
    assert len(text.strip().splitlines()) == 1, text


def test_agreement_table(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "agreement", p(f"gold{H}.json"))
    assert_safe(code, out, (0,), shows=("␛[2J", "bob␦"))


def test_agreement_json(world: tuple[Path, dict[str, str]]) -> None:
    code, out = byline(world, "agreement", p(f"gold{H}.json"), "--json")
    found = set(strings(json_output(assert_safe(code, out, (0,), shows=()))))
    assert {ANNOTATOR, f"bob{RLO}"} <= found


@pytest.mark.parametrize("args", [
    ["agreement", p(f"single{H}.json")],                      # one annotator, named
    ["agreement", p(f"gold{H}.json"), p(f"gold{H}.json")],    # given twice
    ["agreement", p(f"none{H}.json"), p(f"gold{H}.json")],
])
def test_agreement_errors(world: tuple[Path, dict[str, str]], args: list[str]) -> None:
    code, out = byline(world, *args)
    text = assert_safe(code, out, (2,), shows=(MARKER,))
    assert len(error_lines(text)) == 1, text


# ---------------------------------------------------------------------- review


@pytest.mark.parametrize(("args", "code"), [
    (["review", p(f"gold{H}.json"), "-o", p(f"gold{H}.json")], 2),
    (["review", p(f"none{H}.json"), "-o", p("merged.json")], 2),
    (["review", p(f"single{H}.json"), "-o", p(f"merged{H}.json"), "--annotator", "rev"], 0),
])
def test_review_early_messages(world: tuple[Path, dict[str, str]], args: list[str],
                               code: int) -> None:
    got, out = byline(world, *args)
    text = assert_safe(got, out, (code,), shows=(display_line(DIR),))
    assert len(text.strip().splitlines()) == 1, text


# ---------------------------------------------------------------------- doctor


def test_doctor_on_a_damaged_store_with_hostile_names(world: tuple[Path, dict[str, str]]) -> None:
    db = p(f"doc{H}.json")
    code, out = byline(world, "doctor", "--db", db)
    text = assert_safe(code, out, (1,), shows=(f"problem: {display_line(db)}",
                                               f"run: byline doctor --db {display_line(db)}"))
    code, out = byline(world, "doctor", "--db", db, "--repair")
    assert_safe(code, out, (0,), shows=(f"{display_line(db)}: repaired",))
    code, out = byline(world, "doctor", "--db", p(f"none{H}.json"))
    text = assert_safe(code, out, (2,), shows=(display_line(p(f"none{H}.json")),))
    assert len(error_lines(text)) == 1, text
