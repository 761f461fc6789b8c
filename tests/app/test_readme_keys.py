"""The README's key tables say exactly what the bindings do: every id, every default key.

A binding added, removed, renamed or moved to another key without the README
following fails here, and so does a README row naming an id or a key that no
binding has.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.app.bindings import ARTICLE_BINDINGS, LIBRARY_BINDINGS

README = Path(__file__).resolve().parents[2] / "README.md"

#: How the README writes keys that are names in Textual.
_README_KEYS = {"←": "left", "→": "right", "↑": "up", "↓": "down", "Esc": "escape",
                "?": "question_mark", "[": "left_square_bracket", "]": "right_square_bracket",
                "{": "left_curly_bracket", "}": "right_curly_bracket", "Enter": "enter",
                "/": "slash", "PgUp": "pageup", "PgDn": "pagedown", "Home": "home",
                "End": "end", "Tab": "tab", "(": "left_parenthesis", ")": "right_parenthesis",
                ";": "semicolon", ",": "comma", ".": "full_stop", "<": "less_than_sign",
                ">": "greater_than_sign"}


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    following = re.search(r"^#{1,3} ", text[start + len(title):], re.M)
    return text[start:start + len(title) + (following.start() if following else len(text))]


def _expand(cell: str) -> list[str]:
    """The backticked words of a cell; `a` … `b` is every id or digit from a to b."""
    words = re.findall(r"`([^`]+)`", cell)
    if "…" in cell and len(words) == 2:
        first, last = words
        prefix = first.rstrip("0123456789")
        if prefix == last.rstrip("0123456789") and first[len(prefix):] and last[len(prefix):]:
            numbers = range(int(first[len(prefix):]), int(last[len(prefix):]) + 1)
            return [f"{prefix}{n}" for n in numbers]
    return words


def _key(word: str) -> str:
    """A README key (`shift+←`, `Esc`, `ctrl+Home`) as Textual names it."""
    parts = word.split("+")
    *mods, last = parts
    name = _README_KEYS.get(last, last)
    if len(name) > 1 and name not in _README_KEYS.values():
        name = name.lower()
    return "+".join([*(m.lower() for m in mods), name])


def _rows() -> list[tuple[list[str], list[str]]]:
    """(keys, ids) of every row of the article screen's key tables."""
    rows = []
    for line in _section("### Keys of the article screen").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Keys", "---") or not cells[2].startswith("`"):
            continue
        rows.append(([_key(k) for k in _expand(cells[0])], _expand(cells[2])))
    return rows


def test_every_article_binding_id_is_in_the_readme_and_no_other() -> None:
    documented = [i for _, ids in _rows() for i in ids]
    bound = {b.id for b in ARTICLE_BINDINGS}
    assert len(_rows()) > 20
    assert set(documented) - bound == set(), "README names ids no binding has"
    assert bound - set(documented) == set(), "bindings missing from the README's key tables"


@pytest.mark.parametrize("keys, ids", _rows(), ids=lambda v: ",".join(v) if v else "")
def test_each_row_names_the_default_keys_of_its_ids(keys: list[str], ids: list[str]) -> None:
    by_id = {b.id: b for b in ARTICLE_BINDINGS}
    bound = {k.strip() for i in ids if i in by_id for k in by_id[i].key.split(",")}
    assert set(keys) == bound


def test_the_library_keys_are_in_the_readme() -> None:
    library = _section("### The library")
    for binding in LIBRARY_BINDINGS:
        assert f"(`{binding.id}`" in library or f"`{binding.id}`" in library, binding.id
        keys = {_key(word) for word in re.findall(r"`([^`]+)`", library)}
        assert binding.key in keys, binding.key
