"""Reading articles from `.txt` and `.jsonl` files, and from folders of them.

`read_paths` takes files and folders (a folder is read non-recursively: its
`*.txt` and `*.jsonl` files, sorted by name) and returns every article it could
read and one `InputError` (`PATH[:LINE]: reason`) for every file it could not.
A file is read whole or not at all: one bad line refuses the whole JSONL file
(unless `skip_bad_lines`: then the bad lines are left out and counted in a
warning). What a folder holds besides articles (subfolders, other files) is
listed in `ReadResult.skipped`, so the command can say what it left out.
Only regular files are read (`tui.core.files`): a FIFO, a device, a symlink
loop or a dangling symlink, given by name or found in a folder, is one error
naming it, and the other files are still read.

- `.txt`: one article; its id is the file stem. An optional header
  `date YYYY-MM-DD` before the text is removed and kept as `meta["date"]`;
  an optional dateline opening the text (`DOHA:`, `WASHINGTON (Reuters) -`,
  `PARIS, Oct 3 (AFP) -`) stays in the text and is kept as `meta["dateline"]`
  (and `meta["source_agency"]`).
- `.jsonl`: one JSON object a line with `"text"` (required), `"id"` (string
  or integer; default `STEM-LINE`) and `"meta"` (object). Blank lines are
  skipped; other keys (a native export's `entities` ...) are ignored.

Text is decoded as UTF-8 (a leading BOM is dropped), then normalised with
`tui.core.text.normalise` (DESIGN.md §2), so every offset is an offset of the
normalised text. File names and JSON metadata are untrusted too: control
characters in sources and metadata strings are replaced like those in the
text, so none of them can reach the terminal; a JSONL id is checked with
`tui.core.names.clean_id` (kept verbatim, refused if it holds a control
character or a lone surrogate), and a "meta" object with a lone surrogate,
nested deeper than `MAX_META_DEPTH` or with an integer beyond 64 bits is
refused (`clean_meta`).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tui.core.files import kind_of, read_problem, read_regular
from tui.core.model import Article
from tui.core.names import BadName, clean_id, type_name
from tui.core.text import normalise, replace_controls
from tui.formats.errors import InputError

#: The file name suffixes read as articles (compared case-insensitively).
ARTICLE_SUFFIXES: tuple[str, ...] = (".txt", ".jsonl")

_BOM = b"\xef\xbb\xbf"

#: `date` and a value at the very start of a `.txt` text (after any whitespace),
#: then whitespace or the end. The value is validated separately so that a
#: malformed date is an error rather than article text.
_HEADER = re.compile(r"\s*date[ \t]+(?P<value>[0-9][0-9-]*)(?:\s+|\Z)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_UPPER = "A-ZÀ-ÖØ-Þ"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
#: A dateline: an upper-case place (2-40 characters), optionally `, Month Day`
#: and/or `(Agency)`, then `:` or a dash, then whitespace.
_DATELINE = re.compile(
    rf"(?P<place>[{_UPPER}][{_UPPER} .'’-]{{0,38}}[{_UPPER}.])"
    rf"(?:,[ ]{_MONTH}[ ][0-9]{{1,2}})?"
    r"(?:[ ]\((?P<agency>[A-Za-z][A-Za-z0-9&.'’ -]{0,39})\))?"
    r"[ ]?[:\-–—]\s"
)
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class ReadResult:
    """The articles read, in the order given, one error per file refused, what the folders
    held besides articles and one warning per file whose bad lines were skipped."""

    articles: list[Article] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    #: Folder (as shown) -> the names in it that were not read ("sub/" for a subfolder).
    skipped: dict[str, list[str]] = field(default_factory=dict)
    #: One line per JSONL file with bad lines skipped (with `skip_bad_lines`).
    warnings: list[str] = field(default_factory=list)

    def notices(self) -> list[str]:
        """One line per folder with files left out, then the warnings: what to tell."""
        return [skipped_line(folder, names) for folder, names in self.skipped.items()] \
            + [f"warning: {warning}" for warning in self.warnings]


def skipped_line(folder: str, names: Sequence[str], shown: int = 5) -> str:
    """'skipped 2 files in seeds/ (notes.md, sub/): only .txt, .jsonl are read'."""
    listed = ", ".join(names[:shown]) + (f", … ({len(names) - shown} more)"
                                         if len(names) > shown else "")
    where = folder if folder.endswith(("/", os.sep)) else folder + "/"
    count = f"{len(names)} file" + ("" if len(names) == 1 else "s")
    return f"skipped {count} in {where} ({listed}): only " \
           f"{', '.join(ARTICLE_SUFFIXES)} are read"


def read_paths(paths: Sequence[Path], *, skip_bad_lines: bool = False) -> ReadResult:
    """Read the articles of `paths` (files and folders), collecting errors.

    A folder gives its `*.txt` and `*.jsonl` files, sorted by name, and nothing
    from its subfolders; other files in it are skipped (and listed in
    `skipped`). A file named twice is read once. An article id already read
    from an earlier file refuses the later file (the first article is kept).
    With `skip_bad_lines`, a JSONL line that cannot be read is left out (one
    warning per file says how many and the first) instead of refusing the file.
    """
    result = ReadResult()
    seen_files: set[str] = set()
    first_source: dict[str, str] = {}
    for given in paths:
        for path in _expand(Path(given), result.errors, result.skipped):
            key = os.path.normcase(os.path.abspath(path))
            if key in seen_files:
                continue
            seen_files.add(key)
            bad: list[InputError] | None = [] if skip_bad_lines else None
            try:
                read = _read_file(path, bad)
                for article, line in read:
                    if article.id in first_source:
                        raise _error(path, f"duplicate article id {article.id!r} "
                                           f"(first read from {first_source[article.id]})", line)
            except InputError as error:
                result.errors.append(error)
                continue
            for article, _ in read:
                first_source[article.id] = shown_name(path)
                result.articles.append(article)
            if bad:
                result.warnings.append(bad_lines_warning(path, bad))
    return result


def bad_lines_warning(path: Path, bad: Sequence[InputError]) -> str:
    """'FILE: skipped 2 bad lines (first: line 3: invalid JSON ...)'."""
    first = bad[0]
    lines = f"{len(bad)} bad line" + ("" if len(bad) == 1 else "s")
    return f"{shown_name(path)}: skipped {lines} (first: line {first.line}: {first.reason})"


def read_file(path: Path) -> list[Article]:
    """The articles of one `.txt` or `.jsonl` file; raises `InputError`."""
    return [article for article, _ in _read_file(Path(path))]


# ------------------------------------------------------------------ files


def _expand(path: Path, errors: list[InputError],
            skipped: dict[str, list[str]] | None = None) -> Iterator[Path]:
    """The article files `path` names, appending an error where it names none.

    In a folder, every name ending in `.txt` or `.jsonl` that is not a folder
    is given (a FIFO, a dangling symlink or a symlink loop among them is
    refused when read, one named error each); subfolders and other files are
    left out, and named in `skipped` under the folder (a subfolder as "name/").
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        problem = read_problem(error, path)
        errors.append(_error(path, "no such file or folder" if problem == "no such file"
                             else problem))
        return
    if stat.S_ISDIR(mode):
        try:
            with os.scandir(path) as entries:
                every = sorted(entry.name for entry in entries)
        except OSError as error:
            errors.append(_error(path, f"cannot list folder ({error.strerror or error})"))
            return
        left_out: list[str] = []
        for name in every:
            child = path / name
            try:
                is_dir = child.is_dir()
            except OSError:
                is_dir = False  # a symlink loop, a permission problem: named when it is read
            if is_dir:
                left_out.append(shown_name(name) + "/")
            elif not _is_article_name(name):
                left_out.append(shown_name(name))
            else:
                yield child
        if left_out and skipped is not None:
            skipped.setdefault(shown_name(path), []).extend(left_out)
    elif not stat.S_ISREG(mode):
        errors.append(_error(path, f"not a regular file ({kind_of(mode)})"))
    elif not _is_article_name(path.name):
        errors.append(_error(path, "not a .txt or .jsonl file"))
    else:
        yield path


