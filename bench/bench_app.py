"""Benchmark: the byline app's keystroke latency and start-up time, against Textual baselines.

    .venv/bin/python bench/bench_app.py [--quick] [--actions N] [--rounds R] [--runs R]
                                             [--only keystroke|startup]

Run from the repository root. Prints one JSON document on stdout; progress
goes to stderr. Every baseline is measured in the same run, on the same
machine, taking turns with what it is compared with. A child process
(`--prepare`, internal) builds the articles and runs the real model
(`load_model(None)`, `suggest_one`) once, and every timed app session runs in
a fresh interpreter of its own (`--drive`, internal): the timed process holds
the app and nothing else (no spaCy, which the app never loads when
suggestions are cached, no earlier session's leftovers), so garbage
collection costs there what it costs in the real app.

1. Keystroke to repaint (`keystroke`). Two articles are built deterministically
   (fixed seed) from the paragraphs of `seeds/*.txt` (read with `read_paths`),
   shuffled and repeated: a long one (~20,000 words, >= 2,000 suggested
   entities, both checked) and a short one (~500 words). Each is written as a
   `.txt` to a temporary folder; a temporary gold store gets the article and
   its suggestions (`put_article`, `put_suggestions`; the app never runs the
   model). The real app, `BylineApp(build_context([path], db, "bench", None,
   None))`, runs headless under `app.run_test(size=(120, 40))` and Pilot
   presses the cycle `n a 3 ] u u u` (next, accept, relabel to label 3, extend
   right, then undo the three decisions, so the store never runs out of
   suggestions and each cycle moves one entity on), then the movement keys
   (MOVEMENT_IDS: binding ids resolved to keys from ARTICLE_BINDINGS when the
   bench runs, in pairs that go and come back; ids the app lacks are skipped
   and named on stderr and in `movement_ids_skipped`) and `r u` (redo the
   accept and undo it again: the current item and the cursor go back where the
   cycle left them), then a resize of the terminal (`Pilot.resize_terminal`,
   120x40 <-> 100x36, timed like a key). Each key is timed with
   `perf_counter_ns` from just before `await pilot.press(key)` to just after
   `await pilot.pause()` returns ("raw"); in the same interval the bench also
   records the first and the last frame the app composed (`App._display`:
   "first_frame", "settled"), the process CPU time ("cpu") and the garbage
   collector's runs. The first cycle of each run is a warm-up. Four scenarios:
   `fresh` (nothing decided, the session starts at the top), `halfway` (the
   first half of the suggestions already accepted, so the session opens
   mid-article with a ~1,550-item annotation record), `quotes` (`t`, then the
   cycle `n a s i u u u` on the quote layer) and `meetings` (`t t`, then
   `n a g ] u u u` on the meeting layer), each followed by the same movement
   keys and resize. After the timed keys, `diagnose()` times the pieces of the
   per-key work directly. Per key (`per_key`) and without the resizes
   (`without_resize`; `judged[].without_resize_*`, `resize_*`) the figures are
   reported too, not judged. Baseline: the
   same loop on a trivial Textual app (one `Static`, the same keys bound to an
   action that updates it): Pilot's own overhead. Targets: `p95_long_ms <= 16`
   and `ratio_p95 = p95_long / p95_short <= 1.5`, judged on raw times if they
   meet them; otherwise on the app's own time (first frame, and CPU per key net
   of the trivial app's), for the reasons given in `judged_note`; raw minus the
   Pilot overhead is reported too.

2. Start-up to the first painted article (`startup`). A fresh interpreter
   (`sys.executable -c ...`) opens the seed article `000_4aeb03596a5cf5ac` with
   its suggestions already cached in a temporary store and runs the real app
   with `app.run(headless=True, size=(120, 40))`. The time runs from
   `time.perf_counter()` on the script's first line (before any other import)
   to the first frame the screen composes (`App._display`; headless, Textual
   renders every frame and only skips writing it out) after the
   `ArticleScreen`'s `ArticleView` has drawn a line with its session; the
   process then writes one JSON line and leaves with `os._exit(0)`. Baseline:
   a hello-world Textual app (one `Static("Hello")`), same kind of process,
   same measurement (after its `Static` has drawn a line). They alternate, R
   runs each after one unmeasured warm-up of each; medians and
   `ratio = byline / hello` (target <= 2). Also reported: the time from
   spawning the process (interpreter start-up included; `perf_counter` is
   CLOCK_MONOTONIC, shared by the processes), the import time of
   `tui.app.app`, and whether `spacy` is in `sys.modules` at the first paint
   (it must not be; the verdict requires it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "seeds"
SEED_ID = "000_4aeb03596a5cf5ac"
SIZE = (120, 40)
#: The other terminal size of the resize in every cycle (RESIZE toggles between the two).
ALT_SIZE = (100, 36)
ANNOTATOR = "bench"
RANDOM_SEED = 20251023
LONG_WORDS = 20_000
SHORT_WORDS = 500
MIN_LONG_SUGGESTIONS = 2_000
#: next, accept, relabel (label 3), extend right, undo x3: every cycle leaves the
#: store as it found it and moves the current entity one on.
CYCLE = ("n", "a", "3", "right_square_bracket", "u", "u", "u")
#: The cycles of the quote and meeting layers (reached with t, then t again).
QUOTE_CYCLE = ("n", "a", "s", "i", "u", "u", "u")
MEETING_CYCLE = ("n", "a", "g", "right_square_bracket", "u", "u", "u")
#: The movement keys of every cycle, as binding ids of tui.app.bindings.ARTICLE_BINDINGS,
#: resolved to their keys at run time; an id the app does not have is skipped (and named
#: on stderr), so the bench runs on any version of the app. In pairs that go and come back.
MOVEMENT_IDS: tuple[str, ...] = (
    "cursor-down", "cursor-up",
    "word-right", "word-left",
    "line-end", "line-start",
    "paragraph-down", "paragraph-up",
    "page-down", "page-up",
    "article-end", "article-start",
)
#: After the movement keys: redo the cycle's accept and undo it again, which puts the
#: current item and the cursor back where the cycle left them (on the entity layer the
#: current entity follows the cursor), so the next cycle's `n` moves one item on.
REANCHOR = ("r", "u")
#: Not a key: the bench resizes the terminal (Pilot.resize_terminal), SIZE <-> ALT_SIZE.
RESIZE = "resize"
#: scenario -> (fraction of entity suggestions pre-accepted, keys before the cycle, cycle)
SCENARIOS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "fresh": (0.0, (), CYCLE),
    "halfway": (0.5, (), CYCLE),
    "quotes": (0.0, ("t",), QUOTE_CYCLE),
    "meetings": (0.0, ("t", "t"), MEETING_CYCLE),
}
TARGET_P95_LONG_MS = 16.0
TARGET_RATIO_P95 = 1.5
TARGET_STARTUP_RATIO = 2.0


def log(message: str) -> None:
    print(f"[bench_app] {message}", file=sys.stderr, flush=True)


def movement_keys(ids: Sequence[str] = MOVEMENT_IDS) -> tuple[list[str], list[str]]:
    """The first key of each binding id of `ids` in ARTICLE_BINDINGS, and the ids it lacks."""
    from tui.app.bindings import ARTICLE_BINDINGS

    by_id = {b.id: b for b in ARTICLE_BINDINGS if b.id}
    keys = [by_id[i].key.split(",")[0].strip() for i in ids if i in by_id]
    return keys, [i for i in ids if i not in by_id]


def full_cycle(edits: Sequence[str], movement: Sequence[str]) -> tuple[str, ...]:
    """A scenario's decision keys, then the movement keys (and REANCHOR), then a resize."""
    moves = (*movement, *REANCHOR) if movement else ()
    return (*edits, *moves, RESIZE)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(samples_ns: Sequence[int]) -> dict[str, float | int]:
    ms = [s / 1e6 for s in samples_ns]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


