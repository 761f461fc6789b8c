"""The gold store under SIGKILL: hundreds of writers killed at random moments.

One helper process imports the store once, then forks a writer per round. The
writer opens the store and saves decisions as fast as it can; before each call
it logs what it is about to do and after the call returns it logs the
acknowledgement (one line each, written and flushed to a side file). The helper
sleeps a random 0-40 ms, kills the writer with SIGKILL and checks, with a
read-only opener and then a writer, that the store holds exactly the
acknowledged state, or that state plus the one step that was in flight when
the writer died (a step can be durable a moment before its acknowledgement is
logged). Rounds vary the compaction threshold (a tiny one makes kills land
during compaction), call `compact()` explicitly, and toggle done flags.

The check is of the whole state, so a lost decision, a resurrected deletion, a
done flag gone back, a torn step or a store that no longer opens all fail the
test, with the round and the seed in the message (rerun with
BYLINE_CRASH_SEED=<seed> to replay the same decisions and delays).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 240

HELPER = textwrap.dedent(r'''
    import json, os, random, re, signal, sys, time, traceback
    from pathlib import Path

    from tui.core.model import EntityItem, Status
    from tui.store.doctor import diagnose
    from tui.store.gold import GoldStore, StoreError

    store_path = Path(sys.argv[1])
    acks_dir = Path(sys.argv[2])
    seed = int(sys.argv[3])
    rounds = int(sys.argv[4])
    folder = store_path.parent
    DEFAULT_COMPACT = GoldStore.COMPACT_BYTES
    ARTICLES = [f"art{i}" for i in range(5)]
    LABELS = ["PERSON", "ORG", "GPE", "DATE"]
    STATUSES = [Status.ACCEPTED, Status.REJECTED, Status.ADDED, Status.CORRECTED]
    MODES = ["journal", "tiny-compact", "explicit-compact", "done"]
    TEMP = re.compile(r"^\..*\.tmp$")
    H = "h"

    def writer(round_no, mode, ack_path):
        """The forked writer: save decisions until killed (never returns)."""
        try:
            rnd = random.Random(f"{seed}:{round_no}")
            GoldStore.COMPACT_BYTES = 2000 if mode == "tiny-compact" else DEFAULT_COMPACT
            log = open(ack_path, "w", encoding="utf-8")

            def note(entry):
                log.write(json.dumps(entry, sort_keys=True) + "\n")
                log.flush()

            store = GoldStore.open(store_path)
            note({"opened": True})
            n = 0
            while True:
                article = rnd.choice(ARTICLES)
                r = rnd.random()
                if mode == "explicit-compact" and r < 0.2:
                    note({"n": n, "op": "compact"})
                    store.compact()
                elif r < (0.45 if mode == "done" else 0.12):
                    done = rnd.random() < 0.5
                    note({"n": n, "op": "done", "article": article, "done": done})
                    store.set_done(article, "ana", H, done)
                else:
                    changes = {}
                    for _ in range(rnd.randint(1, 3)):
                        k = rnd.randrange(40)
                        item_id = f"s:{k}"
                        if rnd.random() < 0.2:
                            changes[item_id] = None
                        else:
                            changes[item_id] = EntityItem(
                                item_id, k, k + 1 + rnd.randrange(5), rnd.choice(LABELS),
                                rnd.choice(STATUSES), annotator="ana",
                                time=f"r{round_no}n{n}")
                    encoded = {i: None if v is None else v.to_json() for i, v in changes.items()}
                    note({"n": n, "op": "items", "article": article, "changes": encoded})
                    store.save_items(article, "ana", H, changes)
                note({"ack": n})
                n += 1
        except BaseException:
            try:
                note({"error": traceback.format_exc()})
            except BaseException:
                pass
            os._exit(3)
        os._exit(4)

    def read_log(ack_path):
        """(steps in order, set of acknowledged step numbers, opened?) from a writer's log."""
        try:
            raw = ack_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], set(), False, None
        lines = raw.split("\n")
        steps, acked, opened, error = [], set(), False, None
        for line in lines[:-1]:  # a last line without newline was never fully logged
            entry = json.loads(line)
            if "ack" in entry:
                acked.add(entry["ack"])
            elif "error" in entry:
                error = entry["error"]
            elif "opened" in entry:
                opened = True
            else:
                steps.append(entry)
        return steps, acked, opened, error

    def apply(state, step):
        state = {a: {"items": dict(s["items"]), "done": s["done"]} for a, s in state.items()}
        if step["op"] == "compact":
            return state
        record = state.setdefault(step["article"], {"items": {}, "done": False})
        if step["op"] == "done":
            record["done"] = step["done"]
        else:
            for item_id, value in step["changes"].items():
                if value is None:
                    record["items"].pop(item_id, None)
                else:
                    record["items"][item_id] = value
        return state

    def state_of(store):
        state = {}
        for record in store.annotations("ana"):
            assert record.annotator == "ana" and record.text_hash == H, record
            state[record.article_id] = {
                "items": {i: item.to_json() for i, item in record.items.items()},
                "done": record.done,
            }
        summaries = store.summaries("ana")
        assert set(summaries) == set(state), (sorted(summaries), sorted(state))
        for article, summary in summaries.items():
            assert summary.done == state[article]["done"], (article, summary)
        return state

    def diff(actual, expected):
        out = []
        for article in sorted(set(actual) | set(expected)):
            a, e = actual.get(article), expected.get(article)
            if a == e:
                continue
            if a is None or e is None:
                out.append(f"{article}: store has {a is not None}, expected {e is not None}")
                continue
            if a["done"] != e["done"]:
                out.append(f"{article}: done is {a['done']}, expected {e['done']}")
            for item_id in sorted(set(a["items"]) | set(e["items"])):
                if a["items"].get(item_id) != e["items"].get(item_id):
                    out.append(f"{article}/{item_id}: store {a['items'].get(item_id)} "
                               f"expected {e['items'].get(item_id)}")
        return out[:12]

    def temp_files():
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                      if TEMP.match(p.name))

    def fail(round_no, mode, delay, problem, ack_path=None, **extra):
        tail = []
        if ack_path is not None and ack_path.exists():
            tail = ack_path.read_text(encoding="utf-8").splitlines()[-6:]
        print(json.dumps({"ok": False, "seed": seed, "round": round_no, "mode": mode,
                          "delay_ms": round(delay * 1000, 2), "problem": problem,
                          "log_tail": tail, **extra}))
        sys.stdout.flush()
        os._exit(1)

    rng = random.Random(seed)
    GoldStore.open(store_path).close()  # so a reader finds a store even after round 0
    expected = {}
    stats = {"rounds": 0, "acked_steps": 0, "rounds_with_acks": 0, "in_flight_applied": 0,
             "in_flight_not_applied": 0, "killed_before_open": 0, "compact_calls": 0,
             "temp_files_left_by_a_kill": 0, "doctor_notes_of_an_interrupted_compaction": 0,
             "modes": {m: 0 for m in MODES}}
    started = time.monotonic()
    for round_no in range(rounds):
        mode = MODES[round_no % len(MODES)] if round_no < len(MODES) else rng.choice(MODES)
        delay = rng.uniform(0.0, 0.040)
        ack_path = acks_dir / f"round{round_no}.log"
        pid = os.fork()
        if pid == 0:
            writer(round_no, mode, ack_path)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        steps, acked, opened, error = read_log(ack_path)
        if error is not None or not (os.WIFSIGNALED(status)
                                     and os.WTERMSIG(status) == signal.SIGKILL):
            fail(round_no, mode, delay, "the writer failed before it was killed",
                 ack_path, status=status, error=error)
        # Every step but the last was acknowledged (a call that raised ends the writer).
        for step in steps[:-1]:
            if step["n"] not in acked:
                fail(round_no, mode, delay, f"step {step['n']} not acknowledged", ack_path)
        done_state = expected
        for step in steps:
            if step["n"] in acked:
                done_state = apply(done_state, step)
        allowed = [done_state]
        in_flight = steps[-1] if steps and steps[-1]["n"] not in acked else None
        if in_flight is not None and in_flight["op"] != "compact":
            allowed.append(apply(done_state, in_flight))

        # Temporary files before the writer's open: the kill landed in a compaction.
        stats["temp_files_left_by_a_kill"] += bool(temp_files())
        # The doctor calls a store a writer was killed in healthy: what the kill left (a
        # torn line, a compaction half done) is finished by the next open, not damage.
        report = diagnose(store_path)
        if not report.healthy:
            fail(round_no, mode, delay, f"doctor reports problems after a kill: "
                 f"{report.problems[:3]}", ack_path)
        stats["doctor_notes_of_an_interrupted_compaction"] += any(
            "written by a compaction that did not finish" in note for note in report.notes)
        for read_only in (True, False):
            try:
                store = GoldStore.open(store_path, read_only=read_only)
            except StoreError as error:
                fail(round_no, mode, delay, f"the store does not open (read_only={read_only}): "
                     f"{error}", ack_path)
            try:
                actual = state_of(store)
                if not read_only:
                    leftovers = temp_files()
                    if leftovers:
                        fail(round_no, mode, delay, f"temporary files left after an open: "
                             f"{leftovers}", ack_path)
            except AssertionError as error:
                fail(round_no, mode, delay, f"inconsistent reads: {error!r}", ack_path)
            finally:
                store.close()
            if actual not in allowed:
                fail(round_no, mode, delay,
                     f"the store does not hold the acknowledged state "
                     f"(read_only={read_only}; {len(acked)} steps acknowledged this round, "
                     f"in flight: {in_flight and in_flight['op']})", ack_path,
                     differences=diff(actual, done_state))
        stats["rounds"] += 1
        stats["modes"][mode] += 1
        stats["acked_steps"] += len(acked)
        stats["rounds_with_acks"] += bool(acked)
        stats["killed_before_open"] += not opened
        stats["compact_calls"] += sum(1 for s in steps if s["op"] == "compact")
        if len(allowed) == 2:
            stats["in_flight_applied" if actual == allowed[1] else "in_flight_not_applied"] += 1
        expected = actual  # the in-flight step, if it made it, is now part of the state
        ack_path.unlink(missing_ok=True)
    stats["seconds"] = round(time.monotonic() - started, 2)
    stats["articles"] = len(expected)
    stats["items"] = sum(len(s["items"]) for s in expected.values())
    print(json.dumps({"ok": True, "seed": seed, **stats}))
