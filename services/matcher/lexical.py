"""Incremental BM25 over jieba tokens (Lucene variant, same formula as bm25s' default)."""

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

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

    def load(self, documents: Iterable[tuple[int, list[str]]]) -> None:
        """Fill an empty index with many documents at once, scoring as `upsert` one by one would."""
        docs = list(documents)
        flat = list(itertools.chain.from_iterable(tokens for _, tokens in docs))
        # term ids by first appearance, as `_term_id` hands them out; blank tokens are never terms
        vocab = {term: 0 for term in dict.fromkeys(flat) if term.strip()}
        for tid, term in enumerate(vocab):
            vocab[term] = tid
        codes = np.fromiter(map(vocab.get, flat, itertools.repeat(-1)), np.int64, len(flat))
        token_doc = np.repeat(np.arange(len(docs), dtype=np.int64), [len(tokens) for _, tokens in docs])
        kept = codes >= 0
        codes, token_doc = codes[kept], token_doc[kept]
        # each document's distinct terms in the order they first appear in it, as Counter keeps them
        width = max(len(vocab), 1)
        keys, first, counts = np.unique(token_doc * width + codes, return_index=True, return_counts=True)
        by_appearance = np.argsort(first, kind="stable")
        pair_doc, pair_term = np.divmod(keys[by_appearance], width)
        self._fill(item_ids=[item_id for item_id, _ in docs], terms=list(vocab),
                   doc_terms=np.bincount(pair_doc, minlength=len(docs)), pair_term=pair_term,
                   pair_tf=np.minimum(counts[by_appearance], 65535).astype(np.uint16),
                   lengths=np.bincount(token_doc, minlength=len(docs)).astype(np.float32))

    def state(self) -> dict[str, np.ndarray]:
        """The live documents as arrays, for a snapshot that loads without re-reading every token."""
        live = sorted(self._row_of.items(), key=lambda entry: entry[1])
        ids = [np.frombuffer(self._docs[item_id][0], np.int32) for item_id, _ in live]
        tfs = [np.frombuffer(self._docs[item_id][1], np.uint16) for item_id, _ in live]
        flat = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        used = np.unique(flat)  # the terms of live documents, renumbered in their order
        new_id = np.full(len(self._terms), -1, np.int32)
        new_id[used] = np.arange(len(used), dtype=np.int32)
        terms = self._terms
        return {
            # terms hold no whitespace (they travel space-joined in items.jsonl too)
            "terms": np.frombuffer("\n".join([terms[t] for t in used.tolist()]).encode(), np.uint8),
            "item_ids": np.array([item_id for item_id, _ in live], np.int64),
            "lengths": self._len[[row for _, row in live]].astype(np.float32),
            "doc_terms": np.array([len(i) for i in ids], np.int64),
            "term_ids": new_id[flat],
            "tfs": np.concatenate(tfs) if tfs else np.zeros(0, np.uint16),
        }

    def load_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Fill an empty index from what `state` returned."""
        text = state["terms"].tobytes().decode()
        doc_terms = state["doc_terms"]
        self._fill(item_ids=state["item_ids"].tolist(), terms=text.split("\n") if text else [],
                   doc_terms=doc_terms, pair_term=state["term_ids"].astype(np.int64),
                   pair_tf=state["tfs"].astype(np.uint16), lengths=state["lengths"].astype(np.float32))

    def _fill(self, *, item_ids: list[int], terms: list[str], doc_terms: np.ndarray, pair_term: np.ndarray,
              pair_tf: np.ndarray, lengths: np.ndarray) -> None:
        """Set the whole state of an empty index: documents in row order, each its (term, tf) pairs in turn."""
        if self._rows:
            raise ValueError("an index is filled at once only while empty")
        if len(set(item_ids)) != len(item_ids):
            raise ValueError("a document is given twice")
        rows = len(item_ids)
        self._terms = terms
        self._vocab = {term: tid for tid, term in enumerate(terms)}
        pair_doc = np.repeat(np.arange(rows, dtype=np.int64), doc_terms)
        pair_term32 = pair_term.astype(np.int32)
        bounds = np.concatenate([[0], np.cumsum(doc_terms)]).tolist()
        for row, item_id in enumerate(item_ids):
            ids, tfs = array("i"), array("H")
            ids.frombytes(pair_term32[bounds[row]:bounds[row + 1]].tobytes())
            tfs.frombytes(pair_tf[bounds[row]:bounds[row + 1]].tobytes())
            self._docs[item_id] = (ids, tfs)
            self._row_of[item_id] = row
        capacity = 1024
        while capacity < rows:
            capacity *= 2
        self._id_at = np.zeros(capacity, np.int64)
        self._id_at[:rows] = item_ids
        self._alive = np.zeros(capacity, bool)
        self._alive[:rows] = True
        self._len = np.zeros(capacity, np.float32)
        self._len[:rows] = lengths
        self._rows = rows
        self._total_len = float(lengths.astype(np.float64).sum())
        by_term = np.argsort(pair_term, kind="stable")  # each term's rows ascending, as upserts append them
        post_rows, post_tfs = pair_doc[by_term], pair_tf[by_term]
        df = np.bincount(pair_term, minlength=len(terms))
        starts = np.concatenate([[0], np.cumsum(df)]).tolist()
        for tid in range(len(terms)):
            rows_of, tfs_of = array("q"), array("H")
            rows_of.frombytes(post_rows[starts[tid]:starts[tid + 1]].tobytes())
            tfs_of.frombytes(post_tfs[starts[tid]:starts[tid + 1]].tobytes())
            self._postings[tid] = (rows_of, tfs_of)
        self._df = Counter({tid: n for tid, n in enumerate(df.tolist()) if n})

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
        self.load(docs)

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

    def group_scorer(self, groups: Sequence[Sequence[Sequence[str]]]) -> "LexicalScores":
        """BM25 of a structured query: each group (one query term's alternatives, each a token sequence)
        adds the score of its best alternative in a document (a translated term, services/matcher/bilingual.py)."""
        scores = np.zeros(self._rows, np.float32)
        alternatives: dict[tuple[str, ...], np.ndarray] = {}
        for group, times in Counter(tuple(tuple(alt) for alt in g) for g in groups).items():
            best: np.ndarray | None = None
            # most of a term's words are in no document here: they cost no pass over the rows
            for alt in (a for a in group if any(t in self._vocab for t in a)):
                if alt not in alternatives:
                    alternatives[alt] = self._row_scores(list(alt))
                best = alternatives[alt] if best is None else np.maximum(best, alternatives[alt])
            if best is not None:
                scores += np.float32(times) * best
        return LexicalScores(self, scores)

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
