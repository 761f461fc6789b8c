"""tui.formats.brat: standoff files read back by brat's own rules.

`read_brat` mirrors brat's server (server/src/annotation.py and
projectconfig.py): .ann lines are split as `codecs` readlines splits them
(`str.splitlines`), ids must match brat's id pattern and be unique, a `T`
line's text column must be its fragments' texts joined by a space, its
fragments must lie in the text and not overlap, an event's trigger must be a
`T` of the event's type, every argument must be an existing, non-trigger `T`
of a type annotation.conf allows for its role (with brat's numbered repeats),
and attributes and notes must point at existing annotations, attribute
values declared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tui.commands.export import export_rows
from tui.core.model import AnnotationRecord, Article, EntityItem, Status
from tui.formats.brat import (
    brat_ann,
    brat_conf,
    brat_name,
    file_names,
    fragments,
    write_brat,
)
from tui.formats.errors import OutputError
from tui.store.gold import GoldStore

# ---------------------------------------------------------------- brat's rules

_ID = re.compile(r"^([A-Za-z]+|#[A-Za-z]*)([0-9]+)(.*?)$")
_STORAGE = re.compile(r"^[a-zA-Z0-9_-]+$")
DISCONT_SEP = " "


@dataclass
class Role:
    types: set[str]
    mandatory: bool
    multiple: bool


@dataclass
class Conf:
    entities: set[str] = field(default_factory=set)
    events: dict[str, dict[str, Role]] = field(default_factory=dict)
    attributes: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)


def parse_conf(conf: str) -> Conf:
    """annotation.conf as brat's projectconfig reads it (flat hierarchies only)."""
    result = Conf()
    section = "general"
    for line in conf.split("\n"):
        m = re.match(r"^\s*\[(.*)\]\s*$", line)
        if m:
            section = m.group(1)
            assert section in ("entities", "relations", "events", "attributes"), section
            continue
        if line.strip() == "" or re.match(r"^\s*#", line) or re.match(r"^\s*-+\s*$", line):
            continue
        m = re.match(r"^(\s*)(\S+)(?:\s+(.*))?$", line)
        assert m and m.group(1) == "", line
        name, args = m.group(2), m.group(3)
        assert _STORAGE.match(name), f"{name!r} is not in brat's storage form"
        pairs = [a.strip() for a in (args or "").split(",") if a.strip()]
        if section == "entities":
            assert not pairs and name not in result.entities, line
            result.entities.add(name)
        elif section == "events":
            roles: dict[str, Role] = {}
            for pair in pairs:
                km = re.match(r"^(\S*?):(\S*)$", pair)
                assert km, pair
                key, types = km.groups()
                mandatory = key[-1:] not in ("?", "*")
                multiple = key[-1:] in ("*", "+")
                key = key.rstrip("?*+")
                assert key not in roles and all(types.split("|")), pair
                roles[key] = Role(set(types.split("|")), mandatory, multiple)
            result.events[name] = roles
        elif section == "attributes":
            values = dict(p.split(":", 1) for p in pairs)
            result.attributes[name] = (set(values["Arg"].split("|")),
                                       set(values.get("Value", "").split("|")) - {""})
    return result


@dataclass
class Ann:
    text: str
    textbounds: dict[str, tuple[str, list[tuple[int, int]], str]] = field(default_factory=dict)
    events: dict[str, tuple[str, str, list[tuple[str, str]]]] = field(default_factory=dict)
    attributes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    notes: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def span(self, tid: str) -> tuple[int, int]:
        frags = self.textbounds[tid][1]
        return frags[0][0], frags[-1][1]

    def of_type(self, type_: str) -> list[str]:
        return [tid for tid, (t, _, _) in self.textbounds.items() if t == type_]

    def args(self, eid: str) -> dict[str, str]:
        return dict(self.events[eid][2])


def split_role(role: str) -> tuple[str, str]:
    i = len(role)
    while i > 1 and role[i - 1].isdigit():
        i -= 1
    return role[:i], role[i:]


