"""The country facet against bench/facets_gold.jsonl, written to BENCHMARKS.md.

    .venv/bin/python bench/eval_facets.py

155 articles of the shared corpus (100 Reuters 1987 across its topics, 55 BBC
2004-5, 11 per section), judged by hand for the countries each is about; the
62 Reuters stories whose filing place is plain from the text get the dateline
the wire would have put ahead of the body (the stored text has lost it).
Scored twice: the text as stored, and with those datelines.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ARTICLES, git_rev, machine, write_section  # noqa: E402

GOLD = Path(__file__).resolve().parent / "facets_gold.jsonl"


def _row(name, r):
    return (f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
            f"{r['predicted']} | {r['gold']} |")


def main() -> None:
    from indexer import faceteval
    from indexer.entities import EntityExtractor, about_min

    gold = faceteval.load_gold(GOLD)
    extractor = EntityExtractor()
    try:
        runs = {dl: faceteval.evaluate(gold, ARTICLES, extractor, datelines=dl)
                for dl in (False, True)}
    finally:
        extractor.close()
    rows, sweep = [], []
    for dl, label in ((False, "as stored"), (True, "with datelines")):
        r = runs[dl]
        rows += [_row(f"about, {label}", r["about"]), _row(f"mentioned, {label}", r["mentioned"])]
        sweep.append(f"| {label} | " + " | ".join(
            f"{s['f1']:.3f}" for s in r["about_by_threshold"].values()) + " |")
    thresholds = " | ".join(runs[True]["about_by_threshold"])
    body = f"""
Command: `.venv/bin/python bench/eval_facets.py` (logic in `indexer/faceteval.py`; commit
{git_rev()}). Machine: {machine()}.
Gold: `bench/facets_gold.jsonl`, {runs[True]['articles']} articles judged by hand (100 Reuters
1987 across topics, 55 BBC 2004-5), {sum(len(g['about']) for g in gold)} (article, country) pairs;
62 Reuters stories get the dateline the wire would have carried. Micro P/R/F1 over (article,
country) pairs; "about" at the default threshold (salience >= {about_min()}).

| | precision | recall | F1 | predicted | gold |
|---|---|---|---|---|---|
{chr(10).join(rows)}

"About" F1 by threshold (`NEWSARCHIVE_ABOUT_MIN`), same runs:

| text | {thresholds} |
|---|{'---|' * len(runs[True]['about_by_threshold'])}
{chr(10).join(sweep)}

The rules behind "about" (indexer/entities.py), each one a general rule for wire copy: salience
points for the headline, the dateline, the lead and each mention; a headline naming a US-listed
company (Reuters' code, "<EK>", bare or with a US market's suffix) counts as a headline mention
of the US; a country must reach a quarter of the article's top country's salience (else named in
passing); the article's most-named country, named twice or more, is about even below the
threshold; a place that opens a company's name ("Bermuda Star Line Inc") is no mention. Before
these (commit 1ab42aa) about F1 was 0.776 as stored and 0.796 with datelines.

What is still lost: BBC stories that name no country at all (British politics and sport, judged
GB); international bodies meeting in the dateline city (ICCO in London, OECD in Paris: the
dateline's country is scored about, the judge did not); a country named many times in a story
about another (Iraq in a Kuwaiti OPEC story).
"""
    print(body)
    write_section("Country facet: about vs mentioned (hand-judged articles)", body)


if __name__ == "__main__":
    main()