# --------------------------------------------------------------------- articles


def seed_paragraphs() -> list[str]:
    """The paragraphs (8 words or more) of the seed `.txt` articles, as byline reads them."""
    from tui.formats.readers import read_paths

    result = read_paths(sorted(SEEDS.glob("*.txt")))
    if not result.articles:
        raise SystemExit(f"no seed article could be read: {result.errors}")
    paragraphs = []
    for article in result.articles:
        for paragraph in article.text.split("\n"):
            paragraph = paragraph.strip()
            if len(paragraph.split()) >= 8:
                paragraphs.append(paragraph)
    return paragraphs


def build_text(paragraphs: list[str], words: int, rng: random.Random, title: str) -> str:
    """A title line, then seed paragraphs in shuffled rounds until `words` words."""
    out = [title]
    count = len(title.split())
    while count < words:
        order = paragraphs[:]
        rng.shuffle(order)
        for paragraph in order:
            out.append(paragraph)
            count += len(paragraph.split())
            if count >= words:
                break
    return "\n\n".join(out) + "\n"


def write_and_read(folder: Path, stem: str, text: str) -> Any:
    """Write `text` as `folder/stem.txt` and read it back exactly as the app will."""
    from tui.formats.readers import read_paths

    path = folder / f"{stem}.txt"
    path.write_text(text, encoding="utf-8")
    result = read_paths([path])
    if result.errors or len(result.articles) != 1:
        raise SystemExit(f"{path}: cannot be read back: {result.errors}")
    return path, result.articles[0]


def make_store(db: Path, article: Any, suggestions: Any, decide_fraction: float = 0.0) -> int:
    """A new gold store holding the article, its cached suggestions and, optionally,
    the first `decide_fraction` of its suggestions accepted by ANNOTATOR. Returns how
    many were accepted."""
    from tui.core.session import EntitySession
    from tui.store.gold import GoldStore

    if db.parent.exists():
        shutil.rmtree(db.parent)
    store = GoldStore.open(db)
    try:
        store.put_article(article)
        store.put_suggestions(article.id, suggestions)
        decided = 0
        if decide_fraction > 0:
            changes: dict[str, Any] = {}
            session = EntitySession(article, suggestions, {}, ANNOTATOR, changes.update)
            target = int(len(session.items) * decide_fraction)
            while decided < target:
                outcome = session.accept()
                if not outcome.ok:
                    session.next(1)
                    continue
                decided += 1
            store.save_items(article.id, ANNOTATOR, article.text_hash, changes)
    finally:
        store.close()
    return decided


# ----------------------------------------------------------------- keystrokes

METRICS = ("raw", "first_frame", "settled", "cpu")


class FrameClock:
    """When the app composes a frame: `App._display` called with a screen update.

    Headless, Textual computes every frame (the compositor renders each dirty
    line) and only skips writing it to a terminal.
    """

    def __init__(self, app: Any) -> None:
        self.frames: list[int] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter_ns())

        app._display = display


