"""Benchmark: the gold store at 100, 10,000 and 100,000 annotated articles.

    python bench/bench_store.py [--sizes 100,10000,100000] [--saves 1000]
                                [--baseline-sizes 100,10000] [--dir DIR]

Each store holds that many articles (~450 words), each with cached model
suggestions and one annotator's decisions on 40 entities, 5 quotes and 2
meetings, built shard by shard (`tui.store.bulk`). Measured, in one run:

- save latency: `--saves` calls of `save_items` with a one-item change per
  size (fsync included; the article's shard is loaded first, as opening the
  article in the app does); the sizes take turns, save by save, so that noise
  from the rest of the machine falls on all of them alike. Judged: p99 at the
  largest size, and the ratio of the largest size's p99 to the smallest's.
  Baseline, same data: stock TinyDB (`JSONStorage`, one file, `Table.update`)
  at `--baseline-sizes` (it rewrites the whole file on every update);
- opening the store (time and peak memory of a fresh process that opens it;
  the same process without the open is the memory baseline);
- exporting it (`byline export`, native JSONL, every article marked done),
  against a plain `json.dumps` of the same rows read back from the export.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tinydb import TinyDB  # noqa: E402

from tui.commands.export_store import run_export  # noqa: E402
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion  # noqa: E402
from tui.core.model import (  # noqa: E402
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Span,
    Status,
    Suggestions,
)
from tui.core.text import text_hash  # noqa: E402
from tui.store.bulk import StoreBuilder  # noqa: E402
from tui.store.gold import GoldStore  # noqa: E402

MODEL = ModelInfo("en_core_web_sm", "3.8.0", spec="en_core_web_sm")
TEXT = ("the minister said talks would resume on Tuesday after officials met in Doha "
        "and agreed on the next steps according to a statement from the ministry")
WORDS = tuple(TEXT.split(" "))
NAMES = ("Kalin", "Hamas", "Doha", "Cairo", "Reuters", "AFP", "Qatar", "Egypt", "Blinken")
LABELS = ("PERSON", "ORG", "GPE", "DATE", "NORP")
TEMPLATES = 64
STAMP = "2025-10-23T10:00:00Z"


def header(n: int) -> str:
    return f"DOHA, article {n:07d}: "  # one length for every n, so templates' offsets hold


class Template:
    """An article body with its suggestions and decisions, reused under many ids."""

    def __init__(self, rng: random.Random, entities: int) -> None:
        words = [rng.choice(NAMES) if rng.random() < 0.15 else rng.choice(WORDS)
                 for _ in range(450)]
        self.body = " ".join(words) + "."
        text = header(0) + self.body
        tokens, start = [], 0
        for word in text.split(" "):
            tokens.append((start, start + len(word)))
            start += len(word) + 1
        picked = sorted(rng.sample(range(5, len(tokens)), entities + 7))
        spans = [tokens[i] for i in picked]
        suggested = [EntitySuggestion(s, e, rng.choice(LABELS)) for s, e in spans[:entities]]
        self.suggestions = Suggestions(MODEL, "", tuple(suggested), tuple(tokens)).to_json()
        self.items: dict[str, Any] = {}
        for s in suggested:
            status = rng.choice((Status.ACCEPTED, Status.ACCEPTED, Status.REJECTED,
                                 Status.CORRECTED))
            label = rng.choice(LABELS) if status is Status.CORRECTED else s.label
            item = EntityItem(id=f"s:{s.start}:{s.end}:{s.label}", start=s.start, end=s.end,
                              label=label, status=status, suggestion=s, annotator="ana",
                              time=STAMP, model=MODEL)
            self.items[item.id] = item.to_json()
        rest = [Span(s, e) for s, e in spans[entities:]]
        for n in range(5):
            quote = QuoteSuggestion(content=rest[n], speaker=rest[(n + 1) % 7], cue=None,
                                    speaker_ref=rest[(n + 1) % 7], kind="direct")
            layer = LayerItem(id=f"q:s:{rest[n].start}:{rest[n].end}", value=quote,
                              status=Status.ACCEPTED, suggestion=quote, annotator="ana",
                              time=STAMP, model=MODEL)
            self.items[layer.id] = layer.to_json()
        for n in range(5, 7):
            meeting = MeetingSuggestion(trigger=rest[n], participants=(rest[0], rest[1]),
                                        place=rest[2], time=rest[3], date="2025-10-22",
                                        event=f"e{n}")
            layer = LayerItem(id=f"m:s:{rest[n].start}:{rest[n].end}", value=meeting,
                              status=Status.CORRECTED, suggestion=meeting, annotator="ana",
                              time=STAMP, model=MODEL)
            self.items[layer.id] = layer.to_json()


def build_store(path: Path, size: int, templates: list[Template]) -> None:
    """A store of `size` annotated articles, every one marked done."""
    builder = StoreBuilder(path)
    by_shard: dict[int, list[int]] = {}
    for n in range(size):
        by_shard.setdefault(builder.shard_of(f"article-{n:07d}"), []).append(n)
    for number, ns in sorted(by_shard.items()):
        tables: dict[str, dict[str, Any]] = {"articles": {}, "suggestions": {},
                                             "annotations": {}}
        for doc, n in enumerate(ns, 1):
            template = templates[n % len(templates)]
            article_id = f"article-{n:07d}"
            text = header(n) + template.body
            h = text_hash(text)
            tables["articles"][str(doc)] = {"id": article_id, "text": text,
                                            "meta": {"date": "2025-10-23"}, "text_hash": h}
            tables["suggestions"][str(doc)] = {
                "article_id": article_id, "text_hash": h, "model_spec": MODEL.spec,
                "seq": n + 1, "data": {**template.suggestions, "text_hash": h}}
            tables["annotations"][str(doc)] = {
                "article_id": article_id, "annotator": "ana", "text_hash": h,
                "items": copy.deepcopy(template.items), "done": True, "updated": STAMP}
        builder.add_shard(number, tables)
    builder.finish()


def percentiles(samples: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(samples), "p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(p99 * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3)}


def changed(item_id: str, doc: dict[str, Any]) -> EntityItem:
    item = EntityItem.from_json(item_id, doc)
    status = Status.REJECTED if item.status is not Status.REJECTED else Status.ACCEPTED
    return item.with_changes(status=status, time="2025-10-24T10:00:00Z")


class SaveRun:
    """One store, saved to one decision at a time."""

    def __init__(self, path: Path, size: int, seed: int) -> None:
        self.path = path
        self.size = size
        self.store = GoldStore.open(path)
        self.rng = random.Random(seed)
        self.samples: list[float] = []

    def save(self) -> None:
        article_id = f"article-{self.rng.randrange(self.size):07d}"
        record = self.store.annotation(article_id, "ana")  # loads the shard, as the app does
        assert record is not None
        entity_id = self.rng.choice(sorted(record.items))
        item = changed(entity_id, record.items[entity_id].to_json())
        t0 = time.perf_counter()
        self.store.save_items(article_id, "ana", record.text_hash, {item.id: item})
        self.samples.append(time.perf_counter() - t0)

    def finish(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        self.store.close()
        return {**percentiles(self.samples), "close_s": round(time.perf_counter() - t0, 3)}


OPENER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tui.store.gold import GoldStore
t0 = time.perf_counter()
if sys.argv[3] == "open":
    store = GoldStore.open(sys.argv[2], read_only=False)
    summaries = store.summaries("ana")
    store.close_quietly()
elapsed = time.perf_counter() - t0
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
print(elapsed, peak / 1024)
"""


