"""Fuzzing every reader with hypothesis: valid documents with wrong values at any key.

Each reader (native, Prodigy, doccano's two schemas, Label Studio as a JSON
array and as JSONL, with annotations and with predictions, the articles'
`.txt` and `.jsonl` in `read_paths` and in `suggest`'s streaming reader,
`evaluate`'s native JSONL, the config TOML) gets documents made from a valid
one by replacing, deleting or adding values at any key or index: values of
every JSON type (huge and negative numbers, floats, lone surrogates, control
and bidi characters, nested arrays and objects), and random bytes. A reader
must either return what it read, clean (ids, labels, annotators, meta and
text as `tui.core.names` and `tui.core.text` promise, every span inside its
text), or raise its own one-line error naming the file; any other exception
fails the test. The example counts are bounded so the suite stays fast.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tui.app.bindings import ALL_BINDING_IDS
from tui.commands.evaluate import EvaluateInputError, read_annotations
from tui.commands.suggest import stream_file
from tui.core.config import Config, load_config
from tui.core.layers import value_spans
from tui.core.names import BadName, clean_name
from tui.core.text import normalise
from tui.formats.doccano import ROLE_LABELS, read_doccano
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle
from tui.formats.labelstudio import read_labelstudio
from tui.formats.native_in import read_native
from tui.formats.prodigy_in import read_prodigy
from tui.formats.readers import read_file, read_paths

#: Examples per fuzzer; `BYLINE_FUZZ_EXAMPLES=5000` for a deep run (the suite keeps 150).
EXAMPLES = int(os.environ.get("BYLINE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FEW = settings(max_examples=max(EXAMPLES // 3, 20), deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])

# ------------------------------------------------------------------ strategies

HOSTILE = ["\x00", "\x1b", "\x1b[2J", "\x9b", "\x7f", "\n", "\t", "\r", "\u202e", "\u2066",
           "\u200b", "\ufeff", "\u00ad", "\u2028", "\ud800", "\udfff", "\udcff", "é", "e\u0301",
           " ", "  ", "PERSON", "QUOTE", "ORG", "a", "😀", "[b]", "accept", "reject"]

strings = st.one_of(
    st.text(max_size=6),
    st.lists(st.sampled_from(HOSTILE), max_size=4).map("".join),
)
numbers = st.one_of(
    st.integers(-3, 40),
    st.integers(),
    st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30, -(10**30), 10**300]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, -0.0, 1e308, 5.0]),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, strings)
json_values = st.recursive(
    leaves,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(strings, children, max_size=3)),
    max_leaves=8,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _paths(value, (*prefix, index))


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutated(draw: st.DrawFn, template: Any) -> Any:
    """`template` with one to three values replaced, deleted or added anywhere in it."""
    doc = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(doc))))
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if not path:
            if operation == "replace":
                doc = draw(json_values)
            continue
        parent, key = _at(doc, path[:-1]), path[-1]
        if operation == "replace":
            parent[key] = draw(json_values)
        elif operation == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(strings)] = draw(json_values)
        else:
            parent.insert(key, draw(json_values))
    return doc


def _jsonl(docs: list[Any]) -> bytes:
    # ensure_ascii writes lone surrogates as \ud800 escapes: valid JSON, invalid Unicode
    return "".join(json.dumps(doc, ensure_ascii=True) + "\n" for doc in docs).encode("ascii")


def documents(template: Any) -> st.SearchStrategy[list[Any]]:
    """One to three documents: the template itself, or mutated."""
    return st.lists(st.one_of(st.just(template), mutated(template)), min_size=1, max_size=3)


# -------------------------------------------------------------- the templates

TEXT = "Kalin met Hamas in Doha."
QTEXT = "“We agree,” Kalin said."


def _span(text: str, part: str) -> dict[str, int]:
    start = text.index(part)
    return {"start": start, "end": start + len(part)}


NATIVE = {
    "id": "a1", "text": TEXT, "meta": {"annotator": "ana", "title": "Talks"},
    "entities": [{**_span(TEXT, "Kalin"), "text": "Kalin", "label": "PERSON",
                  "status": "accepted"}],
    "quotes": [{"content": _span(TEXT, "met Hamas"), "speaker": _span(TEXT, "Kalin"),
                "cue": None, "speaker_ref": None, "kind": "indirect"}],
    "meetings": [{"trigger": _span(TEXT, "met"), "participants": [_span(TEXT, "Hamas")],
                  "place": _span(TEXT, "Doha"), "time": None, "date": "2025-01-01",
                  "event": "e1"}],
}
PRODIGY = {
    "text": TEXT, "answer": "accept", "_annotator_id": "ds-ana", "_session_id": "ds-ana",
    "meta": {"article_id": "a1", "annotator": "ana"},
    "tokens": [{"text": "Kalin", "start": 0, "end": 5, "id": 0},
               {"text": "met", "start": 6, "end": 9, "id": 1}],
    "spans": [{"start": 0, "end": 5, "label": "PERSON", "token_start": 0, "token_end": 0,
               "text": "Kalin"}],
}
DOCCANO = {"id": 1, "text": TEXT, "label": [[0, 5, "PERSON"], [10, 15, "ORG"]],
           "meta": {"annotator": "ana"}}
DOCCANO_REL = {
    "id": "a1", "text": QTEXT, "meta": {"annotator": "ana"},
    "entities": [
        {"id": 1, "label": "QUOTE", "start_offset": 1, "end_offset": 9},
        {"id": 2, "label": "PERSON", "start_offset": 12, "end_offset": 17},
        {"id": 3, "label": "CUE", "start_offset": 18, "end_offset": 22},
    ],
    "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "speaker"},
                  {"id": 2, "from_id": 1, "to_id": 3, "type": "cue"},
                  {"id": 3, "from_id": 2, "to_id": 2, "type": "refers_to"}],
}
_REGION = {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
           "value": {"start": 0, "end": 5, "text": "Kalin", "labels": ["PERSON"]}}
LABELSTUDIO = {
    "id": 7, "data": {"text": TEXT, "article_id": "a1", "meta": {"title": "Talks"}},
    "annotations": [{"completed_by": {"email": "ana@example.org", "id": 3},
                     "was_cancelled": False, "result": [_REGION]}],
    "predictions": [{"model_version": "m 1", "result": [_REGION]}],
}
ARTICLE = {"id": "a1", "text": "DOHA: Kalin met Hamas.", "meta": {"title": "t", "n": [1, 2]}}

# ------------------------------------------------------------------ the checks

_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029"
                        "\u2060-\u206f\ufeff\ud800-\udfff]")


def check_error(message: str, path: Path) -> None:
    """A reader's error: one line, naming the file, with nothing unsafe to print in it."""
    assert message.startswith(str(path)), message
    assert _FORBIDDEN.search(message) is None, repr(message)