class GcClock:
    """Counts and times the cyclic garbage collector's runs, by generation."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.ns = [0, 0, 0]
        self.max_ns = [0, 0, 0]
        self._start = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter_ns()
            return
        generation = info["generation"]
        elapsed = time.perf_counter_ns() - self._start
        self.count[generation] += 1
        self.ns[generation] += elapsed
        self.max_ns[generation] = max(self.max_ns[generation], elapsed)

    def report(self, keys: int) -> dict[str, Any]:
        return {f"gen{g}": {"collections": self.count[g],
                            "per_key": round(self.count[g] / max(1, keys), 3),
                            "total_ms": round(self.ns[g] / 1e6, 2),
                            "max_ms": round(self.max_ns[g] / 1e6, 2)} for g in range(3)}


async def timed_loop(pilot: Any, clock: FrameClock, keys: Sequence[str], warmup: int,
                     after_key: Any = None) -> dict[str, Any]:
    """Press `keys`, timing each from just before `press` to just after `pause` returns.

    Also per key: the first and the last frame composed in that interval (from
    the same start), and the CPU time the process used in it.
    """
    metrics: dict[str, list[int]] = {name: [] for name in METRICS}
    per_key: dict[str, dict[str, list[int]]] = {}
    frameless = 0
    frames = 0
    perf, cpu = time.perf_counter_ns, time.process_time_ns
    collector = GcClock()
    sizes = [SIZE]
    for index, key in enumerate(keys):
        if index == warmup:
            gc.callbacks.append(collector)
        clock.frames.clear()
        if key == RESIZE:
            sizes[0] = ALT_SIZE if sizes[0] == SIZE else SIZE
        c0 = cpu()
        t0 = perf()
        if key == RESIZE:
            await pilot.resize_terminal(*sizes[0])
        else:
            await pilot.press(key)
        await pilot.pause()
        t1 = perf()
        c1 = cpu()
        if after_key is not None:
            after_key(key)
        if index < warmup:
            continue
        row = {"raw": t1 - t0, "cpu": c1 - c0}
        if clock.frames:
            row["first_frame"] = clock.frames[0] - t0
            row["settled"] = clock.frames[-1] - t0
            frames += len(clock.frames)
        else:
            frameless += 1
        mine = per_key.setdefault(key, {name: [] for name in METRICS})
        for name, value in row.items():
            metrics[name].append(value)
            mine[name].append(value)
    if collector in gc.callbacks:
        gc.callbacks.remove(collector)
    return {"metrics": metrics, "per_key": per_key, "frameless": frameless, "frames": frames,
            "gc": collector.report(len(metrics["raw"]))}


def median_ms(fn: Any, n: int = 30) -> float:
    """The median wall time of `fn()` over `n` calls, in ms (one call first, not counted)."""
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return round(statistics.median(times) / 1e6, 4)


async def diagnose(app: Any, pilot: Any) -> dict[str, float]:
    """What the article screen's per-key work costs, piece by piece (after the timed loop).

    Direct calls of what `ArticleScreen._after` runs for every key (each only
    if the screen still has it: the app changes under the bench), and the CPU
    that one `refresh_bindings()` costs until the app is idle again (with
    Textual's Footer, a recomposition of all its keys), net of an idle
    `pilot.pause()`.
    """
    from tui.app.bindings import ARTICLE_BINDINGS
    from tui.app.widgets.panels import describe_item

    screen = app.screen
    session, ctx, article = screen.session, screen.ctx, screen.article

    def check_every_binding() -> None:
        for binding in ARTICLE_BINDINGS:
            name, _, rest = binding.action.partition("(")
            params = tuple(p.strip().strip("'") for p in rest.rstrip(")").split(",")) \
                if rest else ()
            screen.check_action(name, params)

    pieces: dict[str, Any] = {
        "refresh_panels_ms": getattr(screen, "_refresh_panels", None),
        "title_text_ms": getattr(screen, "_title_text", None),
        "key_state_ms": getattr(screen, "_key_state", None),
        "context_is_done_ms": lambda: ctx.is_done(article),
        "store_annotation_ms": lambda: ctx.store.annotation(article.id, ctx.annotator),
        "describe_item_ms": lambda: describe_item(session, session.current),
        "session_counts_ms": session.counts,
        "session_has_undecided_ms": session.has_undecided,
        "check_action_every_binding_ms": check_every_binding,
    }
    out: dict[str, float] = {}
    for name, fn in pieces.items():
        if fn is None:
            continue
        try:
            out[name] = median_ms(fn)
        except Exception as error:  # the app changed: say so, keep the bench going
            log(f"diagnose: {name} failed: {error!r}")
    await pilot.pause()
    idle, busy = [], []
    for _ in range(7):
        c0 = time.process_time_ns()
        await pilot.pause()
        idle.append(time.process_time_ns() - c0)
        c0 = time.process_time_ns()
        screen.refresh_bindings()
        await pilot.pause()
        busy.append(time.process_time_ns() - c0)
    out["refresh_bindings_to_idle_cpu_ms"] = round(
        (statistics.median(busy) - statistics.median(idle)) / 1e6, 3)
    return out


async def drive_byline(path: Path, db: Path, keys: Sequence[str], warmup: int,
                       with_diagnostics: bool) -> dict[str, Any]:
    """Run the real app on `path` and time every key of `keys` (the first `warmup` not kept)."""
    from tui.app.app import BylineApp
    from tui.app.screens.article import ArticleScreen
    from tui.commands.annotate import build_context

    ctx = build_context([path], db, ANNOTATOR, None, None)
    app = BylineApp(ctx)
    notified = [0]
    original_notify = app.notify

    def counting_notify(*args: Any, **kwargs: Any) -> Any:
        notified[0] += 1
        return original_notify(*args, **kwargs)

    app.notify = counting_notify  # type: ignore[method-assign]
    refused: dict[str, int] = {}
    seen = [0]

    def after_key(key: str) -> None:
        if notified[0] != seen[0]:  # the action was refused (the screen says so in a toast)
            refused[key] = refused.get(key, 0) + 1
            seen[0] = notified[0]

    info: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        if not isinstance(screen, ArticleScreen) or screen.session is None:
            raise SystemExit(f"the article screen did not open a session on {path}")
        if screen.model_pending:
            raise SystemExit("the app is running the model: the suggestion cache was missed")
        clock = FrameClock(app)
        seen[0] = notified[0]
        session = screen.session
        info["items"] = len(session.items)
        info["start_offset"] = session.current.start if session.current else None
        info["visual_lines"] = screen.view.line_count
        result = await timed_loop(pilot, clock, keys, warmup, after_key)
        info["end_offset"] = session.current.start if session.current else None
        info["counts_after"] = session.counts()
        info["model_pending"] = screen.model_pending
        info["frames_per_key"] = round(result["frames"] / max(1, len(result["metrics"]["raw"])), 2)
        info["keys_without_frame"] = result["frameless"]
        info["gc_during_measured_keys"] = result["gc"]
        if with_diagnostics:
            info["diagnostics"] = await diagnose(app, pilot)
    result["refused"] = refused
    result["info"] = info
    return result


async def drive_trivial(keys: Sequence[str], warmup: int) -> dict[str, Any]:
    """The same loop on a trivial Textual app: Pilot's (and Textual's) own cost per key."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Static

    class Trivial(App[None]):
        BINDINGS = [Binding(key, "bump", key) for key in sorted(set(keys) - {RESIZE})]

        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def compose(self) -> ComposeResult:
            yield Static("count 0", id="counter")

        def action_bump(self) -> None:
            self.count += 1
            self.query_one("#counter", Static).update(f"count {self.count}")

    app = Trivial()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        result = await timed_loop(pilot, FrameClock(app), keys, warmup)
        pressed = sum(1 for key in keys if key != RESIZE)
        if app.count != pressed:
            raise SystemExit(f"trivial app saw {app.count} of {pressed} keys")
    return result


