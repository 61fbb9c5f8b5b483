"""Check the cross-lingual set: ids unique, every target/source resolves to exactly one zhibei output.

Usage: python3 validate.py ../shared/data/zhibei
"""

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent


def rows(name: str) -> list[dict]:
    """Read one jsonl file of this folder."""
    return [
        json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def main(folder: str) -> None:
    """Validate all three files and print counts; exit 1 on any problem."""
    recs: list[dict] = []
    for i in (1, 2, 3):
        recs += json.loads((Path(folder) / f"achievements_part_{i}.json").read_text(encoding="utf-8"))
    keys = Counter(
        (r["name"], hashlib.sha1((r["name"] + "\n" + (r.get("context") or "")).encode()).hexdigest()[:12])
        for r in recs
    )
    needs, outputs, zh = rows("en_needs.jsonl"), rows("en_outputs.jsonl"), rows("zh_needs.jsonl")
    errors = []
    ids = Counter(r["id"] for r in needs + outputs + zh)
    errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    for r in needs:
        if keys[(r["target_name"], r["target_key"])] != 1:
            errors.append(f"{r['id']}: target does not resolve uniquely")
    for r in outputs:
        if keys[(r["source_name"], r["source_key"])] != 1:
            errors.append(f"{r['id']}: source does not resolve uniquely")
    used = Counter(r["target_key"] for r in needs) + Counter(r["source_key"] for r in outputs)
    errors += [f"output {k} used twice" for k, n in used.items() if n > 1]
    eo = {r["id"] for r in outputs}
    errors += [f"{r['id']}: unknown target {r['target']}" for r in zh if r["target"] not in eo]
    missing = eo - {r["target"] for r in zh}
    errors += [f"no Chinese need for {i}" for i in sorted(missing)]
    for r in needs + outputs + zh:
        if not r["title"].strip() or not r["text"].strip():
            errors.append(f"{r['id']}: empty title or text")
    print(f"en_needs {len(needs)}  en_outputs {len(outputs)}  zh_needs {len(zh)}  problems {len(errors)}")
    for e in errors[:50]:
        print(" ", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/zhibei")