def _check_json(value: Any) -> None:
    if isinstance(value, str):
        assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", value) is None, value
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key)
            _check_json(item)
    elif isinstance(value, list):
        for item in value:
            _check_json(item)


def check_name(name: str) -> None:
    """A label or name as every reader keeps it: already clean."""
    assert clean_name(name) == name, repr(name)


def check_id(article_id: str) -> None:
    assert article_id.strip(), repr(article_id)
    assert re.search("[\x00-\x1f\x7f-\x9f\ud800-\udfff]", article_id) is None, repr(article_id)


def check_imported(items: list[ImportedArticle]) -> None:
    for item in items:
        article = item.article
        check_id(article.id)
        assert article.text.strip() and normalise(article.text) == article.text
        _check_json(article.meta)
        json.dumps(article.meta, allow_nan=False).encode("utf-8")
        for start, end, label in item.entities:
            assert 0 <= start < end <= len(article.text)
            check_name(label)
        if item.annotator is not None:
            check_name(item.annotator)
        for value in (*item.quotes, *item.meetings):
            assert all(0 <= s.start < s.end <= len(article.text) for s in value_spans(value))
        for meeting in item.meetings:
            if meeting.event:
                check_name(meeting.event)
            if meeting.date is not None:
                check_name(meeting.date)


