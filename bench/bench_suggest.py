"""Benchmark: byline's `suggest` against bare `nlp.pipe`, with the same model on the same texts.

    python bench/bench_suggest.py [--articles N] [--model SPEC] [--runs R]

Builds N articles (default 200) deterministically from `seeds/*.txt` (4 to 20
paragraphs each, drawn from the seeds' paragraphs by a seeded generator), then
times, best of R runs, alternating:

- bare: `nlp.pipe(texts, batch_size=64)`, consuming every doc and its `doc.ents`;
- suggest: `tui.nlp.suggest.suggest(...)` end to end, consuming every result
  (entities, and the quote and meeting layers from the same parse);
- suggest_entities: the same with `layers=False` (entities only);
- baseline_load: loading the pipeline, then bare `nlp.pipe` as above;
- run_suggest: `tui.commands.suggest.run_suggest` on a JSONL file of the same
  articles, reading it, loading the model and writing native JSONL to a
  temporary file.

Prints JSON: seconds, articles/s, and `ratio = byline throughput / bare
throughput` (target >= 0.9) for suggest vs bare and run_suggest vs baseline_load,
and `layers_overhead = suggest time / suggest_entities time - 1` (target <= 0.30:
the quote and meeting layers add at most 30% over entities alone).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
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


def build_articles(count: int) -> list[Article]:
    """`count` articles made from the paragraphs of the seed articles, the same every run."""
    seeds = read_paths(sorted((ROOT / "seeds").glob("*.txt"))).articles
    if not seeds:
        raise SystemExit("no seed articles in seeds/*.txt")
    paragraphs = [p for a in seeds for p in a.text.split("\n\n") if p.strip()]
    rng = random.Random(20251023)
    articles = []
    for i in range(count):
        k = rng.randint(4, 20)
        chosen = [rng.choice(paragraphs) for _ in range(k)]
        articles.append(Article(id=f"bench-{i:05d}", text="\n\n".join(chosen),
                                meta={"date": "2025-10-23"}))
    return articles


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--model", default=None, help="a spaCy package, folder, or 'rules'")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    import spacy

    from tui.commands.suggest import run_suggest
    from tui.formats.native import suggestion_row  # noqa: F401 (imported before timing)
    from tui.nlp.models import RULES_SPEC, build_rules_pipeline, load_model
    from tui.nlp.suggest import suggest

    articles = build_articles(args.articles)
    texts = [a.text for a in articles]
    loaded = load_model(args.model)
    nlp = loaded.nlp
    spec = loaded.info.spec

    def bare() -> None:
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
            doc.ents  # noqa: B018

    def byline() -> None:
        for _ in suggest(loaded, articles, batch_size=BATCH_SIZE):
            pass

    def byline_entities() -> None:
        for _ in suggest(loaded, articles, batch_size=BATCH_SIZE, layers=False):
            pass

    def load_pipeline() -> Any:
        return build_rules_pipeline() if spec == RULES_SPEC else spacy.load(spec)

    def baseline_load() -> None:
        fresh = load_pipeline()
        for doc in fresh.pipe(texts, batch_size=BATCH_SIZE):
            doc.ents  # noqa: B018

    with tempfile.TemporaryDirectory(prefix="byline-bench-") as tmp:
        source = Path(tmp) / "articles.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for a in articles:
                f.write(json.dumps({"id": a.id, "text": a.text, "meta": a.meta}) + "\n")
        out = Path(tmp) / "suggestions.jsonl"
        codes: list[int] = []

        def command() -> None:
            codes.append(run_suggest([source], out, spec, batch_size=BATCH_SIZE, force=True,
                                     progress=False, echo=lambda _line: None))

        bare()  # warm up caches (vocab, memory) before timing anything
        times = best_of(args.runs, {"bare": bare, "suggest": byline,
                                    "suggest_entities": byline_entities,
                                    "baseline_load": baseline_load, "run_suggest": command})
        rows = sum(1 for _ in out.open(encoding="utf-8"))
    if set(codes) != {0} or rows != len(articles):
        raise SystemExit(f"run_suggest failed: exit codes {sorted(set(codes))}, {rows} rows")

    n = len(articles)

    def rate(seconds: float) -> float:
        return round(n / seconds, 2)

    def ratio(ours: str, base: str) -> float:
        return round((n / times[ours]) / (n / times[base]), 3)

    suggest_ratio = ratio("suggest", "bare")
    command_ratio = ratio("run_suggest", "baseline_load")
    overhead = round(times["suggest"] / times["suggest_entities"] - 1, 3)
    report = {
        "model": loaded.info.to_json(),
        "articles": n,
        "characters": sum(len(t) for t in texts),
        "batch_size": BATCH_SIZE,
        "runs": args.runs,
        "bare_nlp_pipe": {"seconds": round(times["bare"], 4),
                          "articles_per_s": rate(times["bare"])},
        "suggest": {"seconds": round(times["suggest"], 4),
                    "articles_per_s": rate(times["suggest"]),
                    "ratio": suggest_ratio, "target": f">= {TARGET}",
                    "meets_target": suggest_ratio >= TARGET},
        "suggest_entities_only": {"seconds": round(times["suggest_entities"], 4),
                                  "articles_per_s": rate(times["suggest_entities"])},
        "layers_overhead": {"value": overhead, "target": f"<= {LAYERS_TARGET}",
                            "meets_target": overhead <= LAYERS_TARGET},
        "baseline_load_and_pipe": {"seconds": round(times["baseline_load"], 4),
                                   "articles_per_s": rate(times["baseline_load"])},
        "run_suggest": {"seconds": round(times["run_suggest"], 4),
                        "articles_per_s": rate(times["run_suggest"]),
                        "includes": "reading JSONL, loading the model, writing JSONL",
                        "ratio": command_ratio, "target": f">= {TARGET}",
                        "meets_target": command_ratio >= TARGET},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
