"""What the attack tests share: the real CLI in a subprocess, real stores, real mounts.

Every attack runs byline from the outside: `python -m tui` in a subprocess
(its crash reports in a folder of the test's own), stores written by the real
`GoldStore`, mounts made with `mount` (root only: the tests that need one skip
elsewhere). Nothing here imports byline's internals to check a result; the
results are read back through the CLI or a read-only store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Angela Merkel met Joe Biden in Berlin on Monday, officials said."
#: The labels the `decide` steps give item `a:1`, in order: the last one is the decision.
LABELS = ["ORG", "GPE", "PERSON", "EVENT", "LOC", "DATE", "NORP", "FAC"]


def env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a byline run: no config, crash reports under `tmp`."""
    cache = tmp / "cache"
    cache.mkdir(exist_ok=True)
    return {**os.environ, "BYLINE_CONFIG": os.devnull, "PYTHONPATH": str(ROOT),
            "XDG_CACHE_HOME": str(cache), "LC_ALL": "C.UTF-8", **extra}


def byline(tmp: Path, *args: str | Path, cwd: Path | None = None, timeout: float = 60,
           stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """Run the real CLI; its crash reports go to `tmp/cache`."""
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], capture_output=True,
                          text=True, env=env(tmp), cwd=cwd or tmp, timeout=timeout,
                          check=False, stdin=stdin, errors="surrogateescape")


def one_line_error(result: subprocess.CompletedProcess[str], *parts: str) -> str:
    """The run failed with ONE `byline: error:` line (not the internal-error net, exit 70)
    holding every one of `parts`."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode not in (0, 70), (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byline: error: "), lines[0]
    assert "internal error" not in lines[0], lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def article(article_id: str = "a1", text: str = TEXT) -> Article:
    return Article(article_id, text, {"title": "t"})


def entity(label: str, item: str = "a:1", start: int = 0, end: int = 13,
           who: str = "ana") -> EntityItem:
    return EntityItem(item, start, end, label, Status.ADDED, annotator=who,
                      time="2025-01-01T00:00:00Z")


def crashed_writer(db: Path, steps: int, article_id: str = "a1", who: str = "ana") -> None:
    """A writer that recorded the article, gave item `a:1` the labels LABELS[:steps] one
    after the other (each an acknowledged step), and died without compacting."""
    art = article(article_id)
    store = GoldStore.open(db)
    store.put_article(art)
    for label in LABELS[:steps]:
        store.save_items(article_id, who, art.text_hash, {"a:1": entity(label, who=who)})
    store.close_quietly()


def exported(tmp: Path, db: Path, *extra: str) -> list[dict[str, Any]]:
    """The native rows `byline export --all` writes for `db` (the run must succeed)."""
    result = byline(tmp, "export", "--db", db, "--all", "-o", "-", *extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def labels_of(tmp: Path, db: Path, article_id: str = "a1") -> list[str]:
    """The labels of the entities kept for `article_id`, as the CLI exports them."""
    return [e["label"] for row in exported(tmp, db) if row["id"] == article_id
            for e in row["entities"]]


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: a file's bytes, a symlink's target, a folder's name."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        elif path.is_file():
            found[key] = path.read_bytes()
        else:  # a FIFO, a device, a socket: never opened
            found[key] = f"mode {path.lstat().st_mode:o}"
    return found


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.decode().strip()}")


@contextmanager
def tmpfs(folder: Path, size: str = "256k") -> Iterator[Path]:
    """A real small file system at `folder` (root only)."""
    folder.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextmanager
def bind(source: Path, target: Path) -> Iterator[Path]:
    """`source` mounted again at `target` (a bind mount, as containers and NFS exports
    make): the same files under a second path (root only)."""
    target.mkdir(parents=True, exist_ok=True)
    mount("--bind", str(source), str(target))
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system of `folder` up to `leave` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize - leave
    n = 0
    while free > 0:
        chunk = min(free, 1 << 20)
        try:
            with open(folder / f"filler{n}", "wb") as handle:
                handle.write(b"\0" * chunk)
        except OSError:
            break
        free -= chunk
        n += 1
