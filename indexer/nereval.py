"""People and place extraction measured on CoNLL-2003 (IOB2), per document.

Each document's first sentence is its headline and the rest its body, as the
indexer sees articles. Gold PER spans are compared with the indexer's person
mentions, gold LOC spans with its country mentions (place words it maps to a
country), both by exact character span.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Doc:
    title: str
    body: str
    gold: dict[str, set] = field(default_factory=lambda: defaultdict(set))


def load_conll(path) -> list[Doc]:
    by_doc: dict[int, list[dict]] = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                by_doc[rec["doc"]].append(rec)
    docs = []
    for _, sents in sorted(by_doc.items()):
        texts = {"title": [], "body": []}
        doc = Doc("", "")
        pos = {"title": 0, "body": 0}
        for n, s in enumerate(sents):
            fld = "title" if n == 0 else "body"
            if texts[fld]:
                pos[fld] += 1  # the newline between sentences
            starts = []
            for tok in s["tokens"]:
                starts.append(pos[fld])
                pos[fld] += len(tok) + 1
            pos[fld] -= 1
            texts[fld].append(" ".join(s["tokens"]))
            _spans(s["tokens"], s["ner"], starts, fld, doc.gold)
        doc.title = "\n".join(texts["title"])
        doc.body = "\n".join(texts["body"])
        docs.append(doc)
    return docs


def _spans(tokens, tags, starts, fld, gold):
    kind, begin, end = None, 0, 0
    for tok, tag, start in list(zip(tokens, tags, starts)) + [("", "O", -1)]:
        if kind and not tag.startswith("I-"):
            gold[kind].add((fld, begin, end))
            kind = None
        if tag.startswith("B-") or (tag.startswith("I-") and kind is None):
            kind, begin = tag[2:], start
        if kind:
            end = start + len(tok)


def score(pred: set, gold: set) -> dict:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "predicted": len(pred), "gold": len(gold)}


def evaluate(docs: list[Doc], extractor, batch_size: int = 32) -> dict:
    """Documents in order, through the extractor and the archive-level name
    book, as the indexer runs them."""
    from indexer.entities import NameBook

    book = NameBook()
    pred = {"PER": set(), "LOC": set()}
    gold = {"PER": set(), "LOC": set()}
    for start in range(0, len(docs), batch_size):
        chunk = docs[start:start + batch_size]
        # CoNLL is annotated sentence by sentence, one a line: its line ends
        # are hard breaks, even where the source had wrapped a name.
        results = extractor.extract_many([(d.title, d.body) for d in chunk], wrapped=False)
        book.add(results, [(d.title, d.body) for d in chunk])
        results = [book.resolve(r, d.title, d.body) for r, d in zip(results, chunk)]
        for i, (d, ents) in enumerate(zip(chunk, results), start=start):
            for kind in ("PER", "LOC"):
                gold[kind] |= {(i, *s) for s in d.gold.get(kind, ())}
            for e in ents:
                kind = "PER" if e.kind == "person" else "LOC"
                pred[kind] |= {(i, m.field, m.start, m.end) for m in e.mentions}
    return {"documents": len(docs), "people": score(pred["PER"], gold["PER"]),
            "places": score(pred["LOC"], gold["LOC"])}
