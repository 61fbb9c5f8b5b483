"""Atomic snapshots of the matcher's state: one directory per snapshot, a manifest renamed last."""

import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from services.matcher.store import MatchIndex
from shared.vocab import ItemKind

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 2  # 2: vectors only inside the FAISS files, query-side title vectors beside them


def model_identity(name: str, version: str, dimension: int, second: Any = None) -> dict[str, Any]:
    """What a stored index must agree with to be reused."""
    return {"format": FORMAT, "model": name, "model_version": version, "dimension": dimension, "second": second}


def save_snapshot(index: MatchIndex, data_dir: Path, identity: dict[str, Any]) -> Path:
    """Write the whole state to a new snapshot directory, then switch the manifest to it atomically.

    The caller holds `index.lock`, so the files, the cursor and the id maps are mutually consistent.
    """
    snaps = data_dir / "snapshots"
    snaps.mkdir(parents=True, exist_ok=True)
    tmp = snaps / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    for kind in ItemKind:
        index[kind].save(tmp / kind.value)
    _fsync_tree(tmp)
    name = f"{index.cursor:012d}-{uuid.uuid4().hex[:8]}"
    os.replace(tmp, snaps / name)
    manifest = {**identity, "snapshot": name, "cursor": index.cursor, "catalog_seq": index.catalog_seq,
                "counts": index.counts(), "saved_at": time.time()}
    tmp_manifest = data_dir / f".{MANIFEST}.{uuid.uuid4().hex}"
    with open(tmp_manifest, "w", encoding="utf-8") as f:
        json.dump(manifest, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_manifest, data_dir / MANIFEST)
    _prune(snaps, keep=name)
    return snaps / name


def _fsync_tree(root: Path) -> None:
    """Flush every file of a snapshot to disk before the manifest may point at it (power loss, not just kill -9)."""
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _prune(snaps: Path, keep: str) -> None:
    for path in snaps.iterdir():
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


def read_manifest(data_dir: Path) -> dict[str, Any] | None:
    """The current manifest, or None when there is no usable snapshot."""
    try:
        return json.loads((data_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def load_snapshot(index: MatchIndex, data_dir: Path, identity: dict[str, Any]) -> bool:
    """Fill an empty index from the current snapshot; refuse it (False) if the model differs."""
    manifest = read_manifest(data_dir)
    if manifest is None:
        return False
    stored = {k: manifest.get(k) for k in identity}
    if stored != identity:
        log.warning("stored index was built with %s, now %s: rebuilding from the change feed", stored, identity)
        return False
    directory = data_dir / "snapshots" / manifest["snapshot"]
    for kind in ItemKind:
        if (directory / kind.value).is_dir():  # a snapshot from before experts were indexed holds none
            index[kind].load(directory / kind.value)
    index.cursor = int(manifest["cursor"])
    index.catalog_seq = None  # the catalog has moved on since: unknown until the next poll
    return True


def reset(data_dir: Path) -> None:
    """Forget every snapshot and the cursor, so the next start re-follows the catalog from 0."""
    (data_dir / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(data_dir / "snapshots", ignore_errors=True)