def measure_open(path: Path) -> dict[str, float]:
    """Open time and peak RSS of a fresh process that opens the store (and of one that
    only imports the store module)."""
    def run(what: str) -> tuple[float, float]:
        out = subprocess.run([sys.executable, "-c", OPENER, str(ROOT), str(path), what],
                             capture_output=True, text=True, check=True).stdout.split()
        return float(out[0]), float(out[1])

    samples = [run("open") for _ in range(3)]
    _, base_mb = run("none")
    seconds = statistics.median(s for s, _ in samples)
    peak = max(mb for _, mb in samples)
    return {"open_s": round(seconds, 3), "peak_rss_mb": round(peak, 1),
            "interpreter_rss_mb": round(base_mb, 1),
            "store_rss_mb": round(peak - base_mb, 1)}


def measure_export(path: Path, out: Path) -> dict[str, Any]:
    """`byline export` of the whole store against json.dumps of the same rows."""
    t0 = time.perf_counter()
    rows = run_export(path, out, "native", False, None, True)
    export_s = time.perf_counter() - t0
    dumps_s = 0.0
    with out.open(encoding="utf-8") as handle:
        chunk: list[Any] = []
        for line in handle:
            chunk.append(json.loads(line))
            if len(chunk) == 1000:
                t1 = time.perf_counter()
                for row in chunk:
                    json.dumps(row)
                dumps_s += time.perf_counter() - t1
                chunk = []
        t1 = time.perf_counter()
        for row in chunk:
            json.dumps(row)
        dumps_s += time.perf_counter() - t1
    size = out.stat().st_size
    out.unlink()
    return {"rows": rows, "export_mb": round(size / 1e6, 1), "export_s": round(export_s, 2),
            "json_dumps_s": round(dumps_s, 2),
            "ratio_dumps_to_export": round(dumps_s / export_s, 2)}


