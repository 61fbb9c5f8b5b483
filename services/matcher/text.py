"""Turning catalog items into model passages and lexical tokens."""

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba

from shared.schemas import CatalogItem

PASSAGE_CHARS = 256
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])|(?<=\.\s)")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)

# function words that match everywhere and explain nothing
_STOPWORDS = """的 了 和 与 及 或 等 在 对 为 是 将 把 被 于 以 其 之 并 中 上 下 个 一 一种 一个 这 该 此 有 由 从 到 也 可
    我们 我 公司 本 所 能 可以 进行 通过 实现 相关 主要 方面 目前 问题 需要 需求 要求 研究 技术 方法 项目 开发 研发
    解决 提高 提供 具有 用于 基于 应用 利用 采用 使用 关于 以及 如何 希望 寻求 合作 企业 产品 及其 领域 工作 方式
    a an and are as at be by for from has have in is it its of on or that the this to was were with we our can
    using based via into method methods study research technology need"""
STOPWORDS = frozenset(_STOPWORDS.split())


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def script_of(text: str) -> str:
    """"zh" when Chinese characters outnumber Latin words (a Chinese title may quote "AI" or "PLC"), else "en"."""
    sample = text[:300]
    return "zh" if len(_CJK.findall(sample)) >= len(_LATIN_WORD.findall(sample)) else "en"


# a free text's first line reads as its title when it is at most this long and more text follows
HEADLINE_CHARS = 80


def headline(text: str) -> tuple[str, str]:
    """A free text as (title, body): the first line when more follows (a need pasted as title, then
    description), else no title and the whole text."""
    head, newline, body = text.strip().partition("\n")
    if newline and body.strip() and 0 < len(head.strip()) <= HEADLINE_CHARS:
        return head.strip(), body.strip()
    return "", text.strip()


def item_text(item: CatalogItem) -> str:
    """The text the models see for an item: title, summary/description and keywords."""
    parts = [item.title.strip(), item.text.strip(), " ".join(k.strip() for k in item.keywords)]
    return "\n".join(p for p in parts if p)


def content_digest(item: CatalogItem) -> int:
    """64-bit hash of the fields that feed an item's passages and tokens (title, text, keywords)."""
    payload = "\x1f".join([item.title, item.text, "\x1e".join(item.keywords)]).encode()
    return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "big")


def passages(title: str, body: str, max_chars: int = PASSAGE_CHARS) -> list[str]:
    """Split a long text into sentence-aligned passages, each prefixed by the title."""
    title, body = title.strip(), body.strip()
    if len(title) + len(body) <= max_chars:
        return [f"{title}\n{body}".strip()]
    room = max(max_chars - len(title), max_chars // 2)
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(body):
        while len(sentence) > room:  # a run-on sentence is cut rather than dropped
            if current:
                chunks.append(current)
                current = ""
            chunks.append(sentence[:room])
            sentence = sentence[room:]
        if len(current) + len(sentence) > room:
            chunks.append(current)
            current = ""
        current += sentence
    if current.strip():
        chunks.append(current)
    return [f"{title}\n{c.strip()}".strip() for c in chunks if c.strip()] or [title]


def item_passages(item: CatalogItem, max_chars: int = PASSAGE_CHARS) -> list[str]:
    """Passages of an item's model text (title repeated so each passage keeps its topic)."""
    body = "\n".join(p for p in (item.text.strip(), " ".join(item.keywords)) if p)
    return passages(item.title, body, max_chars)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


# jieba's idf over a general Chinese corpus: words below EVERYDAY are common in any text (同时, 影响, 存在 …)
EVERYDAY = 8.0
_TITLE_NOISE = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _everyday_idf() -> dict[str, float]:
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for line in f:
                word, _, value = line.rstrip().rpartition(" ")
                if word and float(value) < EVERYDAY:
                    table[word] = float(value)
    return table


def everyday_idf(term: str) -> float:
    """How rare a word is in general Chinese text (jieba's idf, capped at EVERYDAY; unknown words: EVERYDAY)."""
    return _everyday_idf().get(term, EVERYDAY)


def title_key(title: str) -> str:
    """A title with case, width, spaces and punctuation ignored: two listings of one thing share it."""
    return _TITLE_NOISE.sub("", unicodedata.normalize("NFKC", title).lower())


def word_frequency(word: str) -> float:
    """How often a word occurs in jieba's general Chinese corpus (0 when it is not in its dictionary)."""
    return float(_jieba().FREQ.get(word, 0))


def warm_up() -> None:
    """Load the jieba dictionary and the general word rarities now rather than on the first request."""
    _jieba()
    _everyday_idf()


def tokenize(text: str) -> list[str]:
    """Lower-cased jieba search-mode tokens without punctuation or stop words."""
    out = []
    for tok in _jieba().cut_for_search(text.lower()):
        tok = tok.strip()
        if tok and tok not in STOPWORDS and _WORD.search(tok):
            out.append(tok)
    return out


def item_tokens(item: CatalogItem, *, query: bool = False) -> list[str]:
    """Lexical tokens of an item; as a query its title counts three times (measured best on bdci2019)."""
    return tokenize(item.title) * (3 if query else 1) + tokenize(f"{item.text} {' '.join(item.keywords)}")
