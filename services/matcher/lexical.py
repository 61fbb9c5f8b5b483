"""Incremental BM25 over jieba tokens (Lucene variant, same formula as bm25s' default)."""

import math
from array import array
from collections import Counter

import numpy as np

_MIN_COMPACT = 1000
# terms with at least this many postings keep their float tfs and denominators between queries (until a write):
# they are the few common terms that make up most of a query's postings
_CACHE_MIN_POSTINGS = 1000


class BM25Index:
    """BM25 that accepts upserts and deletes without a full rebuild.

    bm25s builds a static matrix, which a live catalog cannot use; here postings only grow, a
    replaced or deleted document's row is masked, and the postings are compacted once dead rows
    outnumber live ones. Posting rows are int64 so numpy scores them in place, without a copy.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._reset()

    def _reset(self) -> None:
        # terms are interned to ids and documents kept as (term ids, tfs) arrays: a third of the memory of strings
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._postings: dict[int, tuple[array, array]] = {}  # term id -> (rows "q", tfs "H")
        self._df: Counter[int] = Counter()
        self._row_of: dict[int, int] = {}
        self._docs: dict[int, tuple[array, array]] = {}
        self._id_at = np.zeros(1024, np.int64)
        self._alive = np.zeros(1024, bool)
        self._len = np.zeros(1024, np.float32)
        self._rows = 0
        self._total_len = 0.0
        self._norms: np.ndarray | None = None  # per row k1 * (1 - b + b * len / avgdl), until the next write
        self._cached: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # term id -> (tfs, tf + norm), until the next write

    def __len__(self) -> int:
        return len(self._row_of)

    def tokens(self, item_id: int) -> list[str]:
        """Distinct stored terms of a document."""
        doc = self._docs.get(item_id)
        return [] if doc is None else [self._terms[t] for t in doc[0]]

    def terms(self, item_id: int) -> list[str]:
        """A document's stored terms, each repeated as often as it occurs (the order is not kept)."""
        doc = self._docs.get(item_id)
        return [] if doc is None else self._expand(doc)

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._terms)
            self._terms.append(term)
        return tid

    def upsert(self, item_id: int, tokens: list[str]) -> None:
        """Index (or re-index) one document's tokens."""
        self.remove(item_id)
        self._norms = None
        self._cached = {}
        row = self._rows
        if row >= len(self._alive):
            cap = 2 * len(self._alive)
            self._id_at = np.resize(self._id_at, cap)
            self._alive = np.concatenate([self._alive, np.zeros(cap - len(self._alive), bool)])
            self._len = np.resize(self._len, cap)
        self._rows += 1
        counts = Counter(t for t in tokens if t.strip())
        ids, tfs = array("i"), array("H")
        for term, tf in counts.items():
            tid = self._term_id(term)
            post = self._postings.get(tid)
            if post is None:
                post = self._postings[tid] = (array("q"), array("H"))
            tf = min(tf, 65535)
            try:
                post[0].append(row)
            except BufferError:  # a numpy view of the postings outlived its query (a kept traceback): copy
                post = self._postings[tid] = (array("q", post[0]), array("H", post[1]))
                post[0].append(row)
            try:
                post[1].append(tf)
            except BufferError:
                post = self._postings[tid] = (post[0], array("H", post[1]))
                post[1].append(tf)
            self._df[tid] += 1
            ids.append(tid)
            tfs.append(tf)
        length = sum(counts.values())
        self._id_at[row] = item_id
        self._alive[row] = True
        self._len[row] = length
        self._total_len += length
        self._row_of[item_id] = row
        self._docs[item_id] = (ids, tfs)

    def remove(self, item_id: int) -> None:
        """Forget a document; unknown ids are ignored."""
        row = self._row_of.pop(item_id, None)
        if row is None:
            return
        self._norms = None
        self._cached = {}
        self._alive[row] = False
        self._total_len -= float(self._len[row])
        for tid in self._docs.pop(item_id)[0]:
            self._df[tid] -= 1
            if self._df[tid] <= 0:
                del self._df[tid]
        if self._rows - len(self._row_of) > max(_MIN_COMPACT, len(self._row_of)):
            self._compact()

    def _compact(self) -> None:
        docs = [(i, self._expand(doc)) for i, doc in self._docs.items()]
        self._reset()
        for item_id, tokens in docs:
            self.upsert(item_id, tokens)

    def _expand(self, doc: tuple[array, array]) -> list[str]:
        return [self._terms[t] for t, tf in zip(doc[0], doc[1], strict=True) for _ in range(tf)]

    def _row_norms(self) -> np.ndarray:
        """Length normalisation of every row, computed once per state of the index rather than per posting."""
        if self._norms is None or len(self._norms) != self._rows:
            avgdl = max(self._total_len / max(len(self._row_of), 1), 1.0)
            self._norms = self.k1 * (1.0 - self.b + self.b * self._len[: self._rows] / avgdl)
        return self._norms

    def _row_scores(self, query_tokens: list[str]) -> np.ndarray:
        n = len(self._row_of)
        scores = np.zeros(self._rows, np.float32)
        if n == 0:
            return scores
        norms = self._row_norms()
        # a term repeated in the query counts each time (as in bm25s): repetition marks the topic
        for term, qtf in Counter(query_tokens).items():
            tid = self._vocab.get(term)
            if tid is None:
                continue
            post, df = self._postings.get(tid), self._df.get(tid, 0)
            if post is None or df == 0:
                continue
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            # the same float32 operations, in the same order, as qtf * idf * tf / (tf + norm) per posting
            rows = np.frombuffer(post[0], np.int64)
            cached = self._cached.get(tid)
            if cached is None:
                tf = np.frombuffer(post[1], np.uint16).astype(np.float32)
                denominator = np.take(norms, rows)
                denominator += tf
                if len(rows) >= _CACHE_MIN_POSTINGS:
                    self._cached[tid] = (tf, denominator)
            else:
                tf, denominator = cached
            contribution = qtf * idf * tf
            contribution /= denominator
            np.add.at(scores, rows, contribution)
            del rows  # release the view at once: the postings cannot grow while it exists
        scores[~self._alive[: self._rows]] = 0.0
        return scores

    def scorer(self, query_tokens: list[str]) -> "LexicalScores":
        """Score every document once for a query; read top-k and per-id scores from the result."""
        return LexicalScores(self, self._row_scores(query_tokens))

    def top(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) with a positive score, best first."""
        return self.scorer(query_tokens).top(k)

    def scores(self, query_tokens: list[str], ids: np.ndarray) -> np.ndarray:
        """BM25 scores of the given indexed ids for a query."""
        return self.scorer(query_tokens).of(ids)

    def all_scores(self, query_tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores of every indexed id (ids, scores)."""
        scores = self._row_scores(query_tokens)
        alive = self._alive[: self._rows]
        return self._id_at[: self._rows][alive], scores[alive]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (0 for an unknown term)."""
        tid = self._vocab.get(term)
        n, df = len(self._row_of), 0 if tid is None else self._df.get(tid, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def documents(self) -> dict[int, str]:
        """Space-joined tokens per id (for persistence)."""
        return {item_id: " ".join(self._expand(doc)) for item_id, doc in self._docs.items()}


class LexicalScores:
    """BM25 scores of all documents for one query."""

    def __init__(self, index: BM25Index, row_scores: np.ndarray) -> None:
        self._index = index
        self._scores = row_scores

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) with a positive score, best first (equal scores in no particular order)."""
        scores = self._scores
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        rows = _best_rows(scores, k)
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return self._index._id_at[rows].copy(), scores[rows]

    def of(self, ids: np.ndarray) -> np.ndarray:
        """Scores of the given indexed ids."""
        wanted = np.asarray(ids).tolist()
        return self._scores[np.fromiter(map(self._index._row_of.__getitem__, wanted), np.int64, len(wanted))]


_SAMPLE_STRIDE = 32


def _best_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the `k` best scores: the very set a full `argpartition` picks, found among the few rows
    above a threshold read off a sample (a tenth of the time on 100k rows)."""
    if len(scores) > 16 * k:
        sample = scores[::_SAMPLE_STRIDE]
        rank = min(len(sample) - 1, 2 * k // _SAMPLE_STRIDE + 8)  # about 2k rows score at least this
        threshold = np.partition(sample, len(sample) - 1 - rank)[len(sample) - 1 - rank]
        above = np.flatnonzero(scores >= threshold)
        if len(above) >= k:  # so the k-th best score is among them
            values = scores[above]
            kth = np.partition(values, len(values) - k)[len(values) - k]
            best = above[values >= kth]
            if len(best) == k:  # no tie at the k-th score: the k best are one set, whoever picks them
                return best
    # a tie at the k-th score (or too few rows above the threshold): the choice a full argpartition makes
    return np.argpartition(-scores, k - 1)[:k]