def merge(into: dict[str, Any], result: dict[str, Any]) -> None:
    for name, values in result["metrics"].items():
        into["metrics"][name].extend(values)
    for key, by_metric in result["per_key"].items():
        mine = into["per_key"].setdefault(key, {name: [] for name in METRICS})
        for name, values in by_metric.items():
            mine[name].extend(values)
    for key, count in result.get("refused", {}).items():
        into["refused"][key] = into["refused"].get(key, 0) + count
    if "info" in result:
        into["runs"].append(result["info"])


def empty_bucket() -> dict[str, Any]:
    return {"metrics": {name: [] for name in METRICS}, "per_key": {}, "refused": {}, "runs": []}


def report_bucket(bucket: dict[str, Any]) -> dict[str, Any]:
    """Raw (press to pause) p50/p95/p99/max at the top, the other metrics below."""
    metrics = bucket["metrics"]
    out: dict[str, Any] = dict(summary_ms(metrics["raw"]))
    out["first_frame"] = summary_ms(metrics["first_frame"])
    out["settled"] = summary_ms(metrics["settled"])
    out["cpu"] = summary_ms(metrics["cpu"])
    out["per_key"] = {
        key: {"n": len(m["raw"]),
              "raw_p50_ms": round(percentile(m["raw"], 50) / 1e6, 3),
              "raw_p95_ms": round(percentile(m["raw"], 95) / 1e6, 3),
              "first_frame_p50_ms": round(percentile(m["first_frame"], 50) / 1e6, 3),
              "first_frame_p95_ms": round(percentile(m["first_frame"], 95) / 1e6, 3),
              "settled_p95_ms": round(percentile(m["settled"], 95) / 1e6, 3),
              "cpu_p50_ms": round(percentile(m["cpu"], 50) / 1e6, 3),
              "cpu_p95_ms": round(percentile(m["cpu"], 95) / 1e6, 3)}
        for key, m in bucket["per_key"].items()
    }
    # The same without the resizes: what typing costs, apart from what a resize costs.
    keys_only = [m for key, m in bucket["per_key"].items() if key != RESIZE]
    out["without_resize"] = {name: summary_ms([v for m in keys_only for v in m[name]])
                             for name in ("first_frame", "cpu")}
    if bucket["runs"] or bucket["refused"]:
        out["refused_actions"] = bucket["refused"]
        out["runs"] = bucket["runs"]
    return out


