"""Writing a whole new gold store at once, shard by shard, without a journal.

For building large stores (benchmarks, bulk imports into an empty store): the
caller hands over each shard's tables once; the index is written last, so an
interrupted build leaves no store (`gold.json` does not exist yet) rather than
half of one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.atomic import atomic_write_bytes
from tui.store.gold import INDEX, SHARDS, StoreError, index_meta, shard_meta, shards_dir
from tui.store.shard import Invalid, ShardIndex, ShardState, shard_name, shard_of
from tui.store.storage import encode_checked


class StoreBuilder:
    """Build a new store at `path` from per-shard tables (see `add_shard`)."""

    def __init__(self, path: Path, shards: int = SHARDS) -> None:
        if path.exists():
            raise StoreError(f"{path}: already exists; a store is only built where there is none")
        self.path = path
        self.shards = shards
        self.indices: dict[int, ShardIndex] = {}
        shards_dir(path).mkdir(parents=True, exist_ok=True)

    def shard_of(self, article_id: str) -> int:
        return shard_of(article_id, self.shards)

    def add_shard(self, number: int, tables: dict[str, Any]) -> None:
        """Write shard `number` holding `tables` (`articles`, `suggestions`,
        `annotations`, as TinyDB lays them out); every article id must belong to it."""
        try:
            state = ShardState(tables)
        except Invalid as error:
            raise StoreError(f"shard {number}: {error}") from None
        for article_id, _ in state.articles:
            if shard_of(article_id, self.shards) != number:
                raise StoreError(f"shard {number}: article {article_id!r} belongs elsewhere")
        data, digest = encode_checked(shard_meta(number), state.tables)
        atomic_write_bytes(shards_dir(self.path) / shard_name(number), data)
        index = state.index()
        index.sha256, index.size = digest, len(data)
        self.indices[number] = index

    def finish(self) -> None:
        """Write the index: from now on the store opens."""
        docs = {str(i): index.to_doc(number)
                for i, (number, index) in enumerate(sorted(self.indices.items()), 1)}
        data, _ = encode_checked(index_meta(self.shards), {INDEX: docs})
        atomic_write_bytes(self.path, data)