''')


def test_every_acknowledged_decision_survives_hundreds_of_sigkills(tmp_path: Path) -> None:
    seed = int(os.environ.get("BYLINE_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    store_path = tmp_path / "store" / "gold.json"
    acks = tmp_path / "acks"
    acks.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", HELPER, str(store_path), str(acks), str(seed), str(ROUNDS)],
            capture_output=True, text=True, env=env, timeout=180, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"the crash helper hung (seed {seed}); "
                             f"stderr: {error.stderr!r}") from None
    elapsed = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    assert lines, (f"the crash helper printed nothing (seed {seed}, exit {done.returncode}): "
                   f"{done.stderr[-3000:]}")
    summary = json.loads(lines[-1])
    assert summary["ok"], (
        f"crash test failed, rerun with BYLINE_CRASH_SEED={seed}:\n"
        + json.dumps(summary, indent=2) + "\n" + done.stderr[-3000:]
    )
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"seed {seed}, {elapsed:.1f} s: {summary}")
    # The test only means something if writers got to save before they died.
    assert summary["rounds"] == ROUNDS
    assert summary["rounds_with_acks"] >= ROUNDS // 3, summary
    assert summary["acked_steps"] >= ROUNDS, summary
    assert summary["items"] > 0, summary
    assert summary["doctor_notes_of_an_interrupted_compaction"] > 0, summary
