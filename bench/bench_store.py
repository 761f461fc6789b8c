"""Benchmark: the latency of one saved decision, against the size of the gold store.

    python bench/bench_store.py [--sizes 100,10000] [--saves 1000] [--dir DIR]

For each size, a store of that many annotated articles (~40 entities each,
with their text and cached suggestions) is written, opened with `GoldStore`,
and timed over `--saves` calls of `save_items` with a single one-item change
(fsync included); the sizes take turns, save by save, so that noise from the
rest of the machine falls on all of them alike. The baseline, measured in the
same run on the same data, is stock TinyDB (`JSONStorage`) doing the same
change with `Table.update`, which reads and rewrites the whole file; it runs
until `--baseline-budget` seconds per size are spent (at least 3 updates).
Prints one JSON object: p50/p99 in milliseconds per size, the ratio between
the largest and the smallest size, and byline's speed-up over the baseline.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tinydb import TinyDB  # noqa: E402

from tui.core.model import (  # noqa: E402
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Status,
    Suggestions,
)
from tui.core.text import text_hash  # noqa: E402
from tui.store.gold import APP, SCHEMA, GoldStore  # noqa: E402
from tui.store.storage import AtomicJSONStorage  # noqa: E402

MODEL = ModelInfo("en_core_web_sm", "3.8.0", spec="en_core_web_sm")
TEXT = ("the minister said talks would resume on Tuesday after officials met in Doha "
        "and agreed on the next steps according to a statement from the ministry")
WORDS = tuple(TEXT.split(" "))
NAMES = ("Kalin", "Hamas", "Doha", "Cairo", "Reuters", "AFP", "Qatar", "Egypt", "Blinken")
LABELS = ("PERSON", "ORG", "GPE", "DATE", "NORP")


def make_article(n: int, rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """A ~450-word text and its token spans."""
    words = [rng.choice(NAMES) if rng.random() < 0.15 else rng.choice(WORDS) for _ in range(450)]
    text = f"DOHA, article {n}: " + " ".join(words) + "."
    tokens, start = [], 0
    for word in text.split(" "):
        tokens.append((start, start + len(word)))
        start += len(word) + 1
    return text, tokens


def build_tables(size: int, entities: int, seed: int) -> dict[str, Any]:
    """The TinyDB tables of a gold store with `size` annotated articles."""
    rng = random.Random(seed)
    articles, suggestions, annotations = {}, {}, {}
    for n in range(size):
        article_id = f"article-{n:06d}"
        text, tokens = make_article(n, rng)
        h = text_hash(text)
        picked = sorted(rng.sample(range(len(tokens)), entities))
        suggested = [EntitySuggestion(tokens[i][0], tokens[i][1], rng.choice(LABELS))
                     for i in picked]
        items = {}
        for s in suggested:
            status = rng.choice((Status.ACCEPTED, Status.ACCEPTED, Status.REJECTED,
                                 Status.CORRECTED))
            label = rng.choice(LABELS) if status is Status.CORRECTED else s.label
            item = EntityItem(id=f"s:{s.start}:{s.end}:{s.label}", start=s.start, end=s.end,
                              label=label, status=status, suggestion=s, annotator="ana",
                              time="2025-10-23T10:00:00Z", model=MODEL)
            items[item.id] = item.to_json()
        doc_id = str(n + 1)
        articles[doc_id] = {"id": article_id, "text": text, "meta": {"date": "2025-10-23"},
                            "text_hash": h}
        cached = Suggestions(MODEL, h, tuple(suggested), tuple(tokens))
        suggestions[doc_id] = {"article_id": article_id, "text_hash": h,
                               "model_spec": MODEL.spec, "seq": n + 1, "data": cached.to_json()}
        annotations[doc_id] = {"article_id": article_id, "annotator": "ana", "text_hash": h,
                               "items": items, "done": False, "updated": "2025-10-23T10:00:00Z"}
    return {"_meta": {"1": {"schema": SCHEMA, "app": APP}}, "articles": articles,
            "suggestions": suggestions, "annotations": annotations}


def percentiles(samples: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(samples), "p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(p99 * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3)}


def changed_item(doc: dict[str, Any], rng: random.Random) -> EntityItem:
    item_id = rng.choice(sorted(doc["items"]))
    item = EntityItem.from_json(item_id, doc["items"][item_id])
    status = Status.REJECTED if item.status is not Status.REJECTED else Status.ACCEPTED
    return item.with_changes(status=status, time="2025-10-24T10:00:00Z")


class BylineRun:
    """One gold store of a given size, saved to one decision at a time."""

    def __init__(self, path: Path, tables: dict[str, Any], seed: int) -> None:
        self.path = path
        started = time.perf_counter()
        self.store = GoldStore.open(path)
        self.opened = time.perf_counter() - started
        self.rng = random.Random(seed)
        self.docs = list(tables["annotations"].values())
        self.samples: list[float] = []

    def save(self) -> None:
        """Time one `save_items` of a single changed item of a random article."""
        doc = self.rng.choice(self.docs)
        record = self.store.annotation(doc["article_id"], "ana")
        assert record is not None
        items = {k: v.to_json() for k, v in record.items.items()}
        item = changed_item({"items": items}, self.rng)
        t0 = time.perf_counter()
        self.store.save_items(record.article_id, "ana", record.text_hash, {item.id: item})
        self.samples.append(time.perf_counter() - t0)

    def finish(self) -> dict[str, Any]:
        journal_bytes = self.path.with_name(self.path.name + ".journal").stat().st_size
        t0 = time.perf_counter()
        self.store.close()
        compaction = time.perf_counter() - t0
        return {**percentiles(self.samples), "open_s": round(self.opened, 3),
                "journal_bytes": journal_bytes, "compaction_s": round(compaction, 3)}


def bench_tinydb(path: Path, tables: dict[str, Any], budget: float, most: int,
                 seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    samples: list[float] = []
    spent = time.perf_counter()
    with TinyDB(path) as db:
        table = db.table("annotations")
        doc_ids = list(tables["annotations"])
        while len(samples) < most and (len(samples) < 3 or time.perf_counter() - spent < budget):
            doc_id = rng.choice(doc_ids)
            doc = tables["annotations"][doc_id]
            item = changed_item(doc, rng)
            items = {**doc["items"], item.id: item.to_json()}
            t0 = time.perf_counter()
            table.update({"items": items, "updated": "2025-10-24T10:00:00Z"},
                         doc_ids=[int(doc_id)])
            samples.append(time.perf_counter() - t0)
            doc["items"] = items
    return percentiles(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000")
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--entities", type=int, default=40)
    parser.add_argument("--baseline-budget", type=float, default=60.0,
                        help="seconds of TinyDB updates per size (at least 3 updates)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to write the stores (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench_store_", dir=args.dir))
    result: dict[str, Any] = {"benchmark": "store.save_items", "python": sys.version.split()[0],
                              "dir": str(workdir), "entities_per_article": args.entities,
                              "sizes": {}}
    try:
        tables, golds, baselines = {}, {}, {}
        for size in sizes:
            print(f"building {size} articles ...", file=sys.stderr)
            tables[size] = build_tables(size, args.entities, seed=size)
            golds[size] = workdir / f"gold-{size}" / "gold.json"
            golds[size].parent.mkdir()
            AtomicJSONStorage(golds[size]).write(tables[size])
            baselines[size] = workdir / f"tinydb-{size}.json"
            shutil.copyfile(golds[size], baselines[size])
        os.sync()  # let the set-up's writes reach the disk before timing fsyncs
        # The sizes take turns, save by save, so that noise from the rest of the
        # machine falls on all of them alike.
        runs = {size: BylineRun(golds[size], tables[size], seed=1) for size in sizes}
        print(f"byline: {args.saves} saves at each size ...", file=sys.stderr)
        for n in range(args.saves):
            for size in sizes if n % 2 == 0 else reversed(sizes):
                runs[size].save()
        byline = {size: run.finish() for size, run in runs.items()}
        del runs
        gc.collect()
        os.sync()
        for size in sizes:
            print(f"stock TinyDB at {size} ...", file=sys.stderr)
            baseline = bench_tinydb(baselines[size], tables[size], args.baseline_budget,
                                    args.saves, seed=1)
            result["sizes"][str(size)] = {
                "store_mb": round(golds[size].stat().st_size / 1e6, 1),
                "byline": byline[size], "tinydb_jsonstorage": baseline,
                "speedup_p50": round(baseline["p50_ms"] / byline[size]["p50_ms"], 1),
            }
            baselines[size].unlink()
        small, large = (result["sizes"][str(s)] for s in (min(sizes), max(sizes)))
        result["ratio_largest_to_smallest"] = {
            "sizes": [min(sizes), max(sizes)],
            "byline_p50": round(large["byline"]["p50_ms"] / small["byline"]["p50_ms"], 2),
            "byline_p99": round(large["byline"]["p99_ms"] / small["byline"]["p99_ms"], 2),
            "tinydb_p50": round(large["tinydb_jsonstorage"]["p50_ms"]
                                / small["tinydb_jsonstorage"]["p50_ms"], 1),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
