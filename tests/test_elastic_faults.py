"""Elasticsearch going away mid-run: a clear failure, then a clean rerun."""
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SCRIPT = str(ROOT / "scripts" / "elasticsearch")
PORT = "9201"  # a node of its own, so the shared test node keeps running
URL = f"http://127.0.0.1:{PORT}"


def _count(alias: str) -> int:
    try:
        with urllib.request.urlopen(f"{URL}/{alias}/_count", timeout=2) as r:
            return json.load(r)["count"]
    except Exception:
        return -1


@pytest.fixture
def node(es_url):
    env = {**os.environ, "ES_PORT": PORT, "ES_HEAP": "384m"}
    subprocess.run([SCRIPT, "start"], env=env, check=True, timeout=300)
    yield env
    subprocess.run([SCRIPT, "stop"], env=env, timeout=120)


def test_stopping_the_node_mid_load_fails_clearly_and_a_rerun_completes(node, tmp_path):
    from tests.conftest import delete_indices

    alias = "fault-test"
    subprocess.run([SCRIPT, "start"], env=node, check=True, timeout=300)
    delete_indices(URL, alias)
    corpus = tmp_path / "many.jsonl"
    n = 2500
    with open(corpus, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"f{i}", "title": f"Report {i} from Paris",
                                "body": f"Officials in Berlin and Rome met on day {i}. " * 6,
                                "published": "2025-01-01"}) + "\n")
    env = {**os.environ, "NEWSARCHIVE_EMBEDDER": "hash", "NEWSARCHIVE_CACHE": str(tmp_path),
           "NEWSARCHIVE_STORE": f"{URL}/{alias}"}
    cmd = [sys.executable, "-m", "newsarchive.cli", "index", str(corpus)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while _count(alias) <= 0 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the load finished before the node could be stopped"
    subprocess.run([SCRIPT, "stop"], env=node, check=True, timeout=120)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 75, out + err  # EX_TEMPFAIL: run it again later
    assert "cannot reach Elasticsearch" in err and "is it running?" in err
    assert "Traceback" not in err

    subprocess.run([SCRIPT, "start"], env=node, check=True, timeout=300)
    done = subprocess.run(cmd + ["--json"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["new"] + summary["unchanged"] == n and summary["unchanged"] > 0
    assert _count(alias) == n, "nothing lost and nothing duplicated"
    delete_indices(URL, alias)
