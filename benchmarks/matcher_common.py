"""Shared helpers of the matcher benchmarks: locating ../shared and caching embeddings between runs."""

import hashlib
import os
from pathlib import Path

import numpy as np

from services.matcher.embedder import Embedder

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The read-only ../shared folder (env TT_SHARED overrides)."""
    return Path(os.environ.get("TT_SHARED", ROOT.parent / "shared")).resolve()


def cache_dir() -> Path:
    """Where embeddings are cached between runs (gitignored; never committed)."""
    path = Path(os.environ.get("DUIJIE_BENCH_CACHE", ROOT / "benchmarks" / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class CachingEmbedder:
    """Wraps an embedder with an on-disk cache keyed by text, so reruns skip the model."""

    def __init__(self, inner: Embedder, tag: str) -> None:
        self.inner = inner
        self.name, self.version, self.dimension = inner.name, inner.version, inner.dimension
        self.symmetric = bool(getattr(inner, "symmetric", False))
        self._path = cache_dir() / f"{tag}-{inner.name}-{inner.version}.npz"
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if self._path.exists():
            with np.load(self._path) as z:
                self._cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    @staticmethod
    def _key(text: str, query: bool) -> str:
        return hashlib.sha1(f"{int(query)}|{text}".encode()).hexdigest()

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode through the cache."""
        keys = [self._key(t, query) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            vecs = self.inner.encode([texts[i] for i in missing], query=query)
            for i, v in zip(missing, vecs, strict=True):
                self._cache[keys[i]] = v
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self._cache[k] for k in keys])

    def flush(self) -> None:
        """Write the cache if it grew."""
        if self._dirty:
            keys = list(self._cache)
            tmp = self._path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(keys), vecs=np.stack([self._cache[k] for k in keys]))
            os.replace(tmp, self._path)
            self._dirty = False