def parse_ann(text: str, ann: str) -> Ann:
    """An .ann read line by line as brat's Annotations/TextAnnotations read it."""
    result = Ann(text)
    seen: set[str] = set()
    for line in ann.splitlines(keepends=True):  # codecs readlines: str.splitlines
        assert line.endswith("\n"), f"last line without a newline: {line!r}"
        ann_id, id_tail = line.split("\t", 1)
        assert _ID.match(ann_id), f"invalid id {ann_id!r}"
        assert ann_id not in seen, f"duplicate id {ann_id}"
        seen.add(ann_id)
        if "\t" in id_tail:
            cut = id_tail.index("\t")
            data, data_tail = id_tail[:cut], id_tail[cut:]
        else:
            data, data_tail = id_tail, ""
        if ann_id[0] == "T":
            type_, rest = data.split(" ", 1)
            spans: list[tuple[int, int]] = []
            for span_str in rest.split(";"):
                start_str, end_str = span_str.split(" ", 2)
                assert not any(c.isspace() for c in end_str.rstrip()), line
                start, end = int(start_str), int(end_str.rstrip())
                assert 0 <= start <= end <= len(text), f"{ann_id}: {start}-{end} not in text"
                for ostart, oend in spans:
                    assert not (end >= ostart and start < oend), f"{ann_id}: fragments overlap"
                spans.append((start, end))
            spanlen = sum(e - s for s, e in spans) + (len(spans) - 1) * len(DISCONT_SEP)
            assert data_tail[:1] == "\t", f"{ann_id}: no tab before the text"
            assert spanlen <= len(data_tail) - 1, f"{ann_id}: text shorter than spans"
            covered = data_tail[1:spanlen + 1]
            rest_of_line = data_tail[spanlen + 1:]
            reference = DISCONT_SEP.join(text[s:e] for s, e in spans)
            assert covered == reference, f"{ann_id}: {covered!r} != text {reference!r}"
            assert rest_of_line == "" or rest_of_line[0].isspace(), line
            # byline's own promise on top of brat's: no empty fragment, none over a line
            for s, e in spans:
                assert s < e and text[s:e].splitlines() == [text[s:e]], f"{ann_id}: {s}-{e}"
            result.textbounds[ann_id] = (type_, spans, covered)
        elif ann_id[0] == "E":
            head, _, tail = data.partition(" ")
            type_, trigger = head.rstrip("\r\n").split(":")
            args = [tuple(arg.split(":")) for arg in tail.split()]
            assert all(len(a) == 2 for a in args), line
            result.events[ann_id] = (type_, trigger, [(a[0], a[1]) for a in args])
        elif ann_id[0] == "A":
            m = re.match(r"(.+?) (.+?) (.+?)$", data.rstrip("\n"))
            assert m, line
            type_, target, value = m.groups()
            assert _ID.match(target)
            result.attributes[ann_id] = (type_, target, value)
        elif ann_id[0] == "#":
            type_, target = data.split()
            result.notes[ann_id] = (type_, target, data_tail[1:].rstrip("\n"))
        else:
            raise AssertionError(f"unexpected annotation {line!r}")
    return result


def verify(doc: Ann, conf: Conf) -> None:
    """brat's consistency checks of annotations against annotation.conf."""
    triggers = {trigger for _, trigger, _ in doc.events.values()}
    for tid, (type_, _, _) in doc.textbounds.items():
        if type_ in conf.events:
            assert tid in triggers, f"{tid}: trigger type {type_} used by no event"
        else:
            assert type_ in conf.entities, f"{tid}: type {type_} not declared"
    for eid, (type_, trigger, args) in doc.events.items():
        assert type_ in conf.events, f"{eid}: event type {type_} not declared"
        assert doc.textbounds[trigger][0] == type_, f"{eid}: trigger {trigger} not a {type_}"
        roles = conf.events[type_]
        counts: dict[str, int] = {}
        for role, arg in args:
            base, _ = split_role(role)
            assert base in roles, f"{eid}: role {role} not declared for {type_}"
            assert arg in doc.textbounds, f"{eid}: argument {arg} does not exist"
            assert arg not in triggers, f"{eid}: argument {arg} is a trigger"
            arg_type = doc.textbounds[arg][0]
            assert arg_type in roles[base].types, f"{eid}: {role} cannot be a {arg_type}"
            counts[base] = counts.get(base, 0) + 1
        for base, role_conf in roles.items():
            assert counts.get(base, 0) >= int(role_conf.mandatory), f"{eid}: no {base}"
            assert role_conf.multiple or counts.get(base, 0) <= 1, f"{eid}: {base} repeated"
    for aid, (type_, target, value) in doc.attributes.items():
        assert type_ in conf.attributes, f"{aid}: attribute {type_} not declared"
        allowed, values = conf.attributes[type_]
        target_type = (doc.events[target][0] if target in doc.events
                       else doc.textbounds[target][0])
        assert target_type in allowed, f"{aid}: {type_} cannot be on a {target_type}"
        assert value in values, f"{aid}: value {value} not declared"
    for nid, (type_, target, _) in doc.notes.items():
        assert type_ == "AnnotatorNotes"
        assert target in doc.textbounds or target in doc.events, f"{nid}: no {target}"


