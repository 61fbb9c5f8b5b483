"""The matcher: applies catalog changes to the index and answers match requests."""

import logging
import time
from typing import Any

import numpy as np

from services.matcher import learned, persist, themes
from services.matcher.clauses import embed_candidates, embed_clauses, item_clauses
from services.matcher.config import MatcherSettings
from services.matcher.embedder import Embedder, is_symmetric
from services.matcher.encoding import embed_items, embed_titles
from services.matcher.explain import explain, matched_terms, matched_translations
from services.matcher.lanes import QueryFirst
from services.matcher.passages import PassageFinder
from services.matcher.queries import QueryPreparer
from services.matcher.ranking import Fusion, Query, rank
from services.matcher.store import MatchIndex, Prepared
from services.matcher.text import item_tokens
from shared.schemas import (
    CatalogItem,
    ChangeEvent,
    MatcherStatus,
    MatchRequest,
    MatchResponse,
    MatchResult,
    Theme,
    ThemesRequest,
    ThemesResponse,
    ThemeSupply,
)
from shared.vocab import ChangeOp, Confidentiality, ItemKind

log = logging.getLogger(__name__)
APPLY_CHUNK = 64  # items embedded and written to the index per hold of its lock


class Matcher:
    """Index plus the models that fill it; thread-safe, CPU-bound (call it from worker threads)."""

    def __init__(self, settings: MatcherSettings, embedder: Embedder, embedder2: Embedder | None = None,
                 fusion: Fusion | None = None, *, indexing: tuple[Embedder, Embedder | None] | None = None) -> None:
        self.settings = settings
        # queries come first on each model (lanes.py); indexing encodes through the `.bulk` lanes, with
        # instances of its own where `indexing` gives them
        own, own2 = indexing or (None, None)
        self.embedder = QueryFirst(embedder, indexing=own)
        self.embedder2 = QueryFirst(embedder2, indexing=own2) if embedder2 is not None else None
        self.fusion = fusion or Fusion.tuned(second_dense=embedder2 is not None, method=settings.fusion)
        self.index = MatchIndex(embedder.dimension, embedder2.dimension if embedder2 else None,
                                hnsw_threshold=settings.hnsw_threshold, hnsw_m=settings.hnsw_m,
                                ef_search=settings.hnsw_ef_search)
        self._saved_version = 0
        self._last_save = 0.0
        self._save_seconds = 0.0
        self._rate: float | None = None  # items applied per second, smoothed over recent pages
        self.encoded_items = 0  # items embedded for the index since start (a metric)
        # a model trained by `duijie train-ranker`, read at start (learned.py); None: the fusion ranks
        self.ranker = learned.load(settings.data_dir)
        self.passages = PassageFinder(self.embedder)  # through the query lane: a person is waiting for them
        self.queries = QueryPreparer(self.index, self.embedder, self.embedder2, text_clauses=settings.text_clauses,
                                     translate=settings.translate_queries)

    @property
    def model(self) -> str:
        """Name of the dense model(s), as reported to clients."""
        return self.embedder.name + (f"+{self.embedder2.name}" if self.embedder2 else "")

    def identity(self) -> dict[str, Any]:
        """Model identity a stored snapshot must match."""
        second = ({"model": self.embedder2.name, "version": self.embedder2.version,
                   "dimension": self.embedder2.dimension, "reads": "candidate titles, need clauses"}
                  if self.embedder2 else None)
        return persist.model_identity(self.embedder.name, self.embedder.version, self.embedder.dimension, second)

    # ----- state -----
    def load(self) -> bool:
        """Resume from the stored snapshot; False (start from cursor 0) if absent or built by another model."""
        with self.index.lock:
            loaded = persist.load_snapshot(self.index, self.settings.data_dir, self.identity())
            self._saved_version = self.index.version
        return loaded

    def save(self, *, force: bool = False) -> bool:
        """Snapshot if anything changed, at most as often as the interval (and saving's own cost) allows."""
        now = time.monotonic()
        if self.index.version == self._saved_version:
            return False
        if not force and now - self._last_save < max(self.settings.snapshot_interval, 5 * self._save_seconds):
            return False
        with self.index.lock:
            started = time.monotonic()
            persist.save_snapshot(self.index, self.settings.data_dir, self.identity())
            self._saved_version = self.index.version
        self._save_seconds = time.monotonic() - started
        self._last_save = time.monotonic()
        return True

    def prepare(self, items: list[CatalogItem]) -> list[Prepared]:
        """Embed and tokenise items (no lock held: this is the slow part)."""
        if not items:
            return []
        self.encoded_items += len(items)
        first = self.embedder.bulk
        second = self.embedder2.bulk if self.embedder2 is not None else None
        vecs = embed_items(items, first)
        vecs2 = embed_candidates(items, second) if second else None
        clauses2: list[np.ndarray | None] = [None] * len(items)
        if second is not None:  # needs are the usual queries: keep their clause vectors ready
            asked = [i for i, it in enumerate(items) if it.kind is ItemKind.need]
            for i, vecs_i in zip(asked, embed_clauses([item_clauses(items[i]) for i in asked], second), strict=True):
                clauses2[i] = vecs_i
        titles: list[np.ndarray | None] = [None] * len(items)
        if is_symmetric(first):  # and their title vectors, so asking about a stored need calls no model
            asked = [i for i, it in enumerate(items) if it.kind is ItemKind.need]
            for i, vec in zip(asked, embed_titles([items[i] for i in asked], first), strict=True):
                titles[i] = vec
        return [Prepared(item=it, vector=vecs[i], vector2=None if vecs2 is None else vecs2[i],
                         tokens=item_tokens(it), clauses2=clauses2[i], title_vector=titles[i])
                for i, it in enumerate(items)]

    def observe_head(self, catalog_seq: int) -> None:
        """Record the catalog's newest change as just seen, before anything is applied (so lag is never hidden)."""
        with self.index.lock:
            self.index.catalog_seq = catalog_seq

    def apply(self, changes: list[ChangeEvent], catalog_seq: int | None = None) -> int:
        """Apply feed changes idempotently (the last change of an item wins); return how many were applied."""
        if catalog_seq is not None:
            self.observe_head(catalog_seq)
        started = time.monotonic()
        latest: dict[tuple[ItemKind, int], ChangeEvent] = {}
        for change in changes:
            if change.seq > self.index.cursor:
                latest[(change.kind, change.item_id)] = change
        upserts = [c.item for c in latest.values()
                   if c.op is not ChangeOp.delete and c.item is not None and c.item.matchable]
        with self.index.lock:
            for kind in ItemKind:
                self.index[kind].remove([i for (k, i), c in latest.items() if k is kind and
                                         (c.op is ChangeOp.delete or c.item is None or not c.item.matchable)])
        # a chunk at a time, so queries read the index between chunks instead of waiting for the whole page
        for start in range(0, len(upserts), APPLY_CHUNK):
            prepared = self.prepare([it for it in upserts[start:start + APPLY_CHUNK] if it is not None])
            with self.index.lock:
                for kind in ItemKind:
                    self.index[kind].upsert([p for p in prepared if p.item.kind is kind])
        with self.index.lock:
            if changes:
                self.index.cursor = max(self.index.cursor, max(c.seq for c in changes))
                self.index.version += 1
        if changes:
            rate = len(changes) / max(time.monotonic() - started, 1e-3)
            self._rate = rate if self._rate is None else 0.7 * self._rate + 0.3 * rate
        return len(latest)

    # ----- queries -----
    def prepare_query(self, request: MatchRequest) -> Query:
        """Embed and tokenise a request's item or text."""
        return self.queries.prepare(request, title_weight=self.fusion.title_weight,
                                    cross_title_weight=self.fusion.cross_title_weight)

    def match(self, request: MatchRequest, *, restrict_to: np.ndarray | None = None) -> MatchResponse:
        """Rank candidates of the requested kind; only matchable, permitted items, never the query itself."""
        query = self.prepare_query(request)
        own = request.item
        if restrict_to is None and request.restrict_to is not None:
            restrict_to = np.asarray(request.restrict_to, np.int64)

        def allow(cand: CatalogItem) -> bool:
            if own is not None and cand.kind is own.kind and cand.id == own.id:
                return False
            if not request.include_brokers_only and cand.confidentiality == Confidentiality.brokers_only:
                return False
            return cand.matchable

        with self.index.lock:
            kind_index = self.index[request.target]
            ranked = rank(kind_index, query, k=request.k, fusion=self.fusion, allow=allow, restrict_to=restrict_to,
                          ranker=self.ranker)
            held = [kind_index.lexical.tokens(r.item.id) for r in ranked]
            terms = [matched_terms(query.tokens, tokens, kind_index.lexical) for tokens in held]
            found = [matched_translations(query.translated, tokens)
                     if query.translated and kind_index.scripts[r.item.id] != query.script else []
                     for r, tokens in zip(ranked, held, strict=True)]
        # the returned candidates' passages are encoded with the index unlocked (indexing goes on meanwhile)
        best = (self.passages.best([r.item for r in ranked], query.vector, query.tokens)
                if request.wants_passages and ranked else [None] * len(ranked))
        results = [MatchResult(kind=r.item.kind, id=r.item.id, title=r.item.title, score=r.score,
                               components=r.components, explanation=explain(r, t, passage, f), best_passage=passage)
                   for r, t, passage, f in zip(ranked, terms, best, found, strict=True)]
        return MatchResponse(results=results, model=self.model)

    def themes(self, request: ThemesRequest) -> ThemesResponse:
        """Group open needs by their stored vectors (the second model's if kept, else the first's): each theme's
        distinctive terms, coherence and the outputs closest to its centroid in the first model's space."""

        def allow(cand: CatalogItem) -> bool:
            return cand.matchable and (request.include_brokers_only
                                       or cand.confidentiality != Confidentiality.brokers_only)

        with self.index.lock:
            needs, outputs = self.index[ItemKind.need], self.index[ItemKind.output]
            asked = list(dict.fromkeys(request.need_ids)) if request.need_ids is not None else list(needs.items)
            held = [i for i in asked if i in needs.items and allow(needs.items[i])]
            missing = [i for i in asked if i not in needs.items]
            second = needs.dense2 is not None
            space = needs.dense2 if needs.dense2 is not None else needs.dense
            vectors = space.vectors(np.array(held, np.int64)) if held else np.zeros((0, space.dim), np.float32)
            # the supply is read in the first model's space: pooled passages on both sides, cosines spread out
            pooled = (needs.dense.vectors(np.array(held, np.int64)) if held
                      else np.zeros((0, needs.dense.dim), np.float32))
            terms = [needs.lexical.terms(i) for i in held]
        found = themes.cluster(vectors, min_size=request.min_size)
        labels = themes.label_terms([[terms[r] for r in g] for g in found.groups], terms)
        result = []
        with self.index.lock:
            for group, (zh, en) in zip(found.groups, labels, strict=True):
                centroid = pooled[group].mean(axis=0)
                centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
                supply: list[ThemeSupply] = []
                if request.supply_k and len(outputs.dense):
                    ids, scores = outputs.dense.search(centroid, request.supply_k + 20)
                    for oid, score in zip(ids.tolist(), scores.tolist(), strict=True):
                        cand = outputs.items.get(oid)
                        if cand is not None and allow(cand) and len(supply) < request.supply_k:
                            supply.append(ThemeSupply(id=oid, title=cand.title,
                                                      score=round(min(max(score, 0.0), 1.0), 4)))
                result.append(Theme(need_ids=[held[r] for r in group], terms_zh=zh, terms_en=en,
                                    coherence=round(themes.coherence(vectors, group), 4), supply=supply))
        return ThemesResponse(
            themes=result, unclustered=[held[r] for r in found.rest], missing=missing,
            coherence=round(themes.weighted_coherence(vectors, found.groups), 4),
            baseline=round(themes.random_baseline(vectors, [len(g) for g in found.groups]), 4),
            method="agglomerative", threshold=None if found.threshold is None else round(found.threshold, 4),
            model=self.embedder2.name if second and self.embedder2 else self.embedder.name)

    def status(self) -> MatcherStatus:
        """Item counts, cursor and lag behind the catalog."""
        with self.index.lock:
            cursor, seq = self.index.cursor, self.index.catalog_seq
            kinds = {self.index[k].dense.kind for k in ItemKind}
            counts = self.index.counts()
        lag = None if seq is None else max(seq - cursor, 0)
        rate = self._rate
        eta = 0.0 if lag == 0 else (lag / rate if lag and rate else None)  # None: lag or speed unknown
        return MatcherStatus(items=counts, cursor=cursor, catalog_seq=seq, lag=lag,
                             items_per_second=None if rate is None else round(rate, 1),
                             eta_seconds=None if eta is None else round(eta, 1), model=self.model,
                             dimension=self.embedder.dimension, index_type="+".join(sorted(kinds)))