def read_or_refuse(read: Callable[[Path], list[ImportedArticle]], path: Path) -> None:
    try:
        items = read(path)
    except InputError as error:
        check_error(str(error), path)
        return
    check_imported(list(items))


IMPORTERS: dict[str, tuple[Callable[[Path], list[ImportedArticle]], Any]] = {
    "native": (read_native, NATIVE),
    "prodigy": (read_prodigy, PRODIGY),
    "doccano": (read_doccano, DOCCANO),
    "doccano-relations": (read_doccano, DOCCANO_REL),
    "labelstudio": (read_labelstudio, LABELSTUDIO),
    "labelstudio-predictions": (partial(read_labelstudio, predictions=True), LABELSTUDIO),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------- the importers


def test_the_templates_are_read(folder: Path) -> None:
    """The fuzzers start from documents every reader reads (else they test little)."""
    for name, (read, template) in IMPORTERS.items():
        path = folder / f"{name}.jsonl"
        path.write_bytes(_jsonl([template]))
        [item] = read(path)
        assert item.entities, name
    [native] = read_native(folder / "native.jsonl")
    assert native.quotes and native.meetings and native.annotator == "ana"
    [relation] = read_doccano(folder / "doccano-relations.jsonl")
    assert relation.quotes


@pytest.mark.parametrize("name", sorted(IMPORTERS))
@FUZZ
@given(data=st.data())
def test_importer_reads_cleanly_or_refuses_in_one_line(folder: Path, name: str,
                                                       data: st.DataObject) -> None:
    read, template = IMPORTERS[name]
    path = folder / f"{name}.jsonl"
    path.write_bytes(_jsonl(data.draw(documents(template))))
    read_or_refuse(read, path)


@FEW
@given(docs=documents(LABELSTUDIO))
def test_labelstudio_json_array_reads_cleanly_or_refuses(folder: Path, docs: list[Any]) -> None:
    path = folder / "labelstudio.json"
    path.write_text(json.dumps(docs, ensure_ascii=True, indent=1), encoding="ascii")
    read_or_refuse(read_labelstudio, path)


@pytest.mark.parametrize("name", sorted(IMPORTERS))
@FEW
@given(raw=st.one_of(st.binary(max_size=200),
                     st.lists(st.sampled_from([b"{", b"}", b"[", b"]", b'"text"', b":", b",",
                                               b"\n", b"NaN", b"\xff", b"\x00", b'"\\ud800"',
                                               b"1e999", b"\xef\xbb\xbf"]),
                              max_size=30).map(b"".join)))
def test_importer_survives_random_bytes(folder: Path, name: str, raw: bytes) -> None:
    read, _ = IMPORTERS[name]
    path = folder / f"{name}-bytes.jsonl"
    path.write_bytes(raw)
    read_or_refuse(read, path)


def test_prodigy_answer_of_every_type_is_an_error_or_a_skip(folder: Path) -> None:
    """The crash found by fuzzing: an `answer` that is a list (unhashable)."""
    for answer in (["accept"], {"a": 1}, 1, True, "maybe", "\x1b[2J"):
        path = folder / "answer.jsonl"
        path.write_bytes(_jsonl([{**PRODIGY, "answer": answer}]))
        with pytest.raises(InputError, match='"answer" must be "accept", "reject" or "ignore"'):
            read_prodigy(path)
    path.write_bytes(_jsonl([{**PRODIGY, "answer": "ignore"}]))
    assert read_prodigy(path).skipped["ignore"] == 1


# ------------------------------------------------------- one rule for names

_LABEL_DOCS: dict[str, Callable[[str], Any]] = {
    "native": lambda label: {"text": TEXT, "meta": {"annotator": "ana"},
                             "entities": [{"start": 0, "end": 5, "label": label}]},
    "prodigy": lambda label: {"text": TEXT, "spans": [{"start": 0, "end": 5, "label": label}]},
    "doccano": lambda label: {"text": TEXT, "label": [[0, 5, label]]},
    "doccano-relations": lambda label: {"text": TEXT, "entities": [
        {"id": 1, "label": label, "start_offset": 0, "end_offset": 5}], "relations": []},
    "labelstudio": lambda label: {"data": {"text": TEXT}, "annotations": [{"result": [
        {**_REGION, "value": {"start": 0, "end": 5, "labels": [label]}}]}]},
}
_ANNOTATOR_DOCS: dict[str, Callable[[str], Any]] = {
    "native": lambda who: {"text": TEXT, "id": "a", "meta": {"annotator": who}},
    "prodigy": lambda who: {"text": TEXT, "_annotator_id": who},
    "doccano": lambda who: {"text": TEXT, "label": [], "meta": {"annotator": who}},
    "labelstudio": lambda who: {"data": {"text": TEXT}, "annotations": [
        {"completed_by": who, "result": []}]},
}

name_text = st.one_of(strings, st.text(min_size=1, max_size=10),
                      st.text(max_size=3).map(lambda s: f"  {s}\u0301\t"))


def _as_json_reads(value: str) -> str:
    """`value` as a reader gets it back from the file (`\\ud800\\udfff` is one character)."""
    decoded: str = json.loads(json.dumps(value, ensure_ascii=True))
    return decoded


def _read_each(folder: Path, docs: dict[str, Callable[[str], Any]], value: str,
               pick: Callable[[ImportedArticle], Any]) -> dict[str, Any]:
    """What each reader makes of `value` placed in its document: the picked value, or
    the error message."""
    found: dict[str, Any] = {}
    for name, make in docs.items():
        read = IMPORTERS[name][0]
        path = folder / f"same-{name}.jsonl"
        path.write_bytes(_jsonl([make(value)]))
        try:
            [item] = read(path)
        except InputError as error:
            check_error(str(error), path)
            found[name] = InputError
        else:
            found[name] = pick(item)
    return found


@FUZZ
@given(label=name_text)
def test_every_reader_normalises_a_label_the_same_way(folder: Path, label: str) -> None:
    try:
        expected: Any = clean_name(_as_json_reads(label))
    except BadName:
        expected = InputError
    assume(expected not in ROLE_LABELS)
    found = _read_each(folder, _LABEL_DOCS, label, lambda item: item.entities[0][2])
    assert found == dict.fromkeys(_LABEL_DOCS, expected)


@FUZZ
@given(who=name_text)
def test_every_reader_normalises_an_annotator_the_same_way(folder: Path, who: str) -> None:
    try:
        expected: Any = clean_name(_as_json_reads(who))
    except BadName:
        expected = InputError
    found = _read_each(folder, _ANNOTATOR_DOCS, who, lambda item: item.annotator)
    assert found == dict.fromkeys(_ANNOTATOR_DOCS, expected)


def test_a_lone_surrogate_label_is_refused_naming_file_and_line(folder: Path) -> None:
    for name, make in _LABEL_DOCS.items():
        path = folder / f"surrogate-{name}.jsonl"
        path.write_bytes(_jsonl([make("PER"), make("PER\ud800")]))
        with pytest.raises(InputError) as caught:
            IMPORTERS[name][0](path)
        message = str(caught.value)
        assert message.startswith(f"{path}:2: "), message
        assert "label" in message and "unpaired surrogate (U+D800" in message, message


def test_native_labels_lose_their_control_characters_like_the_others(folder: Path) -> None:
    """The native reader used to keep ESC in a label; now every reader makes it visible."""
    found = _read_each(folder, _LABEL_DOCS, " PER\x1b]0;pwned\x07SON\u202e ",
                       lambda item: item.entities[0][2])
    assert set(found.values()) == {"PER\u241b]0;pwned\u2407SON\u2426"}


# ------------------------------------------------------------------ articles


@FUZZ
@given(docs=documents(ARTICLE))
def test_article_jsonl_reads_cleanly_or_refuses(folder: Path, docs: list[Any]) -> None:
    path = folder / "articles.jsonl"
    path.write_bytes(_jsonl(docs))
    result = read_paths([path])
    assert len(result.errors) + bool(result.articles) == 1
    for error in result.errors:
        check_error(str(error), path)
    for article in result.articles:
        check_id(article.id)
        assert normalise(article.text) == article.text
        _check_json(article.meta)
    # suggest's streaming reader accepts and refuses exactly the same
    try:
        streamed = list(stream_file(path))
    except InputError as error:
        assert [str(e) for e in result.errors] == [str(error)]
    else:
        assert streamed == result.articles


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300),
                     st.text(max_size=60).map(lambda s: s.encode("utf-8")),
                     st.lists(st.sampled_from(HOSTILE), max_size=10).map(
                         lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
                     st.sampled_from([b"date 2025-13-40\nx", b"date 2025-01-01\n", b"\xef\xbb\xbf",
                                      b"DOHA: \x00", b"\r\n\r\n"])))