def read_brat(folder: Path, name: str) -> Ann:
    """One document of an exported collection, checked by brat's rules."""
    with open(folder / f"{name}.txt", encoding="utf-8", newline="") as handle:
        text = handle.read()
    with open(folder / f"{name}.ann", encoding="utf-8", newline="") as handle:
        ann = handle.read()
    doc = parse_ann(text, ann)
    verify(doc, parse_conf((folder / "annotation.conf").read_text(encoding="utf-8")))
    return doc


def manifest(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def export_one(tmp_path: Path, row: dict[str, Any]) -> Ann:
    out = tmp_path / "brat"
    assert write_brat([row], out) == 1
    [entry] = manifest(out)
    assert (out / f"{entry['name']}.txt").read_bytes() == row["text"].encode("utf-8")
    return read_brat(out, entry["name"])


# ---------------------------------------------------------------- rows by hand

TEXT = ("DOHA: Kalin met Hamas officials in Doha late Tuesday. "
        "“We agreed on the next steps,” he told AFP.")


def at(text: str, needle: str, nth: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle}


def entity(text: str, needle: str, label: str, nth: int = 0) -> dict[str, Any]:
    return {**at(text, needle, nth), "label": label, "status": "accepted"}


def row_of(text: str, entities: list[dict[str, Any]] | None = None,
           quotes: list[dict[str, Any]] | None = None,
           meetings: list[dict[str, Any]] | None = None, article_id: str = "example",
           annotator: str = "maria") -> dict[str, Any]:
    return {"id": article_id, "text": text,
            "meta": {"date": "2025-10-23", "annotator": annotator, "done": True},
            "entities": entities or [], "quotes": quotes or [], "meetings": meetings or []}


ENTITIES = [entity(TEXT, "DOHA", "GPE"), entity(TEXT, "Kalin", "PERSON"),
            entity(TEXT, "Hamas", "ORG"), entity(TEXT, "Doha", "GPE"),
            entity(TEXT, "late Tuesday", "DATE"), entity(TEXT, "AFP", "ORG")]


def test_entities_only(tmp_path: Path) -> None:
    doc = export_one(tmp_path, row_of(TEXT, ENTITIES))
    found = sorted((*doc.span(t), type_) for t, (type_, _, _) in doc.textbounds.items())
    assert found == sorted((e["start"], e["end"], e["label"]) for e in ENTITIES)
    assert doc.events == {} and doc.attributes == {} and doc.notes == {}
    conf = parse_conf((tmp_path / "brat" / "annotation.conf").read_text(encoding="utf-8"))
    assert {"GPE", "PERSON", "ORG", "DATE"} <= conf.entities
    assert (tmp_path / "brat" / "visual.conf").exists()


def test_rejected_and_suggested_items_are_left_out(tmp_path: Path) -> None:
    rejected = {**entity(TEXT, "AFP", "ORG"), "status": "rejected"}
    quote = {"content": at(TEXT, "We agreed on the next steps"), "speaker": None, "cue": None,
             "speaker_ref": None, "kind": "direct", "status": "suggested"}
    doc = export_one(tmp_path, row_of(TEXT, [entity(TEXT, "Kalin", "PERSON"), rejected],
                                      quotes=[quote]))
    assert [t[0] for t in doc.textbounds.values()] == ["PERSON"]
    assert doc.events == {}


def test_quote_with_speaker_cue_content_and_speaker_ref(tmp_path: Path) -> None:
    quote = {"content": at(TEXT, "We agreed on the next steps"), "speaker": at(TEXT, "he", 1),
             "cue": at(TEXT, "told"), "speaker_ref": at(TEXT, "Kalin"), "kind": "direct",
             "status": "accepted"}
    doc = export_one(tmp_path, row_of(TEXT, ENTITIES, quotes=[quote]))
    [(eid, (type_, trigger, _))] = doc.events.items()
    assert type_ == "Attribution"
    assert doc.span(trigger) == (quote["cue"]["start"], quote["cue"]["end"])  # the cue
    args = doc.args(eid)
    assert set(args) == {"Source", "Cue", "Content", "SpeakerRef"}
    assert doc.textbounds[args["Source"]][0] == "Source"
    assert doc.textbounds[args["Source"]][2] == "he"
    assert doc.textbounds[args["Cue"]][:1] == ("Cue",)
    assert doc.textbounds[args["Content"]][2] == "We agreed on the next steps"
    # The speaker_ref is the PERSON entity itself, not a second annotation of "Kalin".
    assert doc.textbounds[args["SpeakerRef"]][0] == "PERSON"
    assert [t for t, (_, _, covered) in doc.textbounds.items() if covered == "Kalin"] == [
        args["SpeakerRef"]]
    assert list(doc.attributes.values()) == [("Kind", eid, "direct")]


def test_unattributed_quote_is_anchored_on_its_content(tmp_path: Path) -> None:
    text = "Talks went on.\n\nThe ceasefire will hold as long as both sides keep their word."
    quote = {"content": at(text, "The ceasefire will hold as long as both sides keep their word"),
             "speaker": None, "cue": None, "speaker_ref": None, "kind": "indirect",
             "status": "accepted"}
    doc = export_one(tmp_path, row_of(text, quotes=[quote]))
    [(eid, (_, trigger, args))] = doc.events.items()
    assert doc.textbounds[trigger][0] == "Attribution"
    assert doc.span(trigger) == (quote["content"]["start"], quote["content"]["end"])
    assert [role for role, _ in args] == ["Content"]  # no Source, no Cue
    assert doc.span(dict(args)["Content"]) == doc.span(trigger)
    assert list(doc.attributes.values()) == [("Kind", eid, "indirect")]


def test_quote_over_two_paragraphs_is_written_as_fragments(tmp_path: Path) -> None:
    text = ("“The first part of it runs on,\n\n“and the second part ends here,” "
            "the minister said.")
    content = at(text, "The first part of it runs on,\n\n“and the second part ends here")
    quote = {"content": content, "speaker": at(text, "the minister"), "cue": at(text, "said"),
             "speaker_ref": None, "kind": "direct", "status": "accepted"}
    ann = brat_ann(row_of(text, quotes=[quote]))
    line = next(line for line in ann.splitlines() if "\tContent " in line)
    first_end = text.index("\n")
    second = first_end + 2
    assert line.split("\t")[1] == f"Content 1 {first_end};{second} {content['end']}"
    assert line.split("\t")[2] == ("The first part of it runs on, "
                                   "“and the second part ends here")
    doc = export_one(tmp_path, row_of(text, quotes=[quote]))
    [(eid, _)] = doc.events.items()
    tid = doc.args(eid)["Content"]
    assert doc.textbounds[tid][1] == [(1, first_end), (second, content["end"])]
    assert doc.args(eid)["Source"] and doc.textbounds[doc.args(eid)["Source"]][0] == "Source"


def test_fragments_split_at_every_line_break_brat_reads() -> None:
    text = "a\nb\r\nc\u2028d\x85e\n\nf"
    assert [text[s:e] for s, e in fragments(text, 0, len(text))] == list("abcdef")
    assert fragments(text, 1, 2) == ()


def test_meeting_with_three_participants_place_time_date_event(tmp_path: Path) -> None:
    text = ("Erdogan, Trump and Sisi met in Sharm el-Sheikh on Monday to sign the deal. "
            "The summit lasted an hour.")
    entities = [entity(text, "Erdogan", "PERSON"), entity(text, "Trump", "PERSON"),
                entity(text, "Sharm el-Sheikh", "GPE"), entity(text, "Monday", "DATE")]
    meetings = [
        {"trigger": at(text, "met"),
         "participants": [at(text, "Erdogan"), at(text, "Trump"), at(text, "Sisi")],
         "place": at(text, "Sharm el-Sheikh"), "time": at(text, "Monday"),
         "date": "2025-10-13", "event": "e1", "status": "accepted"},
        {"trigger": at(text, "summit"), "participants": [at(text, "Sisi")], "place": None,
         "time": None, "date": None, "event": "e1", "status": "corrected"},
    ]
    doc = export_one(tmp_path, row_of(text, entities, meetings=meetings))
    first, second = sorted(doc.events)
    type_, trigger, args = doc.events[first]
    assert type_ == "Meet" and doc.textbounds[trigger][2] == "met"
    assert [role for role, _ in args] == ["Participant", "Participant2", "Participant3",
                                          "Place", "Time"]
    named = {doc.textbounds[tid][2]: doc.textbounds[tid][0] for _, tid in args}
    assert named == {"Erdogan": "PERSON", "Trump": "PERSON", "Sisi": "Participant",
                     "Sharm el-Sheikh": "GPE", "Monday": "DATE"}
    # "Sisi" (no entity) is one Participant annotation shared by both meetings.
    assert doc.args(second)["Participant"] == doc.args(first)["Participant3"]
    assert len(doc.of_type("Participant")) == 1
    notes = {target: json.loads(body) for _, target, body in doc.notes.values()}
    assert notes == {first: {"event": "e1", "date": "2025-10-13"}, second: {"event": "e1"}}


def test_the_same_span_and_type_is_one_annotation(tmp_path: Path) -> None:
    row = row_of(TEXT, [*ENTITIES, entity(TEXT, "Kalin", "PERSON")])
    quote = {"content": at(TEXT, "We agreed on the next steps"), "speaker": at(TEXT, "Kalin"),
             "cue": at(TEXT, "told"), "speaker_ref": at(TEXT, "Kalin"), "kind": "direct",
             "status": "accepted"}
    row["quotes"] = [quote, {**quote, "content": at(TEXT, "We agreed")}]
    doc = export_one(tmp_path, row)
    assert len(doc.of_type("PERSON")) == 1
    assert len(doc.of_type("Attribution")) == 1 and len(doc.of_type("Cue")) == 1
    e1, e2 = (doc.args(eid) for eid in sorted(doc.events))
    assert e1["Source"] == e1["SpeakerRef"] == e2["Source"] == doc.of_type("PERSON")[0]


def test_hostile_text_keeps_its_offsets(tmp_path: Path) -> None:
    text = ("🇵🇸 غزة: قال المتحدث «نعم» 👍🏽\tok\n"
            "東京で会談した。\u202eevil\u202c Ünïcödé\u2028line two, 😀 end.\n"
            "Last\u2029para.")
    entities = [entity(text, "غزة", "GPE"), entity(text, "東京", "GPE"),
                entity(text, "👍🏽\tok", "WORK OF ART"), entity(text, "😀", "Meet"),
                entity(text, "Ünïcödé", "-"), entity(text, "evil\u202c Ünïcödé\u2028line", "ORG")]
    quotes = [{"content": at(text, "نعم"), "speaker": at(text, "المتحدث"), "cue": at(text, "قال"),
               "speaker_ref": None, "kind": "direct", "status": "accepted"},
              {"content": at(text, "line two, 😀 end.\nLast\u2029para"), "speaker": None,
               "cue": None, "speaker_ref": None, "kind": "odd kind!", "status": "added"}]
    meetings = [{"trigger": at(text, "会談"), "participants": [], "place": at(text, "東京"),
                 "time": None, "date": "2025-10-21", "event": "e\t1\n\u2028", "status": "accepted"}]
    doc = export_one(tmp_path, row_of(text, entities, quotes, meetings))
    by_text = {covered: type_ for type_, _, covered in doc.textbounds.values()}
    assert by_text["غزة"] == "GPE" and by_text["東京"] == "GPE"
    assert by_text["👍🏽\tok"] == "WORK_OF_ART"
    assert by_text["😀"] == brat_name("Meet") and by_text["Ünïcödé"] == brat_name("-")
    assert by_text["evil\u202c Ünïcödé line"] == "ORG"  # split at the U+2028
    labels = sorted(json.loads(body)["label"] for _, _, body in doc.notes.values()
                    if "label" in json.loads(body))
    assert labels == ["-", "Meet", "WORK OF ART"]
    meet = next(e for e in doc.events.values() if e[0] == "Meet")
    assert dict(meet[2])["Place"] in doc.of_type("GPE")
    event_note = next(json.loads(b) for _, t, b in doc.notes.values() if t in doc.events)
    assert event_note == {"event": "e\t1\n\u2028", "date": "2025-10-21"}
    kinds = {value for _, _, value in doc.attributes.values()}
    assert kinds == {"direct", brat_name("odd kind!")}
    # Every entity comes back at its offsets, fragments included.
    for e in entities:
        frags = list(fragments(text, e["start"], e["end"]))
        assert any(spans == frags for _, spans, _ in doc.textbounds.values()), e


def test_brat_names() -> None:
    assert brat_name("PERSON") == "PERSON" and brat_name("WORK OF ART") == "WORK_OF_ART"
    hashed = {value: brat_name(value) for value in ("Meet", "", "--", "Ünïcödé", "人物", "地点",
                                                    "a:b", "Cue")}
    for value, name in hashed.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]+_[0-9a-f]{6}", name), (value, name)
    assert hashed["Ünïcödé"].startswith("Unicode_") and hashed["人物"].startswith("label_")
    assert hashed["Meet"].startswith("Meet_") and len(set(hashed.values())) == len(hashed)
    conf = parse_conf(brat_conf(["PERSON", hashed["Meet"]], ["direct", "odd"]))
    assert {"PERSON", hashed["Meet"], "Source", "Cue", "Content"} <= conf.entities
    assert conf.attributes["Kind"] == ({"Attribution"}, {"direct", "indirect", "odd"})
    assert conf.events["Meet"]["Participant"].multiple
    assert conf.events["Attribution"]["Content"].mandatory


