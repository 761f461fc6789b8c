"""Import hygiene: the core never pulls in the UI or spaCy, and `tui` itself is cheap.

Each module is imported in a fresh interpreter, as harlequin's
test_import_hygiene.py does, so nothing imported by other tests can hide a leak.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import tui.core

CORE_MODULES = sorted(f"tui.core.{m.name}" for m in pkgutil.iter_modules(tui.core.__path__))
UI_AND_MODEL = ("textual", "rich", "spacy")


def _imported_after(module: str) -> set[str]:
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_the_core_modules_are_found() -> None:
    assert {"tui.core.model", "tui.core.session", "tui.core.text"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", ["tui", "tui.core", *CORE_MODULES])
def test_core_imports_neither_ui_nor_spacy(module: str) -> None:
    leaked = _imported_after(module) & set(UI_AND_MODEL)
    assert not leaked, f"{module} imports {sorted(leaked)}"


@pytest.mark.parametrize("module", ["tui.store.gold", "tui.formats.readers", "tui.formats.native",
                                    "tui.nlp.models", "tui.app.app", "tui.cli",
                                    "tui.store.doctor", "tui.commands.import_",
                                    "tui.commands.export_store", "tui.formats.docbin",
                                    "tui.formats.doccano", "tui.formats.labelstudio",
                                    "tui.formats.prodigy_in", "tui.formats.conll"])
def test_nothing_before_a_suggestion_imports_spacy(module: str) -> None:
    assert "spacy" not in _imported_after(module)


@pytest.mark.parametrize("module", ["tui.store.gold", "tui.formats.readers", "tui.formats.native",
                                    "tui.store.doctor", "tui.commands.import_",
                                    "tui.commands.export_store"])
def test_store_and_formats_do_not_import_the_ui(module: str) -> None:
    assert not _imported_after(module) & {"textual"}