def run_drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one timed app session in a fresh interpreter (`--drive`) and return its result.

    A new process per session: its heap is the app's alone (no earlier
    session's leftovers, no bench data), so garbage collection costs what it
    costs in the real app.
    """
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()),
                           "--drive", json.dumps(spec)],
                          cwd=ROOT, stdout=subprocess.PIPE, check=True)
    result: dict[str, Any] = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return result


def child_drive(spec: dict[str, Any]) -> None:
    keys, warmup = list(spec["keys"]), int(spec["warmup"])
    if spec["app"] == "trivial":
        result = asyncio.run(drive_trivial(keys, warmup))
    else:
        result = asyncio.run(drive_byline(Path(spec["path"]), Path(spec["db"]), keys, warmup,
                                          bool(spec["diagnostics"])))
        result["info"]["spacy_imported"] = "spacy" in sys.modules
    print(json.dumps(result))


def prepare(work: Path) -> None:
    """In a child process: build the articles, run the model, write `work/prepared.json`.

    The model runs here, not in the process that times the app: spaCy's
    modules and model would otherwise sit in that process's heap, where the
    app never has them when suggestions are cached, and make every full
    garbage collection there slower than in the real app.
    """
    from tui.formats.readers import read_paths
    from tui.nlp.models import load_model
    from tui.nlp.suggest import suggest_one

    rng = random.Random(RANDOM_SEED)
    paragraphs = seed_paragraphs()
    log(f"prepare: {len(paragraphs)} seed paragraphs; building the articles")
    long_text = build_text(paragraphs, LONG_WORDS, rng,
                           "Bench: a long digest of the seed stories")
    short_text = build_text(paragraphs, SHORT_WORDS, rng,
                            "Bench: a short digest of the seed stories")
    articles_dir = work / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)
    long_path, long_article = write_and_read(articles_dir, "bench_long", long_text)
    short_path, short_article = write_and_read(articles_dir, "bench_short", short_text)
    seed_path = SEEDS / f"{SEED_ID}.txt"
    result = read_paths([seed_path])
    if result.errors or not result.articles:
        raise SystemExit(f"{seed_path}: {result.errors}")
    seed_article = result.articles[0]

    log("prepare: loading the model")
    t0 = time.perf_counter()
    loaded = load_model(None)
    load_s = time.perf_counter() - t0
    log(f"prepare: model {loaded.info.spec} loaded in {load_s:.2f}s; suggesting")
    t0 = time.perf_counter()
    suggestions = {name: suggest_one(loaded, article).to_json() for name, article in
                   (("long", long_article), ("short", short_article), ("seed", seed_article))}
    suggest_s = time.perf_counter() - t0
    out = {"paths": {"long": str(long_path), "short": str(short_path), "seed": str(seed_path)},
           "suggestions": suggestions,
           "model": {"spec": loaded.info.spec, "name": loaded.info.name,
                     "version": loaded.info.version, "rule_based": loaded.info.rule_based,
                     "load_s": round(load_s, 3), "suggest_all_s": round(suggest_s, 3)}}
    (work / "prepared.json").write_text(json.dumps(out), encoding="utf-8")


def load_prepared(work: Path) -> dict[str, Any]:
    """Run `prepare` in a child process; read back the articles (as the app reads them)
    and their suggestions."""
    from tui.core.model import Suggestions
    from tui.formats.readers import read_paths

    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--prepare", str(work)],
                   cwd=ROOT, check=True)
    data = json.loads((work / "prepared.json").read_text(encoding="utf-8"))
    prepared: dict[str, Any] = {"model": data["model"], "articles": {}}
    for name, path in data["paths"].items():
        result = read_paths([Path(path)])
        if result.errors or len(result.articles) != 1:
            raise SystemExit(f"{path}: cannot be read back: {result.errors}")
        suggestions = Suggestions.from_json(data["suggestions"][name])
        prepared["articles"][name] = (Path(path), result.articles[0], suggestions)
    return prepared


def keystroke_bench(work: Path, prepared: dict[str, Any], actions: int,
                    rounds: int) -> dict[str, Any]:
    long_path, long_article, long_suggestions = prepared["articles"]["long"]
    short_path, short_article, short_suggestions = prepared["articles"]["short"]

    def describe(article: Any, suggestions: Any) -> dict[str, Any]:
        return {"words": len(article.text.split()), "chars": len(article.text),
                "paragraphs": article.text.count("\n\n") + 1,
                "suggestions": len(suggestions.entities), "tokens": len(suggestions.tokens)}

    described = {"long": describe(long_article, long_suggestions),
                 "short": describe(short_article, short_suggestions)}
    checks = {
        "long_suggestions": described["long"]["suggestions"],
        "long_suggestions_ge_2000": described["long"]["suggestions"] >= MIN_LONG_SUGGESTIONS,
        "long_words": described["long"]["words"],
        "long_words_about_20000": abs(described["long"]["words"] - LONG_WORDS)
        <= LONG_WORDS * 0.05,
        "short_words": described["short"]["words"],
        "short_words_about_500": abs(described["short"]["words"] - SHORT_WORDS)
        <= SHORT_WORDS * 0.2,
    }
    if not (checks["long_suggestions_ge_2000"] and checks["long_words_about_20000"]):
        raise SystemExit(f"the long article does not fit the brief: {checks}")
    log(f"long: {described['long']}; short: {described['short']}")

    movement, missing = movement_keys()
    if missing:
        log(f"movement ids not in ARTICLE_BINDINGS, skipped: {', '.join(missing)}")
    log(f"movement keys of the cycle: {' '.join(movement) or '(none)'}")
    cycles_of = {name: full_cycle(edits, movement)
                 for name, (_, _, edits) in SCENARIOS.items()}
    # `actions` measured keys per article and scenario, over `rounds` runs.
    per_run = -(-actions // rounds)
    most = max(-(-per_run // len(cycle)) for cycle in cycles_of.values())
    if described["short"]["suggestions"] < 2 * (most + 2):
        raise SystemExit(f"the short article has too few suggestions for {most} cycles")

    targets = {"long": (long_path, long_article, long_suggestions),
               "short": (short_path, short_article, short_suggestions)}
    trivial = empty_bucket()
    scenarios: dict[str, Any] = {}
    for scenario, (fraction, prefix, _) in SCENARIOS.items():
        # The layer scenarios press t first; those keys and one cycle are the warm-up.
        cycle = cycles_of[scenario]
        cycles = -(-per_run // len(cycle))
        keys = [*prefix, *list(cycle) * (cycles + 1)]
        warmup = len(prefix) + len(cycle)
        buckets = {name: empty_bucket() for name in targets}
        for round_index in range(rounds):
            # Take turns so that noise from the rest of the machine falls on all alike.
            log(f"{scenario}: round {round_index + 1}/{rounds}: trivial app, {len(keys)} keys")
            merge(trivial, run_drive({"app": "trivial", "keys": keys, "warmup": warmup}))
            for name, (path, article, suggestions) in targets.items():
                db = work / f"store-{scenario}-{name}-{round_index}" / "gold.json"
                decided = make_store(db, article, suggestions, fraction)
                log(f"{scenario}: round {round_index + 1}/{rounds}: {name} "
                    f"({decided} suggestions pre-accepted), {len(keys)} keys")
                result = run_drive({"app": "byline", "path": str(path), "db": str(db),
                                    "keys": keys, "warmup": warmup,
                                    "diagnostics": round_index == rounds - 1})
                result["info"] = {"pre_accepted": decided, **result["info"]}
                merge(buckets[name], result)
        report = {name: report_bucket(bucket) for name, bucket in buckets.items()}
        report["ratio_p95"] = round(report["long"]["p95_ms"] / report["short"]["p95_ms"], 3)
        report["ratio_first_frame_p95"] = round(
            report["long"]["first_frame"]["p95_ms"] / report["short"]["first_frame"]["p95_ms"], 3)
        report["ratio_settled_p95"] = round(
            report["long"]["settled"]["p95_ms"] / report["short"]["settled"]["p95_ms"], 3)
        scenarios[scenario] = report

    checks["spacy_imported_in_timing_processes"] = any(
        run.get("spacy_imported", True) for report in scenarios.values()
        for name in ("long", "short") for run in report[name]["runs"])
    overhead = report_bucket(trivial)
    overhead_p95 = overhead["p95_ms"]
    # Pilot's and Textual's own CPU per key, measured on the trivial app.
    base_cpu_ms = overhead["cpu"]["p50_ms"]

    def judge(report: dict[str, Any]) -> dict[str, Any]:
        long, short = report["long"], report["short"]
        long_net = round(max(long["p95_ms"] - overhead_p95, 0.0), 3)
        short_net = round(max(short["p95_ms"] - overhead_p95, 0.0), 3)
        net_ratio = round(long_net / short_net, 3) if short_net > 0 else None
        long_cpu = round(max(long["cpu"]["p95_ms"] - base_cpu_ms, 0.0), 3)
        short_cpu = round(max(short["cpu"]["p95_ms"] - base_cpu_ms, 0.0), 3)
        first_ok = (long["first_frame"]["p95_ms"] <= TARGET_P95_LONG_MS
                    and report["ratio_first_frame_p95"] <= TARGET_RATIO_P95)
        cpu_ok = long_cpu <= TARGET_P95_LONG_MS
        return {
            "p95_long_ms": long["p95_ms"], "p95_short_ms": short["p95_ms"],
            "ratio_p95": report["ratio_p95"],
            "p95_long_minus_overhead_ms": long_net, "p95_short_minus_overhead_ms": short_net,
            "ratio_p95_minus_overhead": net_ratio,
            "first_frame_p95_long_ms": long["first_frame"]["p95_ms"],
            "first_frame_p95_short_ms": short["first_frame"]["p95_ms"],
            "ratio_first_frame_p95": report["ratio_first_frame_p95"],
            "app_cpu_p95_long_ms": long_cpu, "app_cpu_p95_short_ms": short_cpu,
            "without_resize_first_frame_p95_long_ms":
                long["without_resize"]["first_frame"]["p95_ms"],
            "without_resize_first_frame_p95_short_ms":
                short["without_resize"]["first_frame"]["p95_ms"],
            "without_resize_app_cpu_p95_long_ms":
                round(max(long["without_resize"]["cpu"]["p95_ms"] - base_cpu_ms, 0.0), 3),
            "resize_first_frame_p95_long_ms":
                long["per_key"].get(RESIZE, {}).get("first_frame_p95_ms"),
            "resize_cpu_p50_long_ms": long["per_key"].get(RESIZE, {}).get("cpu_p50_ms"),
            "trivial_resize_cpu_p50_ms": overhead["per_key"].get(RESIZE, {}).get("cpu_p50_ms"),
            "settled_p95_long_ms": long["settled"]["p95_ms"],
            "settled_p95_short_ms": short["settled"]["p95_ms"],
            "meets_target_raw": long["p95_ms"] <= TARGET_P95_LONG_MS
            and report["ratio_p95"] <= TARGET_RATIO_P95,
            "meets_target_minus_overhead": long_net <= TARGET_P95_LONG_MS
            and (net_ratio is None or net_ratio <= TARGET_RATIO_P95),
            "meets_target_first_frame": first_ok,
            "meets_target_app_cpu": cpu_ok,
            "meets_target_app_time": first_ok and cpu_ok,
        }

    judged = {scenario: judge(report) for scenario, report in scenarios.items()}
    if all(j["meets_target_raw"] for j in judged.values()):
        judged_on = "raw"
        verdict_key = "meets_target_raw"
        note = "Raw times (Pilot's overhead included) meet the targets in every scenario."
    else:
        judged_on = "app_time"
        verdict_key = "meets_target_app_time"
        note = (
            f"Raw press-to-pause times cannot meet 16 ms: Pilot alone costs {overhead_p95} ms "
            "p95 on the trivial app, because press() and pause() wait with "
            "textual._wait.wait_for_idle, which sleeps in 20 ms steps until one step in which "
            "the process used < 1 ms of CPU. For the same reason 'minus overhead' (raw p95 "
            "minus the trivial app's raw p95) is counted in whole 20 ms steps: any key that "
            "keeps the app busy for more than ~1 ms costs at least one more step, so it cannot "
            "resolve a 16 ms target (it is reported, as meets_target_minus_overhead, not "
            "judged). The verdict is on the app's own time, measured in the same loop without "
            "Pilot's polling, in every scenario: (1) first_frame, from the key to the first "
            "frame the app composes (App._display; that frame already shows the key's effect "
            "on the text and the side panels): p95 on the long article <= 16 ms and long/short "
            "p95 ratio <= 1.5; and (2) app_cpu, the process CPU time per key minus the trivial "
            "app's median CPU per key (Pilot's and Textual's own work): p95 on the long "
            "article <= 16 ms, so that the work a key sets off (repaints, widget rebuilds, "
            "garbage collection) is done within a frame and keys typed quickly do not queue "
            "behind it. 'settled' (key to the last frame composed before pause() "
            "returned) is reported but not judged: the scrollbar repaint that usually ends it "
            "waits for an Idle event, which Pilot's own messages delay.")
    worst = max(judged, key=lambda s: judged[s]["first_frame_p95_long_ms"])
    head = judged[worst]
    headline = {name: {k: scenarios[worst][name][k] for k in ("n", "p50_ms", "p95_ms",
                                                               "p99_ms", "max_ms")}
                for name in ("long", "short")}
    return {
        "articles": described,
        "checks": checks,
        "model": prepared["model"],
        "keys_cycle": list(cycles_of["fresh"]),
        "movement_ids": list(MOVEMENT_IDS),
        "movement_ids_skipped": missing,
        "resize_sizes": [list(SIZE), list(ALT_SIZE)],
        "scenario_keys": {name: {"prefix": list(prefix), "cycle": list(cycles_of[name]),
                                 "entities_pre_accepted": fraction}
                          for name, (fraction, prefix, _) in SCENARIOS.items()},
        "measured_actions_per_article_per_scenario": scenarios["fresh"]["long"]["n"],
        "warmup_actions_per_run": warmup,
        "rounds": rounds,
        "size": list(SIZE),
        "headline_scenario": worst,
        "long": headline["long"],
        "short": headline["short"],
        "p95_long_ms": head["p95_long_ms"],
        "p95_short_ms": head["p95_short_ms"],
        "ratio_p95": head["ratio_p95"],
        "pilot_overhead_p95_ms": overhead_p95,
        "p95_long_minus_overhead_ms": head["p95_long_minus_overhead_ms"],
        "p95_short_minus_overhead_ms": head["p95_short_minus_overhead_ms"],
        "ratio_p95_minus_overhead": head["ratio_p95_minus_overhead"],
        "first_frame_p95_long_ms": head["first_frame_p95_long_ms"],
        "first_frame_p95_short_ms": head["first_frame_p95_short_ms"],
        "ratio_first_frame_p95": head["ratio_first_frame_p95"],
        "app_cpu_p95_long_ms": head["app_cpu_p95_long_ms"],
        "app_cpu_p95_short_ms": head["app_cpu_p95_short_ms"],
        "targets": {"p95_long_ms": TARGET_P95_LONG_MS, "ratio_p95": TARGET_RATIO_P95},
        "judged_on": judged_on,
        "judged_note": note,
        "meets_target": all(j[verdict_key] for j in judged.values()),
        "judged": judged,
        "metrics_note": (
            "Per article and scenario: p50/p95/p99/max are raw (just before pilot.press(key) "
            "to just after pilot.pause() returns); first_frame / settled run from the same "
            "start to the first / last frame the app composed (App._display) before pause() "
            "returned; cpu is the process CPU time over the same interval. runs[].diagnostics "
            "times the pieces of per-key work directly (see diagnose()); "
            "runs[].gc_during_measured_keys counts and times the garbage collector."),
        "pilot_overhead": overhead,
        "scenarios": scenarios,
    }


# -------------------------------------------------------------------- start-up

# `-c` scripts. The first line takes the time before any other import. Each
# writes one JSON line to file descriptor 1 and leaves at once with os._exit.

BYLINE_SCRIPT = r"""
import time
T0 = time.perf_counter()
import os, sys, json
t = time.perf_counter()
from tui.app.app import BylineApp
IMPORT_S = time.perf_counter() - t
from pathlib import Path
from tui.app.screens.article import ArticleScreen
from tui.app.widgets.article_view import ArticleView
from tui.commands.annotate import build_context

