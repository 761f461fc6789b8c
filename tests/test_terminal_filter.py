"""The command line's display filter (`tui.terminal`) and JSON for a terminal
(`tui.core.text.json_text`, `escape_json_for_terminal`), property by property.

Everything that may be printed is drawn from hypothesis strategies mixing the
hostile characters (C0, DEL, C1, bidi, invisible format characters, lone
surrogates) with any text: a message is always one line with none of them,
JSON stays valid and holds the same values, the stream backstop passes nothing.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ptyterm import UNSAFE
from tui.core.text import display_line, escape_json_for_terminal, json_text
from tui.terminal import SafeTextStream, say, say_error

PROPS = settings(max_examples=300, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE = sorted(UNSAFE | {"\n", "\u2028", chr(0xD800), chr(0xDFFF), "\u200d", "é", "😀", "["})
#: Untrusted text: hostile characters among any others (lone surrogates included).
untrusted = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=5),
                               st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
                     max_size=30).map("".join)
#: The same without lone surrogates (JSON reads two escaped halves back as one pair).
untrusted_unicode = st.lists(st.one_of(
    st.sampled_from([c for c in HOSTILE if not "\ud800" <= c <= "\udfff"]),
    st.text(max_size=5)), max_size=30).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), untrusted_unicode),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(untrusted_unicode, inner, max_size=4)),
    max_leaves=12)


def _clean(text: str) -> None:
    bad = [c for c in text if c in UNSAFE or "\ud800" <= c <= "\udfff"]
    assert not bad, bad


@PROPS
@given(untrusted)
def test_a_message_is_one_safe_line_of_the_same_length(text: str) -> None:
    line = display_line(text)
    assert len(line) == len(text)
    assert "\n" not in line
    _clean(line)
    assert display_line(line) == line


@PROPS
@given(untrusted)
def test_say_and_say_error_write_one_safe_line(monkeypatch: Any, text: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    say(text)
    say_error(text)
    assert out.getvalue() == display_line(text) + "\n"
    assert err.getvalue() == f"byline: error: {display_line(text)}\n"


@PROPS
@given(json_values)
def test_json_text_is_printable_ascii_and_the_same_value(value: Any) -> None:
    text = json_text(value)
    assert text.isascii() and text.isprintable()
    assert json.loads(text) == value


@PROPS
@given(json_values)
def test_escaped_json_is_the_same_json_with_nothing_unsafe(value: Any) -> None:
    data = (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")
    escaped = escape_json_for_terminal(data)
    text = escaped.decode("utf-8")
    _clean(text.replace("\n", ""))
    assert json.loads(text) == value
    assert "😀" not in data.decode() or "😀" in text  # printable text is left as it is


def test_bytes_that_are_not_utf8_become_replacement_escapes() -> None:
    data = b'{"a": "x\x9b31m\xff\xe2\x80\xaey"}\n'
    assert escape_json_for_terminal(data) == b'{"a": "x\\ufffd31m\\ufffd\\u202ey"}\n'


@PROPS
@given(untrusted)
def test_the_stream_backstop_lets_nothing_through(text: str) -> None:
    raw = io.BytesIO()
    stream = SafeTextStream(raw, encoding="utf-8", errors="backslashreplace",
                            write_through=True)
    assert stream.write(text) == len(text)
    stream.flush()
    written = raw.getvalue().decode("utf-8")
    _clean(written.replace("\n", ""))
    assert written.count("\n") == text.count("\n")


def test_click_writes_through_the_backstop_even_on_an_ascii_stream() -> None:
    """With PYTHONIOENCODING=ascii, click would wrap the raw buffer anew; the backstop
    says it is UTF-8 so that click keeps it."""
    code = ("import sys; from tui.terminal import install; install(); import click; "
            "click.echo('x\\x07\\u202e\\x9b'); click.echo('y\\x08', err=True)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                            env={"PYTHONIOENCODING": "ascii", "PATH": "/usr/bin:/bin"})
    assert result.stdout == "x\u2407\u2426\ufffd\n".encode()
    assert result.stderr == "y\u2408\n".encode()
