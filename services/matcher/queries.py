"""Query preparation: a match request's item or text as vectors and tokens, reusing what the index holds."""

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from services.matcher.bilingual import Translation, cedict, translations
from services.matcher.clauses import clauses, embed_clauses, item_clauses, query_vector
from services.matcher.embedder import Embedder, is_symmetric
from services.matcher.encoding import embed_query_blends, embed_text, query_blends_from_pooled
from services.matcher.ranking import Query
from services.matcher.store import MatchIndex
from services.matcher.text import content_digest, headline, item_tokens, script_of, tokenize
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ItemKind

CLAUSE_CACHE_SIZE = 1024
# second-model vectors of single clauses, whoever asked them: a repeated search, the next page of results or
# a need sharing a sentence with an earlier one encodes only what is new (about 1 KB each)
CLAUSE_TEXT_CACHE_SIZE = 20_000


class QueryPreparer:
    """Embeds and tokenises match requests against one index; thread-safe."""

    def __init__(self, index: MatchIndex, embedder: Embedder, embedder2: Embedder | None = None, *,
                 text_clauses: int = 1, translate: bool = True) -> None:
        self.index = index
        self.translate = translate  # look an English query's terms up in CC-CEDICT (bilingual.py)
        self.embedder = embedder
        self.embedder2 = embedder2
        self.text_clauses = text_clauses  # clauses after the title that the second model reads of a free text
        # a free text's first-model encode runs here while the asking thread encodes its clauses with the second
        self._beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-first-model")
        # second-model clause vectors of recent query items that are not kept in the index (outputs, edited needs)
        self._clause_cache: OrderedDict[tuple[ItemKind, int, int], np.ndarray] = OrderedDict()
        self._clause_lock = threading.Lock()
        self._by_text: OrderedDict[str, np.ndarray] = OrderedDict()

    def prepare(self, request: MatchRequest, *, title_weight: float, cross_title_weight: float | None = None) -> Query:
        """Embed and tokenise a request's item or text (`title_weight` blends an item's title into its vector;
        `cross_title_weight`, if given, into a second vector that scores candidates in another script)."""
        weights = (title_weight,) if cross_title_weight is None else (title_weight, cross_title_weight)
        if request.item is not None:
            return self._item_query(request.item, weights=weights)
        return self._text_query(request.text or "", weights=weights)

    def _item_query(self, item: CatalogItem, *, weights: tuple[float, ...]) -> Query:
        with self.index.lock:
            stored = self.index[item.kind].stored_query_parts(item)
            title = self.index[item.kind].titles.get(item.id) if stored is not None else None
        if stored is None:
            vectors = embed_query_blends(item, self.embedder, weights)
            tokens = item_tokens(item, query=True)
            stored_clauses = None
        else:
            # the item is indexed with this very text: reuse its pooled vector, title vector and tokens
            pooled, stored_clauses, terms = stored
            vectors = (query_blends_from_pooled(item, pooled, self.embedder, weights, title)
                       if is_symmetric(self.embedder) else embed_query_blends(item, self.embedder, weights))
            # stored terms count the title once; as a query it counts three times (see item_tokens)
            tokens = terms + tokenize(item.title) * 2
        clauses2 = self._query_clauses(item, stored_clauses)
        vector2 = None if clauses2 is None else query_vector(clauses2, bool(item.title.strip()))
        script = script_of(item.title or item.text)
        return Query(vector=vectors[0], vector2=vector2, tokens=tokens, item=item, clauses2=clauses2,
                     script=script, cross_vector=vectors[-1],
                     translated=self._translated(script, item.title, f"{item.text} {' '.join(item.keywords)}"))

    def _text_query(self, text: str, *, weights: tuple[float, ...]) -> Query:
        """A free text ranks as a need would: its first line as the title when more follows; the second
        model reads the title and the first `text_clauses` clauses only (benchmarks/results/matcher.md §1)."""
        title, body = headline(text)
        item = CatalogItem(kind=ItemKind.need, id=0, title=title, text=body, status="open")
        encode_first: Callable[[], list[np.ndarray]] = (
            partial(embed_query_blends, item, self.embedder, weights) if title
            else lambda: [embed_text(body, self.embedder)] * len(weights))
        tokens = item_tokens(item, query=True) if title else tokenize(body)
        script = script_of(text)
        translated = self._translated(script, title, body)
        if self.embedder2 is None:
            vectors = encode_first()
            return Query(vector=vectors[0], tokens=tokens, script=script, cross_vector=vectors[-1], title=title,
                         translated=translated)
        first = self._beside.submit(encode_first)  # the two models encode on a core each
        clauses2 = self._encode_clauses(clauses(title, body)[: 1 + self.text_clauses])
        vectors = first.result()
        return Query(vector=vectors[0], vector2=query_vector(clauses2, bool(title)), tokens=tokens,
                     clauses2=clauses2, script=script, cross_vector=vectors[-1], title=title, translated=translated)

    def _translated(self, script: str, title: str, body: str) -> list[Translation]:
        """An English query's terms as Chinese words for BM25 over Chinese candidates (none for a Chinese one)."""
        dictionary = cedict() if self.translate and script == "en" else None
        return [] if dictionary is None else translations(dictionary, title, body)

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
        vectors = self._encode_clauses(item_clauses(item))
        with self._clause_lock:
            self._clause_cache[key] = vectors
            while len(self._clause_cache) > CLAUSE_CACHE_SIZE:
                self._clause_cache.popitem(last=False)
        return vectors

    def _encode_clauses(self, texts: list[str]) -> np.ndarray:
        """Second-model query vectors of clauses, encoding in one call only those not seen lately."""
        assert self.embedder2 is not None
        with self._clause_lock:
            known = {t: self._by_text[t] for t in texts if t in self._by_text}
            for t in known:
                self._by_text.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            for t, vector in zip(missing, embed_clauses([missing], self.embedder2)[0], strict=True):
                known[t] = vector
            with self._clause_lock:
                self._by_text.update((t, known[t]) for t in missing)
                while len(self._by_text) > CLAUSE_TEXT_CACHE_SIZE:
                    self._by_text.popitem(last=False)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, self.embedder2.dimension), np.float16)
