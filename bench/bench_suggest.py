"""Benchmark: `byline suggest` at corpus scale against bare `nlp.pipe`, same model, texts and
`n_process`.

    python bench/bench_suggest.py [--articles N] [--n-process P] [--batch-size B]
                                  [--paragraphs MIN-MAX] [--memory-sizes A,B]
                                  [--runs R] [--model SPEC] [--quick] [--layers]

Builds N articles (default 10,000) deterministically from `seeds/*.txt` (MIN to
MAX paragraphs each, default 1-2: short articles, so that 10,000 of them run in
a few minutes; drawn from the seeds' paragraphs by a seeded generator) and
writes them to a temporary JSONL file. Then, every measurement in a fresh
Python process of its own (so each one's peak memory is its own), R rounds
alternating (best time kept):

- bare: load the pipeline, then `nlp.pipe(texts, batch_size=B, n_process=P)`
  over the texts read lazily from the JSONL file, consuming every doc and its
  `doc.ents`;
- run_suggest: `tui.commands.suggest.run_suggest` on the same JSONL file with
  the same batch size and `n_process`, end to end: reading, loading the
  model, suggesting entities, quotes and meetings, writing native JSONL.

and, for memory, `run_suggest` once more on the first A and the first B of
the articles (default 2,000 and 10,000; the run at N is reused when N is one
of them). Peak memory is the process's `ru_maxrss` (the main process) and the
largest of its `nlp.pipe` worker processes (`RUSAGE_CHILDREN`).

Prints JSON: seconds and articles/s of both, `ratio = run_suggest throughput /
bare throughput` (target >= 0.9), and peak memory at each size with
`growth = peak at B / peak at A` (flat memory: close to 1).

`--quick`: 1,000 articles, memory at 200 and 1,000, one round. `--layers`
adds the older in-process figures on 200 articles of 4-20 paragraphs with one
process: `suggest` vs bare `nlp.pipe` and `layers_overhead = suggest time /
suggest_entities time - 1` (target <= 0.30).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tui.core.model import Article  # noqa: E402
from tui.formats.readers import read_paths  # noqa: E402

TARGET = 0.9
LAYERS_TARGET = 0.30
BATCH_SIZE = 64


def build_articles(count: int, paragraphs: tuple[int, int] = (4, 20)) -> Iterator[Article]:
    """`count` articles made from the paragraphs of the seed articles, the same every run."""
    seeds = read_paths(sorted((ROOT / "seeds").glob("*.txt"))).articles
    if not seeds:
        raise SystemExit("no seed articles in seeds/*.txt")
    pool = [p for a in seeds for p in a.text.split("\n\n") if p.strip()]
    rng = random.Random(20251023)
    for i in range(count):
        k = rng.randint(*paragraphs)
        chosen = [rng.choice(pool) for _ in range(k)]
        yield Article(id=f"bench-{i:05d}", text="\n\n".join(chosen),
                      meta={"date": "2025-10-23"})


def best_of(runs: int, timers: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """The best wall time of each timer over `runs` rounds, the timers alternating."""
    best = {name: float("inf") for name in timers}
    for _ in range(runs):
        for name, fn in timers.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _peaks() -> dict[str, float]:
    """Peak resident memory in MB: this process, and its largest child (the pipe's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main_mb": round(own, 1), "largest_worker_mb": round(children, 1)}


# ------------------------------------------------------------ child processes


def child(mode: str, source: Path, spec: str, n_process: int, batch_size: int) -> None:
    """One measurement in this fresh process; prints one JSON line."""
    if mode == "bare":
        from tui.nlp.models import RULES_SPEC, build_rules_pipeline

        def texts() -> Iterator[str]:
            with source.open(encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)["text"]

        start = time.perf_counter()
        if spec == RULES_SPEC:
            nlp = build_rules_pipeline()
        else:
            import spacy
            nlp = spacy.load(spec)
        count = 0
        for count, doc in enumerate(  # noqa: B007
                nlp.pipe(texts(), batch_size=batch_size, n_process=n_process), start=1):
            doc.ents  # noqa: B018
        seconds = time.perf_counter() - start
    else:
        from tui.commands.suggest import run_suggest

        out = source.with_name(f"out-{os.getpid()}.jsonl")
        lines: list[str] = []
        start = time.perf_counter()
        code = run_suggest([source], out, spec, batch_size=batch_size, n_process=n_process,
                           progress=False, echo=lines.append)
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"run_suggest exited {code}: {lines}")
        with out.open("rb") as f:
            count = sum(1 for _ in f)
        out.unlink()
    print(json.dumps({"seconds": seconds, "articles": count, **_peaks()}))


def measure(mode: str, source: Path, spec: str, n_process: int,
            batch_size: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--source", str(source), "--model", spec,
         "--n-process", str(n_process), "--batch-size", str(batch_size)],
        check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {mode} {source.name}: {result}", file=sys.stderr)
    return result


