"""Strings from the command line that byline keeps: checked on the way in, like file contents.

Python turns a byte of argv that is not UTF-8 into a lone surrogate
(`surrogateescape`), which could never be written to a store, an export or
the terminal. What each option does with one (DESIGN.md §4):

- `--annotator`, `--name` (and the `NAME` of `--model import:NAME`), and the
  login name used when no annotator is given: cleaned as every reader cleans
  labels and names (`tui.core.names.clean_name`: NFC, surrounding whitespace
  dropped, control and invisible characters made visible); a lone surrogate,
  an empty or over-long name is refused with one line naming the option.
- `--model`: a package name or a path; a lone surrogate is refused (a model
  folder's name must be valid UTF-8).
- `--format`, `--as`: compared with the known values; anything else is
  refused by the command, quoted with `repr`.
- paths (articles, inputs, stores, outputs, `--config`): kept as given, so a
  file whose name is not UTF-8 can still be opened; they are shown through
  `tui.formats.readers.shown_name`.
"""

from __future__ import annotations

import getpass

from tui.core.names import BadName, clean_name, surrogate_problem

#: The annotator when no option, config or login name gives one.
FALLBACK_ANNOTATOR = "annotator"


class ArgumentError(ValueError):
    """A command-line value byline refuses: one line naming the option."""


def name_option(option: str, value: str | None) -> str | None:
    """`value` of the name option `option`, cleaned; None stays None. Raises `ArgumentError`."""
    if value is None:
        return None
    try:
        return clean_name(value, option)
    except BadName as error:
        raise ArgumentError(str(error)) from None


def model_option(value: str | None) -> str | None:
    """`--model`'s value: refused with a lone surrogate; `import:NAME` has NAME cleaned."""
    if value is None:
        return None
    problem = surrogate_problem(value, "--model")
    if problem is not None:
        raise ArgumentError(problem)
    prefix, _, name = value.partition(":")
    if prefix == "import" and name:
        cleaned = name_option("--model import:NAME", name)
        return f"import:{cleaned}"
    return value


def default_annotator() -> str:
    """The login name, cleaned as a name; `FALLBACK_ANNOTATOR` where there is none.

    Raises `ArgumentError` when the login name cannot be a name (not UTF-8).
    """
    try:
        login = getpass.getuser()
    except Exception:  # no login name (some containers): KeyError, OSError
        return FALLBACK_ANNOTATOR
    try:
        return clean_name(login, "your login name")
    except BadName as error:
        raise ArgumentError(f"{error}; give --annotator NAME") from None
