"""The country facet against hand-judged articles.

A gold file is JSONL, one article a line: `id`, `about` (the ISO codes the
article is about, in a judge's opinion; former states as SU, DD, YU, CS) and
optionally `dateline` (the city a wire story was filed from, where the
stored text has lost it: "TOKYO", "AUSTIN, Texas"). The articles themselves
come from a corpus JSONL (`id, title, body, published`), so a gold file
holds no article text.

Scores are micro-averaged over (article, country) pairs: "about" counts the
entities the extractor marks `about`, "mentioned" every country it finds.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from archive.model import Article
from indexer.entities import is_about, top_salience
from indexer.nereval import score

THRESHOLDS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)


def load_gold(path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_articles(corpus, ids: set[str]) -> dict[str, Article]:
    out = {}
    with open(corpus) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("id") in ids:
                out[rec["id"]] = Article(rec["id"], rec.get("title") or "", rec.get("body") or "",
                                         _date(rec.get("published")))
    return out


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def with_dateline(article: Article, city: str | None) -> Article:
    """The body as the wire sent it: "TOKYO, March 3 - ..." ahead of the text."""
    if not city:
        return article
    when = f", {article.published.strftime('%B')} {article.published.day}" \
        if article.published else ""
    return Article(article.id, article.title, f"{city}{when} - {article.body}",
                   article.published, article.source, article.url, article.topic)


def evaluate(gold: list[dict], corpus, extractor, datelines: bool = True) -> dict:
    """P/R/F1 of the country facet: "about" at the extractor's threshold,
    "mentioned", and "about" at each of THRESHOLDS (from the same run)."""
    articles = load_articles(corpus, {g["id"] for g in gold})
    rows = [g for g in gold if g["id"] in articles]
    items = [with_dateline(articles[g["id"]], g.get("dateline") if datelines else None)
             for g in rows]
    results = extractor.extract_many(items)
    truth = {(g["id"], c) for g in rows for c in g["about"]}
    about, mentioned = set(), set()
    by_threshold: dict[float, set] = {t: set() for t in THRESHOLDS}
    for g, ents in zip(rows, results):
        top = top_salience(ents)
        for e in ents:
            if e.kind != "country":
                continue
            pair = (g["id"], e.key)
            mentioned.add(pair)
            for t in THRESHOLDS:
                if is_about(e, top, t):
                    by_threshold[t].add(pair)
            if e.about:
                about.add(pair)
    sweep = {str(t): score(pairs, truth) for t, pairs in by_threshold.items()}
    return {"articles": len(rows), "missing": len(gold) - len(rows), "datelines": datelines,
            "about": score(about, truth), "mentioned": score(mentioned, truth),
            "about_by_threshold": sweep}


def main(argv=None) -> None:
    """python -m indexer.faceteval GOLD CORPUS [--no-datelines]"""
    import argparse

    from indexer.entities import EntityExtractor

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("gold", type=Path)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--no-datelines", action="store_true")
    args = ap.parse_args(argv)
    extractor = EntityExtractor()
    try:
        report = evaluate(load_gold(args.gold), args.corpus, extractor,
                          datelines=not args.no_datelines)
    finally:
        extractor.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
