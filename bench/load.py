"""Search under load: `newsarchive serve` answering concurrent clients while the
archive is idle, while `index` adds articles, while takedowns are deleted and
compacted away, and while `reindex` rebuilds it.

Bounded and loopback only: the server listens on 127.0.0.1, at most
MAX_CLIENTS clients, and every phase stops after MAX_PHASE seconds. Run it
alone (the machine is shared): `flock /tmp/bench.lock .venv/bin/python bench/load.py`.

Each client keeps one HTTP/1.1 connection and sends /api/search requests
(hybrid, keyword and semantic; some with a facet filter) one after another.
An error is any answer but 200, or a connection failure. Reported: requests
per second, p50/p95/p99 latency, errors, and the server's resident memory.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ARTICLES, ROOT, git_rev, machine, pct, require_data, write_section  # noqa: E402

MAX_CLIENTS = 32
MAX_PHASE = 600.0
HOST = "127.0.0.1"  # never anything else: this is a load generator


def _env(work: Path) -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1",
                NEWSARCHIVE_STORE=str(work / "store"), NEWSARCHIVE_CACHE=str(work / "cache"))


def _cli(work: Path, *args) -> list[str]:
    return [sys.executable, "-m", "newsarchive.cli", *args]


def _corpus(work: Path, skip: int, n: int, name: str) -> tuple[Path, list[str]]:
    """n articles of the shared corpus after the first `skip` that have a body
    (a few Reuters records have none), and their titles."""
    out, titles, seen = work / name, [], 0
    with open(ARTICLES) as f, open(out, "w") as w:
        for line in f:
            rec = json.loads(line)
            if not (rec.get("body") or "").strip():
                continue
            seen += 1
            if seen <= skip:
                continue
            if len(titles) >= n:
                break
            w.write(line)
            titles.append(rec.get("title") or "")
    return out, titles


def _queries(titles: list[str], n: int = 200) -> list[str]:
    """Paths of a realistic mix: 3 words of a headline, in every mode, a fifth filtered."""
    rng = random.Random(7)
    out = []
    for _ in range(n):
        words = re.findall(r"[A-Za-z]{3,}", rng.choice(titles))
        q = " ".join(words[:3]) or "news"
        mode = rng.choices(["hybrid", "keyword", "semantic"], [3, 1, 1])[0]
        params = [("q", q), ("mode", mode)]
        if rng.random() < 0.2:
            params.append(("country", rng.choice(["US", "GB", "FR", "CN", "UA"])))
        out.append("/api/search?" + urllib.parse.urlencode(params))
    return out


class Server:
    def __init__(self, work: Path, threads: int, workers: int):
        self.log = open(work / f"serve-{workers}.log", "w")
        self.proc = subprocess.Popen(
            _cli(work, "serve", "--host", HOST, "--port", "0", "--threads", str(threads),
                 "--workers", str(workers)),
            env=_env(work), cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 180
        text = ""
        while not (m := re.search(r"on http://127\.0\.0\.1:(\d+)/", text)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: the server did not start:\n{text}")
            time.sleep(0.2)
            text = Path(self.log.name).read_text()
        self.port = int(m.group(1))
        # Every worker loads the model on its first semantic query (or at start):
        # warm them all before measuring.
        for _ in range(4 * workers):
            status, _ = get(self.port, "/api/search?q=warm+up&mode=semantic", timeout=180)
            if status != 200:
                raise SystemExit(f"bench: warm-up answered {status}")

    def rss_mb(self) -> list[float]:
        """Resident memory of each serving process (the workers, or the one server)."""
        pids = [self.proc.pid]
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids = [int(k) for k in kids] or pids
        except OSError:
            pass
        out = []
        for pid in pids:
            m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
            out.append(int(m.group(1)) / 1024)
        return out

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def load(port: int, paths: list[str], clients: int, until) -> dict:
    """`clients` threads send requests back to back until `until()` is true."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int):
        rng = random.Random(n)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine, bad = [], []
        while not until():
            path = rng.choice(paths)
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    bad.append(f"{r.status} {path}")
            except (OSError, http.client.HTTPException) as e:
                bad.append(f"{type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            lat.extend(mine)
            errors.extend(bad)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    ms = [x * 1000 for x in lat]
    return {"requests": len(lat) + len(errors), "errors": len(errors), "seconds": seconds,
            "rps": len(lat) / seconds if seconds else 0.0,
            "p50": pct(ms, 50) if ms else None, "p95": pct(ms, 95) if ms else None,
            "p99": pct(ms, 99) if ms else None, "error_samples": errors[:5]}


def phase(name: str, server: Server, paths, clients, seconds, job: list[str] | None, work: Path):
    """A load of at least `seconds`; with a job, for as long as the job runs too (capped)."""
    proc = None
    if job:
        proc = subprocess.Popen(job, env=_env(work), cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    start = time.monotonic()

    def until():
        elapsed = time.monotonic() - start
        if elapsed > MAX_PHASE:
            return True
        return elapsed >= seconds and (proc is None or proc.poll() is not None)

    r = load(server.port, paths, clients, until)
    r["phase"] = name
    r["rss_mb"] = server.rss_mb()
    if proc is not None:
        out, _ = proc.communicate(timeout=MAX_PHASE)
        r["job_status"] = proc.returncode
        r["job_tail"] = out.strip().splitlines()[-2:] if out else []
        if proc.returncode != 0:
            print(out, file=sys.stderr)
    print(f"{name}: {r['rps']:.1f} req/s  p50 {r['p50']:.0f} ms  p95 {r['p95']:.0f} ms  "
          f"p99 {r['p99']:.0f} ms  errors {r['errors']}/{r['requests']}  "
          f"RSS {', '.join(f'{m:.0f}' for m in r['rss_mb'])} MB", file=sys.stderr)
    return r


# Takedowns and compaction, round after round, as an operator would run them
# on a live archive: delete a few articles, commit, compact (every segment
# merged into one and the text index rewritten with the live articles only,
# the slow part), until the phase's time is up.
COMPACT_JOB = r"""
import random, sys, time
from archive.embedded import EmbeddedStore
store_dir, seconds = sys.argv[1], float(sys.argv[2])
rng, rounds, gone, start = random.Random(7), 0, 0, time.monotonic()
PER_ROUND = 2  # a second apart: the archive keeps most of its articles for the phases after
while rounds == 0 or time.monotonic() - start < seconds:
    s = EmbeddedStore(store_dir, writable=True)
    ids = sorted(s.content_hashes())
    gone += s.delete(rng.sample(ids, min(PER_ROUND, len(ids))))
    s.compact()
    s.close()
    rounds += 1
    time.sleep(1)
print(f"{rounds} rounds of delete + compact, {gone} articles taken down")
"""


def _compact_job(work: Path, seconds: float) -> list[str]:
    return [sys.executable, "-c", COMPACT_JOB, str(work / "store"), str(seconds)]


def _amx() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    return "AMX" if "amx_bf16" in flags else "no AMX"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=int, default=1500, help="articles in the store before the load")
    ap.add_argument("--extra", type=int, default=500, help="articles `index` adds under load")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of the plain phase")
    ap.add_argument("--threads", type=int, default=8, help="server threads per worker")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker counts for the plain phase (the first serves the others)")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = ap.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS:
        raise SystemExit(f"bench: --clients must be 1..{MAX_CLIENTS}")
    args.seconds = min(args.seconds, MAX_PHASE)
    require_data()

    work = Path(tempfile.mkdtemp(prefix="newsarchive-load-"))
    base, titles = _corpus(work, 0, args.base, "base.jsonl")
    extra, _ = _corpus(work, args.base, args.extra, "extra.jsonl")
    print(f"bench: indexing {args.base} articles into {work}/store", file=sys.stderr)
    t = time.perf_counter()
    subprocess.run(_cli(work, "index", str(base)), env=_env(work), cwd=ROOT, check=True)
    print(f"bench: indexed in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    paths = _queries(titles)

    load_before = os.getloadavg()[0]
    results = []
    for workers in args.workers:
        server = Server(work, args.threads, workers)
        try:
            results.append(phase(f"plain, {workers} worker(s)", server, paths, args.clients,
                                 args.seconds, None, work))
            if workers == args.workers[0]:
                results.append(phase(f"during `index` of {args.extra} articles", server, paths,
                                     args.clients, args.seconds,
                                     _cli(work, "index", str(extra)), work))
                results.append(phase("during takedowns + compaction", server, paths,
                                     args.clients, args.seconds,
                                     _compact_job(work, args.seconds), work))
                results.append(phase(f"during `reindex` of {args.base + args.extra} articles",
                                     server, paths, args.clients, args.seconds,
                                     _cli(work, "reindex"), work))
        finally:
            server.stop()

    lines = ["| phase | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | errors | "
             "server RSS (MB per process) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['phase']} | {r['seconds']:.0f} | {r['requests']} | {r['rps']:.1f} | "
                     f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} | "
                     f"{', '.join(f'{m:.0f}' for m in r['rss_mb'])} |")
    errors = [s for r in results for s in r["error_samples"]]
    compact_note = next((" ".join(r.get("job_tail", [])) for r in results
                         if r["phase"].startswith("during takedowns")), "not run")
    body = f"""Command: `flock /tmp/bench.lock .venv/bin/python bench/load.py --base {args.base} \
--extra {args.extra} --clients {args.clients} --seconds {args.seconds:g} --threads {args.threads} \
--workers {' '.join(map(str, args.workers))}` (commit {git_rev()}).
Machine: {machine()}, {_amx()}; shared with other work: the 1-minute load average was
{load_before:.1f} when the load began and {os.getloadavg()[0]:.1f} when it ended, so these are
numbers under contention.

`newsarchive serve` (waitress, {args.threads} threads per worker, default embedding backend)
on 127.0.0.1 over an embedded store of {args.base} articles of the shared corpus; {args.clients}
clients, each one keep-alive connection sending `/api/search` back to back (3 hybrid : 1 keyword
: 1 semantic, a fifth with a country filter, query = three words of a headline). The `index` and
`reindex` phases run the real command (NER, real model, commits every 500 articles or 30 s) next
to the load and last until it ends; reindex takes its vectors from the embedding cache, so it is
mostly NER and writing. An error is any answer but 200 or a failed connection.

{chr(10).join(lines)}

{"Errors seen: " + "; ".join(errors) if errors else "No errors in any phase."} The compaction
phase deletes 2 articles, commits and compacts (`EmbeddedStore.compact`: every segment merged
into one and the text index rewritten, so the deleted rows leave the disk), then waits a second,
round after round for the phase's length: {compact_note}.
RSS is per serving process after the phase: each worker holds its own model,
so extra workers cost memory first; on 2 cores they add little throughput over threads.
"""
    print(body)
    if not args.no_write:
        write_section("Serving under load (bench/load.py)", body)


if __name__ == "__main__":
    main()
