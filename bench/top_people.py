"""The people facet's top of a whole store, with the non-persons in it counted.

    .venv/bin/python bench/top_people.py [--store DIR] [--top 100] [--label before]

Non-persons are the strings listed in bench/data/not_people.txt, judged by hand
(companies, parties, awards, places, bare surnames of several people); a string
not judged yet is shown in the list for a reader to judge. The store is the
whole shared corpus as bench/latency.py and bench/keystroke.py build it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, git_rev, write_section  # noqa: E402
from bench.keystroke import FULL  # noqa: E402

JUDGED = ROOT / "bench" / "data" / "not_people.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=FULL)
    ap.add_argument("--top", type=int, default=100)
    ap.add_argument("--label", default="current", help="a name for this list (e.g. before)")
    args = ap.parse_args()
    from archive.embedded import EmbeddedStore
    from archive.model import SearchRequest

    store = EmbeddedStore(args.store)
    top = store.search(SearchRequest(facet_size=args.top)).facets["people"]
    stats = store.stats()
    wrong = {line.strip() for line in JUDGED.read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    bad = [v for v in top if v.value in wrong]
    listed = ", ".join(f"**{v.value}** ({v.count})" if v.value in wrong else
                       f"{v.value} ({v.count})" for v in top)
    body = f"""
Command: `.venv/bin/python bench/top_people.py --store {args.store} --top {args.top} --label {args.label}`
(commit {git_rev()}). Store: {stats['articles']:,} articles of the shared corpus, {stats['people']:,}
people, built as the label says.

Non-persons (bold, judged by hand in bench/data/not_people.txt): **{len(bad)} of {len(top)}**.

{listed}
"""
    print(body)
    write_section(f"People facet, top {args.top} of the whole corpus ({args.label})", body)


if __name__ == "__main__":
    main()
