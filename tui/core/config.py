"""The user's config file: key remaps, entity labels and the default annotator.

The file is TOML, by default `$XDG_CONFIG_HOME/byline/config.toml`
(`~/.config/byline/config.toml`), or the path given with `--config` or
`BYLINE_CONFIG`:

    annotator = "alice"

    [keys]
    accept = "a,y"          # binding id = comma-separated keys
    reject = "x,n"

    [labels]
    entities = ["PERSON", "ORG", "GPE", "LOC", "DATE"]

A problem never stops byline: each one becomes a one-line warning naming the
file and the key, and the defaults stand for what could not be read. Keys and
values are quoted as Python literals (`'k\\x1b'`) and every warning about the
file's content is one display-safe line (`display_line`); the app shows warnings
through its display filter too (`tui.app.safe_app`).
A key is a name (`ctrl+s`, `f2`) or one printable character that is not a space.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.files import NotRegularFile, read_problem, read_regular
from tui.core.labels import DEFAULT_ENTITY_LABELS
from tui.core.names import BadName, clean_name
from tui.core.text import display_line

_KEY_NAME = re.compile(r"^[A-Za-z0-9_+\-]+$|^.$")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class Config:
    """Settings read from the config file, with defaults for everything."""

    keymap: dict[str, str] = field(default_factory=dict)
    entity_labels: tuple[str, ...] = DEFAULT_ENTITY_LABELS
    annotator: str | None = None
    path: Path | None = None


def default_config_path() -> Path:
    """Where byline looks for its config file when none is named."""
    env = os.environ.get("BYLINE_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "byline" / "config.toml"


def _valid_key(key: str) -> bool:
    if len(key) == 1:  # a character: one that can be typed and seen
        return key.isprintable() and not key.isspace()
    return bool(_KEY_NAME.match(key))


def _valid_keys(value: str) -> bool:
    keys = [k.strip() for k in value.split(",")]
    return bool(keys) and all(k and _valid_key(k) for k in keys)


def parse_config(data: dict[str, Any], path: Path,
                 binding_ids: Collection[str]) -> tuple[Config, list[str]]:
    """Validate parsed TOML `data`; return the config and one warning per problem."""
    warnings: list[str] = []
    keymap: dict[str, str] = {}
    labels = DEFAULT_ENTITY_LABELS
    annotator: str | None = None
    known = {"keys", "labels", "annotator"}
    for key in data:
        if key not in known:
            warnings.append(f"{path}: unknown setting {key!r} (ignored)")
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        warnings.append(f"{path}: [keys] must be a table of action = \"keys\" (ignored)")
        keys = {}
    for binding_id, value in keys.items():
        if binding_id not in binding_ids:
            warnings.append(f"{path}: [keys] unknown action {binding_id!r} (ignored)")
        elif not isinstance(value, str) or not _valid_keys(value):
            warnings.append(f"{path}: [keys] {binding_id}: expected keys like \"a\" or "
                            f"\"ctrl+s,f2\", got {value!r} (default kept)")
        else:
            keymap[binding_id] = ",".join(k.strip() for k in value.split(","))
    label_table = data.get("labels", {})
    if not isinstance(label_table, dict):
        warnings.append(f"{path}: [labels] must be a table (ignored)")
        label_table = {}
    if "entities" in label_table:
        value = label_table["entities"]
        if (isinstance(value, list) and value and all(isinstance(v, str) for v in value)
                and all(_LABEL.match(v) for v in value) and len(set(value)) == len(value)):
            labels = tuple(value)
        else:
            warnings.append(f"{path}: [labels] entities: expected a list of distinct labels "
                            "such as [\"PERSON\", \"ORG\"] (defaults kept)")
    for key in label_table:
        if key != "entities":
            warnings.append(f"{path}: [labels] unknown setting {key!r} (ignored)")
    if "annotator" in data:
        try:
            annotator = clean_name(data["annotator"], "annotator")
        except BadName as error:
            warnings.append(f"{path}: {error} (ignored)")
    return (Config(keymap=keymap, entity_labels=labels, annotator=annotator, path=path),
            [display_line(warning) for warning in warnings])


def load_config(path: Path | None, binding_ids: Collection[str],
                explicit: bool = False) -> tuple[Config, list[str]]:
    """Read the config file at `path` (or the default place).

    A missing default file is normal; a missing file named explicitly is a warning.
    """
    path = path or default_config_path()
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        if explicit or path.is_symlink():
            return Config(), [f"{path}: config file not found (defaults used)"]
        return Config(), []
    except NotRegularFile as error:
        return Config(), [f"{path}: config file is {error.strerror} (defaults used)"]
    except OSError as error:
        return Config(), [f"{path}: cannot read config file: {read_problem(error, path)} "
                          "(defaults used)"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Config(), [f"{path}: config file is not UTF-8 (defaults used)"]
    except tomllib.TOMLDecodeError as error:
        return Config(), [f"{path}: {error} (defaults used)"]
    return parse_config(data, path, binding_ids)