def tinydb_baseline(path: Path, store: Path, size: int, budget: float, most: int,
                    seed: int) -> dict[str, Any]:
    """Stock TinyDB over the same records in one file, one `Table.update` per save."""
    tables: dict[str, dict[str, Any]] = {"articles": {}, "suggestions": {}, "annotations": {}}
    with GoldStore.open(store, read_only=True) as gold:
        for n in range(size):
            record = gold.annotation(f"article-{n:07d}", "ana")
            assert record is not None
            tables["annotations"][str(n + 1)] = {
                "article_id": record.article_id, "annotator": "ana",
                "text_hash": record.text_hash, "done": True, "updated": STAMP,
                "items": {**{k: v.to_json() for k, v in record.items.items()},
                          **{k: v.to_json() for k, v in record.quotes.items()},
                          **{k: v.to_json() for k, v in record.meetings.items()}}}
            article = gold.article(record.article_id, record.text_hash)
            suggestions = gold.suggestions(record.article_id, record.text_hash)
            assert article is not None and suggestions is not None
            tables["articles"][str(n + 1)] = {"id": article.id, "text": article.text,
                                              "meta": article.meta, "text_hash": record.text_hash}
            tables["suggestions"][str(n + 1)] = {"article_id": article.id,
                                                 "data": suggestions.to_json()}
    path.write_text(json.dumps(tables), encoding="utf-8")
    del tables
    rng = random.Random(seed)
    samples: list[float] = []
    spent = time.perf_counter()
    with TinyDB(path) as db:
        table = db.table("annotations")
        while len(samples) < most and (len(samples) < 3 or time.perf_counter() - spent < budget):
            doc_id = rng.randrange(1, size + 1)
            doc = table.get(doc_id=doc_id)
            assert isinstance(doc, dict)
            entity_id = rng.choice(sorted(k for k in doc["items"] if k.startswith("s:")))
            item = changed(entity_id, doc["items"][entity_id])
            items = {**doc["items"], item.id: item.to_json()}
            t0 = time.perf_counter()
            table.update({"items": items, "updated": "2025-10-24T10:00:00Z"}, doc_ids=[doc_id])
            samples.append(time.perf_counter() - t0)
    path.unlink()
    return percentiles(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--entities", type=int, default=40)
    parser.add_argument("--baseline-sizes", default="100,10000",
                        help="sizes at which stock TinyDB is timed too ('' for none)")
    parser.add_argument("--baseline-budget", type=float, default=30.0,
                        help="seconds of TinyDB updates per size (at least 3 updates)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to write the stores (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    baseline_sizes = {int(s) for s in args.baseline_sizes.split(",") if s}
    workdir = Path(tempfile.mkdtemp(prefix="bench_store_", dir=args.dir))
    rng = random.Random(7)
    templates = [Template(rng, args.entities) for _ in range(TEMPLATES)]
    result: dict[str, Any] = {
        "benchmark": "gold store", "python": sys.version.split()[0], "dir": str(workdir),
        "per_article": {"entities": args.entities, "quotes": 5, "meetings": 2}, "sizes": {}}
    try:
        paths = {}
        for size in sizes:
            print(f"building {size} articles ...", file=sys.stderr)
            t0 = time.perf_counter()
            paths[size] = workdir / f"gold-{size}" / "gold.json"
            paths[size].parent.mkdir()
            build_store(paths[size], size, templates)
            disk = sum(p.stat().st_size for p in paths[size].parent.rglob("*") if p.is_file())
            result["sizes"][str(size)] = {"store_mb": round(disk / 1e6, 1),
                                          "build_s": round(time.perf_counter() - t0, 1)}
        os.sync()  # let the set-up's writes reach the disk before timing fsyncs
        for size in sizes:
            print(f"opening {size} ...", file=sys.stderr)
            result["sizes"][str(size)]["open"] = measure_open(paths[size])
        runs = {size: SaveRun(paths[size], size, seed=1) for size in sizes}
        print(f"byline: {args.saves} saves at each size ...", file=sys.stderr)
        for n in range(args.saves):
            for size in sizes if n % 2 == 0 else reversed(sizes):
                runs[size].save()
        for size, run in runs.items():
            result["sizes"][str(size)]["save"] = run.finish()
        del runs
        gc.collect()
        largest = max(sizes)
        print(f"exporting {largest} ...", file=sys.stderr)
        result["export"] = {"size": largest, **measure_export(
            paths[largest], workdir / "export.jsonl")}
        for size in sorted(baseline_sizes & set(sizes)):
            print(f"stock TinyDB at {size} ...", file=sys.stderr)
            baseline = tinydb_baseline(workdir / f"tinydb-{size}.json", paths[size], size,
                                       args.baseline_budget, args.saves, seed=1)
            entry = result["sizes"][str(size)]
            entry["tinydb_jsonstorage_save"] = baseline
            entry["speedup_p99"] = round(baseline["p99_ms"] / entry["save"]["p99_ms"], 1)
        small, large = (result["sizes"][str(s)] for s in (min(sizes), largest))
        result["judged"] = {
            "save_p99_ms_at_largest": large["save"]["p99_ms"],
            "save_p99_ratio_largest_to_smallest": round(
                large["save"]["p99_ms"] / small["save"]["p99_ms"], 2),
            "open_s_at_largest": large["open"]["open_s"],
            "open_peak_rss_mb_at_largest": large["open"]["peak_rss_mb"],
            "export_ratio_dumps_to_export": result["export"]["ratio_dumps_to_export"],
            "targets": {"save_p99_ms": 10, "save_p99_ratio": 2, "open_s": 2,
                        "open_rss_mb": 300, "export_ratio": 0.5},
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
