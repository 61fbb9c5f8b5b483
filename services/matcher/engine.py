"""The matcher: applies catalog changes to the index and answers match requests."""

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from services.matcher import persist
from services.matcher.clauses import clauses, embed_candidates, embed_clauses, item_clauses, query_vector
from services.matcher.config import MatcherSettings
from services.matcher.embedder import (
    Embedder,
    embed_items,
    embed_query_item,
    embed_text,
    embed_titles,
    is_symmetric,
    query_vector_from_pooled,
)
from services.matcher.explain import explain, matched_terms
from services.matcher.ranking import Fusion, Query, rank
from services.matcher.store import MatchIndex, Prepared
from services.matcher.text import content_digest, item_tokens, script_of, tokenize
from shared.schemas import CatalogItem, ChangeEvent, MatcherStatus, MatchRequest, MatchResponse, MatchResult
from shared.vocab import ChangeOp, Confidentiality, ItemKind

log = logging.getLogger(__name__)

CLAUSE_CACHE_SIZE = 1024


class Matcher:
    """Index plus the models that fill it; thread-safe, CPU-bound (call it from worker threads)."""

    def __init__(self, settings: MatcherSettings, embedder: Embedder, embedder2: Embedder | None = None,
                 fusion: Fusion | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.embedder2 = embedder2
        self.fusion = fusion or Fusion.tuned(second_dense=embedder2 is not None, method=settings.fusion)
        self.index = MatchIndex(embedder.dimension, embedder2.dimension if embedder2 else None,
                                hnsw_threshold=settings.hnsw_threshold, hnsw_m=settings.hnsw_m,
                                ef_search=settings.hnsw_ef_search)
        self._saved_version = 0
        self._last_save = 0.0
        self._save_seconds = 0.0
        # second-model clause vectors of recent query items that are not kept in the index (outputs, edited needs)
        self._clause_cache: OrderedDict[tuple[ItemKind, int, int], np.ndarray] = OrderedDict()
        self._clause_lock = threading.Lock()

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
        vecs = embed_items(items, self.embedder)
        vecs2 = embed_candidates(items, self.embedder2) if self.embedder2 else None
        clauses2: list[np.ndarray | None] = [None] * len(items)
        if self.embedder2 is not None:  # needs are the usual queries: keep their clause vectors ready
            asked = [i for i, it in enumerate(items) if it.kind is ItemKind.need]
            for i, vecs_i in zip(asked, embed_clauses([item_clauses(items[i]) for i in asked], self.embedder2),
                                 strict=True):
                clauses2[i] = vecs_i
        titles: list[np.ndarray | None] = [None] * len(items)
        if is_symmetric(self.embedder):  # and their title vectors, so asking about a stored need calls no model
            asked = [i for i, it in enumerate(items) if it.kind is ItemKind.need]
            for i, vec in zip(asked, embed_titles([items[i] for i in asked], self.embedder), strict=True):
                titles[i] = vec
        return [Prepared(item=it, vector=vecs[i], vector2=None if vecs2 is None else vecs2[i],
                         tokens=item_tokens(it), clauses2=clauses2[i], title_vector=titles[i])
                for i, it in enumerate(items)]

    def apply(self, changes: list[ChangeEvent], catalog_seq: int | None = None) -> int:
        """Apply feed changes idempotently (the last change of an item wins); return how many were applied."""
        latest: dict[tuple[ItemKind, int], ChangeEvent] = {}
        for change in changes:
            if change.seq > self.index.cursor:
                latest[(change.kind, change.item_id)] = change
        upserts = [c.item for c in latest.values()
                   if c.op is not ChangeOp.delete and c.item is not None and c.item.matchable]
        prepared = self.prepare([it for it in upserts if it is not None])
        with self.index.lock:
            for kind in ItemKind:
                gone = [i for (k, i), c in latest.items() if k is kind and
                        (c.op is ChangeOp.delete or c.item is None or not c.item.matchable)]
                self.index[kind].remove(gone)
                self.index[kind].upsert([p for p in prepared if p.item.kind is kind])
            if changes:
                self.index.cursor = max(self.index.cursor, max(c.seq for c in changes))
                self.index.version += 1
            if catalog_seq is not None:
                self.index.catalog_seq = catalog_seq
        return len(latest)

    # ----- queries -----
    def _query_clauses(self, item: CatalogItem, stored: np.ndarray | None) -> np.ndarray | None:
        """Second-model clause vectors of a query item: kept in the index, recently asked, or encoded now."""
        if self.embedder2 is None:
            return None
        if stored is not None:
            return stored
        key = (item.kind, item.id, content_digest(item))
        with self._clause_lock:
            cached = self._clause_cache.get(key)
            if cached is not None:
                self._clause_cache.move_to_end(key)
                return cached
        vectors = embed_clauses([item_clauses(item)], self.embedder2)[0]
        with self._clause_lock:
            self._clause_cache[key] = vectors
            while len(self._clause_cache) > CLAUSE_CACHE_SIZE:
                self._clause_cache.popitem(last=False)
        return vectors

    def prepare_query(self, request: MatchRequest) -> Query:
        """Embed and tokenise a request's item or text."""
        if request.item is not None:
            item = request.item
            weight = self.fusion.title_weight
            with self.index.lock:
                stored = self.index[item.kind].stored_query_parts(item)
                title = self.index[item.kind].titles.get(item.id) if stored is not None else None
            if stored is None:
                vector = embed_query_item(item, self.embedder, weight)
                tokens = item_tokens(item, query=True)
                stored_clauses = None
            else:
                # the item is indexed with this very text: reuse its pooled vector, title vector and tokens
                pooled, stored_clauses, terms = stored
                vector = (query_vector_from_pooled(item, pooled, self.embedder, weight, title)
                          if is_symmetric(self.embedder) else embed_query_item(item, self.embedder, weight))
                # stored terms count the title once; as a query it counts three times (see item_tokens)
                tokens = terms + tokenize(item.title) * 2
            clauses2 = self._query_clauses(item, stored_clauses)
            vector2 = None if clauses2 is None else query_vector(clauses2, bool(item.title.strip()))
            return Query(vector=vector, vector2=vector2, tokens=tokens, item=item, clauses2=clauses2,
                         script=script_of(item.title or item.text))
        text = request.text or ""
        vector = embed_text(text, self.embedder)
        clauses2 = embed_clauses([clauses("", text)], self.embedder2)[0] if self.embedder2 else None
        vector2 = None if clauses2 is None else query_vector(clauses2, False)
        return Query(vector=vector, vector2=vector2, tokens=tokenize(text), clauses2=clauses2, script=script_of(text))

    def match(self, request: MatchRequest, *, restrict_to: np.ndarray | None = None) -> MatchResponse:
        """Rank candidates of the requested kind; only matchable, permitted items, never the query itself."""
        query = self.prepare_query(request)
        own = request.item

        def allow(cand: CatalogItem) -> bool:
            if own is not None and cand.kind is own.kind and cand.id == own.id:
                return False
            if not request.include_brokers_only and cand.confidentiality == Confidentiality.brokers_only:
                return False
            return cand.matchable

        with self.index.lock:
            kind_index = self.index[request.target]
            ranked = rank(kind_index, query, k=request.k, fusion=self.fusion, allow=allow, restrict_to=restrict_to)
            results = []
            for r in ranked:
                terms = matched_terms(query.tokens, kind_index.lexical.tokens(r.item.id), kind_index.lexical)
                results.append(MatchResult(kind=r.item.kind, id=r.item.id, title=r.item.title, score=r.score,
                                           components=r.components, explanation=explain(r, terms)))
        return MatchResponse(results=results, model=self.model)

    def status(self) -> MatcherStatus:
        """Item counts, cursor and lag behind the catalog."""
        with self.index.lock:
            cursor, seq = self.index.cursor, self.index.catalog_seq
            kinds = {self.index[k].dense.kind for k in ItemKind}
            counts = self.index.counts()
        return MatcherStatus(items=counts, cursor=cursor, catalog_seq=seq,
                             lag=None if seq is None else max(seq - cursor, 0), model=self.model,
                             dimension=self.embedder.dimension, index_type="+".join(sorted(kinds)))
