"""Pick the zhibei outputs the cross-lingual set is written from (fixed seed, stratified by classification).

Usage: python3 pick_targets.py ../shared/data/zhibei > picks.tsv  (prints set, key, classification, name, status)
"""

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 16
PER_SET = 180
MIN_CONTEXT = 150
NEAR_DUP_CONTEXT = 0.6  # share of a context's character bigrams found in another output's context


def key(rec: dict) -> str:
    """Short sha1 of name + newline + context, as stored in the jsonl files."""
    return hashlib.sha1((rec["name"] + "\n" + (rec.get("context") or "")).encode()).hexdigest()[:12]


def bigrams(text: str) -> set[str]:
    """Character bigrams of a name, for near-duplicate detection."""
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def main(folder: str) -> None:
    """Print two disjoint, classification-spread target lists."""
    recs: list[dict] = []
    for i in (1, 2, 3):
        recs += json.loads((Path(folder) / f"achievements_part_{i}.json").read_text(encoding="utf-8"))
    grams = [bigrams(r["name"]) for r in recs]
    keys = [key(r) for r in recs]
    ok = []
    for i, r in enumerate(recs):
        if len((r.get("context") or "").strip()) < MIN_CONTEXT or keys.count(keys[i]) > 1:
            continue
        near = any(
            j != i
            and (recs[j]["name"] == r["name"] or len(grams[i] & grams[j]) / len(grams[i] | grams[j]) >= 0.5)
            for j in range(len(recs))
        )
        if not near:
            ok.append(i)
    by_class: dict[str, list[int]] = defaultdict(list)
    for i in ok:
        by_class[recs[i]["classification"] or "?"].append(i)
    rng = random.Random(SEED)
    for lst in by_class.values():
        rng.shuffle(lst)
    # round-robin over classifications (sorted), so small classes are represented
    order: list[int] = []
    pools = [by_class[c] for c in sorted(by_class)]
    while any(pools):
        for p in pools:
            if p:
                order.append(p.pop())
    picks = order[: 2 * PER_SET]
    rng.shuffle(picks)
    # flagged, not removed (removal would shift the seeded order): an output whose text is nearly
    # another output's text has two right answers, so no need or English version is written for it
    ctx = [bigrams(r.get("context") or "") for r in recs]
    dup = {
        i
        for i in picks
        if any(
            j != i and len(ctx[i] & ctx[j]) / max(1, min(len(ctx[i]), len(ctx[j]))) >= NEAR_DUP_CONTEXT
            for j in range(len(recs))
            if len(ctx[j]) > 1
        )
    }
    for n, i in enumerate(picks):
        print(
            "needs" if n % 2 == 0 else "outputs",
            keys[i],
            recs[i]["classification"],
            recs[i]["name"],
            "near-duplicate" if i in dup else "ok",
            sep="\t",
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/zhibei")