PAINTED = [False]
_render_line = ArticleView.render_line

def render_line(self, y):
    strip = _render_line(self, y)
    if self.session is not None:
        PAINTED[0] = True
    return strip

ArticleView.render_line = render_line

class FirstPaint(BylineApp):
    # A class made in `-c` has no source file: give byline's stylesheet by absolute path.
    CSS_PATH = str(Path(sys.modules[BylineApp.__module__].__file__).with_name(BylineApp.CSS_PATH))

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if (renderable is not None and PAINTED[0] and isinstance(screen, ArticleScreen)
                and screen.session is not None):
            t1 = time.perf_counter()
            out = {"first_paint_s": t1 - T0, "t0": T0, "t1": t1, "import_s": IMPORT_S,
                   "context_s": CONTEXT_S,
                   "spacy_loaded": "spacy" in sys.modules,
                   "thinc_loaded": "thinc" in sys.modules,
                   "model_pending": screen.model_pending,
                   "article": screen.article.id, "items": len(screen.session.items),
                   "modules": len(sys.modules)}
            os.write(1, (json.dumps(out) + "\n").encode())
            os._exit(0)

t = time.perf_counter()
ctx = build_context([Path(sys.argv[1])], Path(sys.argv[2]), "bench", None, None)
CONTEXT_S = time.perf_counter() - t
FirstPaint(ctx).run(headless=True, size=(120, 40))
os.write(2, b"the app exited before painting the article\n")
os._exit(3)
"""

HELLO_SCRIPT = r"""
import time
T0 = time.perf_counter()
import os, sys, json
t = time.perf_counter()
from textual.app import App
from textual.widgets import Static
IMPORT_S = time.perf_counter() - t

