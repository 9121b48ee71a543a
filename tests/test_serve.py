"""`newsarchive serve` as an operator runs it: a real server process on loopback."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from newsarchive import serving
from tests.conftest import ROOT, unavailable


@pytest.fixture(autouse=True)
def _posix():
    if sys.platform == "win32":
        unavailable("these tests use /proc and signals")


class Server:
    def __init__(self, tmp_path, *args, env=None, store_option=True):
        e = dict(os.environ, NEWSARCHIVE_EMBEDDER="hash", PYTHONPATH=str(ROOT),
                 HF_HUB_OFFLINE="1", **(env or {}))
        self.log = tmp_path / "serve.log"
        store = ["--store", str(tmp_path / "store")] if store_option else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsarchive.cli", "serve", *store,
             "--port", "0", *args], cwd=ROOT, env=e, stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"), start_new_session=True)
        deadline = time.monotonic() + 60
        while not (m := re.search(r"on http://127\.0\.0\.1:(\d+)/", self.log.read_text())):
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.get("/api/search?size=1")  # the app is built before the first answer

    def get(self, path, timeout=10):
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def threads(self, pid=None):
        return len(os.listdir(f"/proc/{pid or self.proc.pid}/task"))

    def children(self):
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def server(tmp_path):
    started = []

    def start(*args, env=None):
        s = Server(tmp_path, *args, env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def _half_open(port, n):
    """Connections that send part of a request's headers and then nothing."""
    socks = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"GET /api/search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(c)
    return socks


def test_flask_debug_never_turns_on_the_debugger(server):
    s = server(env={"FLASK_DEBUG": "1"})
    status, _ = s.get("/console")
    assert status == 404
    status, body = s.get("/api/articles/nope")
    assert status == 404 and b"Traceback" not in body


def test_half_open_connections_do_not_hold_threads(server):
    s = server("--threads", "4")
    before = s.threads()
    socks = _half_open(s.port, 200)
    try:
        t = time.monotonic()
        status, _ = s.get("/api/search?q=harbour", timeout=5)
        assert status == 200 and time.monotonic() - t < 3
        assert s.threads() <= before + 2, "a thread per half-open connection"
    finally:
        for c in socks:
            c.close()


def test_idle_connections_are_closed_after_the_idle_timeout(server):
    s = server("--idle-timeout", "2")
    (c,) = _half_open(s.port, 1)
    c.settimeout(10)
    t = time.monotonic()
    assert c.recv(100) == b"", "the server closes the connection"
    assert time.monotonic() - t < 6
    c.close()


def test_workers_serve_and_a_dead_worker_is_replaced(server):
    s = server("--workers", "2", "--threads", "2")
    deadline = time.monotonic() + 30
    while len(s.children()) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    first = s.children()
    for _ in range(10):
        assert s.get("/api/search?q=x")[0] == 200
    time.sleep(serving.MIN_WORKER_LIFE)
    os.kill(first[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not (len(s.children()) == 2 and first[0] not in s.children()):
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        time.sleep(0.2)
    assert s.get("/api/search?q=x")[0] == 200
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(15) == 0
    for pid in first[1:]:
        assert not Path(f"/proc/{pid}").exists() or \
            "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_non_loopback_host_is_warned_about(tmp_path):
    # 192.0.2.1 is reserved for documentation: the bind fails, nothing is exposed.
    r = subprocess.run([sys.executable, "-m", "newsarchive.cli", "serve", "--store",
                        str(tmp_path / "store"), "--host", "192.0.2.1", "--port", "0"],
                       cwd=ROOT, env=dict(os.environ, NEWSARCHIVE_EMBEDDER="hash",
                                          PYTHONPATH=str(ROOT)),
                       capture_output=True, text=True, timeout=60)
    assert "warning: listening on 192.0.2.1" in r.stderr and "reverse proxy" in r.stderr
    assert r.returncode == 1 and "is 192.0.2.1 an address of this machine?" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.0.0.2", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("example.org", False),
])
def test_loopback_hosts(host, loopback):
    assert serving.is_loopback(host) is loopback


def test_a_port_in_use_is_a_short_message(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        r = subprocess.run([sys.executable, "-m", "newsarchive.cli", "serve", "--store",
                            str(tmp_path / "store"), "--port", str(port)],
                           cwd=ROOT, env=dict(os.environ, NEWSARCHIVE_EMBEDDER="hash",
                                              PYTHONPATH=str(ROOT)),
                           capture_output=True, text=True, timeout=60)
    finally:
        taken.close()
    assert r.returncode == 1 and f"another server is on port {port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_store_can_come_from_the_environment_as_in_the_docker_image(tmp_path):
    """The image runs `newsarchive serve` with NEWSARCHIVE_STORE and no --store."""
    where = tmp_path / "from-env"
    s = Server(tmp_path, store_option=False, env={"NEWSARCHIVE_STORE": str(where)})
    try:
        assert f"Serving {where} on" in s.log.read_text()
        status, body = s.get("/api/search?q=anything")
        assert status == 200 and b"newsarchive index" in body
    finally:
        s.stop()