def write_source(path: Path, articles: Iterator[Article], limit: int | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as f:
        for a in articles:
            if limit is not None and count >= limit:
                break
            f.write(json.dumps({"id": a.id, "text": a.text, "meta": a.meta}) + "\n")
            count += 1
    return count


# ------------------------------------------------------------ in-process layers


def layers_report(spec: str, runs: int) -> dict[str, Any]:
    """`suggest` vs bare `nlp.pipe` in one process, and the layers' overhead (200 articles)."""
    from tui.nlp.models import load_model
    from tui.nlp.suggest import suggest

    articles = list(build_articles(200))
    texts = [a.text for a in articles]
    loaded = load_model(spec)
    nlp = loaded.nlp

    def bare() -> None:
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
            doc.ents  # noqa: B018

    def byline() -> None:
        for _ in suggest(loaded, articles, batch_size=BATCH_SIZE):
            pass

    def byline_entities() -> None:
        for _ in suggest(loaded, articles, batch_size=BATCH_SIZE, layers=False):
            pass

    bare()
    times = best_of(runs, {"bare": bare, "suggest": byline, "suggest_entities": byline_entities})
    n = len(articles)
    ratio = round(times["bare"] / times["suggest"], 3)
    overhead = round(times["suggest"] / times["suggest_entities"] - 1, 3)
    return {
        "articles": n, "n_process": 1,
        "bare_nlp_pipe_articles_per_s": round(n / times["bare"], 2),
        "suggest_articles_per_s": round(n / times["suggest"], 2),
        "suggest_entities_articles_per_s": round(n / times["suggest_entities"], 2),
        "ratio": ratio, "meets_target": ratio >= TARGET,
        "layers_overhead": {"value": overhead, "target": f"<= {LAYERS_TARGET}",
                            "meets_target": overhead <= LAYERS_TARGET},
    }


# ------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="default 10,000")
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--paragraphs", default="1-2", help="paragraphs per article, MIN-MAX")
    parser.add_argument("--memory-sizes", default=None, help="default 2000,10000")
    parser.add_argument("--model", default=None, help="a spaCy package, folder, or 'rules'")
    parser.add_argument("--runs", type=int, default=None, help="default 1")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, one round")
    parser.add_argument("--layers", action="store_true",
                        help="add the in-process suggest/bare and layers-overhead figures")
    parser.add_argument("--child", choices=["bare", "run_suggest"], help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        child(args.child, args.source, args.model, args.n_process, args.batch_size)
        return 0

    from tui.nlp.models import resolve_model_spec

    spec = resolve_model_spec(args.model)
    n = args.articles or (1000 if args.quick else 10_000)
    runs = args.runs or 1
    sizes = sorted(int(s) for s in (args.memory_sizes or
                                    ("200,1000" if args.quick else "2000,10000")).split(","))
    low, high = (int(p) for p in args.paragraphs.split("-"))

    with tempfile.TemporaryDirectory(prefix="byline-bench-") as tmp:
        source = Path(tmp) / "articles.jsonl"
        write_source(source, build_articles(n, (low, high)))
        characters = 0
        with source.open(encoding="utf-8") as f:
            for line in f:
                characters += len(json.loads(line)["text"])
        print(f"bench_suggest: {n} articles, n_process={args.n_process}, model {spec}",
              file=sys.stderr)
        bare: list[dict[str, Any]] = []
        ours: list[dict[str, Any]] = []
        for _ in range(runs):
            bare.append(measure("bare", source, spec, args.n_process, args.batch_size))
            ours.append(measure("run_suggest", source, spec, args.n_process, args.batch_size))
        for result in bare + ours:
            if result["articles"] != n:
                raise SystemExit(f"a run saw {result['articles']} articles, not {n}")
        best_bare = min(bare, key=lambda r: r["seconds"])
        best_ours = min(ours, key=lambda r: r["seconds"])
        memory: dict[str, Any] = {}
        for size in sizes:
            if size == n:
                result = best_ours
            else:
                part = Path(tmp) / f"articles-{size}.jsonl"
                write_source(part, build_articles(size, (low, high)), size)
                result = measure("run_suggest", part, spec, args.n_process, args.batch_size)
            memory[str(size)] = {"main_mb": result["main_mb"],
                                 "largest_worker_mb": result["largest_worker_mb"],
                                 "articles_per_s": round(size / result["seconds"], 2)}

    ratio = round(best_bare["seconds"] / best_ours["seconds"], 3)
    small, large = memory[str(sizes[0])], memory[str(sizes[-1])]
    report: dict[str, Any] = {
        "model": spec,
        "articles": n,
        "characters": characters,
        "paragraphs_per_article": args.paragraphs,
        "n_process": args.n_process,
        "batch_size": args.batch_size,
        "runs": runs,
        "bare_nlp_pipe": {"seconds": round(best_bare["seconds"], 2),
                          "articles_per_s": round(n / best_bare["seconds"], 2),
                          "includes": "loading the model, reading the texts",
                          "main_mb": best_bare["main_mb"],
                          "largest_worker_mb": best_bare["largest_worker_mb"]},
        "run_suggest": {"seconds": round(best_ours["seconds"], 2),
                        "articles_per_s": round(n / best_ours["seconds"], 2),
                        "includes": "reading JSONL, loading the model, entities, quotes and "
                                    "meetings, writing JSONL (fsync per batch)",
                        "ratio": ratio, "target": f">= {TARGET}",
                        "meets_target": ratio >= TARGET},
        "peak_memory": {
            **memory,
            "growth_main": round(large["main_mb"] / small["main_mb"], 3),
            "growth_worker": round(large["largest_worker_mb"] / small["largest_worker_mb"], 3)
            if small["largest_worker_mb"] else None,
        },
    }
    if args.layers:
        report["in_process"] = layers_report(spec, 3)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
