"""Resumable output: finished batches as numbered part files beside the output, then one file.

``OUTPUT.parts/`` holds ``manifest.json`` (the input's size and SHA-256 and the options that
decide the result) and ``part-000042.parquet`` for each finished batch, each written under a
temporary name and renamed, so a part that exists is complete. A rerun with the same manifest
skips the finished batches; a rerun with a different one is refused. When every batch is done
the parts are joined into OUTPUT (again through a temporary file and a rename) and the folder
is removed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commonground.batch.rows import write_output
from commonground.errors import InvalidInput

if TYPE_CHECKING:
    import pyarrow as pa

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
#: the manifest's record of the mapper's answer revision (``sdg.mapping.ANSWER_REVISION``)
ANSWERS = "answers"


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def _assembly_tmp(output: Path) -> Path:
    return output.with_name(f".{output.name}.tmp")


def _cannot_write(path: Path, exc: OSError) -> InvalidInput:
    # the file the system names (the folder, the manifest) is closer to the cause than ours
    where = exc.filename if isinstance(exc.filename, str) else path
    return InvalidInput(
        f"cannot write {where} ({exc.strerror or exc}); free some space or fix the folder's "
        "permissions and rerun the same command to resume, or choose another --out"
    )


def check_writable(output: Path) -> None:
    """Make sure ``output`` can be written before any mapping: create its missing folders and
    write (then remove) the temporary file the output is assembled in."""
    folder = output.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InvalidInput(f"--out {output}: {existing} is a file, not a folder; "
                           "choose another --out")
    tmp = _assembly_tmp(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.open("wb").close()
        tmp.unlink()
    except OSError as exc:
        raise InvalidInput(f"--out {output} cannot be written in {folder} "
                           f"({exc.strerror or exc}); choose another --out, in a folder you "
                           "can write to") from None


class Parts:
    """The part files of one run of corpus mapping into ``output``."""

    def __init__(self, output: Path, manifest: dict[str, Any]) -> None:
        self.output = output
        self.folder = parts_dir(output)
        self.manifest = {"version": MANIFEST_VERSION, **manifest}

    def open(self, *, restart: bool = False) -> int:
        """Check an earlier unfinished run belongs to this one; return its finished batches.

        The folder itself is created with the first finished batch, so a run that fails
        before finishing one (a missing column, a broken model) leaves nothing behind.
        """
        path = self.folder / MANIFEST
        if restart and self.folder.exists():
            shutil.rmtree(self.folder)
        if path.is_file():
            try:
                found = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise InvalidInput(
                    f"{path} cannot be read ({exc}); pass --restart to discard the unfinished run"
                ) from None
            diff = _differences(found, self.manifest)
            if found.get(ANSWERS) != self.manifest.get(ANSWERS):
                raise InvalidInput(
                    f"{self.folder.name}/ holds an unfinished run mapped by another version of "
                    "commonground, whose answers in this mode differ (answer revision "
                    f"{found.get(ANSWERS, 0)} then, {self.manifest.get(ANSWERS, 0)} now); "
                    "pass --restart to map the corpus again, so that every row is answered "
                    "alike"
                )
            if diff:
                raise InvalidInput(
                    f"{self.folder.name}/ holds an unfinished run with other input or options "
                    f"({'; '.join(diff)}); rerun with the same input and options to resume it, "
                    "or pass --restart to discard it"
                )
            return len(self.done())
        if self.folder.exists() and any(self.folder.iterdir()):
            raise InvalidInput(
                f"{self.folder} exists without a {MANIFEST}; it was not written by map-corpus: "
                "move it away or pass --restart to delete it"
            )
        return 0

    def path(self, index: int) -> Path:
        return self.folder / f"part-{index:06d}.parquet"

    def done(self) -> set[int]:
        if not self.folder.is_dir():
            return set()
        return {int(p.stem.split("-")[1]) for p in self.folder.glob("part-*.parquet")}

    def write(self, index: int, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        manifest = self.folder / MANIFEST
        final = self.path(index)
        tmp = final.with_name(final.name + ".tmp")
        try:
            if not manifest.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                _atomic_write(manifest,
                              json.dumps(self.manifest, indent=2, sort_keys=True).encode())
            pq.write_table(table, tmp)
            os.replace(tmp, final)
        except OSError as exc:  # pyarrow's write errors are OSErrors too
            tmp.unlink(missing_ok=True)
            raise _cannot_write(tmp, exc) from None

    def tables(self, n_batches: int) -> Iterator[pa.Table]:
        import pyarrow.parquet as pq

        for i in range(n_batches):
            try:
                table = pq.read_table(self.path(i))
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise InvalidInput(f"{self.path(i)} cannot be read ({exc}); pass --restart "
                                   "to map the corpus again") from None
            yield table

    def _observed(self, n_batches: int, observe: Callable[[pa.Table], None] | None
                  ) -> Iterator[pa.Table]:
        for table in self.tables(n_batches):
            if observe is not None:
                observe(table)
            yield table

    def assemble(self, n_batches: int, fmt: str,
                 observe: Callable[[pa.Table], None] | None = None) -> int:
        """Join parts 0 … n_batches-1 into the output atomically; return the rows written."""
        missing = [i for i in range(n_batches) if not self.path(i).is_file()]
        if missing:
            raise RuntimeError(f"batches {missing[:5]} have no part file; rerun to map them")
        tmp = _assembly_tmp(self.output)
        # the output appears whole or not at all: an existing one stays until the rename
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as fh:
                rows = write_output(self._observed(n_batches, observe), fh, fmt)
            os.replace(tmp, self.output)
        except OSError as exc:
            raise _cannot_write(tmp, exc) from None
        finally:
            tmp.unlink(missing_ok=True)
        if self.folder.exists():
            shutil.rmtree(self.folder)
        return rows


def _differences(found: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(found) | set(wanted)):
        a, b = found.get(key), wanted.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{key}.{d}" for d in _differences(a, b)]
        elif a != b:
            out.append(f"{key}: {a!r} then, {b!r} now")
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
