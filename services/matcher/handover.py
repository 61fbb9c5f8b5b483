"""Handing a snapshot from one replica to a new one, so the newcomer follows the change feed from the
peer's cursor instead of encoding the whole catalog again.

The peer streams its current snapshot as a tar (`GET /v1/snapshot`): the manifest first, then the files of
the snapshot directory, read from hard links made while the index lock was held, so a save that prunes the
directory meanwhile cannot change what is sent. The newcomer unpacks it (`DUIJIE_SNAPSHOT_FROM`) before
loading, only into an empty data folder and only if the peer's models are its own. `DUIJIE_SNAPSHOT_FROM`
may also name a local path: a matcher's data folder on a shared volume, or a tar saved from `GET /v1/snapshot`.
"""

import io
import json
import logging
import os
import shutil
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import httpx

from services.matcher import persist

log = logging.getLogger(__name__)
CHUNK = 1 << 20


def pin_snapshot(data_dir: Path, lock: threading.RLock) -> tuple[dict[str, Any], Path] | None:
    """The current manifest and a private hard-linked copy of its snapshot (None if there is none yet)."""
    with lock:  # saves hold it too: the manifest and the directory it names stay together
        manifest = persist.read_manifest(data_dir)
        if manifest is None:
            return None
        source = data_dir / "snapshots" / manifest["snapshot"]
        pinned = data_dir / f".handover-{uuid.uuid4().hex}"
        shutil.copytree(source, pinned, copy_function=os.link)
    return manifest, pinned


def stream_snapshot(manifest: dict[str, Any], pinned: Path) -> Iterator[bytes]:
    """The tar of a pinned snapshot, a file at a time in 1 MB pieces (never a whole file in memory); the
    pinned copy is removed once sent or abandoned."""
    try:
        body = json.dumps(manifest).encode()
        yield from _member(_info(persist.MANIFEST, len(body)), io.BytesIO(body))
        for path in sorted(pinned.rglob("*")):
            name = f"snapshot/{path.relative_to(pinned)}"
            if path.is_dir():
                yield from _member(_info(name, 0, directory=True), None)
            else:
                with open(path, "rb") as f:
                    yield from _member(_info(name, path.stat().st_size), f)
        yield b"\0" * (2 * tarfile.BLOCKSIZE)  # end of archive
    finally:
        shutil.rmtree(pinned, ignore_errors=True)


