"""The one rule for labels, names and ids from outside byline (tui/core/names.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.names import MAX_NAME, BadName, clean_id, clean_name
from tui.core.text import display_safe


@pytest.mark.parametrize(("raw", "kept"), [
    ("PERSON", "PERSON"),
    ("  PERSON \t\n", "PERSON"),                      # surrounding whitespace dropped
    ("Jose\u0301", "Jos\u00e9"),                       # NFC
    ("PER\x1b[2JSON", "PER\u241b[2JSON"),              # ESC made visible, one for one
    ("a\x9bb", "a\ufffdb"),                            # C1 (the one-byte CSI)
    ("two\nlines", "two\u240alines"),                  # a name is one line
    ("tab\there", "tab\u2409here"),
    ("evil\u202eLIGHT", "evil\u2426LIGHT"),             # bidi override made visible
    ("zero\u200bwidth", "zero\u2423width"),
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),          # the joiner stays: one picture
    ("x" * MAX_NAME, "x" * MAX_NAME),
])
def test_clean_name_keeps_a_visible_one_line_nfc_name(raw: str, kept: str) -> None:
    assert clean_name(raw) == kept


@pytest.mark.parametrize(("raw", "message"), [
    ("PER\ud800", "label 'PER\\ud800' holds an unpaired surrogate (U+D800"),
    ("\udcff", "label '\\udcff' holds an unpaired surrogate (U+DCFF"),
    ("", "label is empty"),
    (" \t\n ", "label is empty"),
    ("x" * (MAX_NAME + 1), f"is longer than {MAX_NAME} characters"),
    (None, "label must be a string, not null"),
    (5, "label must be a string, not a number"),
    (["PERSON"], "label must be a string, not an array"),
    ({"a": 1}, "label must be a string, not an object"),
    (True, "label must be a string, not a boolean"),
])
def test_clean_name_refuses_what_it_cannot_keep(raw: object, message: str) -> None:
    with pytest.raises(BadName) as caught:
        clean_name(raw)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and "\ud800" not in str(caught.value)


def test_the_message_names_the_field() -> None:
    with pytest.raises(BadName, match=r"^--annotator '\\udcff' holds"):
        clean_name("\udcff", "--annotator")


@pytest.mark.parametrize(("raw", "kept"), [("a1", "a1"), (7, "7"), (" a ", " a "),
                                           ("Jose\u0301", "Jose\u0301"), ("[b]x", "[b]x")])
def test_clean_id_keeps_ids_verbatim(raw: object, kept: str) -> None:
    assert clean_id(raw) == kept


@pytest.mark.parametrize(("raw", "message"), [
    ("", '"id" is empty'), ("  ", '"id" is empty'),
    ("a\x1bb", "holds a control character"), ("a\nb", "holds a control character"),
    ("a\x85", "holds a control character"), ("\udc80", "unpaired surrogate"),
    (True, "must be a string or an integer, not a boolean"),
    (1.5, "must be a string or an integer, not a number"),
    (None, "not null"), ([1], "not an array"),
])
def test_clean_id_refuses_what_it_cannot_keep_verbatim(raw: object, message: str) -> None:
    with pytest.raises(BadName, match=message):
        clean_id(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(
    ["\ud800", "\udfff", "\x1b", "\x9b", "\u202e", "\u200b", "\n", "\t", " ", "\u0301"])),
    max_size=30))
def test_clean_name_is_idempotent_and_safe(raw: str) -> None:
    try:
        name = clean_name(raw)
    except BadName as error:
        assert "\n" not in str(error)
        return
    assert clean_name(name) == name
    assert name == name.strip() and name
    assert unicodedata.is_normalized("NFC", name)
    assert display_safe(name) == name  # nothing left for the display filter to change
    name.encode("utf-8")


def test_model_import_name_is_cleaned_like_the_imported_name() -> None:
    """`import --name X` and `--model import:X` must name the same model."""
    from tui.commands.arguments import ArgumentError, model_option, name_option

    name = name_option("--name", "m\x1b ")
    assert name == "m\u241b" and model_option("import:m\x1b ") == f"import:{name}"
    assert model_option("rules") == "rules" and model_option(None) is None
    assert model_option("/a path/model") == "/a path/model"
    with pytest.raises(ArgumentError, match=r"^--model '.*' holds an unpaired surrogate"):
        model_option("/models/\udcff")
