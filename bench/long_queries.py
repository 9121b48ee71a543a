"""Make the long-query eval set: pasted text whose source article is the answer.

    .venv/bin/python bench/long_queries.py     # writes bench/data/long_queries/

Users paste a paragraph to ask "which article is this from?". Each query is
cut from one article of the shared corpus, and that article, indexed whole,
is the one relevant document:

- `paragraph`: three consecutive sentences from the middle, lightly shuffled
  (the last one moved to the front), about 40-90 words;
- `excerpt`: twelve consecutive sentences, often longer than the model's
  256-token window.

Articles whose body occurs twice in the corpus are skipped. Near-copies
remain (wire stories filed twice, BBC pages saved twice with one character
changed): when every sentence of a query also occurs in another article,
that article holds the pasted text too and is a right answer as well, so it
is judged relevant beside the source (22 of the 624 queries). Seeded, so the
same corpus always gives the same set.
"""
from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ARTICLES, ROOT, require_data  # noqa: E402

OUT = ROOT / "bench" / "data" / "long_queries"
PER_SOURCE = {"bbc": 300, "reuters21578": 300, "gum": 24}
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def sentences(body: str) -> list[str]:
    text = re.sub(r"\s+", " ", body).strip()
    return [s for s in SENTENCE.split(text) if len(s.split()) >= 4]


def make(rng: random.Random, sents: list[str], kind: str) -> str:
    if kind == "excerpt":
        start = rng.randrange(0, len(sents) - 11)
        return " ".join(sents[start:start + 12])
    mid = len(sents) // 2
    start = max(0, min(len(sents) - 3, mid - 1 + rng.choice([-1, 0, 1])))
    part = sents[start:start + 3]
    return " ".join(part[-1:] + part[:-1])


def also_holding(text: str, holders: dict[str, set[str]]) -> set[str]:
    """The articles that have every sentence of `text`."""
    found = None
    for s in sentences(text):
        ids = holders.get(s, set())
        found = set(ids) if found is None else found & ids
    return found or set()


def main() -> None:
    require_data()
    records = [json.loads(line) for line in open(ARTICLES) if line.strip()]
    twice = Counter(r["body"].strip() for r in records)
    holders: dict[str, set[str]] = {}
    for r in records:
        for s in sentences(r["body"]):
            holders.setdefault(s, set()).add(r["id"])
    rng = random.Random(14)
    queries, qrels = [], []
    for source, n in PER_SOURCE.items():
        pool = [r for r in records if r["id"].startswith(source) and twice[r["body"].strip()] == 1]
        rng.shuffle(pool)
        made = 0
        for r in pool:
            sents = sentences(r["body"])
            kind = "excerpt" if made % 3 == 2 else "paragraph"
            if len(sents) < (12 if kind == "excerpt" else 5):
                kind = "paragraph"
                if len(sents) < 5:
                    continue
            text = make(rng, sents, kind)
            qid = f"long-{len(queries) + 1:04d}"
            queries.append({"_id": qid, "text": text, "metadata": {"kind": kind, "source": source}})
            also = sorted(also_holding(text, holders) - {r["id"]})
            qrels += [(qid, did) for did in [r["id"], *also]]
            made += 1
            if made >= n:
                break
    (OUT / "qrels").mkdir(parents=True, exist_ok=True)
    with open(OUT / "queries.jsonl", "w") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    with open(OUT / "qrels" / "test.tsv", "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, did in qrels:
            f.write(f"{qid}\t{did}\t1\n")
    kinds = Counter(q["metadata"]["kind"] for q in queries)
    print(f"{len(queries)} queries ({dict(kinds)}) in {OUT}")


if __name__ == "__main__":
    main()
