"""The one rule for every file a byline command writes.

- No command writes over any file of any gold store (index, journal, lock,
  shards, backups, the copies `doctor --repair` keeps), whatever `--force`
  says: a store file is recognised by what it is and where it lies
  (`tui.store.files`), through symlinks and hard links, and the stores a
  command was given are protected by name as well.
- No command writes over one of its own inputs (a file it reads, or anything
  inside a folder it reads), through symlinks and hard links.
- Then the output must be something byline writes (`tui.formats.outputs`):
  a new file, an existing file with `--force` (replaced atomically), standard
  output (`-`), a FIFO or a character device (written to directly).

`OutputRule` holds what one command reads; `target()` checks its main
output, `check()` every further file it writes (a brat folder's files, the
Label Studio config, spaCy's train and dev files). `check_store_path` is the
same rule for a store a command opens as a writer (`--db` of annotate and
import, review's merged store): it must be a store (or a new path), never
another file of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from tui.formats.errors import OutputError
from tui.formats.outputs import STDOUT_NAME, Target, descriptor_of, output_target
from tui.store.files import StorePart, resolve_store, store_identities, store_part
from tui.store.gold import StoreError, backups_dir, journal_path, lock_path, shards_dir

__all__ = ["OutputRule", "check_store_path"]

_EVEN_WITH_FORCE = "no command writes over a gold store's files, whatever --force says"


class OutputRule:
    """Where one command may write, given the stores and the files it reads."""

    def __init__(self, *, stores: Sequence[Path] = (), inputs: Sequence[Path] = ()) -> None:
        self.stores = [Path(os.path.realpath(p)) for p in stores]
        self.inputs = [Path(p) for p in inputs]
        self._identities: set[tuple[int, int]] | None = None
        self._inputs_found: list[tuple[Path, set[tuple[int, int]]]] | None = None

    def target(self, path: Path | str, *, force: bool, streams: bool = True,
               what: str = "this format") -> Target:
        """The checked main output `path` (see the module docstring); raises `OutputError`.

        The store and input rules come first: `--force` is never suggested for a file
        that no `--force` may replace."""
        self.check(path)
        return output_target(path, force=force, streams=streams, what=what)

    def check(self, path: Path | str, *, index_ok: bool = False) -> None:
        """Raise `OutputError` where `path` is a file of a gold store or an input.

        `index_ok` lets a store index through (a store opened as a writer) unless it is
        one of the stores the command reads."""
        shown = str(path)
        fd = 1 if shown == "-" else descriptor_of(path)
        name = STDOUT_NAME if shown == "-" else shown
        if fd is not None:
            try:
                st = os.fstat(fd)
            except OSError:
                return  # not open: output_target says so
            if not stat.S_ISREG(st.st_mode):
                return  # a pipe or a terminal is no store and no input
            real = Path(os.path.realpath(f"/proc/self/fd/{fd}"))
            self._refuse(name, real, (st.st_dev, st.st_ino), linked=True, index_ok=index_ok)
            return
        real = Path(os.path.realpath(path))
        try:
            st = os.stat(real)
        except OSError:
            self._refuse(name, real, None, linked=False, index_ok=index_ok)
            return
        self._refuse(name, real, (st.st_dev, st.st_ino),
                     linked=stat.S_ISREG(st.st_mode) and st.st_nlink > 1, index_ok=index_ok)

    def _refuse(self, shown: str, real: Path, identity: tuple[int, int] | None,
                linked: bool, index_ok: bool) -> None:
        part = self._known_part(real) or store_part(real)
        if part is not None and not (index_ok and part.store == real
                                     and part.role == "its index" and real not in self.stores):
            raise OutputError(shown, f"is {part.describe()}; {_EVEN_WITH_FORCE}")
        for given in self.inputs:
            source = Path(os.path.realpath(given))
            if real == source:
                raise OutputError(shown, f"is one of the inputs ({given}); "
                                         f"write the output elsewhere")
            if source.is_dir() and source in real.parents:
                raise OutputError(shown, f"is inside the input folder {given} (it would be "
                                         f"read as input); write the output elsewhere")
        self._refuse_in_input_folder(shown, real)
        if identity is None:
            return
        # The same file under another name: a hard link, or a second mount of its folder
        # (a bind mount: the same device and inode, one link).
        for db in self.stores:
            with contextlib.suppress(OSError):
                st = os.stat(db)
                if identity == (st.st_dev, st.st_ino):
                    raise OutputError(shown, f"is the gold store {db} under another name; "
                                             f"{_EVEN_WITH_FORCE}")
        for given, ids in self._input_identities():
            if identity in ids:
                raise OutputError(shown, f"is one of the inputs ({given}) under another "
                                         f"name; write the output elsewhere")
        if linked and identity in self._store_identities():
            raise OutputError(shown, f"is a hard link to a file of the gold store; "
                                     f"{_EVEN_WITH_FORCE}")

    def _refuse_in_input_folder(self, shown: str, real: Path) -> None:
        """Refuse an output whose folder is one of the input folders under another name
        (a second mount of it): it would be read as input."""
        folders = [given for given in self.inputs if given.is_dir()]
        if not folders:
            return
        try:
            parent = os.stat(real.parent)
        except OSError:
            return
        for given in folders:
            with contextlib.suppress(OSError):
                st = os.stat(given)
                if (st.st_dev, st.st_ino) == (parent.st_dev, parent.st_ino):
                    raise OutputError(shown, f"is inside the input folder {given} (under "
                                             f"another name; it would be read as input); "
                                             f"write the output elsewhere")

    def _known_part(self, real: Path) -> StorePart | None:
        """`real` as a file of one of the stores this command was given, by name alone
        (whatever its content: a damaged index or a lock is theirs too)."""
        for db in self.stores:
            if real in (db, journal_path(db), lock_path(db)):
                role = {db: "its index", journal_path(db): "its journal",
                        lock_path(db): "its lock"}[real]
                return StorePart(db, role)
            for folder, role in ((shards_dir(db), "a shard"), (backups_dir(db), "a backup")):
                if real == folder or folder in real.parents:
                    return StorePart(db, role)
            for parent in (real, *real.parents):
                if parent.parent == db.parent and parent.name.startswith(db.name + ".damaged-"):
                    return StorePart(db, "a copy byline doctor --repair kept")
        return None

    def _store_identities(self) -> set[tuple[int, int]]:
        if self._identities is None:
            self._identities = set()
            for db in self.stores:
                self._identities |= store_identities(db)
        return self._identities

    def _input_identities(self) -> list[tuple[Path, set[tuple[int, int]]]]:
        if self._inputs_found is None:
            self._inputs_found = self._find_input_identities()
        return self._inputs_found

    def _find_input_identities(self) -> list[tuple[Path, set[tuple[int, int]]]]:
        found = []
        for given in self.inputs:
            ids: set[tuple[int, int]] = set()
            files = [given]
            if given.is_dir():
                try:
                    files = [p for p in given.iterdir() if p.is_file()]
                except OSError:
                    files = []
            for file in files:
                try:
                    st = os.stat(file)
                except OSError:
                    continue
                ids.add((st.st_dev, st.st_ino))
            found.append((given, ids))
        return found


def check_store_path(db: Path | str, *, inputs: Sequence[Path] = (),
                     stores: Sequence[Path] = ()) -> None:
    """Refuse, with a one-line `StoreError`, a store path a command would open as a writer
    where it is another file of a gold store (a journal, lock, shard, backup...), one of
    the command's input files, a file of one of the stores it reads (`stores`), or an
    existing thing that is not a regular file. A store index, or a new path, passes."""
    try:
        resolve_store(db)  # the store's own rule: never another file of a store, nor a FIFO
    except ValueError as error:
        raise StoreError(str(error)) from None
    rule = OutputRule(stores=stores, inputs=inputs)
    try:
        rule.check(db, index_ok=True)
    except OutputError as error:
        raise StoreError(str(error)) from None