def _is_article_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES


def shown_name(path: Path | str) -> str:
    """`path` as a printable string: undecodable bytes and control characters replaced."""
    text = os.fsencode(path).decode("utf-8", "replace")
    return replace_controls(text)


def _error(path: Path | str, reason: str, line: int | None = None) -> InputError:
    return InputError(shown_name(path), reason, line)


def read_input(path: Path) -> bytes:
    """The bytes of the input file `path` (a regular file only: `tui.core.files`); raises
    `InputError` naming it."""
    try:
        return read_regular(path)
    except OSError as error:
        raise _error(path, read_problem(error, path)) from None


def _read_file(path: Path, bad: list[InputError] | None = None
               ) -> list[tuple[Article, int | None]]:
    """The articles of `path` with their lines; with `bad`, a JSONL line that cannot be
    read is appended there and left out rather than refusing the file."""
    data = read_input(path)
    if path.suffix.lower() == ".jsonl":
        return _read_jsonl(path, data, bad)
    return [(_read_txt(path, data), None)]


def decode_text(path: Path, data: bytes, *, lines: bool) -> str:
    """`data` as text without its BOM; NUL bytes and invalid UTF-8 are errors.

    Offsets in messages are byte offsets in the file (counting the BOM); with
    `lines`, a NUL byte's error names its line too.
    """
    skipped = 0
    if data.startswith(_BOM):
        data = data[len(_BOM):]
        skipped = len(_BOM)
    nul = data.find(b"\x00")
    if nul != -1:
        raise _error(path, "binary file, not text", _line_of(data, nul) if lines else None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise _error(path, f"not UTF-8 (byte 0x{byte:02X} at offset {error.start + skipped})",
                     _line_of(data, error.start)) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# -------------------------------------------------------------------- txt


def _read_txt(path: Path, data: bytes) -> Article:
    text = normalise(decode_text(path, data, lines=False))
    if not text.strip():
        raise _error(path, "empty file")
    meta: dict[str, Any] = {}
    header = _HEADER.match(text)
    if header is not None:
        value = header["value"]
        line = text.count("\n", 0, header.start("value")) + 1
        if not _ISO_DATE.fullmatch(value):
            raise _error(path, f"date header {value!r} is not a date (expected YYYY-MM-DD)", line)
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _error(path, f"date header {value!r} is not a real date", line) from None
        text = text[header.end():]
        if not text.strip():
            raise _error(path, "no article text after the date header", line)
        meta["date"] = value
    meta.update(parse_dateline(text))
    meta["source"] = shown_name(path)
    return Article(id=shown_name(path.stem), text=text, meta=meta)


def parse_dateline(text: str) -> dict[str, str]:
    """The dateline opening `text`: `{"dateline": PLACE}` and maybe `"source_agency"`.

    `DOHA: ...` gives `{"dateline": "DOHA"}`; `PARIS, Oct 3 (AFP) - ...` gives
    `{"dateline": "PARIS", "source_agency": "AFP"}`; text without one gives `{}`.
    """
    match = _DATELINE.match(text)
    if match is None:
        return {}
    found = {"dateline": match["place"]}
    agency = match["agency"]
    if agency and agency.strip():
        found["source_agency"] = agency.strip()
    return found


# ------------------------------------------------------------------ jsonl


class NotFiniteError(ValueError):
    """NaN, Infinity or a float too large for a double: valid Python, not valid JSON."""


class SurrogateError(ValueError):
    """A string holding an unpaired surrogate (`\\ud800`): it could never be written as UTF-8."""


def reject_constant(name: str) -> Any:
    raise NotFiniteError(name)


def finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise NotFiniteError(literal)
    return value


def read_text_file(path: Path) -> str:
    """The text of a file an importer reads line by line (UTF-8, BOM dropped); raises
    `InputError` for a file that cannot be read, is not UTF-8 text or is empty."""
    data = read_input(path)
    content = decode_text(path, data, lines=True)
    if not content.strip():
        raise InputError(shown_name(path), "empty file")
    return content


def read_jsonl_rows(path: Path) -> list[tuple[Article, dict[str, Any], int]]:
    """Each line of a JSONL file as its article, the JSON object it came from and its line
    number, read as strictly as `read_file` reads (raises `InputError`)."""
    data = read_input(path)
    return _jsonl_rows(path, data)


def _read_jsonl(path: Path, data: bytes, bad: list[InputError] | None = None
                ) -> list[tuple[Article, int | None]]:
    return [(article, number) for article, _, number in _jsonl_rows(path, data, bad)]


def jsonl_line_article(path: Path, line: str, number: int, unterminated: bool,
                       names: tuple[str, str], first_line: dict[str, int],
                       bad: list[InputError] | None) -> tuple[Article, dict[str, Any]] | None:
    """The article of one JSONL line (with its object), None for a blank line. A bad
    line raises, or, given `bad`, is appended there and gives None. `names` is the
    file's (stem, source) as shown; `first_line` maps the ids seen to their line and
    gets this one's."""
    if not line.strip():
        return None
    stem, source = names
    try:
        obj = parse_json_line(path, line, number, unterminated)
        article = _article_of(path, obj, number, stem, source)
        if article.id in first_line:
            raise _error(path, f"duplicate id {article.id!r} (first on line "
                               f"{first_line[article.id]})", number)
    except InputError as error:
        if bad is None:
            raise
        bad.append(error)
        return None
    first_line[article.id] = number
    return article, obj


def _jsonl_rows(path: Path, data: bytes, bad: list[InputError] | None = None
                ) -> list[tuple[Article, dict[str, Any], int]]:
    """Every line of a JSONL file as (article, object, line number); a bad line refuses
    the file, or, given `bad`, is appended there (the file is refused only when no line
    is good)."""
    content = decode_text(path, data, lines=True)
    if not content.strip():
        raise _error(path, "empty file")
    lines = content.split("\n")  # not splitlines(): U+2028 and friends are valid in JSON
    last = len(lines)
    truncated = not content.endswith("\n")
    stem = shown_name(path.stem)
    source = shown_name(path)
    articles: list[tuple[Article, dict[str, Any], int]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        found = jsonl_line_article(path, line, number, truncated and number == last,
                                   (stem, source), first_line, bad)
        if found is not None:
            articles.append((found[0], found[1], number))
    if bad and not articles:
        raise bad[0]
    return articles


def parse_json_line(path: Path, line: str, number: int, last_unterminated: bool) -> Any:
    try:
        return json.loads(line, parse_constant=reject_constant, parse_float=finite_float)
    except NotFiniteError as error:
        raise _error(path, f"{error} is not allowed (not a finite number)", number) from None
    except json.JSONDecodeError as error:
        reason = f"invalid JSON: {error.msg} (column {error.colno})"
        if last_unterminated:
            reason += " (the file ends mid-line: truncated?)"
        raise _error(path, reason, number) from None
    except ValueError as error:
        raise _error(path, f"invalid JSON: {error}", number) from None
    except RecursionError:
        raise _error(path, "invalid JSON: nested too deeply", number) from None


def text_problem(text: Any, name: str = '"text"') -> str | None:
    """Why `text` cannot be an article's text (not a string, empty, an unpaired
    surrogate), in words naming it as `name`; None if it can."""
    if not isinstance(text, str):
        return f"{name} must be a string, not {json_type(text)}"
    if not text.strip():
        return f"{name} is empty"
    surrogate = SURROGATE.search(text)
    if surrogate is not None:
        return f"{name} holds an unpaired surrogate (U+{ord(surrogate.group()):04X})"
    return None


def _article_of(path: Path, obj: Any, number: int, stem: str, source: str) -> Article:
    if not isinstance(obj, dict):
        raise _error(path, f"not a JSON object ({json_type(obj)})", number)
    if "text" not in obj:
        raise _error(path, 'missing "text"', number)
    text = obj["text"]
    problem = text_problem(text)
    if problem is not None:
        raise _error(path, problem, number)
    raw_id = obj.get("id")
    if raw_id is None:
        article_id = f"{stem}-{number}"
    else:
        try:
            article_id = clean_id(raw_id)
        except BadName as error:
            raise _error(path, str(error), number) from None
    raw_meta = obj.get("meta")
    if raw_meta is None:
        raw_meta = {}
    elif not isinstance(raw_meta, dict):
        raise _error(path, f'"meta" must be an object, not {json_type(raw_meta)}', number)
    try:
        meta = clean_meta(raw_meta)
    except MetaError as error:
        raise _error(path, str(error), number) from None
    meta.setdefault("source", source)
    return Article(id=article_id, text=normalise(text), meta=meta)


#: How deep a "meta" object may nest (byline's own are flat; deeper would overflow
#: the recursion of the readers and of the store's JSON encoder).
MAX_META_DEPTH = 32


class MetaError(ValueError):
    """A "meta" object byline cannot keep: the reason, one line."""


class _TooDeep(ValueError):
    pass


class _TooLarge(ValueError):
    pass


def clean_meta(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` "meta" object cleaned (`clean_json`); raises `MetaError` for a lone surrogate,
    a nesting deeper than `MAX_META_DEPTH` or an integer beyond 64 bits (the store keeps
    numbers as 64-bit integers or doubles)."""
    try:
        cleaned: dict[str, Any] = clean_json(raw)
    except SurrogateError as error:
        raise MetaError(f'"meta" holds an unpaired surrogate ({error})') from None
    except _TooDeep:
        raise MetaError(f'"meta" nests deeper than {MAX_META_DEPTH} levels') from None
    except _TooLarge:
        raise MetaError('"meta" holds an integer beyond 64 bits (it could not be kept '
                        "exactly)") from None
    return cleaned


def clean_json(value: Any, depth: int = 0) -> Any:
    """A copy of JSON `value` with control characters in strings replaced; raises
    `SurrogateError` for a lone surrogate."""
    if depth > MAX_META_DEPTH:
        raise _TooDeep()
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        raise _TooLarge()
    if isinstance(value, str):
        surrogate = SURROGATE.search(value)
        if surrogate is not None:
            raise SurrogateError(f"U+{ord(surrogate.group()):04X}")
        return replace_controls(value)
    if isinstance(value, dict):
        return {clean_json(key, depth): clean_json(item, depth + 1)
                for key, item in value.items()}
    if isinstance(value, list):
        return [clean_json(item, depth + 1) for item in value]
    return value


#: The JSON type of a value in words ("a string", "null", ...), for messages.
json_type = type_name