PAINTED = [False]

class Hello(Static):
    def render_line(self, y):
        strip = super().render_line(y)
        PAINTED[0] = True
        return strip

class HelloApp(App):
    def compose(self):
        yield Hello("Hello")

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is not None and PAINTED[0]:
            t1 = time.perf_counter()
            out = {"first_paint_s": t1 - T0, "t0": T0, "t1": t1, "import_s": IMPORT_S,
                   "spacy_loaded": "spacy" in sys.modules, "modules": len(sys.modules)}
            os.write(1, (json.dumps(out) + "\n").encode())
            os._exit(0)

HelloApp().run(headless=True, size=(120, 40))
os.write(2, b"the app exited before painting\n")
os._exit(3)
"""


def run_child(script: str, args: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    spawn = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    wall = time.perf_counter() - spawn
    if proc.returncode != 0:
        raise SystemExit(f"start-up child failed ({proc.returncode}): "
                         f"{proc.stderr.decode(errors='replace')[-2000:]}")
    line = proc.stdout.decode().strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(line)
    # perf_counter is CLOCK_MONOTONIC on Linux: the parent's and the child's agree.
    result["from_spawn_s"] = result["t1"] - spawn
    result["wall_s"] = wall
    return result


def startup_bench(work: Path, prepared: dict[str, Any], runs: int) -> dict[str, Any]:
    seed_path, article, suggestions = prepared["articles"]["seed"]
    db = work / "startup-store" / "gold.json"
    make_store(db, article, suggestions)
    env = dict(os.environ)
    env["BYLINE_CONFIG"] = str(work / "no-config.toml")  # no user config: defaults only
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    args = [str(seed_path), str(db)]

    log("start-up: one unmeasured warm-up run of each")
    run_child(HELLO_SCRIPT, [], env)
    run_child(BYLINE_SCRIPT, args, env)
    hello: list[dict[str, Any]] = []
    byline: list[dict[str, Any]] = []
    for index in range(runs):
        hello.append(run_child(HELLO_SCRIPT, [], env))
        byline.append(run_child(BYLINE_SCRIPT, args, env))
        log(f"start-up run {index + 1}/{runs}: hello {hello[-1]['first_paint_s'] * 1e3:.1f} ms, "
            f"byline {byline[-1]['first_paint_s'] * 1e3:.1f} ms")

    def med_ms(rows: list[dict[str, Any]], key: str) -> float:
        return round(float(statistics.median(float(r[key]) for r in rows)) * 1e3, 2)

    hello_ms = med_ms(hello, "first_paint_s")
    byline_ms = med_ms(byline, "first_paint_s")
    hello_spawn = med_ms(hello, "from_spawn_s")
    byline_spawn = med_ms(byline, "from_spawn_s")
    ratio = round(byline_ms / hello_ms, 3)
    spacy = any(r["spacy_loaded"] for r in byline)
    return {
        "runs_each": runs,
        "article": SEED_ID,
        "suggestions_cached": len(suggestions.entities),
        "byline_first_paint_ms": byline_ms,
        "hello_first_paint_ms": hello_ms,
        "byline_samples_ms": [round(r["first_paint_s"] * 1e3, 2) for r in byline],
        "hello_samples_ms": [round(r["first_paint_s"] * 1e3, 2) for r in hello],
        "ratio": ratio,
        "target": {"ratio": TARGET_STARTUP_RATIO},
        "meets_target": ratio <= TARGET_STARTUP_RATIO and not spacy,
        "from_spawn": {
            "note": "process spawn to first paint, interpreter start-up included",
            "byline_ms": byline_spawn, "hello_ms": hello_spawn,
            "ratio": round(byline_spawn / hello_spawn, 3),
        },
        "import_tui_app_app_ms": med_ms(byline, "import_s"),
        "hello_import_textual_ms": med_ms(hello, "import_s"),
        "build_context_ms": med_ms(byline, "context_s"),
        "spacy_in_sys_modules_at_first_paint": spacy,
        "thinc_in_sys_modules_at_first_paint": any(r["thinc_loaded"] for r in byline),
        "model_pending_at_first_paint": any(r["model_pending"] for r in byline),
        "modules_at_first_paint": {"byline": byline[-1]["modules"], "hello": hello[-1]["modules"]},
    }


# ------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: fewer keys and start-up runs")
    parser.add_argument("--actions", type=int, default=None,
                        help="measured keys per article and scenario (default 280, quick 42)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="runs of each app per scenario, taking turns (default 2, quick 1)")
    parser.add_argument("--runs", type=int, default=None,
                        help="start-up runs of each app (default 7, quick 2)")
    parser.add_argument("--only", choices=("keystroke", "startup"), default=None)
    parser.add_argument("--prepare", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--drive", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive is not None:  # a child process that times one app session (see run_drive())
        child_drive(json.loads(args.drive))
        return 0
    if args.prepare is not None:  # the child process that runs the model (see prepare())
        prepare(args.prepare)
        return 0
    actions = args.actions or (42 if args.quick else 280)
    rounds = args.rounds or (1 if args.quick else 2)
    runs = args.runs or (2 if args.quick else 7)

    # No user config file: the default keys and labels, like a first run.
    work = Path(tempfile.mkdtemp(prefix="byline-bench-app-"))
    os.environ["BYLINE_CONFIG"] = str(work / "no-config.toml")
    import textual

    out: dict[str, Any] = {
        "benchmark": "bench_app",
        "quick": args.quick,
        "environment": {
            "python": platform.python_version(), "textual": textual.__version__,
            "platform": platform.platform(), "cpus": os.cpu_count(),
            "tmp": str(work.parent),
        },
    }
    # The model runs in a child process (prepare): this one must never import spaCy.
    assert "spacy" not in sys.modules
    try:
        prepared = load_prepared(work)
        if args.only in (None, "keystroke"):
            out["keystroke"] = keystroke_bench(work, prepared, actions, rounds)
        if args.only in (None, "startup"):
            out["startup"] = startup_bench(work, prepared, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    verdicts = [out[k]["meets_target"] for k in ("keystroke", "startup") if k in out]
    out["meets_all_targets"] = all(verdicts)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
