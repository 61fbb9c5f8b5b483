"""Text helpers: language detection and Chinese-aware search terms."""

import re

import jieba

jieba.setLogLevel(60)

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[\w\u3400-\u9fff]+")
_STOP = frozenset(["的", "了", "和", "与", "及", "或", "在", "是", "为", "对", "等", "中", "一种", "以及", "the", "a", "an", "of", "and", "or", "for", "to", "in", "on", "with", "by", "is", "are"])
MAX_TERM_LEN = 64


def detect_language(text: str) -> str:
    """'zh' when the text is mostly Chinese characters, else 'en'."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk * 3 >= latin else "en"


def search_terms(text: str) -> set[str]:
    """Search terms of a text: jieba search-mode tokens, lower-cased, without stop words and punctuation."""
    terms: set[str] = set()
    for token in jieba.cut_for_search(text.lower()):
        token = token.strip()
        if not token or token in _STOP or not _WORD.fullmatch(token):
            continue
        if len(token) == 1 and not _CJK.match(token):
            continue
        terms.add(token[:MAX_TERM_LEN])
    return terms