def _info(name: str, size: int, *, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o755 if directory else 0o644, int(time.time())
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    return info


def _member(info: tarfile.TarInfo, content: BinaryIO | None) -> Iterator[bytes]:
    yield info.tobuf(tarfile.PAX_FORMAT)
    if content is None:
        return
    while piece := content.read(CHUNK):
        yield piece
    if info.size % tarfile.BLOCKSIZE:
        yield b"\0" * (tarfile.BLOCKSIZE - info.size % tarfile.BLOCKSIZE)


def adopt_snapshot(data_dir: Path, stream: IO[bytes] | io.RawIOBase, identity: dict[str, Any]) -> dict[str, Any] | None:
    """Unpack a peer's snapshot into `data_dir` as its current one; None (nothing kept) if it was built by
    other models than `identity`."""
    incoming = data_dir / f".incoming-{uuid.uuid4().hex}"
    incoming.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            tar.extractall(incoming, filter="data")  # no paths outside `incoming`, no links, no devices
        manifest = json.loads((incoming / persist.MANIFEST).read_text(encoding="utf-8"))
        return _install(data_dir, incoming, manifest) if _same_models(manifest, identity) else None
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def adopt_folder(data_dir: Path, folder: Path, identity: dict[str, Any], *, attempts: int = 3) -> dict[str, Any] | None:
    """Copy the current snapshot of another matcher's data folder into `data_dir`; None (nothing kept) if it
    was built by other models than `identity`."""
    for _ in range(attempts):
        manifest = persist.read_manifest(folder)
        if manifest is None:
            raise FileNotFoundError(f"no snapshot manifest in {folder}")
        if not _same_models(manifest, identity):
            return None
        incoming = data_dir / f".incoming-{uuid.uuid4().hex}"
        try:
            if _copy_unchanged(folder, manifest, incoming / "snapshot"):
                (incoming / persist.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
                return _install(data_dir, incoming, manifest)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
    raise OSError(f"the snapshot in {folder} kept changing while it was copied")


def _copy_unchanged(folder: Path, manifest: dict[str, Any], target: Path) -> bool:
    """Copy the snapshot `manifest` names to `target`; False if the folder's owner saved a newer one meanwhile."""
    try:
        shutil.copytree(folder / "snapshots" / _snapshot_name(manifest), target, copy_function=_link_or_copy)
    except OSError:  # shutil.Error too
        if persist.read_manifest(folder) == manifest:
            raise
        return False
    # the owner prunes a snapshot only after its manifest names a newer one: unchanged, the copy is whole
    return persist.read_manifest(folder) == manifest


def _link_or_copy(source: str, target: str) -> None:
    # snapshot files are never rewritten in place, so sharing them on the same file system is safe
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _same_models(manifest: dict[str, Any], identity: dict[str, Any]) -> bool:
    stored = {k: manifest.get(k) for k in identity}
    if stored != identity:
        log.warning("the snapshot was built with %s, this replica runs %s: not adopted, encoding from the "
                    "change feed instead", stored, identity)
    return stored == identity


def _snapshot_name(manifest: dict[str, Any]) -> str:
    name = str(manifest["snapshot"])
    if not name or name in (".", "..") or Path(name).name != name:
        raise ValueError(f"not a snapshot name: {name!r}")
    return name


def _install(data_dir: Path, incoming: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Move an unpacked snapshot (`incoming/snapshot` and its manifest) into place, the manifest last."""
    snaps = data_dir / "snapshots"
    snaps.mkdir(exist_ok=True)
    os.replace(incoming / "snapshot", snaps / _snapshot_name(manifest))
    os.replace(incoming / persist.MANIFEST, data_dir / persist.MANIFEST)  # last: the snapshot is complete
    return dict(manifest)


def start_from(*, source: str, token: str, data_dir: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """Adopt the snapshot `source` names: a peer's URL, a matcher's data folder or a tar of `GET /v1/snapshot`."""
    if source.startswith(("http://", "https://")):
        return fetch_from_peer(url=source, token=token, data_dir=data_dir, identity=identity)
    return copy_from_path(path=Path(source), data_dir=data_dir, identity=identity)


def copy_from_path(*, path: Path, data_dir: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """Adopt the snapshot of a local folder or tar file; None (and a warning) if it is not a usable one."""
    try:
        if path.is_dir():
            manifest = adopt_folder(data_dir, path, identity)
        else:
            with open(path, "rb") as f:
                manifest = adopt_snapshot(data_dir, f, identity)
    except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
        log.warning("could not start from the snapshot in %s (%s); encoding from the change feed instead", path, exc)
        return None
    _started(str(path), manifest)
    return manifest


def _started(source: str, manifest: dict[str, Any] | None) -> None:
    if manifest is not None:
        log.info("started from %s's snapshot at cursor %d: %s", source, manifest["cursor"], manifest.get("counts"))


def peer_client(url: str, token: str) -> httpx.Client:
    """An HTTP client of the peer replica (tests replace this with an in-process one)."""
    return httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=600)


def fetch_from_peer(*, url: str, token: str, data_dir: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """Download and adopt the peer's snapshot; None (and a warning) if the peer cannot give a usable one."""
    client = peer_client(url, token)
    try:
        with client.stream("GET", "/v1/snapshot") as response:
            response.raise_for_status()
            manifest = adopt_snapshot(data_dir, _Reader(response.iter_bytes(CHUNK)), identity)
    except (httpx.HTTPError, tarfile.TarError, OSError, ValueError, KeyError) as exc:
        log.warning("could not start from %s's snapshot (%s); encoding from the change feed instead", url, exc)
        return None
    finally:
        client.close()
    _started(url, manifest)
    return manifest


class _Reader(io.RawIOBase):
    """A readable file over an iterator of byte pieces (a streamed HTTP body)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self.pieces, self.rest = pieces, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.rest:
            try:
                self.rest = next(self.pieces)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self.rest))
        buffer[:n], self.rest = self.rest[:n], self.rest[n:]
        return n
