"""People and places against CoNLL-2003 validation, written to BENCHMARKS.md.

    .venv/bin/python bench/eval_entities.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import SHARED, git_rev, machine, write_section  # noqa: E402

HISTORY = """
What each change did to people F1 (same data, same command):

| change | people P / R / F1 |
|---|---|
| spaCy PERSON spans, titles and possessives stripped, all-caps headlines skipped, short forms joined to full names, surnames rescanned | 0.816 / 0.793 / 0.805 |
| document-level label vote for bare names, "J. Smith" initials, "Dow Jones" is not Mr Jones, multi-word places are not people | 0.845 / 0.811 / 0.828 |
| initials must survive cleaning ("U.S. Open" is not a person) | 0.856 / 0.811 / 0.833 |
| only exact place names veto a full name (fuzzy country matching took "Michael Jordan" for Jordan) | 0.856 / 0.824 / 0.840 |
| full names the archive already knows found where the model missed them | 0.855 / 0.824 / 0.839 (neutral here: few repeats in 216 documents) |
| a unique given name or a family-name-first surname used alone (tried, reverted) | 0.848 / 0.831 / 0.839 |
| a gazetteer of regions (UK counties, provinces, states, Länder) that also stand for their country | 0.875 / 0.824 / 0.849 |
| results lists: "Pete Sampras ( U.S. )" is a person unless the model calls the name an organisation | see the table above |
"""


def main() -> None:
    from indexer import nereval
    from indexer.entities import EntityExtractor

    path = SHARED / "data" / "ner" / "conll2003_valid.jsonl"
    report = nereval.evaluate(nereval.load_conll(path), EntityExtractor())
    rows = "\n".join(
        f"| {k} | {report[k]['precision']:.4f} | {report[k]['recall']:.4f} | "
        f"{report[k]['f1']:.4f} | {report[k]['predicted']} | {report[k]['gold']} |"
        for k in ("people", "places"))
    body = f"""
Command: `.venv/bin/python bench/eval_entities.py` (= `newsarchive eval-entities --data
../shared/data/ner/conll2003_valid.jsonl`; commit {git_rev()}). Machine: {machine()}.
Data: CoNLL-2003 validation, {report['documents']} documents (first sentence as headline, the rest as
body), exact character spans. People = PER against the indexer's person mentions; places = LOC
against its country mentions (place words it maps to a country), so regions and continents
count against recall by design.

| | precision | recall | F1 | predicted | gold |
|---|---|---|---|---|---|
{rows}
{HISTORY}
"""
    print(body)
    write_section("Entity extraction quality (CoNLL-2003 validation)", body)


if __name__ == "__main__":
    main()