HOSTILE_IDS = ["../../etc/passwd", "a/b", "a_b", "\x1b[31mred\x1b[0m", "x" * 500, "", ".",
               "..", ".hidden", "CON", "Zürich", "東京", "DOHA", "doha", "-rf", "a\nb"]


def test_file_names_are_safe_and_unique() -> None:
    names = file_names([(i, "maria") for i in HOSTILE_IDS])
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*-[0-9a-f]{10}(-\d+)?", name), name
        assert len(name) <= 100
    assert names[HOSTILE_IDS.index("Zürich")].startswith("Zurich-")
    assert names[HOSTILE_IDS.index("東京")].startswith("article-")
    # Stable: the same ids give the same names.
    assert file_names([(i, "maria") for i in HOSTILE_IDS]) == names


def test_annotators_sharing_an_article_are_named_apart() -> None:
    names = file_names([("doha", "maria"), ("doha", "ali/../x"), ("gaza", "maria")])
    assert names[0].startswith("doha__maria-") and names[1].startswith("doha__ali_x-")
    assert names[2].startswith("gaza-") and "__" not in names[2]
    assert file_names([("doha", None), ("doha", None)])[1].endswith("-2")


def test_hostile_ids_stay_in_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out" / "brat"
    (tmp_path / "out").mkdir()
    rows = [row_of(TEXT, ENTITIES, article_id=i) for i in HOSTILE_IDS]
    rows.append(row_of(TEXT, ENTITIES, article_id="DOHA", annotator="ali"))
    assert write_brat(rows, out) == len(rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["brat"]
    entries = manifest(out)
    assert [(e["id"], e["annotator"]) for e in entries] == [
        (r["id"], r["meta"]["annotator"]) for r in rows]
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(["annotation.conf", "visual.conf", "manifest.jsonl",
                            *(f"{e['name']}.{ext}" for e in entries for ext in ("txt", "ann"))])
    doha = [e["name"] for e in entries if e["id"] == "DOHA"]
    assert doha[0].startswith("DOHA__maria-") and doha[1].startswith("DOHA__ali-")
    for entry in entries:
        read_brat(out, entry["name"])


def test_refuses_a_non_empty_folder_without_force(tmp_path: Path) -> None:
    out = tmp_path / "brat"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match=r"not empty.*--force"):
        write_brat([row_of(TEXT, ENTITIES)], out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert write_brat([row_of(TEXT, ENTITIES)], out, force=True) == 1
    names = {p.name for p in out.iterdir()}
    assert "notes.txt" in names and "annotation.conf" in names and len(names) == 6
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    # Again with --force: the same names are replaced, nothing piles up.
    assert write_brat([row_of(TEXT, ENTITIES)], out, force=True) == 1
    assert {p.name for p in out.iterdir()} == names


def test_empty_folder_is_filled_and_errors_leave_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert write_brat([row_of(TEXT, ENTITIES)], out) == 1
    assert len(list(out.iterdir())) == 5
    with pytest.raises(OutputError, match="is a file"):
        write_brat([], tmp_path / "empty" / "annotation.conf")
    with pytest.raises(OutputError, match="does not exist"):
        write_brat([], tmp_path / "missing" / "brat")
    bad = row_of(TEXT, [{"start": 0, "end": 999, "text": "x", "label": "GPE"}])
    with pytest.raises(ValueError, match="outside the text"):
        write_brat([row_of(TEXT, ENTITIES), bad], tmp_path / "new")
    stale = row_of(TEXT, [{"start": 0, "end": 4, "text": "Gaza", "label": "GPE"}])
    with pytest.raises(ValueError, match="does not match"):
        write_brat([stale], tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no half-written folder


def test_a_file_the_guard_refuses_stops_the_export_before_anything_moves(
        tmp_path: Path) -> None:
    out = tmp_path / "brat"
    out.mkdir()
    store = out / "annotation.conf"
    store.write_text("{}", encoding="utf-8")
    asked: list[Path] = []

    def guard(path: Path) -> None:
        asked.append(path)
        if path.name == "annotation.conf":
            raise OutputError(path, "is part of the gold store")

    with pytest.raises(OutputError, match="gold store"):
        write_brat([row_of(TEXT, ENTITIES)], out, force=True, guard=guard)
    assert store.read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf"]
    assert asked[0] == out  # the folder first, then each file it would write


def test_export_rows_for_brat_never_hold_pending() -> None:
    article = Article("doha", TEXT)
    record = AnnotationRecord("doha", "maria", article.text_hash, done=True)
    [row] = list(export_rows([(article, record, None)], "brat", include_pending=False))
    assert "pending" not in row and row["text"] == TEXT
    with pytest.raises(ValueError, match="native only"):
        export_rows([], "brat", include_pending=True)


# ---------------------------------------------------------------- the command


def _byline() -> list[str]:
    script = Path(sys.executable).with_name("byline")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


def test_cli_exports_a_store_as_brat(tmp_path: Path) -> None:
    db = tmp_path / "gold.json"
    texts = {"doha": TEXT, "../gaza\x1b": "GAZA: Talks resumed in Cairo on Sunday.\n\nMore."}
    with GoldStore.open(db) as store:
        for article_id, text in texts.items():
            article = Article(article_id, text, {"date": "2025-10-23"})
            store.put_article(article)
            items = {}
            for n, (needle, label) in enumerate((("DOHA", "GPE"), ("Kalin", "PERSON"),
                                                 ("Cairo", "GPE"), ("Sunday", "DATE"))):
                if needle in text:
                    start = text.index(needle)
                    items[f"a:{n}"] = EntityItem(f"a:{n}", start, start + len(needle), label,
                                                 Status.ADDED, annotator="maria",
                                                 time="2025-11-01T10:00:00Z")
            items["a:9"] = EntityItem("a:9", 0, 4, "ORG", Status.REJECTED, annotator="maria")
            store.save_items(article_id, "maria", article.text_hash, items)
        store.set_done("doha", "maria", Article("doha", TEXT).text_hash, True)
    out = tmp_path / "brat"
    env = {**os.environ, "BYLINE_CONFIG": os.devnull}
    command = [*_byline(), "export", "--format", "brat", "-o", str(out), "--db", str(db), "--all"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 article(s)" in result.stderr
    entries = manifest(out)
    assert sorted(e["id"] for e in entries) == sorted(texts)
    for entry in entries:
        doc = read_brat(out, entry["name"])
        text = texts[entry["id"]]
        assert (out / f"{entry['name']}.txt").read_bytes() == text.encode("utf-8")
        found = sorted((covered, type_) for type_, _, covered in doc.textbounds.values())
        expected = {"doha": [("DOHA", "GPE"), ("Kalin", "PERSON")],
                    "../gaza\x1b": [("Cairo", "GPE"), ("Sunday", "DATE")]}[entry["id"]]
        assert found == expected  # the rejected ORG is not there
    # A second run refuses the folder now full; --force writes into it.
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                           check=False)
    assert again.returncode != 0
    assert again.stderr.startswith("byline: error: ") and "--force" in again.stderr
    forced = subprocess.run([*command, "--force"], capture_output=True, text=True, env=env,
                            timeout=300, check=False)
    assert forced.returncode == 0, forced.stderr
    # Other formats still want a file.
    jsonl = subprocess.run([*_byline(), "export", "-o", str(out), "--db", str(db)],
                           capture_output=True, text=True, env=env, timeout=300, check=False)
    assert jsonl.returncode != 0 and "is a folder" in jsonl.stderr
