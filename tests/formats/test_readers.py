"""tui.formats.readers: .txt and .jsonl articles, folders, and every way a file can be bad."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tui.core.model import Article
from tui.core.text import normalise
from tui.formats.readers import parse_dateline, read_file, read_paths

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
HOSTILE = SEEDS / "hostile"
SEED = SEEDS / "000_4aeb03596a5cf5ac.txt"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read_one(path: Path) -> Article:
    result = read_paths([path])
    assert [str(e) for e in result.errors] == []
    assert len(result.articles) == 1
    return result.articles[0]


def only_error(path: Path) -> str:
    result = read_paths([path])
    assert result.articles == []
    assert len(result.errors) == 1
    return str(result.errors[0])


def jsonl(*rows: object) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


# ---------------------------------------------------------------- the seed


def test_the_real_seed() -> None:
    article = read_one(SEED)
    assert article.id == "000_4aeb03596a5cf5ac"
    assert article.meta["date"] == "2025-10-23"
    assert article.meta["dateline"] == "DOHA"
    assert article.meta["source"] == str(SEED)
    assert "source_agency" not in article.meta
    assert article.text.startswith("DOHA: Turkey")
    assert article.text[0:4] == "DOHA"
    raw = SEED.read_text(encoding="utf-8")
    assert raw.startswith(" date 2025-10-23 ")
    assert article.text == raw[len(" date 2025-10-23 "):]  # nothing else changed


# ------------------------------------------------------------------- .txt


def test_txt_id_is_the_stem_and_source_the_path_as_given(tmp_path: Path) -> None:
    path = write(tmp_path / "my story.v2.txt", "Plain text.\n")
    article = read_one(path)
    assert article.id == "my story.v2"
    assert article.meta == {"source": str(path)}
    assert article.text == "Plain text.\n"  # no rstrip


def test_txt_without_header_is_kept_whole(tmp_path: Path) -> None:
    text = "  \n  Leading blank lines stay.  \n\n"
    assert read_one(write(tmp_path / "a.txt", text)).text == text


def test_date_header_on_its_own_line(tmp_path: Path) -> None:
    article = read_one(write(tmp_path / "a.txt", "date 2025-01-02\n\n\nBody text."))
    assert article.text == "Body text."
    assert article.meta["date"] == "2025-01-02"


def test_date_header_after_blank_lines(tmp_path: Path) -> None:
    article = read_one(write(tmp_path / "a.txt", "\n\n  date 2024-02-29\tBody"))
    assert article.text == "Body"
    assert article.meta["date"] == "2024-02-29"


def test_text_that_merely_starts_with_date_is_not_a_header(tmp_path: Path) -> None:
    text = "date night is back in fashion, a survey said."
    article = read_one(write(tmp_path / "a.txt", text))
    assert article.text == text
    assert "date" not in article.meta


@pytest.mark.parametrize(("content", "line", "reason"), [
    ("date 2025-02-30 Body", 1, "date header '2025-02-30' is not a real date"),
    ("date 2025-13-01 Body", 1, "date header '2025-13-01' is not a real date"),
    ("date 2025-1-5 Body", 1, "date header '2025-1-5' is not a date (expected YYYY-MM-DD)"),
    ("date 20251023 Body", 1, "date header '20251023' is not a date (expected YYYY-MM-DD)"),
    ("\n\ndate 2025-00-10\nBody", 3, "date header '2025-00-10' is not a real date"),
])
def test_bad_date_header_names_its_line(tmp_path: Path, content: str, line: int,
                                        reason: str) -> None:
    path = write(tmp_path / "a.txt", content)
    assert only_error(path) == f"{path}:{line}: {reason}"


def test_header_without_text(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "date 2025-01-02\n\n")
    assert only_error(path) == f"{path}:1: no article text after the date header"


@pytest.mark.parametrize(("start", "place", "agency"), [
    ("DOHA: Turkey", "DOHA", None),
    ("NEW YORK: Shares", "NEW YORK", None),
    ("WASHINGTON (Reuters) - The", "WASHINGTON", "Reuters"),
    ("PARIS, Oct 3 (AFP) - France", "PARIS", "AFP"),
    ("LONDON, Sept. 12 - Britain", "LONDON", None),
    ("SEOUL, October 28 (Yonhap) – South", "SEOUL", "Yonhap"),
    ("NEW YORK (AP) — The", "NEW YORK", "AP"),
    ("BERLIN (dpa) - Security", "BERLIN", "dpa"),
    ("GENEVA — Glaciers", "GENEVA", None),
    ("ST. IVES: The", "ST. IVES", None),
    ("GUINEA-BISSAU: The", "GUINEA-BISSAU", None),
    ("N'DJAMENA: Chad", "N'DJAMENA", None),
    ("SÃO PAULO: Brazil", "SÃO PAULO", None),
    ("UN: The", "UN", None),
    ("DOHA:\nTurkey", "DOHA", None),
])
def test_datelines(tmp_path: Path, start: str, place: str, agency: str | None) -> None:
    path = write(tmp_path / "a.txt", f"date 2025-10-23 {start} rest of the story.")
    article = read_one(path)
    assert article.meta["dateline"] == place
    assert article.meta.get("source_agency") == agency
    assert article.text.startswith(start)  # the dateline stays in the text
    assert article.text[:len(place)] == place


@pytest.mark.parametrize("start", [
    "Doha: lower case",
    "A: one letter",
    "DOHA:no space after",
    "DOHA said on Tuesday",
    "X" * 41 + ": too long",
    " DOHA: leading space",
    "The UN: mixed case",
    "DOHA, yesterday - no month",
    "12 DEAD: digits first",
])
def test_not_datelines(start: str) -> None:
    assert parse_dateline(start) == {}


def test_dateline_of_forty_characters_is_accepted() -> None:
    assert parse_dateline("A" * 40 + ": x") == {"dateline": "A" * 40}


def test_normalisation_crlf_nfc_controls(tmp_path: Path) -> None:
    raw = "date 2025-01-01\r\n\r\nMADRID: Jose\u0301 said\r\n\x1b[2J done\x07.\r\n"
    article = read_one(write(tmp_path / "a.txt", raw))
    assert article.text == "MADRID: Jos\u00e9 said\n\u241b[2J done\u2407.\n"
    assert article.meta["date"] == "2025-01-01"
    assert article.meta["dateline"] == "MADRID"


def test_control_replacement_keeps_offsets(tmp_path: Path) -> None:
    raw = "Kalin\x1b met\x9b Fidan\x00x"
    path = write(tmp_path / "a.txt", raw.replace("\x00", "\x01"))
    text = read_one(path).text
    assert len(text) == len(raw)
    assert text[text.index("Fidan"):][:5] == "Fidan"
    assert text.index("Fidan") == raw.index("Fidan")


def test_bom_is_dropped_before_the_header(tmp_path: Path) -> None:
    article = read_one(write(tmp_path / "a.txt", b"\xef\xbb\xbfdate 2025-03-30\nCAIRO: x"))
    assert article.text == "CAIRO: x"
    assert article.meta["date"] == "2025-03-30"
    assert article.meta["dateline"] == "CAIRO"


def test_nul_bytes_mean_binary(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"some\ntext\x00here")
    assert only_error(path) == f"{path}: binary file, not text"


def test_not_utf8_names_byte_offset_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"abc\n" + "été".encode("latin-1"))
    assert only_error(path) == f"{path}:2: not UTF-8 (byte 0xE9 at offset 4)"


def test_not_utf8_offset_counts_the_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"\xef\xbb\xbfab\xff")
    assert only_error(path) == f"{path}:1: not UTF-8 (byte 0xFF at offset 5)"


def test_truncated_multibyte_character(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"caf\xc3")
    assert only_error(path) == f"{path}:1: not UTF-8 (byte 0xC3 at offset 3)"


def test_encoded_surrogate_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"ab\xed\xa0\x80")
    assert only_error(path) == f"{path}:1: not UTF-8 (byte 0xED at offset 2)"


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "a.txt", data)
    assert only_error(path) == f"{path}: empty file"


def test_very_long_article_is_read(tmp_path: Path) -> None:
    body = ("word " * 400_000)[:2_000_000]
    article = read_one(write(tmp_path / "long.txt", body))
    assert len(article.text) == 2_000_000
    assert article.text == body


def test_control_characters_in_file_names_do_not_reach_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "evil\x1b[2J.txt", "Text.")
    article = read_one(path)
    assert article.id == "evil\u241b[2J"
    assert "\x1b" not in article.meta["source"]


def test_read_file_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "")
    with pytest.raises(Exception, match="empty file"):
        read_file(path)
    assert [a.id for a in read_file(write(tmp_path / "b.txt", "x"))] == ["b"]


# ------------------------------------------------------------------ .jsonl


def test_jsonl_articles(tmp_path: Path) -> None:
    path = write(tmp_path / "wire.jsonl", jsonl(
        {"id": "a", "text": "DOHA: First.", "meta": {"title": "One", "date": "2025-01-01"}},
        {"text": "Second, no id."},
        {"id": 7, "text": "Third\r\nwith CRLF and e\u0301 and \u001b.",
         "meta": {"source": "wire-7", "title": "\u001b[2J[b]t[/b]", "n": [1, {"k": "\u0007"}]}},
        {"id": "d", "text": "Fourth", "entities": [{"start": 0, "end": 1}]},
    ))
    result = read_paths([path])
    assert result.errors == []
    ids = [a.id for a in result.articles]
    assert ids == ["a", "wire-2", "7", "d"]
    first, second, third, _ = result.articles
    assert first.text == "DOHA: First."
    assert first.meta == {"title": "One", "date": "2025-01-01", "source": str(path)}
    assert "dateline" not in first.meta  # dateline parsing is for .txt only
    assert second.meta == {"source": str(path)}
    assert third.text == "Third\nwith CRLF and \u00e9 and \u241b."
    assert third.meta["source"] == "wire-7"  # a source given is kept
    assert third.meta["title"] == "\u241b[2J[b]t[/b]"
    assert third.meta["n"] == [1, {"k": "\u2407"}]


def test_jsonl_default_ids_count_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl",
                 '\n{"text": "a"}\n   \n{"text": "b"}\r\n\n{"text": "c"}')  # no final newline
    assert [a.id for a in read_paths([path]).articles] == ["w-2", "w-4", "w-6"]


def test_jsonl_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", b'\xef\xbb\xbf{"id": "x", "text": "t"}\r\n{"text": "u"}\r\n')
    assert [a.id for a in read_paths([path]).articles] == ["x", "w-2"]


def test_jsonl_line_separator_inside_a_string_is_not_a_line_end(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", '{"text": "a\u2028b\u2029c\x85d"}\n')
    assert read_one(path).text == "a\u2028b\u2029c\ufffdd"


def test_jsonl_single_five_megabyte_line(tmp_path: Path) -> None:
    text = "x" * 5_000_000
    article = read_one(write(tmp_path / "big.jsonl", jsonl({"id": "big", "text": text})))
    assert article.text == text


GOOD = '{"id": "ok", "text": "A good line."}'


@pytest.mark.parametrize(("line", "reason"), [
    ('{"text": "unclosed', "invalid JSON: Unterminated string starting at"),
    ("{not json}", "invalid JSON: Expecting property name enclosed in double quotes"),
    ('{"text": "a"} {"text": "b"}', "invalid JSON: Extra data"),
    ('{"text": "a",}', "invalid JSON"),
    ('{"text": "a\tb"}', "invalid JSON: Invalid control character"),
    ("[1, 2]", "not a JSON object (an array)"),
    ('"text"', "not a JSON object (a string)"),
    ("null", "not a JSON object (null)"),
    ('{"id": "x"}', 'missing "text"'),
    ('{"text": ""}', '"text" is empty'),
    ('{"text": " \\n\\t "}', '"text" is empty'),
    ('{"text": 5}', '"text" must be a string, not a number'),
    ('{"text": null}', '"text" must be a string, not null'),
    ('{"text": ["a"]}', '"text" must be a string, not an array'),
    ('{"text": "a", "id": true}', '"id" must be a string or an integer, not a boolean'),
    ('{"text": "a", "id": 1.5}', '"id" must be a string or an integer, not a number'),
    ('{"text": "a", "id": ["x"]}', '"id" must be a string or an integer, not an array'),
    ('{"text": "a", "id": {}}', '"id" must be a string or an integer, not an object'),
    ('{"text": "a", "id": " "}', '"id" is empty'),
    ('{"text": "a", "id": "x\\u001by"}', "\"id\" 'x\\x1by' holds a control character"),
    ('{"text": "a", "meta": []}', '"meta" must be an object, not an array'),
    ('{"text": "a", "meta": "x"}', '"meta" must be an object, not a string'),
    ('{"text": "a", "x": NaN}', "NaN is not allowed (not a finite number)"),
    ('{"text": "a", "x": Infinity}', "Infinity is not allowed (not a finite number)"),
    ('{"text": "a", "x": -Infinity}', "-Infinity is not allowed (not a finite number)"),
    ('{"text": "a", "meta": {"x": 1e400}}', "1e400 is not allowed (not a finite number)"),
    ('{"text": "a\\ud800b"}', '"text" holds an unpaired surrogate (U+D800)'),
    ('{"text": "a", "id": "\\udc00"}', "\"id\" '\\udc00' holds an unpaired surrogate"),
    ('{"text": "a", "meta": {"t": ["\\udfff"]}}', '"meta" holds an unpaired surrogate (U+DFFF)'),
    ("[" * 100_000, "invalid JSON"),
    ('{"text": "a", "n": ' + "9" * 5000 + "}", "invalid JSON"),
])
def test_a_bad_line_refuses_the_whole_file(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path / "w.jsonl", f"{GOOD}\n\n{line}\n" + jsonl({"text": "after"}))
    other = write(tmp_path / "other.txt", "Another file still reads.")
    result = read_paths([path, other])
    assert [a.id for a in result.articles] == ["other"]  # nothing of w.jsonl
    assert len(result.errors) == 1
    message = str(result.errors[0])
    assert message.startswith(f"{path}:3: {reason}")
    assert result.errors[0].line == 3


def test_jsonl_duplicate_id_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl({"id": "x", "text": "a"}, {"id": "y", "text": "b"},
                                             {"id": "x", "text": "c"}))
    assert only_error(path) == f"{path}:3: duplicate id 'x' (first on line 1)"


def test_jsonl_integer_and_string_ids_collide(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl({"id": 5, "text": "a"}, {"id": "5", "text": "b"}))
    assert only_error(path) == f"{path}:2: duplicate id '5' (first on line 1)"


def test_jsonl_default_id_collides_with_a_given_one(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl({"id": "w-2", "text": "a"}, {"text": "b"}))
    assert only_error(path) == f"{path}:2: duplicate id 'w-2' (first on line 1)"


def test_jsonl_truncated_last_line(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl({"text": "a"}, {"text": "b"}) + '{"text": "cut of')
    message = only_error(path)
    assert message.startswith(f"{path}:3: invalid JSON: Unterminated string")
    assert message.endswith("(the file ends mid-line: truncated?)")


def test_jsonl_bad_line_in_the_middle_is_not_called_truncated(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", '{"text": "cut of\n{"text": "b"}')
    message = only_error(path)
    assert message.startswith(f"{path}:1: invalid JSON")
    assert "truncated" not in message


def test_jsonl_not_utf8_names_the_line(tmp_path: Path) -> None:
    data = jsonl({"text": "a"}).encode() + b'{"text": "caf\xe9"}\n'
    path = write(tmp_path / "w.jsonl", data)
    assert only_error(path) == f"{path}:2: not UTF-8 (byte 0xE9 at offset {len(data) - 4})"


def test_jsonl_nul_byte_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "w.jsonl", jsonl({"text": "a"}, {"text": "b"}).encode() + b"\x00\n")
    assert only_error(path) == f"{path}:3: binary file, not text"


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf\r\n"])
def test_jsonl_empty(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "w.jsonl", data)
    assert only_error(path) == f"{path}: empty file"


# ------------------------------------------------------- paths and folders


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert only_error(path) == f"{path}: no such file or folder"


def test_other_extension_named_explicitly(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "# notes")
    assert only_error(path) == f"{path}: not a .txt or .jsonl file"


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert read_one(write(tmp_path / "SHOUT.TXT", "Text.")).id == "SHOUT"


def test_folder_is_read_sorted_and_not_recursively(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "b.txt", "B text.")
    write(folder / "a.jsonl", jsonl({"id": "a1", "text": "A one."}))
    write(folder / "c.md", "not an article")
    write(folder / "d.json", "{}")
    write(folder / "sub" / "e.txt", "In a subfolder.")
    (folder / "dir.txt").mkdir()  # a folder named like an article is not a file
    result = read_paths([folder])
    assert result.errors == []
    assert [a.id for a in result.articles] == ["a1", "b"]
    assert result.articles[1].meta["source"] == str(folder / "b.txt")
    named = read_paths([folder / "sub"])
    assert [a.id for a in named.articles] == ["e"]


def test_folder_order_is_by_name(tmp_path: Path) -> None:
    names = [f"{i}.txt" for i in range(300)]
    for name in names:
        write(tmp_path / name, f"Article {name}.")
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == [n[:-4] for n in sorted(names)]


def test_empty_folder_reads_nothing(tmp_path: Path) -> None:
    result = read_paths([tmp_path])
    assert result.articles == [] and result.errors == []


def test_errors_do_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A.")
    write(tmp_path / "b.txt", b"")
    write(tmp_path / "c.txt", "C.")
    result = read_paths([tmp_path, tmp_path / "missing"])
    assert [a.id for a in result.articles] == ["a", "c"]
    assert [str(e) for e in result.errors] == [f"{tmp_path / 'b.txt'}: empty file",
                                               f"{tmp_path / 'missing'}: no such file or folder"]


def test_duplicate_id_across_files_keeps_the_first(tmp_path: Path) -> None:
    first = write(tmp_path / "one" / "x.txt", "First.")
    second = write(tmp_path / "two" / "x.txt", "Second.")
    result = read_paths([first.parent, second.parent])
    assert [(a.id, a.text) for a in result.articles] == [("x", "First.")]
    assert [str(e) for e in result.errors] == [
        f"{second}: duplicate article id 'x' (first read from {first})"]


def test_duplicate_id_refuses_the_whole_later_jsonl(tmp_path: Path) -> None:
    first = write(tmp_path / "a.txt", "A.")
    later = write(tmp_path / "b.jsonl", jsonl({"id": "z", "text": "Z."}, {"id": "a", "text": "x"}))
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["a"]
    assert [str(e) for e in result.errors] == [
        f"{later}:2: duplicate article id 'a' (first read from {first})"]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "A.")
    result = read_paths([path, tmp_path, tmp_path / "." / "a.txt"])
    assert [a.id for a in result.articles] == ["a"]
    assert result.errors == []


def test_fifo_is_not_read(tmp_path: Path) -> None:
    import os
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert only_error(fifo) == f"{fifo}: not a regular file (a FIFO)"
    # inside a folder too: named, never opened (the test would hang if it were)
    assert [str(e) for e in read_paths([tmp_path]).errors] == [
        f"{fifo}: not a regular file (a FIFO)"]


# ----------------------------------------------------------- seeds/ itself


EXPECTED_ERRORS = {
    "hostile/empty.txt": "empty file",
    "hostile/latin1.txt": "3: not UTF-8 (byte 0xDC at offset 18)",
    "hostile/utf16.txt": "binary file, not text",
    "hostile/truncated.jsonl": "3: invalid JSON: Unterminated string starting at",
}


def _seed_files() -> list[Path]:
    return sorted(p for folder in (SEEDS, HOSTILE) for p in folder.iterdir()
                  if p.suffix in (".txt", ".jsonl"))


@pytest.mark.parametrize("path", _seed_files(), ids=lambda p: str(p.relative_to(SEEDS)))
def test_every_seed_reads_or_gives_its_expected_error(path: Path) -> None:
    result = read_paths([path])
    expected = EXPECTED_ERRORS.get(str(path.relative_to(SEEDS)))
    if expected is None:
        assert [str(e) for e in result.errors] == []
        assert result.articles
        for article in result.articles:
            assert article.text.strip()
            assert normalise(article.text) == article.text
            assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t"
                           for c in article.text)
    else:
        assert result.articles == []
        assert len(result.errors) == 1
        separator = "" if expected[0].isdigit() else " "
        assert str(result.errors[0]).startswith(f"{path}:{separator}{expected}")


def test_expected_seed_errors_all_exist() -> None:
    for name in EXPECTED_ERRORS:
        assert (SEEDS / name).is_file(), name


def test_seed_folder_does_not_open_hostile() -> None:
    result = read_paths([SEEDS])
    assert result.errors == []
    ids = [a.id for a in result.articles]
    assert ids[:7] == ["000_4aeb03596a5cf5ac", "010_eu_canada_trade_talks",
                       "020_hanul_chip_results", "030_cup_final", "040_glacier_study",
                       "050_fraud_trial", "060_bridge_closure"]
    assert ids[7:] == ["wire-2025-10-30-001", "wire-2025-10-30-002", "20251030003"]
    assert all("hostile" not in a.meta["source"] for a in result.articles)


def test_seed_articles_have_date_dateline_and_length() -> None:
    for path in sorted(SEEDS.glob("0[1-6]0_*.txt")):
        article = read_one(path)
        assert article.meta["date"].startswith("2025-"), path
        assert article.text.startswith(article.meta["dateline"]), path
        assert 150 <= len(article.text.split()) <= 400, path


def test_hostile_articles_are_defused_but_kept() -> None:
    escapes = read_one(HOSTILE / "escapes.txt")
    assert "\u241b[2J" in escapes.text and "\u241b]52;c;aGVsbG8=\u2407" in escapes.text
    assert "\ufffd31m" in escapes.text  # the C1 CSI
    assert escapes.meta["source_agency"] == "dpa"
    markup = read_one(HOSTILE / "markup.txt")
    assert "[@click=app.screenshot('x.svg','/tmp')]click me[/]" in markup.text
    crlf = read_one(HOSTILE / "crlf.txt")
    assert "\r" not in crlf.text and crlf.meta["dateline"] == "WARSAW"
    combining = read_one(HOSTILE / "combining.txt")
    assert combining.text.startswith("MADRID: Jos\u00e9 Mart\u00ednez")
    bom = read_one(HOSTILE / "bom.txt")
    assert bom.meta["date"] == "2025-03-30" and bom.text.startswith("CAIRO:")
    assert read_one(HOSTILE / "[b]breaking[$accent].txt").id == "[b]breaking[$accent]"
    wire = read_paths([HOSTILE / "wire_hostile.jsonl"])
    assert [a.id for a in wire.articles] == ["[bold red]alert[/]", "42", "wire_hostile-3"]
    assert "\u2028" in wire.articles[1].text
    assert wire.articles[0].meta["title"] == "[@click=app.quit]Greek talks[/] \u241b[2J"


def test_very_long_seed_is_what_make_long_makes(tmp_path: Path) -> None:
    out = tmp_path / "very_long.txt"
    subprocess.run([sys.executable, str(HOSTILE / "make_long.py"), str(out)], check=True)
    assert out.read_bytes() == (HOSTILE / "very_long.txt").read_bytes()
    article = read_one(HOSTILE / "very_long.txt")
    assert len(article.text.split()) >= 20_000
    assert article.meta["dateline"] == "GENEVA"
