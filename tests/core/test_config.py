"""The config file: remaps, labels, annotator; every problem a warning naming file and key."""

from __future__ import annotations

from pathlib import Path

from tui.core.config import load_config
from tui.core.labels import DEFAULT_ENTITY_LABELS

IDS = {"accept", "reject", "undo"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_is_silent_but_named_file_warns(tmp_path: Path) -> None:
    config, warnings = load_config(tmp_path / "none.toml", IDS)
    assert warnings == [] and config.keymap == {}
    _, warnings = load_config(tmp_path / "none.toml", IDS, explicit=True)
    assert warnings == [f"{tmp_path / 'none.toml'}: config file not found (defaults used)"]


def test_good_config_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, 'annotator = "alice"\n[keys]\naccept = "y, ctrl+a"\n'
                           '[labels]\nentities = ["PERSON", "ORG", "MISC"]\n')
    config, warnings = load_config(path, IDS)
    assert warnings == []
    assert config.keymap == {"accept": "y,ctrl+a"}
    assert config.entity_labels == ("PERSON", "ORG", "MISC")
    assert config.annotator == "alice"


def test_each_bad_key_is_named_and_the_rest_still_applies(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = 1\n[keys]\naccept = "y"\nexplode = "e"\nreject = 5\n'
                           'undo = "a b"\n[labels]\nentities = ["ok", "not ok"]\n')
    config, warnings = load_config(path, IDS)
    assert config.keymap == {"accept": "y"}
    assert config.entity_labels == DEFAULT_ENTITY_LABELS
    joined = "\n".join(warnings)
    for needle in ("'colour'", "'explode'", "reject:", "undo:", "entities:"):
        assert needle in joined
    assert all(w.startswith(str(path)) for w in warnings) and len(warnings) == 5


def test_broken_toml_names_the_line_and_uses_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[keys]\naccept = "y"\nreject = \n')
    config, warnings = load_config(path, IDS)
    assert config.keymap == {}
    assert len(warnings) == 1 and str(path) in warnings[0] and "line 3" in warnings[0]
