"""Shared helpers for the benchmarks: the corpus, the machine, BENCHMARKS.md."""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
ARTICLES = SHARED / "data" / "articles.jsonl"


def require_data() -> None:
    if not ARTICLES.exists():
        raise SystemExit(f"bench: {ARTICLES} not found; set NEWSARCHIVE_SHARED to the shared/ folder")


def subset(out: Path, source: str | None = None, limit: int | None = None) -> int:
    """Write the articles of one source (e.g. 'bbc') to a JSONL file."""
    require_data()
    n = 0
    with open(ARTICLES) as f, open(out, "w") as w:
        for line in f:
            rec = json.loads(line)
            if source and not rec["id"].startswith(source):
                continue
            w.write(line)
            n += 1
            if limit and n >= limit:
                break
    return n


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.+)", info)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem}, Python {platform.python_version()}"


def git_rev() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def write_section(title: str, body: str) -> None:
    """Replace (or add) one `## title` section of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else (
        "# Benchmarks\n\nEach section is written by the script it names; rerun it to refresh.\n")
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")


def pct(values, p):
    """The p-th percentile of a list of timings (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
