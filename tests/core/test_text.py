"""tui.core.text: normalisation keeps offsets valid and lets no control character through."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tui.core.text import normalise, replace_controls, text_hash


def _is_forbidden_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in "\n\t"


def test_crlf_and_lone_cr_become_lf() -> None:
    assert normalise("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalise("\r\r\n") == "\n\n"


def test_nfc_composes_decomposed_accents() -> None:
    assert normalise("Jose\u0301") == "Jos\u00e9"
    assert len(normalise("Zoe\u0308")) == 3


def test_controls_are_replaced_one_for_one_with_visible_placeholders() -> None:
    raw = "A\x1b[2JB\x07C\x08D\x7fE\u009bF\x00G"
    out = normalise(raw)
    assert len(out) == len(raw)
    assert out == "A\u241b[2JB\u2407C\u2408D\u2421E\ufffdF\u2400G"
    assert out.index("G") == raw.index("G")


def test_newline_and_tab_are_kept() -> None:
    assert replace_controls("a\tb\nc") == "a\tb\nc"


def test_osc52_payload_is_defused() -> None:
    out = normalise("x\x1b]52;c;aGVsbG8=\x07y")
    assert "\x1b" not in out and "\x07" not in out
    assert out == "x\u241b]52;c;aGVsbG8=\u2407y"


def test_text_hash_is_stable_short_hex_and_sensitive() -> None:
    assert text_hash("abc") == text_hash("abc")
    assert len(text_hash("abc")) == 16
    int(text_hash("abc"), 16)
    assert text_hash("abc") != text_hash("abd")


@given(st.text())
def test_replace_controls_leaves_no_control_but_newline_and_tab(raw: str) -> None:
    out = replace_controls(raw)
    assert not any(_is_forbidden_control(ch) for ch in out)
    assert len(out) == len(raw)
    for before, after in zip(raw, out, strict=True):
        if not _is_forbidden_control(before):
            assert before == after


@given(st.text())
def test_normalise_output_is_clean_and_idempotent(raw: str) -> None:
    out = normalise(raw)
    assert "\r" not in out
    assert not any(_is_forbidden_control(ch) for ch in out)
    assert unicodedata.is_normalized("NFC", out)
    assert normalise(out) == out


@given(st.text().map(lambda s: unicodedata.normalize("NFC", s.replace("\r", ""))))
def test_normalise_keeps_length_without_cr_on_nfc_text(raw: str) -> None:
    out = normalise(raw)
    assert len(out) == len(raw)
    for i, ch in enumerate(raw):
        if not _is_forbidden_control(ch):
            assert out[i] == ch


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_display_safe_keeps_length_and_lets_nothing_invisible_through(raw: str) -> None:
    from tui.core.text import display_safe

    shown = display_safe(raw)
    assert len(shown) == len(raw)
    for before, after in zip(raw, shown, strict=True):
        if before == "\n":
            assert after == "\n"
        else:
            assert unicodedata.category(after) != "Cc"  # tabs included
            assert after not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            assert after not in "\u200b\u200e\u200f\ufeff"
    assert display_safe("a\tb\u202ec") == "a b\u2426c"