def test_txt_article_reads_cleanly_or_refuses(folder: Path, raw: bytes) -> None:
    path = folder / "article.txt"
    path.write_bytes(raw)
    try:
        [article] = read_file(path)
    except InputError as error:
        check_error(str(error), path)
        return
    assert normalise(article.text) == article.text and article.text.strip()
    _check_json(article.meta)


# ------------------------------------------------------------------ evaluate


@FUZZ
@given(docs=documents(NATIVE))
def test_evaluate_reads_cleanly_or_refuses_in_one_line(folder: Path, docs: list[Any]) -> None:
    path = folder / "evaluate.jsonl"
    path.write_bytes(_jsonl(docs))
    try:
        rows = read_annotations(path)
    except EvaluateInputError as error:
        check_error(str(error), path)
        return
    for row in rows:
        check_id(row.id)
        for entity in row.entities:
            check_name(entity.label)


# -------------------------------------------------------------------- config


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a TOML basic string, \uXXXX escapes


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else json.dumps(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    return '"null"'  # TOML has no null


toml_values = st.recursive(
    st.one_of(st.booleans(), numbers, strings,
              st.sampled_from(["a,y", "ctrl+s,f2", "a,,b", "\u009b", "\u202e", "x" * 40])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(strings, children, max_size=3)),
    max_leaves=6,
)
config_keys = st.one_of(strings, st.sampled_from(["annotator", "keys", "labels", "entities",
                                                  "accept", "reject", "label-1"]))


@st.composite
def config_files(draw: st.DrawFn) -> bytes:
    lines = [f"{_toml_string(k)} = {_toml_value(v)}"
             for k, v in draw(st.dictionaries(config_keys, toml_values, max_size=3)).items()]
    for table in draw(st.lists(st.sampled_from(["keys", "labels", "other"]), max_size=2,
                               unique=True)):
        lines.append(f"[{table}]")
        lines += [f"{_toml_string(k)} = {_toml_value(v)}"
                  for k, v in draw(st.dictionaries(config_keys, toml_values,
                                                   max_size=3)).items()]
    text = "\n".join(lines) + "\n"
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(raw=st.one_of(config_files(), st.binary(max_size=100)))
def test_config_never_fails_and_warns_in_one_line(folder: Path, raw: bytes) -> None:
    path = folder / "config.toml"
    path.write_bytes(raw)
    config, warnings = load_config(path, ALL_BINDING_IDS, explicit=True)
    assert isinstance(config, Config)
    for warning in warnings:
        check_error(warning, path)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in config.keymap.items())
    assert config.entity_labels and all(isinstance(v, str) for v in config.entity_labels)
    if config.annotator is not None:
        check_name(config.annotator)
